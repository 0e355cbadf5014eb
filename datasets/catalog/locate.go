package catalog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Place is where a published data set is read from: a path the spec gave, or the entry's place
// in the cache folder.
type Place struct {
	Entry    Entry
	Path     string
	FromSpec bool
}

// Locate says where the data set of entry e is read from: given (the spec's path, already
// resolved against the spec's folder) when not empty, else the entry's folder in the cache
// folder, or with file set the entry's first file there (a release that is one archive). With
// neither a path nor a cache folder the error is a *MissingError.
func Locate(e Entry, given, cacheDir string, file bool) (Place, error) {
	if given != "" {
		return Place{Entry: e, Path: given, FromSpec: true}, nil
	}
	if cacheDir == "" {
		return Place{}, &MissingError{Name: e.Name, Looked: []string{"cache: none configured"}}
	}
	p := Place{Entry: e, Path: e.Dir(cacheDir)}
	if file {
		p.Path = filepath.Join(p.Path, filepath.FromSlash(e.Files[0].Name))
	}
	return p, nil
}

// Missing is the error saying the data set is not (properly) at the place, and why.
func (p Place) Missing(reason string) *MissingError {
	where := "cache: "
	if p.FromSpec {
		where = "path: "
	}
	return &MissingError{Name: p.Entry.Name, Looked: []string{where + p.Path}, Reason: reason}
}

// Stat is os.Stat of the place, with a *MissingError when nothing is there.
func (p Place) Stat() (fs.FileInfo, error) {
	st, err := os.Stat(p.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, p.Missing("")
	}
	return st, err
}

// Find is Locate then Stat: where the data set of e is read from and what is there, or a
// *MissingError.
func Find(e Entry, given, cacheDir string, file bool) (Place, fs.FileInfo, error) {
	pl, err := Locate(e, given, cacheDir, file)
	if err != nil {
		return pl, nil, err
	}
	st, err := pl.Stat()
	return pl, st, err
}
