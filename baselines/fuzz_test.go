package baselines

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/fuzzcheck"
)

// importedSeeds are the committed corpus of FuzzImportedScores (testdata/fuzz/
// FuzzImportedScores): the score files of imported_test.go and hostile ones. kind: bit 0 .npy
// (else .csv), bit 1 per pair (else per item).
func importedSeeds() map[string][]any {
	f8 := func(vals ...float64) []byte {
		b := make([]byte, 8*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
		}
		return b
	}
	return map[string][]any{
		"item-csv":         {uint8(0), []byte("item,score\n4,0\n0,3\n1,1\n2,2\n3,2\n")},
		"item-npy":         {uint8(1), npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", f8(3, 1, 2, 2, 0))},
		"item-npy-column":  {uint8(1), npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 1), }", make([]byte, 20))},
		"pair-csv":         {uint8(2), []byte("score,user,left,right\n5,carol,2,4\n-0.5,alice,0,1\n1,alice,2,3\n0.2,alice,1,4\n3,bob,0,2\n-1,bob,3,4\n1,alice,0,4\n0,carol,1,2\n")},
		"pair-npy":         {uint8(3), npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (8,), }", f8(-0.5, 1, 0.2, 3, -1, 1, 0, 5))},
		"item-csv-missing": {uint8(0), []byte("item,score\n0,1\n1,1\n2,1\n3,1\n")},
		"item-csv-twice":   {uint8(0), []byte("item,score\n0,1\n0,2\n1,1\n2,1\n3,1\n4,1\n")},
		"item-csv-nan":     {uint8(0), []byte("item,score\n0,NaN\n1,1\n2,1\n3,1\n4,inf\n")},
		"pair-csv-missing": {uint8(2), []byte("user,left,right,score\nalice,0,1,1\nalice,2,3,1\nalice,1,4,1\nbob,0,2,1\nalice,0,4,1\ncarol,1,2,1\ncarol,2,4,1\n")},
		"pair-csv-ragged":  {uint8(2), []byte("user,left,right,score\nalice,0\n")},
		"item-npy-1e12":    {uint8(1), npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", make([]byte, 8))},
		"pair-npy-1e12":    {uint8(3), npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 1), }", make([]byte, 8))},
		"item-npy-int":     {uint8(1), npyWithHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", make([]byte, 40))},
		"item-npy-matrix":  {uint8(1), npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (5, 2), }", make([]byte, 80))},
		"item-csv-as-npy":  {uint8(1), []byte("item,score\n0,1\n")},
		"empty-csv":        {uint8(2), []byte{}},
	}
}

// TestWriteFuzzSeeds rewrites testdata/fuzz/FuzzImportedScores from importedSeeds:
// PAL_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./baselines
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzcheck.SeedsWanted() {
		t.Skip("set PAL_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	if err := fuzzcheck.WriteSeeds(filepath.Join("testdata", "fuzz", "FuzzImportedScores"), importedSeeds()); err != nil {
		t.Fatal(err)
	}
}

// FuzzImportedScores feeds arbitrary bytes to the four imported-score readers (per item or per
// pair, CSV or .npy; kind picks one) against the hand-made fixture of imported_test.go: an
// error or scores for every evaluated pair, never a panic, a hang, or an allocation the file's
// size does not justify (an .npy header claiming 10^12 entries used to be allocated).
// `go test` runs the seeds of testdata/fuzz/FuzzImportedScores; make fuzz explores further.
func FuzzImportedScores(f *testing.F) {
	dir := writeFixture(f, map[string]string{})
	d, err := datasets.LoadFiles(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind uint8, raw []byte) {
		per, ext := "item", ".csv"
		if kind&1 == 1 {
			ext = ".npy"
		}
		if kind&2 == 2 {
			per = "pair"
		}
		path := filepath.Join(dir, "scores"+ext)
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := DefaultImported()
		cfg.Per, cfg.Path = per, path
		var m *Imported
		// A CSV line becomes a row with a small map of its fields; pair .npy scores also read
		// the fixture's pairs.csv.
		if aerr := fuzzcheck.Bound(len(raw), 400, 1<<20, func() { m, err = LoadImported(cfg, d, dir) }); aerr != nil {
			t.Fatal(aerr)
		}
		if err != nil {
			return
		}
		for _, sp := range m.splits {
			for _, p := range d.Splits[sp] {
				if _, err := m.margin(p, d); err != nil {
					t.Fatalf("accepted scores without a margin for a pair of %s: %v", sp, err)
				}
			}
		}
	})
}
