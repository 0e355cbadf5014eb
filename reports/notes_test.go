package reports

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/sweeps/runstore"
)

// A caveat a run recorded about its data (here: stand-in text embeddings) must reach the
// report's header and the tables that may be pasted elsewhere.
func TestDatasetNotesAreShown(t *testing.T) {
	store := t.TempDir()
	writeFakeStore(t, store, fakeStore(), true)
	note := "embeddings: tfidf-svd(dim=64), an offline stand-in for foundation-model features"
	paths, _ := filepath.Glob(filepath.Join(store, "*", "result.json"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		must(t, err)
		var r runstore.Result
		must(t, json.Unmarshal(b, &r))
		r.Provenance.DatasetNotes = []string{note}
		b, err = json.Marshal(r)
		must(t, err)
		must(t, os.WriteFile(p, b, 0o644))
	}
	out := filepath.Join(store, "report")
	must(t, Render(store, out, Options{}))
	for _, f := range []string{"report.html", "tables/accuracy.md", "tables/accuracy.tex"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		must(t, err)
		if !strings.Contains(string(b), "offline stand-in for foundation-model features") {
			t.Errorf("%s does not show the dataset note", f)
		}
		if strings.Count(string(b), "offline stand-in") != 1 {
			t.Errorf("%s shows the note %d times, want once", f, strings.Count(string(b), "offline stand-in"))
		}
	}
}
