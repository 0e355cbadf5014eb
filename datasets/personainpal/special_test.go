//go:build linux || darwin

package personainpal

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pal-harness/pal/internal/regular/regulartest"
)

// TestSpecialFilesAreRefused: a parquet shard that is a named pipe or a link to a device is
// refused at once, naming it, instead of blocking or reading forever.
func TestSpecialFilesAreRefused(t *testing.T) {
	for _, kind := range regulartest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS("testdata/release")); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "k-2_seen", "test-00000-of-00001.parquet")
			regulartest.Make(t, path, kind)
			regulartest.Refused(t, path, "Read", func() error {
				_, err := Read(dir, Options{K: 2, ValFraction: 0.5, SplitSeed: 42})
				return err
			})
		})
	}
}
