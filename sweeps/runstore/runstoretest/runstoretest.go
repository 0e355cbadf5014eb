// Package runstoretest reads a run store's runs.csv the way tests compare two sessions of a
// sweep (other -j, a resumed run, another order): without the columns allowed to differ, so
// that the rest can be compared byte for byte. The tests of sweeps, of the experiment runner
// and of the pal command share it.
package runstoretest

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pal-harness/pal/sweeps/runstore"
)

// Rows returns the rows of dir/runs.csv, the header first.
func Rows(t testing.TB, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, runstore.RunsCSV))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("runs.csv: %v", err)
	}
	return rows
}

// Without returns dir/runs.csv, as CSV text, without the named columns: "wall_seconds" always
// differs between sessions; "error" may (an interrupted run's reason). A column runs.csv does
// not have fails the test.
func Without(t testing.TB, dir string, columns ...string) string {
	t.Helper()
	rows := Rows(t, dir)
	var drop []int
	for _, c := range columns {
		i := slices.Index(rows[0], c)
		if i < 0 {
			t.Fatalf("%s has no %s column: %v", filepath.Join(dir, runstore.RunsCSV), c, rows[0])
		}
		drop = append(drop, i)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	for _, r := range rows {
		var keep []string
		for i, cell := range r {
			if !slices.Contains(drop, i) {
				keep = append(keep, cell)
			}
		}
		w.Write(keep)
	}
	w.Flush()
	return b.String()
}
