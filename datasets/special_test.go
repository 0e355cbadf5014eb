//go:build linux || darwin

package datasets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pal-harness/pal/internal/regular/regulartest"
)

// TestLoadFilesRefusesSpecialFiles: each file of a bring-your-own folder as a FIFO or a link
// to /dev/zero or /dev/urandom is an error naming the file, at once; a link to a regular file
// loads.
func TestLoadFilesRefusesSpecialFiles(t *testing.T) {
	pairs := "user,left,right,label,split,prompt\na,0,1,1,train,0\na,1,2,0,test,1\n"
	users := "user,group\na,g1\n"
	for _, name := range []string{ItemsFile, PromptsFile, PairsFile, UsersFile} {
		for _, kind := range regulartest.Kinds {
			t.Run(kind+"/"+name, func(t *testing.T) {
				dir := writeFolder(t, map[string][]byte{ItemsFile: itemsNPY(t, 4, 2), PromptsFile: itemsNPY(t, 2, 3), PairsFile: []byte(pairs), UsersFile: []byte(users)})
				path := filepath.Join(dir, name)
				regulartest.Make(t, path, kind)
				regulartest.Refused(t, path, "LoadFiles", func() error { _, err := LoadFiles(dir); return err })
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
		regulartest.Make(t, path, "fifo")
		err := regulartest.Within(t, 10*time.Second, "ReadMatrixNPY", func() error { _, _, _, err := ReadMatrixNPY(path); return err })
		if err == nil || !strings.Contains(err.Error(), path+" is a named pipe (FIFO): it must be a regular file") {
			t.Fatalf("got %v", err)
		}
	})
}
