//go:build linux || darwin

package pickapic

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/pal-harness/pal/internal/regular/regulartest"
)

// TestSpecialFilesAreRefused: an archive that is a named pipe or a link to a device is refused
// at once, naming it, instead of blocking or reading forever.
func TestSpecialFilesAreRefused(t *testing.T) {
	for _, kind := range regulartest.Kinds {
		t.Run(kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "numpy.zip")
			regulartest.Make(t, path, kind)
			regulartest.Refused(t, path, "Load", func() error {
				_, _, err := Load(context.Background(), path, Options{ValFraction: 0.25, TestFraction: 0.25})
				return err
			})
		})
	}
}
