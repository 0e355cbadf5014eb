package sweeps

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/internal/fuzzcheck"
)

// CheckParsed is what every fuzz target of spec parsing checks of an accepted spec: at least
// one run and no more than MaxRuns, distinct run ids, every config present and valid.
func checkParsed(t *testing.T, spec *Spec) {
	t.Helper()
	if len(spec.Runs) == 0 || len(spec.Runs) > MaxRuns {
		t.Fatalf("accepted a spec with %d runs", len(spec.Runs))
	}
	ids := map[string]bool{}
	for _, r := range spec.Runs {
		if ids[r.ID] {
			t.Fatalf("two runs share the id %s", r.ID)
		}
		ids[r.ID] = true
		for _, cfg := range []any{r.Dataset, r.Model, r.Train, r.FewShot} {
			if cfg == nil {
				t.Fatalf("run %s has a nil config", r.Label())
			}
			if v, ok := cfg.(interface{ Validate() error }); ok {
				if err := v.Validate(); err != nil {
					t.Fatalf("run %s: accepted an invalid config: %v", r.Label(), err)
				}
			}
		}
	}
}

// specSeeds are the committed corpus of FuzzParseSpec (testdata/fuzz/FuzzParseSpec): the
// toy specs of the tests and hostile ones.
func specSeeds() map[string][]any {
	head := "[dataset]\nkind = \"toy\"\n[[model]]\nkind = \"btl\"\n"
	return map[string][]any{
		"toy":                {toySpec},
		"defaults":           {head},
		"inline-models":      {"dataset = {kind = \"toy\"}\n\nmodel = [{kind = \"pal\", k = [1, 2]}, {kind = \"btl\", name = \"b\"}]\n"},
		"errors":             {"seeds = [1, 1]\n[dataset]\nkind = \"toy\"\nn = 0\nshape = \"grid\"\n[[model]]\nkind = \"pal\"\nk = [0, 11]\nlearning_rate = 1\n"},
		"grid-odd":           {"[dataset]\nkind = \"toy\"\nshape = \"grid\"\nn = [3, 4]\n[[model]]\nkind = \"pal\"\n"},
		"lists":              {head + "[fewshot]\nsizes = [1, 2, 3]\nweights = [0.5, 1e300]\ntags = [\"a\", \"b\"]\n"},
		"strings":            {"name = \"\"\"multi\n[[[{{{\"\"\"\ndescription = '''\n]]]'''\n" + head},
		"deep":               {head + "x = " + strings.Repeat("{a = ", 70) + "1" + strings.Repeat("}", 70) + "\n"},
		"deep-arrays":        {head + "[train]\nepochs = " + strings.Repeat("[", 80) + strings.Repeat("]", 80) + "\n"},
		"huge-numbers":       {"seeds = [18446744073709551615]\n[dataset]\nkind = \"toy\"\nn = 9223372036854775807\nnoise = 1e999\n[[model]]\nkind = \"pal\"\nlr = nan\n"},
		"syntax-error":       {"[dataset\nkind = \"toy\"\n"},
		"model-not-array":    {"[model]\nkind = \"btl\"\n[dataset]\nkind = \"toy\"\n"},
		"big-sweep":          {"seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n[dataset]\nkind = \"toy\"\nn = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n[[model]]\nkind = \"pal\"\nk = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"},
		"unicode-keys":       {"[dataset]\nkind = \"toy\"\n\"ñ\" = 1\n[[model]]\nkind = \"btl\"\nname = \"\u00e9\\u0000\"\n"},
		"kind-swept":         {"[dataset]\nkind = [\"toy\"]\n[[model]]\nkind = \"btl\"\n"},
		"dotted-keys":        {"dataset.kind = \"toy\"\ndataset.n = 4\n[[model]]\nkind = \"btl\"\nname.x = 1\n"},
		"crlf":               {strings.ReplaceAll(toySpec, "\n", "\r\n")},
		"empty":              {""},
		"comment-brackets":   {"# [[[[[[[[[[\n" + head + "# {{{{{{{{{{{{{{\n"},
		"duplicate-tables":   {head + "[train]\nepochs = 3\n[train]\nepochs = 4\n"},
		"escapes-in-strings": {"name = \"a\\\"[[[[\"\n" + head},
	}
}

// TestWriteFuzzSeeds rewrites testdata/fuzz/FuzzParseSpec from specSeeds:
// PAL_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./sweeps
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzcheck.SeedsWanted() {
		t.Skip("set PAL_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	if err := fuzzcheck.WriteSeeds(filepath.Join("testdata", "fuzz", "FuzzParseSpec"), specSeeds()); err != nil {
		t.Fatal(err)
	}
}

// FuzzParseSpec parses arbitrary text as a spec of the toy schema, through validation and
// sweep expansion: a validated run list or errors, never a panic, a hang, or an allocation
// beyond what the text and the runs it lists justify. internal/experiment has the same target
// on the real schema (FuzzExperimentSpec). Seeds: testdata/fuzz/FuzzParseSpec (specSeeds).
func FuzzParseSpec(f *testing.F) {
	schema := toySchema()
	f.Fuzz(func(t *testing.T, src string) {
		var spec *Spec
		var err error
		alloc := fuzzcheck.Allocated(func() { spec, err = ParseBytes("spec.toml", []byte(src), schema) })
		runs := 0
		if err == nil {
			runs = len(spec.Runs)
		}
		// The decoded TOML tree and the errors grow with the text, the runs with the sweep.
		if limit := 1000*uint64(len(src)) + 64<<10*uint64(runs) + 1<<20; alloc > limit {
			t.Fatalf("allocated %d bytes for a %d-byte spec with %d runs (limit %d)", alloc, len(src), runs, limit)
		}
		if err != nil {
			if len(Errors(err)) == 0 {
				t.Fatalf("an error that is not a SpecError: %v", err)
			}
			return
		}
		checkParsed(t, spec)
	})
}
