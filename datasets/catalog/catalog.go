// Package catalog lists the named data sets `pal data` knows: where each comes from, its files
// (with pinned checksums where the source is pinned), its licence and the spec kind that uses it.
package catalog

import "sort"

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
}

// sources lists the functions that return each family's entries. Each family lives in its own
// file of this package.
var sources = []func() []Entry{persona, redditTLDR, pickapicEntries, personaInPAL}

// All returns every entry, sorted by name.
func All() []Entry {
	var out []Entry
	for _, f := range sources {
		out = append(out, f()...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the entry called name.
func Lookup(name string) (Entry, bool) {
	for _, e := range All() {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}
