//go:build linux || darwin

package tldr

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pal-harness/pal/internal/regular/regulartest"
)

// TestSpecialFilesAreRefused: a comparison file that is a named pipe or a link to a device is
// refused at once, naming it, instead of blocking or reading forever.
func TestSpecialFilesAreRefused(t *testing.T) {
	for _, kind := range regulartest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS("testdata/comparisons")); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "batch10.json")
			regulartest.Make(t, path, kind)
			regulartest.Refused(t, path, "Construct", func() error { _, err := Construct(dir, fixtureOptions()); return err })
		})
	}
}
