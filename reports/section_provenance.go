package reports

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
)

// provenanceSection says where the numbers come from: the files written beside the page, the
// dataset fingerprint of every (dataset config, seed), and the spec as run. (The versions and
// commits are in the page's header.)
type provenanceSection struct{}

func (provenanceSection) build(a *analysis) cell {
	prints := a.fingerprintTable()
	c := cell{
		ID:        "provenance",
		Title:     "Provenance and spec",
		Narrative: []para{{Files: filesParagraph}},
		Tables: []table{{
			Display: &prints,
			Fold:    "Dataset fingerprints per dataset configuration and seed",
			Empty:   "No run recorded a dataset fingerprint.",
		}},
	}
	s := a.Store
	if s.SpecErr != "" {
		c.Notes = append(c.Notes, note(htmlf("spec.toml could not be read: %s", s.SpecErr)))
	}
	if s.SpecSource != nil {
		c.Notes = append(c.Notes, para{Fold: "spec.toml as run", Pre: string(s.SpecSource)})
	} else {
		c.Notes = append(c.Notes, muted("The store has no spec.toml."))
	}
	return c
}

// filesParagraph links the table files the report wrote.
func filesParagraph(tableFiles []string) template.HTML {
	links := make([]string, len(tableFiles))
	for i, f := range tableFiles {
		links[i] = string(htmlf(`<a href="tables/%s"><code>%s</code></a>`, url.PathEscape(f), f))
	}
	return htmlf("Files written beside this page: the figures as PNG and SVG in <code>figures/</code>, and in <code>tables/</code>: %s. "+
		"CSV files hold plain fractions (not percent) with empty cells for missing values.", template.HTML(strings.Join(links, ", ")))
}

// fingerprintTable has a row per dataset config and seed with the dataset fingerprints its runs
// reported; a row with more than one is flagged (its models did not see the same data).
func (a *analysis) fingerprintTable() displayTable {
	t := displayTable{
		Header: []string{"dataset", "seed", "fingerprint"},
		Right:  []bool{false, true, false},
		Mono:   []bool{false, false, true},
	}
	for _, g := range a.Datasets {
		for _, sd := range sortedKeys(g.Fingerprints) {
			fps := g.Fingerprints[sd]
			t.Rows = append(t.Rows, []string{g.Label, fmt.Sprint(sd), strings.Join(fps, " ")})
			t.Bad = append(t.Bad, len(fps) > 1)
		}
	}
	return t
}
