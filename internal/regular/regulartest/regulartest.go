//go:build linux || darwin

// Package regulartest makes files that are not regular (a named pipe, links to /dev/zero and
// /dev/urandom) and checks that a reader refuses them at once: the tests of every reader of
// user files (items.npy, pairs.csv, score files, model files) share it.
package regulartest

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Kinds are the special files Make can make.
var Kinds = []string{"fifo", "zero", "urandom"}

// Make replaces path with a file that is not regular: "fifo" a named pipe, "zero" and
// "urandom" symbolic links to those devices.
func Make(t testing.TB, path, kind string) {
	t.Helper()
	os.Remove(path)
	var err error
	if kind == "fifo" {
		err = syscall.Mkfifo(path, 0o644)
	} else {
		err = os.Symlink("/dev/"+kind, path)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Within runs f and fails the test when it does not return within d: readers used to read
// pipes and devices to their (never coming) end.
func Within(t testing.TB, d time.Duration, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s did not return within %s", what, d)
		return nil
	}
}

// Refused runs load (within 10 s) and checks that it fails naming path and saying it must be a
// regular file.
func Refused(t testing.TB, path, what string, load func() error) {
	t.Helper()
	err := Within(t, 10*time.Second, what, load)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "must be a regular file") {
		t.Fatalf("%s: got %v, want an error naming %s and saying it must be a regular file", what, err, path)
	}
}
