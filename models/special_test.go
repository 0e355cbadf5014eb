//go:build linux || darwin

package models

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadModelRefusesSpecialFiles: a model file that is a FIFO or a link to /dev/zero or
// /dev/urandom is an error naming it, at once.
func TestLoadModelRefusesSpecialFiles(t *testing.T) {
	for _, kind := range []string{"fifo", "zero", "urandom"} {
		t.Run(kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "model.safetensors")
			var err error
			if kind == "fifo" {
				err = syscall.Mkfifo(path, 0o644)
			} else {
				err = os.Symlink("/dev/"+kind, path)
			}
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := LoadModel(path, testDecoder); done <- err }()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("LoadModel did not return")
			}
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "must be a regular file") {
				t.Fatalf("got %v, want an error naming %s and saying it must be a regular file", err, path)
			}
		})
	}
}
