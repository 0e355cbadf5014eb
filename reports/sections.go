package reports

import (
	"fmt"
	"html/template"
)

// A section is one numbered cell of the report: given the analysis of the store (and the
// options, a.Opts), it says what the cell shows. It only reads a; render.go writes the cell's
// figures and tables and the page lays it out. docs/extending.md shows how to add one.
type section interface {
	build(a *analysis) cell
}

// sections is the report, in page order; the table of contents follows it. Adding a section
// is one type with a build method (in a file of its own) and one line here.
var sections = []section{
	summarySection{},     // the headline findings, computed from the analyses below
	accuracySection{},    // [1] accuracy over seeds, with intervals
	accVsXSection{},      // [2] accuracy against K (or another numeric model axis)
	fewShotSection{},     // [3] unseen users' accuracy against their number of pairs
	pairedSection{},      // [4] every model config against the baseline, paired by seed
	claimsSection{},      // [5] the paper's claims about this experiment beside ours, with a verdict
	groupsSection{},      // accuracy per true group: the worst group and the gap
	usersSection{},       // per-user accuracy, personalized against the baseline, paired by user
	recoverySection{},    // ARI and NMI of prototypes against true groups, weight distance
	simplexSection{},     // every user's learned weights on the simplex, by true group
	prototypesSection{},  // effective number of prototypes and users' weight entropy against K
	geometrySection{},    // distances between prototypes: heat map, closest pair
	curvesSection{},      // training and validation loss per epoch, epoch-cap warnings
	dataPerUserSection{}, // users' accuracy against their number of training pairs
	chooseKSection{},     // the K the one-standard-error rule picks on validation accuracy
	calibrationSection{}, // reliability diagram and expected calibration error
	failedSection{},      // the runs that failed, with their reasons
	provenanceSection{},  // versions, fingerprints, the files written, the spec as run
}

// A cell is what a section shows, in reading order: what is measured and how (Narrative),
// the figures, the tables, then closing notes. The page renders every cell with one template.
type cell struct {
	ID    string // anchor in the page ("accuracy"); unique
	Title string // the heading, and the entry in the table of contents
	// Heading, when set, is the heading with markup ("... (<code>btl</code>)"); the table of
	// contents keeps the plain Title.
	Heading   template.HTML
	Narrative []para
	Charts    []chartSpec
	Tables    []table
	Notes     []para
}

// A para is one block of a cell's text.
type para struct {
	Class string        // "" for plain text, "note" for a warning, "muted" for an aside
	HTML  template.HTML // the text, with inline markup (htmlf builds it)
	// Fold and Pre, when Fold is set, show the preformatted text Pre folded away under the
	// summary line Fold (the spec as run).
	Fold, Pre string
	// Files, when set, writes the paragraph from the names of the table files the report
	// writes, known only once every section is built (the provenance cell lists them).
	Files func(tableFiles []string) template.HTML
}

func text(h template.HTML) para  { return para{HTML: h} }
func note(h template.HTML) para  { return para{Class: "note", HTML: h} }
func muted(h template.HTML) para { return para{Class: "muted", HTML: h} }

// htmlf is fmt.Sprintf for HTML: format is trusted markup, and every string argument is
// escaped unless it is already template.HTML.
func htmlf(format string, args ...any) template.HTML {
	esc := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case template.HTML:
			esc[i] = string(v)
		case string:
			esc[i] = template.HTMLEscapeString(v)
		case fmt.Stringer:
			esc[i] = template.HTMLEscapeString(v.String())
		default:
			esc[i] = a
		}
	}
	return template.HTML(fmt.Sprintf(format, esc...))
}

// buildCells builds every section's cell, in order, and checks that no two of them claim the
// same element id (anchor or chart), figure file or table file (one would overwrite the other).
func buildCells(a *analysis, secs []section) ([]cell, error) {
	cells := make([]cell, 0, len(secs))
	used := map[string]string{}
	claim := func(kind, name, by string) error {
		key := kind + " " + name
		if other, ok := used[key]; ok {
			return fmt.Errorf("report sections %s and %s both use the %s %q", other, by, kind, name)
		}
		used[key] = by
		return nil
	}
	for _, s := range secs {
		c := s.build(a)
		by := fmt.Sprintf("%T", s)
		if err := claim("element id", c.ID, by); err != nil {
			return nil, err
		}
		for _, cs := range c.Charts {
			if err := claim("element id", cs.ID, by); err != nil {
				return nil, err
			}
			if err := claim("figure", cs.File, by); err != nil {
				return nil, err
			}
		}
		for _, t := range c.Tables {
			if t.Name == "" {
				continue
			}
			if err := claim("table", t.Name, by); err != nil {
				return nil, err
			}
		}
		cells = append(cells, c)
	}
	return cells, nil
}
