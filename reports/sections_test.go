package reports

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixedSection returns the cell it holds.
type fixedSection struct{ c cell }

func (s fixedSection) build(*analysis) cell { return s.c }

// Two sections that claim the same anchor, chart, figure or table file are refused: one would
// silently overwrite the other.
func TestSectionsMustNotClash(t *testing.T) {
	store := t.TempDir()
	writeFakeStore(t, store, fakeStore(), true)
	for _, c := range []struct {
		name string
		add  cell
		want string
	}{
		{"anchor", cell{ID: "failed"}, `element id "failed"`},
		{"chart id", cell{ID: "x", Charts: []chartSpec{{ID: "accuracy", File: "x"}}}, `element id "accuracy"`},
		{"figure", cell{ID: "x", Charts: []chartSpec{{ID: "x-0", File: "few_shot__k_true=3"}}}, `figure "few_shot__k_true=3"`},
		{"table", cell{ID: "x", Tables: []table{{Name: "paired", Tidy: &tidyTable{}}}}, `table "paired"`},
	} {
		secs := append(slices.Clone(sections), fixedSection{c.add})
		err := render(store, filepath.Join(store, "report-"+c.name), Options{}, secs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s clash: err = %v, want it to name the %s", c.name, err, c.want)
		}
	}
}

// The page is the list: one numbered cell and one table-of-contents entry per section, in the
// list's order, with nothing else between them.
func TestPageFollowsTheSectionList(t *testing.T) {
	store := t.TempDir()
	writeFakeStore(t, store, fakeStore(), true)
	out := filepath.Join(store, "report")
	secs := []section{provenanceSection{}, fixedSection{cell{ID: "first", Title: "A <b>plain</b> title",
		Narrative: []para{note(htmlf("Note on %s", "<script>"))}}}}
	must(t, render(store, out, Options{}, secs))
	b, err := os.ReadFile(filepath.Join(out, "report.html"))
	must(t, err)
	page := string(b)
	wantIn(t, "report.html", page,
		`<li><a href="#provenance">Provenance and spec</a></li>`,
		`<li><a href="#first">A &lt;b&gt;plain&lt;/b&gt; title</a></li>`,
		`<div class="label">[2]</div>`, `<h2>A &lt;b&gt;plain&lt;/b&gt; title</h2>`,
		`<p class="note">Note on &lt;script&gt;</p>`,
	)
	// No section of this list writes a table, so the provenance cell lists none.
	if strings.Contains(page, `<a href="tables/`) {
		t.Error("report.html lists table files that no section of the list wrote")
	}
	if strings.Count(page, `<section class="cell"`) != 2 || strings.Index(page, `id="provenance"`) > strings.Index(page, `id="first"`) {
		t.Error("the page does not hold the two cells in the list's order")
	}
}
