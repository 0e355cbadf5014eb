//go:build linux || darwin

package persona

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pal-harness/pal/internal/regular/regulartest"
)

// TestSpecialFilesAreRefused: a statements file that is a named pipe or a link to a device is
// refused at once, naming it, instead of blocking or reading forever.
func TestSpecialFilesAreRefused(t *testing.T) {
	entries, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range regulartest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(fixtureDir)); err != nil {
				t.Fatal(err)
			}
			// Build reads the trait files the seed picks: make every one special, so whichever
			// it reads first is refused.
			for _, e := range entries {
				regulartest.Make(t, filepath.Join(dir, e.Name()), kind)
			}
			err := regulartest.Within(t, 10*time.Second, "Build", func() error {
				_, err := Build(context.Background(), small(), 1, dir, nil)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "must be a regular file") {
				t.Fatalf("Build: got %v, want an error naming a file of %s and saying it must be a regular file", err, dir)
			}
		})
	}
}
