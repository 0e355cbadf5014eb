package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"slices"
	"strings"
)

// echartsJS is echarts 5.6.0 (Apache-2.0, assets/ECHARTS-LICENSE), inlined into every page so
// that a report opens on a machine with no network. 5.6.0 rather than 6: in 6 a legend was
// drawn over a control.
//
//go:embed assets/echarts.min.js
var echartsJS string

//go:embed assets/report.html.tmpl
var pageTemplate string

var pageTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": strings.Join,
	"inc":  func(i int) int { return i + 1 },
}).Parse(pageTemplate))

// pageData is what the page template shows: the header, then every section's cell.
type pageData struct {
	Title       string
	SpecName    string
	Description string
	StoreDir    string
	NRuns       int
	NOK         int
	NFailed     int
	NOther      int
	Seeds       string
	NSeeds      int
	PalVersions []string
	GitCommits  []string
	GoVersions  []string
	DataNotes   []string
	StoreNotes  []string // stale results left out, runs without a result, how runs were told apart
	NPrints     int      // (dataset config, seed) pairs with a fingerprint row
	PrintWarn   string

	Cells      []cell // headings and file lists filled in
	EchartsJS  template.JS
	ChartsInit template.JS
}

// page lays out the header and the cells; tableFiles are the files writeTables wrote.
func (a *analysis) page(cells []cell, tableFiles []string) ([]byte, error) {
	s := a.Store
	d := pageData{
		Title:       a.Opts.Title,
		SpecName:    s.SpecName,
		Description: s.Description,
		StoreDir:    s.Dir,
		NRuns:       len(s.Runs),
		NOK:         len(s.OK),
		NFailed:     len(s.Failed),
		NOther:      len(s.Unknown),
		NSeeds:      len(s.Seeds),
		PalVersions: a.PalVersions,
		GitCommits:  a.GitCommits,
		GoVersions:  a.GoVersions,
		DataNotes:   a.DatasetNotes,
		StoreNotes:  s.Notes,
		EchartsJS:   template.JS(echartsJS),
	}
	if d.Title == "" {
		d.Title = "PAL report: " + s.SpecName
	}
	seeds := make([]string, len(s.Seeds))
	for i, sd := range s.Seeds {
		seeds[i] = fmt.Sprint(sd)
	}
	d.Seeds = strings.Join(seeds, ", ")
	prints := a.fingerprintTable()
	d.NPrints = len(prints.Rows)
	if slices.Contains(prints.Bad, true) {
		d.PrintWarn = "Some seeds report more than one dataset fingerprint: the models of that replicate did not see the same data, so the paired comparison is not paired on data."
	}

	var init strings.Builder
	for _, c := range cells {
		if c.Heading == "" {
			c.Heading = htmlf("%s", c.Title)
		}
		c.Narrative, c.Notes = withFiles(c.Narrative, tableFiles), withFiles(c.Notes, tableFiles)
		for _, cs := range c.Charts {
			js, err := echartsOption(cs)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&init, "  mk(%q, %s);\n", cs.ID, js)
		}
		d.Cells = append(d.Cells, c)
	}
	d.ChartsInit = template.JS(init.String())

	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("report.html: %w", err)
	}
	return b.Bytes(), nil
}

// withFiles writes the paragraphs that list the table files.
func withFiles(ps []para, tableFiles []string) []para {
	out := make([]para, len(ps))
	for i, p := range ps {
		if p.Files != nil {
			p.HTML, p.Files = p.Files(tableFiles), nil
		}
		out[i] = p
	}
	return out
}
