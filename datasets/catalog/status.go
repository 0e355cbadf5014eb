package catalog

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/pal-harness/pal/datasets/download"
)

// FileStatus is what the cache holds of one file.
type FileStatus struct {
	File    File
	Path    string
	Present bool  // under its final name with the expected size (the checksum is not re-read)
	Size    int64 // bytes under the final name (0 when absent)
	Partial int64 // bytes of an interrupted download (NAME.part) waiting to be resumed
}

// Status is what the cache holds of one entry.
type Status struct {
	Entry    Entry
	Dir      string
	Files    []FileStatus
	Present  int   // files present
	OnDisk   int64 // bytes of the present files
	Expected int64 // bytes of all files whose size is pinned
	Unsized  int   // files whose size is not pinned
	Partial  int64 // bytes in .part files
}

// Complete reports whether every file is present.
func (s Status) Complete() bool { return s.Present == len(s.Files) }

// Status looks at the entry's folder under cache. A file counts as present when it exists under
// its final name with the pinned size: downloads only ever rename a verified file into place,
// so this is cheap and sound; `pal data fetch` re-checks the checksums.
func (e Entry) Status(cache string) (Status, error) {
	s := Status{Entry: e, Dir: e.Dir(cache)}
	for _, f := range e.Files {
		fs := FileStatus{File: f, Path: filepath.Join(s.Dir, filepath.FromSlash(f.Name))}
		st, err := os.Stat(fs.Path)
		switch {
		case err == nil && st.Mode().IsRegular():
			fs.Size = st.Size()
			fs.Present = f.Size == 0 || st.Size() == f.Size
		case err != nil && !errors.Is(err, os.ErrNotExist):
			return s, err
		}
		if st, err := os.Stat(fs.Path + download.PartSuffix); err == nil {
			fs.Partial = st.Size()
			s.Partial += st.Size()
		}
		if fs.Present {
			s.Present++
			s.OnDisk += fs.Size
		}
		if f.Size > 0 {
			s.Expected += f.Size
		} else {
			s.Unsized++
		}
		s.Files = append(s.Files, fs)
	}
	return s, nil
}
