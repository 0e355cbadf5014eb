package pickapic

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/pal-harness/pal/baselines"
	"github.com/pal-harness/pal/datasets"
)

// TestConvertZeroShotScores checks the scores.csv of a conversion with ZeroShotScale against
// margins computed independently: testdata/zeroshot_scores.py computes them with numpy from
// expected.json (the fixtures' comparisons as plain JSON) into expected_zeroshot.json. Each
// line of scores.csv is matched to its comparison by user and embeddings, read back from the
// converted items.npy and prompts.npy. The file must also be one the imported-score baseline
// reads for every pair.
func TestConvertZeroShotScores(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "expected_zeroshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]map[string]float64
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	all := expected(t)
	for _, file := range []string{"numpy.zip", "torch.zip", "labels.zip"} {
		t.Run(file, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			opt := DefaultOptions()
			opt.ZeroShotScale = 100
			if _, err := ConvertWith(context.Background(), filepath.Join("testdata", file), out, opt); err != nil {
				t.Fatal(err)
			}
			d, err := datasets.LoadFiles(out)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(filepath.Join(out, ScoresFile))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rows[0], []string{"user", "left", "right", "prompt", "score"}) {
				t.Fatalf("header %v", rows[0])
			}
			same := func(row []float32, v []float64) bool {
				for i := range row {
					if row[i] != float32(v[i]) {
						return false
					}
				}
				return true
			}
			matched := 0
			for _, r := range rows[1:] {
				l, _ := strconv.Atoi(r[1])
				rt, _ := strconv.Atoi(r[2])
				p, _ := strconv.Atoi(r[3])
				got, err := strconv.ParseFloat(r[4], 64)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, e := range all[file] {
					if e.UID == r[0] && same(d.Item(l), e.Left) && same(d.Item(rt), e.Right) && same(d.Prompt(p), e.Prompt) {
						found = true
						if w := want[file][e.ID]; math.Abs(got-w) > 1e-9 {
							t.Errorf("comparison %s: score %v, numpy computed %v", e.ID, got, w)
						}
					}
				}
				if !found {
					t.Errorf("scores.csv line %v matches no comparison of %s", r, file)
				}
				matched++
			}
			if matched == 0 {
				t.Fatal("scores.csv has no lines")
			}
			var splits []string
			for sp := range d.Splits {
				splits = append(splits, string(sp))
			}
			cfg := &baselines.ImportedConfig{Path: filepath.Join(out, ScoresFile), Per: "pair", Splits: splits}
			if _, err := baselines.LoadImported(cfg, d, out); err != nil {
				t.Errorf("the imported-score baseline refuses scores.csv: %v", err)
			}
		})
	}
	// A later conversion without scores removes the stale file.
	out := filepath.Join(t.TempDir(), "out")
	opt := DefaultOptions()
	opt.ZeroShotScale = 100
	if _, err := ConvertWith(context.Background(), filepath.Join("testdata", "numpy.zip"), out, opt); err != nil {
		t.Fatal(err)
	}
	if err := Convert(filepath.Join("testdata", "numpy.zip"), out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, ScoresFile)); !os.IsNotExist(err) {
		t.Errorf("scores.csv of an earlier conversion is still there (stat: %v)", err)
	}
}
