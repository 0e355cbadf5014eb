//go:build linux || darwin

package datasets

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// makeSpecial replaces path with a file that is not regular: "fifo" a named pipe, "zero" and
// "urandom" symbolic links to those devices.
func makeSpecial(t *testing.T, path, kind string) {
	t.Helper()
	os.Remove(path)
	var err error
	switch kind {
	case "fifo":
		err = syscall.Mkfifo(path, 0o644)
	default:
		err = os.Symlink("/dev/"+kind, path)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// within runs f and fails the test when it does not return within d: the loaders used to read
// pipes and devices to their (never coming) end.
func within(t *testing.T, d time.Duration, what string, f func() error) error {
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

// TestLoadFilesRefusesSpecialFiles: each file of a bring-your-own folder as a FIFO or a link
// to /dev/zero or /dev/urandom is an error naming the file, at once; a link to a regular file
// loads.
func TestLoadFilesRefusesSpecialFiles(t *testing.T) {
	pairs := "user,left,right,label,split,prompt\na,0,1,1,train,0\na,1,2,0,test,1\n"
	users := "user,group\na,g1\n"
	for _, name := range []string{ItemsFile, PromptsFile, PairsFile, UsersFile} {
		for _, kind := range []string{"fifo", "zero", "urandom"} {
			t.Run(kind+"/"+name, func(t *testing.T) {
				dir := writeFolder(t, map[string][]byte{ItemsFile: itemsNPY(t, 4, 2), PromptsFile: itemsNPY(t, 2, 3), PairsFile: []byte(pairs), UsersFile: []byte(users)})
				path := filepath.Join(dir, name)
				makeSpecial(t, path, kind)
				err := within(t, 10*time.Second, "LoadFiles", func() error { _, err := LoadFiles(dir); return err })
				if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "must be a regular file") {
					t.Fatalf("got %v, want an error naming %s and saying it must be a regular file", err, path)
				}
			})
		}
	}
	t.Run("symlink to a regular file", func(t *testing.T) {
		src := writeFolder(t, map[string][]byte{ItemsFile: itemsNPY(t, 4, 2), PairsFile: []byte("user,left,right,label,split\na,0,1,1,train\n")})
		dir := t.TempDir()
		for _, name := range []string{ItemsFile, PairsFile} {
			if err := os.Symlink(filepath.Join(src, name), filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
		if d := mustLoad(t, dir); d.NumItems() != 4 {
			t.Fatalf("loaded %d items through links, want 4", d.NumItems())
		}
	})
	t.Run("ReadMatrixNPY", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "items.npy")
		makeSpecial(t, path, "fifo")
		err := within(t, 10*time.Second, "ReadMatrixNPY", func() error { _, _, _, err := ReadMatrixNPY(path); return err })
		if err == nil || !strings.Contains(err.Error(), path+" is a named pipe (FIFO): it must be a regular file") {
			t.Fatalf("got %v", err)
		}
	})
}
