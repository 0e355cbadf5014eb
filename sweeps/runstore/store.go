package runstore

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Store file names.
const (
	SpecFile     = "spec.toml"
	ManifestFile = "manifest.json"
	RunsCSV      = "runs.csv"
	ResultFile   = "result.json"
	LockFile     = ".lock"
)

// Store reads a run store. It never writes; Create returns a Writer for that.
type Store struct {
	dir string
}

// Open returns a reader of the store in dir, which must be a folder.
func Open(dir string) (*Store, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("run store %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("run store %s is a file: name the folder `pal run` wrote (its --out)", dir)
	}
	return &Store{dir: dir}, nil
}

// Dir is the store's folder.
func (s *Store) Dir() string { return s.dir }

// RunDir is the folder of run id, where its result.json and files live.
func (s *Store) RunDir(id string) string { return filepath.Join(s.dir, id) }

// Spec returns spec.toml's bytes; nil and no error when the store has none.
func (s *Store) Spec() ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, SpecFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// Manifest returns manifest.json; nil and no error when the store has none (written by a pal
// older than the manifest).
func (s *Store) Manifest() (*Manifest, error) {
	path := filepath.Join(s.dir, ManifestFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("%s has schema version %d; this pal reads versions up to %d: use a newer pal", path, m.SchemaVersion, SchemaVersion)
	}
	return &m, nil
}

// Result reads the result of run id.
func (s *Store) Result(id string) (Result, error) {
	return readResult(filepath.Join(s.RunDir(id), ResultFile))
}

// Complete reports whether run id has a successful result: such a run is never redone.
// Failed and unreadable results are redone.
func (s *Store) Complete(id string) bool {
	res, err := s.Result(id)
	return err == nil && res.Status == StatusOK && res.RunID == id
}

func readResult(path string) (Result, error) {
	var r Result
	data, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	if r.SchemaVersion > SchemaVersion {
		return r, fmt.Errorf("%s has schema version %d; this pal reads versions up to %d: use a newer pal", path, r.SchemaVersion, SchemaVersion)
	}
	return r, nil
}

// SpecResults reads the results of the given runs that are on disk, in that order; runs
// without a result (not yet run, or interrupted) are left out.
func (s *Store) SpecResults(ids []string) ([]Result, error) {
	var out []Result
	var errs []error
	for _, id := range ids {
		res, err := s.Result(id)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, res)
	}
	return out, errors.Join(errs...)
}

// Contents is everything a store holds, sorted out.
type Contents struct {
	Dir  string
	Spec []byte // spec.toml as run; nil when absent
	// Manifest is nil for a store written before manifests (runs are then told apart by
	// runs.csv, or not at all: see Note).
	Manifest *Manifest
	// Current are the results of the current spec's runs, in spec order (for a store without
	// a manifest, in run-id order). Unreadable result files of current runs are among them as
	// failed results whose Error says why.
	Current []Result
	// Stale are results of runs the current spec does not have (an earlier version of the
	// spec), in run-id order: listed, never pooled with the current ones.
	Stale []Result
	// Missing counts the current spec's runs without a result yet.
	Missing int
	// Note says how current runs were told apart when the store has no manifest.
	Note string
	// Unreadable lists, one line each, result files that could not be read.
	Unreadable []string
}

// Load opens the store in dir and reads all of it (Store.Load): for a reader that wants the
// contents and nothing else of the store.
func Load(dir string) (*Contents, error) {
	s, err := Open(dir)
	if err != nil {
		return nil, err
	}
	return s.Load()
}

// Load reads the whole store: spec, manifest and every run folder's result.json. A result that
// cannot be read becomes a failed result with the reason (and a line in Unreadable) rather
// than stopping the load: the rest of a long sweep is still worth seeing.
func (s *Store) Load() (*Contents, error) {
	c := &Contents{Dir: s.dir}
	var err error
	if c.Spec, err = s.Spec(); err != nil {
		return nil, fmt.Errorf("run store %s: %w", s.dir, err)
	}
	if c.Manifest, err = s.Manifest(); err != nil {
		return nil, fmt.Errorf("run store %s: %w", s.dir, err)
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("run store %s: %w", s.dir, err)
	}
	byID := map[string]Result{}
	var ids []string
	for _, e := range entries { // sorted by name: a deterministic order
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(s.dir, e.Name(), ResultFile)
		r, err := readResult(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // the report folder, an unfinished run, anything that is not a run
		}
		if err != nil {
			c.Unreadable = append(c.Unreadable, fmt.Sprintf("unreadable %s: %v", path, err))
			r = Result{RunID: e.Name(), Status: StatusFailed, Error: fmt.Sprintf("unreadable %s: %v", path, err)}
		}
		if r.RunID == "" {
			r.RunID = e.Name()
		}
		byID[r.RunID] = r
		ids = append(ids, r.RunID)
	}
	current := s.currentRuns(c)
	if current == nil {
		for _, id := range ids {
			c.Current = append(c.Current, byID[id])
		}
		return c, nil
	}
	in := map[string]bool{}
	for _, id := range current {
		in[id] = true
		if r, ok := byID[id]; ok {
			c.Current = append(c.Current, r)
		} else {
			c.Missing++
		}
	}
	for _, id := range ids {
		if !in[id] {
			c.Stale = append(c.Stale, byID[id])
		}
	}
	return c, nil
}

// currentRuns lists the current spec's run ids: the manifest's, else (a store written before
// manifests) runs.csv's run_id column, else nil (every run counts, and Note says so).
func (s *Store) currentRuns(c *Contents) []string {
	if c.Manifest != nil {
		return c.Manifest.Runs
	}
	b, err := os.ReadFile(filepath.Join(s.dir, RunsCSV))
	if err == nil {
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err == nil && len(rows) > 0 && len(rows[0]) > 0 && rows[0][0] == "run_id" {
			ids := []string{}
			for _, row := range rows[1:] {
				ids = append(ids, row[0])
			}
			c.Note = "the store has no manifest.json (written by an older pal): its runs are those runs.csv lists"
			return ids
		}
	}
	c.Note = "the store has neither manifest.json nor runs.csv: every run folder counts, whichever spec wrote it"
	return nil
}

// StaleNote is a sentence about stale results for a report, or "".
func (c *Contents) StaleNote() string {
	if len(c.Stale) == 0 {
		return ""
	}
	ids := make([]string, 0, len(c.Stale))
	for _, r := range c.Stale {
		ids = append(ids, r.RunID)
	}
	sort.Strings(ids)
	if len(ids) > 8 {
		ids = append(ids[:8], fmt.Sprintf("and %d more", len(ids)-8))
	}
	return fmt.Sprintf("%d result(s) in this store belong to another version of the spec (runs %s) and are left out of every table and chart.", len(c.Stale), strings.Join(ids, ", "))
}
