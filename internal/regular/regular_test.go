//go:build linux || darwin

package regular

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pal-harness/pal/internal/regular/regulartest"
)

// Specials returns paths in a fresh folder that are not regular files: a FIFO, symbolic links
// to /dev/zero and /dev/urandom, a folder. Other packages' tests use the same kinds.
func specials(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string]string{}
	for _, kind := range regulartest.Kinds {
		out[kind] = filepath.Join(dir, kind)
		regulartest.Make(t, out[kind], kind)
	}
	sub := filepath.Join(dir, "folder")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	out["folder"] = sub
	return out
}

func TestRefusesSpecialFiles(t *testing.T) {
	want := map[string]string{"fifo": "a named pipe (FIFO)", "zero": "a character device", "urandom": "a character device", "folder": "a folder"}
	for name, path := range specials(t) {
		err := regulartest.Within(t, 10*time.Second, "ReadFile("+path+")", func() error { _, err := ReadFile(path); return err })
		if err == nil || !strings.Contains(err.Error(), path+" is "+want[name]) || !strings.Contains(err.Error(), "must be a regular file") {
			t.Errorf("%s: got %v, want an error naming %s as %s that must be a regular file", name, err, path, want[name])
		}
	}
}

func TestFollowsLinksToRegularFiles(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(target, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(link)
	if err != nil || string(got) != "a,b\n1,2\n" {
		t.Fatalf("ReadFile(link) = %q, %v", got, err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(empty); err != nil || len(got) != 0 {
		t.Fatalf("ReadFile(empty) = %q, %v", got, err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Fatalf("missing file: %v, want a not-exist error", err)
	}
}
