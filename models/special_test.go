//go:build linux || darwin

package models

import (
	"path/filepath"
	"testing"

	"github.com/pal-harness/pal/internal/regular/regulartest"
)

// TestLoadModelRefusesSpecialFiles: a model file that is a FIFO or a link to /dev/zero or
// /dev/urandom is an error naming it, at once.
func TestLoadModelRefusesSpecialFiles(t *testing.T) {
	for _, kind := range regulartest.Kinds {
		t.Run(kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "model.safetensors")
			regulartest.Make(t, path, kind)
			regulartest.Refused(t, path, "LoadModel", func() error { _, err := LoadModel(path, testDecoder); return err })
		})
	}
}
