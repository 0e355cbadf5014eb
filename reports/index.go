package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"path/filepath"

	"github.com/pal-harness/pal/internal/atomicfile"
)

// Headline is the first headline finding of the report of the run store in storeDir (the
// summary cell's first sentence, e.g. the best configuration's accuracy against the baseline),
// as plain text: what an index of several reports says about each.
func Headline(storeDir string) (string, error) {
	o, err := Options{}.withDefaults()
	if err != nil {
		return "", err
	}
	s, err := loadStore(storeDir)
	if err != nil {
		return "", err
	}
	a := analyse(s, o)
	fs := a.findings()
	if len(fs) == 0 {
		return "", nil
	}
	out := fs[0].Text
	// The most telling heterogeneity finding, when there is one: the worst group, else users
	// one by one, else group recovery.
	for _, f := range fs[1:] {
		if f.Anchor == "groups" || f.Anchor == "users" || f.Anchor == "recovery" {
			return out + " " + f.Title + ": " + f.Text, nil
		}
	}
	return out, nil
}

// IndexEntry is one experiment of an index page: its name, its report's path relative to the
// index, and the headline (or, for an experiment without a report, why).
type IndexEntry struct {
	Name, Description, Report, Headline, Note string
}

var indexPage = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:Georgia,serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
h1{font-size:1.5em}li{margin:0.8em 0}.note{color:#8a4b00}.muted{color:#666}</style></head>
<body><h1>{{.Title}}</h1>
<p class="muted">One report per experiment; each headline is the first finding of its report's summary, computed from its runs.</p>
<ul>{{range .Entries}}
<li>{{if .Report}}<a href="{{.Report}}"><strong>{{.Name}}</strong></a>{{else}}<strong>{{.Name}}</strong>{{end}}{{if .Description}} <span class="muted">— {{.Description}}</span>{{end}}<br>
{{if .Headline}}{{.Headline}}{{end}}{{if .Note}}<span class="note">{{.Note}}</span>{{end}}</li>{{end}}
</ul></body></html>
`))

// WriteIndex writes dir/index.html linking every entry's report with its headline.
func WriteIndex(dir, title string, entries []IndexEntry) (string, error) {
	var buf bytes.Buffer
	if err := indexPage.Execute(&buf, struct {
		Title   string
		Entries []IndexEntry
	}{title, entries}); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "index.html")
	if err := atomicfile.Write(path, buf.Bytes()); err != nil {
		return "", fmt.Errorf("writing the index page: %w", err)
	}
	return path, nil
}
