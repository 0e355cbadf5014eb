// Package catalog describes the named data sets `pal data` knows: where each comes from, its
// files (with pinned checksums where the source is pinned), its licence and the spec kind that
// uses it; the cache folder they are downloaded into; and the error that says one is missing.
// The entries themselves live with the dataset kind that reads them (each kind's package), and
// the registry (internal/experiment) gathers them: this package imports no dataset package.
package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// File is one downloadable file of a data set.
type File struct {
	Name   string // file name in the data set's cache folder (may contain "/")
	URL    string
	SHA256 string // hex; empty when the source is not pinned (say so in the entry's Notes)
	Size   int64  // bytes when known, 0 otherwise
}

// Entry is one named data set.
type Entry struct {
	Name        string // what `pal data fetch NAME` takes, e.g. "anthropic-persona"
	Description string
	Kind        string // the [dataset] kind that reads it
	License     string
	Source      string // upstream, for people: repository, commit, paper
	Notes       string // caveats: unpinned source, size, what is assumed
	Files       []File
	// EnvVar names an environment variable whose folder the kind reads before the cache (the
	// persona statements: PAL_PERSONA_DATA); empty when there is none.
	EnvVar string
}

// Published is implemented by the dataset kinds that read a catalog data set (their config
// structs): each lists its own entries, so a new published data set is its package and one
// registry line (internal/experiment), never an edit here.
type Published interface {
	// CatalogEntries lists the entries the kind reads.
	CatalogEntries() []Entry
	// ForEntry returns the kind's config that reads the named entry (the release, mixture
	// ratio or K its name stands for, the other settings at their defaults); false when the
	// entry is not one of the kind's.
	ForEntry(name string) (any, bool)
}

// Reader is implemented by the dataset configs that read one catalog data set: CatalogName is
// the entry this config reads (the release, mixture ratio or K it names). `pal reproduce
// --list` uses it to show each experiment's data, its size on disk and its fetch command.
type Reader interface {
	CatalogName() string
}

// Catalog is a list of entries sorted by name: what `pal data` shows.
type Catalog []Entry

// New sorts entries into a Catalog.
func New(entries []Entry) Catalog {
	out := append(Catalog(nil), entries...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the entry called name.
func (c Catalog) Lookup(name string) (Entry, bool) {
	for _, e := range c {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Validate checks what every entry needs: a unique name, a kind, a licence, a source, files
// with unique names inside the entry's folder, https URLs and well-formed checksums.
func (c Catalog) Validate() error {
	var errs []error
	names := map[string]bool{}
	for _, e := range c {
		if e.Name == "" || names[e.Name] {
			errs = append(errs, fmt.Errorf("entry name %q empty or repeated", e.Name))
		}
		names[e.Name] = true
		if e.Kind == "" || e.License == "" || e.Source == "" || len(e.Files) == 0 {
			errs = append(errs, fmt.Errorf("%s: kind, license, source and files are required", e.Name))
		}
		files := map[string]bool{}
		for _, f := range e.Files {
			if files[f.Name] || f.Name == "" || strings.HasPrefix(f.Name, "/") || strings.Contains(f.Name, "..") {
				errs = append(errs, fmt.Errorf("%s: file name %q empty, repeated or escaping the folder", e.Name, f.Name))
			}
			files[f.Name] = true
			if !strings.HasPrefix(f.URL, "https://") {
				errs = append(errs, fmt.Errorf("%s/%s: URL %q is not https", e.Name, f.Name, f.URL))
			}
			if f.SHA256 != "" && !hex64.MatchString(f.SHA256) {
				errs = append(errs, fmt.Errorf("%s/%s: sha256 %q malformed", e.Name, f.Name, f.SHA256))
			}
		}
	}
	return errors.Join(errs...)
}
