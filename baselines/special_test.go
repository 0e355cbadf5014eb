//go:build linux || darwin

package baselines

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pal-harness/pal/datasets"
)

// TestImportedRefusesSpecialFiles: a score file (CSV or .npy, per item or per pair) that is a
// FIFO or a link to /dev/zero or /dev/urandom is an error naming it, at once.
func TestImportedRefusesSpecialFiles(t *testing.T) {
	for _, c := range []struct{ per, file string }{{"item", "s.csv"}, {"item", "s.npy"}, {"pair", "s.csv"}, {"pair", "s.npy"}} {
		for _, kind := range []string{"fifo", "zero", "urandom"} {
			t.Run(kind+"/"+c.per+"/"+c.file, func(t *testing.T) {
				dir := writeFixture(t, map[string]string{})
				d, err := datasets.LoadFiles(dir)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(dir, c.file)
				if kind == "fifo" {
					err = syscall.Mkfifo(path, 0o644)
				} else {
					err = os.Symlink("/dev/"+kind, path)
				}
				if err != nil {
					t.Fatal(err)
				}
				cfg := DefaultImported()
				cfg.Per, cfg.Path = c.per, path
				done := make(chan error, 1)
				go func() { _, err := LoadImported(cfg, d, dir); done <- err }()
				select {
				case err = <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("LoadImported did not return")
				}
				if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "must be a regular file") {
					t.Fatalf("got %v, want an error naming %s and saying it must be a regular file", err, path)
				}
			})
		}
	}
}
