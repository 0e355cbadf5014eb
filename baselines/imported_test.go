package baselines

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

// The hand-made fixture: five items, two seen users (alice, bob) and an unseen one (carol).
const fixturePairs = `user,left,right,label,split
alice,0,1,1,test
alice,2,3,0,test
alice,1,4,1,test
bob,0,2,1,test
bob,3,4,0,test
alice,0,4,1,train
carol,1,2,1,unseen_test
carol,2,4,1,unseen_test
`

func writeFixture(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, datasets.ItemsFile))
	if err != nil {
		t.Fatal(err)
	}
	w, err := datasets.NewNPYWriter(f, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	files[datasets.PairsFile] = fixturePairs
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func writeVector(t *testing.T, path string, v []float64) {
	t.Helper()
	data := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(data[8*i:], math.Float64bits(x))
	}
	raw := npyWithHeader(fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }", len(v)), data)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func fitImported(t *testing.T, dir string, cfg *ImportedConfig) (map[string]float64, error) {
	t.Helper()
	d, err := datasets.LoadFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m, err := FitImported(context.Background(), d, cfg, &models.FewShotConfig{PairsPerUser: []int{1}}, dir)
	if err != nil {
		return nil, err
	}
	acc := map[string]float64{}
	for s, v := range m.Splits {
		acc[s] = v.Accuracy
	}
	if m.TrainableParams != 986 || m.FrozenParams != 7 {
		t.Errorf("parameter counts %d, %d: want the spec's 986 and 7", m.TrainableParams, m.FrozenParams)
	}
	return acc, nil
}

func checkAcc(t *testing.T, name string, got, want map[string]float64) {
	t.Helper()
	for s, w := range want {
		if got[s] != w {
			t.Errorf("%s: %s accuracy %v, by hand %v", name, s, got[s], w)
		}
	}
}

// TestImportedItemScoresMatchHand checks per-item scores (CSV and .npy) against a hand count.
// Rewards s = (3, 1, 2, 2, 0); margin = s(left) - s(right):
//
//	test: alice 0,1 +2 left: right | alice 2,3 0: tie, half | alice 1,4 +1 left: right |
//	      bob 0,2 +1 left: right | bob 3,4 +2, label right: wrong  -> 3.5/5 = 0.7
//	train: alice 0,4 +3 left: right -> 1
//	unseen_test: carol 1,2 -1, label left: wrong | carol 2,4 +2 left: right -> 0.5
func TestImportedItemScoresMatchHand(t *testing.T) {
	want := map[string]float64{"test": 0.7, "train": 1, "unseen_test": 0.5}
	dir := writeFixture(t, map[string]string{"scores.csv": "item,score\n4,0\n0,3\n1,1\n2,2\n3,2\n"})
	writeVector(t, filepath.Join(dir, "scores.npy"), []float64{3, 1, 2, 2, 0})
	for _, file := range []string{"scores.csv", "scores.npy"} {
		cfg := DefaultImported()
		cfg.Path, cfg.TrainableParams, cfg.FrozenParams = filepath.Join(dir, file), 986, 7
		got, err := fitImported(t, dir, cfg)
		if err != nil {
			t.Fatal(err)
		}
		checkAcc(t, file, got, want)
	}
}

// TestImportedPairScoresMatchHand checks per-pair margins (CSV keyed by content, and .npy in
// the line order of pairs.csv). Margins, in the order of pairs.csv:
//
//	test: -0.5 (label left: wrong), 1 (label right: wrong), 0.2 (left: right), 3 (left: right),
//	      -1 (label right: right) -> 3/5 = 0.6; train: 1 -> 1; unseen_test: 0 (tie), 5 -> 0.75
func TestImportedPairScoresMatchHand(t *testing.T) {
	want := map[string]float64{"test": 0.6, "train": 1, "unseen_test": 0.75}
	margins := []float64{-0.5, 1, 0.2, 3, -1, 1, 0, 5}
	csv := "score,user,left,right\n5,carol,2,4\n-0.5,alice,0,1\n1,alice,2,3\n0.2,alice,1,4\n3,bob,0,2\n-1,bob,3,4\n1,alice,0,4\n0,carol,1,2\n"
	dir := writeFixture(t, map[string]string{"pairs_scores.csv": csv})
	writeVector(t, filepath.Join(dir, "pairs_scores.npy"), margins)
	for _, file := range []string{"pairs_scores.csv", "pairs_scores.npy"} {
		cfg := DefaultImported()
		cfg.Per, cfg.Path, cfg.TrainableParams, cfg.FrozenParams = "pair", filepath.Join(dir, file), 986, 7
		got, err := fitImported(t, dir, cfg)
		if err != nil {
			t.Fatal(err)
		}
		checkAcc(t, file, got, want)
	}
}

// TestImportedMissingScoreNamesThePair checks that a pair without a score is an error naming
// it and its split, never skipped; and that leaving a split out of `splits` is the way round.
func TestImportedMissingScoreNamesThePair(t *testing.T) {
	dir := writeFixture(t, map[string]string{
		"pairs.csv.scores.csv": "user,left,right,score\nalice,0,1,1\nalice,2,3,1\nalice,1,4,1\nbob,0,2,1\nalice,0,4,1\ncarol,1,2,1\ncarol,2,4,1\n",
		"items.csv":            "item,score\n0,1\n1,1\n2,1\n3,1\n",
	})
	cfg := DefaultImported()
	cfg.Per, cfg.Path, cfg.TrainableParams, cfg.FrozenParams = "pair", filepath.Join(dir, "pairs.csv.scores.csv"), 986, 7
	_, err := fitImported(t, dir, cfg)
	if err == nil {
		t.Fatal("a pair without a score was accepted")
	}
	for _, w := range []string{`user "bob", left 3, right 4`, "split test"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	cfg = DefaultImported()
	cfg.Path, cfg.TrainableParams, cfg.FrozenParams = filepath.Join(dir, "items.csv"), 986, 7
	if _, err := fitImported(t, dir, cfg); err == nil || !strings.Contains(err.Error(), "no score for item 4") {
		t.Errorf("missing item score: %v", err)
	}
	cfg.Splits = []string{"unseen_test"} // carol's pairs use items 1, 2 and 4
	if _, err := fitImported(t, dir, cfg); err == nil {
		t.Error("item 4 is still missing for carol's pair 2,4")
	}
}
