package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docs/extending.md ("Adding a report section") quotes the code between the two marker lines
// below; TestExtendingDocQuotesTheExample keeps the two the same.

// example:begin
// gapSection shows what a new user loses: seen- and unseen-user test accuracy side by side for
// every model config, as grouped bars, one chart per dataset config, and a table of the gaps.
type gapSection struct{}

func (gapSection) build(a *analysis) cell {
	c := cell{
		ID:    "gap",
		Title: "Seen against unseen users",
		Narrative: []para{text("Test accuracy of the users a model was trained on beside that of " +
			"held-out users, after their few-shot adaptation.")},
	}
	for gi, g := range a.Datasets {
		cs := chartSpec{
			ID:      fmt.Sprintf("gap-%d", gi),
			File:    joinStem("gap", g.FileStem),
			Title:   fmt.Sprintf("Seen- and unseen-user test accuracy (%s)", g.Label),
			XLabel:  "model configuration",
			YLabel:  "test accuracy (%)",
			YUnit:   "%",
			Caption: "Bars are means over seeds; error bars span ± one sample standard deviation over seeds.",
			Series: []chartSeries{
				{Name: "seen users", Color: palette[0], Kind: barsKind{}},
				{Name: "unseen users", Color: palette[1], Kind: barsKind{}},
			},
		}
		var names []string
		for i, rw := range g.Rows {
			names = append(names, rw.Label)
			cs.Series[0].Points = append(cs.Series[0].Points, pointOf(float64(i), rw.Seen))
			cs.Series[1].Points = append(cs.Series[1].Points, pointOf(float64(i), rw.Unseen))
		}
		cs.setCategories(names)
		c.Charts = append(c.Charts, cs)
	}
	h, right := a.configHeader()
	t := displayTable{Header: append(h, "seen − unseen (pp)"), Right: append(right, true)}
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			gap := missing
			if rw.Seen.N > 0 && rw.Unseen.N > 0 {
				gap = fix2(pct(rw.Seen.Mean - rw.Unseen.Mean))
			}
			t.Rows = append(t.Rows, append(a.configCells(rw), gap))
		}
	}
	c.Tables = []table{{
		Name:    "gap",
		Caption: "Seen- minus unseen-user test accuracy: the difference of the means over seeds.",
		Display: &t,
	}}
	return c
}

// example:end

// The example section compiles, renders as the report's last cell, writes its figures and
// table, and has its golden file (testdata/gap__k_true=1.svg).
func TestExampleSection(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store")
	must(t, os.MkdirAll(store, 0o755))
	writeFakeStore(t, store, fakeStore(), true)
	out := filepath.Join(store, "report")
	secs := append(slices.Clone(sections), gapSection{})
	must(t, render(store, out, Options{}, secs))

	page := readFile(t, filepath.Join(out, "report.html"))
	wantIn(t, "report.html", page,
		`<li><a href="#gap">Seen against unseen users</a></li>`,
		`<section class="cell" id="gap">`, `<div class="label">[7]</div>`,
		`id="gap-0"`, `mk("gap-1", `, `href="figures/gap__k_true=3.svg"`,
		"held-out users, after their few-shot adaptation.",
		`<td class="r">2.00</td>`, // k_true = 3, btl: 72.00 - 70.00
		`<a href="tables/gap.md"><code>gap.md</code></a>`,
	)
	for _, f := range []string{"figures/gap__k_true=1.png", "figures/gap__k_true=3.svg", "tables/gap.md", "tables/gap.tex"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	checkSectionGoldens(t, store, out, []section{gapSection{}})
}

// docs/extending.md shows exactly the code the test above compiles.
func TestExtendingDocQuotesTheExample(t *testing.T) {
	src := readFile(t, "example_section_test.go")
	m := regexp.MustCompile(`(?s)// example:begin\n(.*?)\n+// example:end\n`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("example_section_test.go has no example:begin ... example:end region")
	}
	doc := readFile(t, filepath.Join("..", "docs", "extending.md"))
	start := strings.Index(doc, "## Adding a report section")
	if start < 0 {
		t.Fatal(`docs/extending.md has no "## Adding a report section" heading`)
	}
	part := doc[start:]
	if i := strings.Index(part[3:], "\n## "); i >= 0 {
		part = part[:i+3]
	}
	if !strings.Contains(part, "```go\n"+m[1]+"\n```\n") {
		t.Errorf("docs/extending.md, \"Adding a report section\", does not quote the example of example_section_test.go " +
			"(between the example:begin and example:end lines) as one ```go block: copy it again")
	}
}
