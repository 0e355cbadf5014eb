package experiment

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/internal/fuzzcheck"
	"github.com/pal-harness/pal/sweeps"
)

// experimentSpecSeeds are the committed corpus of FuzzExperimentSpec (testdata/fuzz/
// FuzzExperimentSpec): the paper's specs, the README's, this package's test spec, and hostile
// ones (sizes beyond the maxima, deep nesting, invalid combinations).
func experimentSpecSeeds(tb testing.TB) map[string][]any {
	seeds := map[string][]any{}
	papers, err := filepath.Glob(filepath.Join("..", "..", "paper", "*.toml"))
	if err != nil || len(papers) == 0 {
		tb.Fatalf("paper specs: %v (%d found)", err, len(papers))
	}
	for _, p := range papers {
		raw, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		seeds["paper-"+strings.TrimSuffix(filepath.Base(p), ".toml")] = []any{string(raw)}
	}
	seeds["test-spec"] = []any{spec}
	seeds["readme"] = []any{`name = "my-sweep"
seeds = [1, 2, 3, 4, 5]
[dataset]
kind = "synthetic"
k_true = [1, 2, 3]
users = "partition"
pairs_per_user = 150
[[model]]
name = "pal-a"
kind = "pal-a"
k = [1, 2, 3, 4, 5]
layers = 0
width = 16
lr = 3e-3
lr_user = 1e-2
[[model]]
name = "btl"
kind = "btl"
width = 64
lr = 3e-3
[train]
epochs = 300
patience = 10
[fewshot]
pairs_per_user = [1, 2, 5, 10, 20, 40, 100]
`}
	head := "[dataset]\nkind = \"synthetic\"\n"
	model := "[[model]]\nkind = \"btl\"\n"
	for name, src := range map[string]string{
		"items-1e12":         head + "items = 1000000000000\n" + model,
		"seen-users-2e9":     head + "seen_users = 2000000000\n" + model,
		"pairs-9e18":         head + "pairs_per_user = 9000000000000000000\n" + model,
		"wide-deep":          head + "[[model]]\nkind = \"pal-a\"\nwidth = 65536\nlayers = 16\n",
		"dim-100000":         head + "dim = 100000\nlatent_dim = 100000\n" + model,
		"nested-tables":      head + model + "x = " + strings.Repeat("{b = ", 1000) + "1" + strings.Repeat("}", 1000) + "\n",
		"angle-hinge":        head + "prompts = 5\n[[model]]\nkind = \"pal-b\"\nscore = \"angle\"\nloss = \"hinge\"\n",
		"identity-map":       head + "map = \"identity\"\ndim = [4, 8]\nlatent_dim = 4\n" + model,
		"files":              "[dataset]\nkind = \"files\"\npath = \"data\"\n" + model,
		"imported":           head + "[[model]]\nkind = \"imported\"\npath = \"s.npy\"\nper = \"pair\"\nsplits = [\"test\"]\n",
		"imported-bad-split": head + "[[model]]\nkind = \"imported\"\npath = \"s.txt\"\nsplits = [\"testing\"]\n",
		"persona":            "[dataset]\nkind = \"persona\"\nk_true = 1\ncross_fraction = 0.5\n" + model,
		"fewshot-huge":       head + model + "[fewshot]\npairs_per_user = [0, 100000000000]\n",
		"pickapic":           "[dataset]\nkind = \"pickapic\"\nrelease = \"v9\"\n" + model,
		"tldr":               "[dataset]\nkind = \"reddit-tldr\"\nminority_ranks = [3, 4, 5]\n" + model,
		"persona-in-pal":     "[dataset]\nkind = \"persona-in-pal\"\nk = 7\n" + model,
		"name-dotdot":        "name = \"..\"\n" + head + model,
	} {
		seeds[name] = []any{src}
	}
	return seeds
}

// TestWriteFuzzSeeds rewrites testdata/fuzz/FuzzExperimentSpec from experimentSpecSeeds:
// PAL_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./internal/experiment
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzcheck.SeedsWanted() {
		t.Skip("set PAL_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	if err := fuzzcheck.WriteSeeds(filepath.Join("testdata", "fuzz", "FuzzExperimentSpec"), experimentSpecSeeds(t)); err != nil {
		t.Fatal(err)
	}
}

// FuzzExperimentSpec parses arbitrary text as a spec of the real schema (every dataset and
// model kind, [train], [fewshot]) through validation and sweep expansion: a validated run list
// or file:line errors, never a panic, a hang, or an allocation beyond what the text and the
// runs it lists justify. Nothing is built or run. Seeds: testdata/fuzz/FuzzExperimentSpec.
func FuzzExperimentSpec(f *testing.F) {
	schema := Schema()
	f.Fuzz(func(t *testing.T, src string) {
		var s *sweeps.Spec
		var err error
		alloc := fuzzcheck.Allocated(func() { s, err = sweeps.ParseBytes("spec.toml", []byte(src), schema) })
		runs := 0
		if err == nil {
			runs = len(s.Runs)
		}
		if limit := 1000*uint64(len(src)) + 64<<10*uint64(runs) + 1<<20; alloc > limit {
			t.Fatalf("allocated %d bytes for a %d-byte spec with %d runs (limit %d)", alloc, len(src), runs, limit)
		}
		if err != nil {
			if len(sweeps.Errors(err)) == 0 {
				t.Fatalf("an error that is not a SpecError: %v", err)
			}
			return
		}
		if len(s.Runs) == 0 || len(s.Runs) > sweeps.MaxRuns {
			t.Fatalf("accepted a spec with %d runs", len(s.Runs))
		}
		ids := map[string]bool{}
		for _, r := range s.Runs {
			if ids[r.ID] {
				t.Fatalf("two runs share the id %s", r.ID)
			}
			ids[r.ID] = true
			for _, cfg := range []any{r.Dataset, r.Model, r.Train, r.FewShot} {
				v, ok := cfg.(interface{ Validate() error })
				if !ok {
					t.Fatalf("run %s: config %T has no Validate", r.Label(), cfg)
				}
				if err := v.Validate(); err != nil {
					t.Fatalf("run %s: accepted an invalid config: %v", r.Label(), err)
				}
			}
		}
	})
}
