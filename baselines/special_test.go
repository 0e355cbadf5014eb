//go:build linux || darwin

package baselines

import (
	"path/filepath"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/regular/regulartest"
)

// TestImportedRefusesSpecialFiles: a score file (CSV or .npy, per item or per pair) that is a
// FIFO or a link to /dev/zero or /dev/urandom is an error naming it, at once.
func TestImportedRefusesSpecialFiles(t *testing.T) {
	for _, c := range []struct{ per, file string }{{"item", "s.csv"}, {"item", "s.npy"}, {"pair", "s.csv"}, {"pair", "s.npy"}} {
		for _, kind := range regulartest.Kinds {
			t.Run(kind+"/"+c.per+"/"+c.file, func(t *testing.T) {
				dir := writeFixture(t, map[string]string{})
				d, err := datasets.LoadFiles(dir)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(dir, c.file)
				regulartest.Make(t, path, kind)
				cfg := DefaultImported()
				cfg.Per, cfg.Path = c.per, path
				regulartest.Refused(t, path, "LoadImported", func() error { _, err := LoadImported(cfg, d, dir); return err })
			})
		}
	}
}
