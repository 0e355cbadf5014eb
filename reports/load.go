package reports

import (
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"

	"github.com/BurntSushi/toml"
	"github.com/pal-harness/pal/sweeps/runstore"
)

// store is what a report shows of a run store, read through package runstore (the one reader
// of its files), so a report can be rendered from the files alone, for instance on a copy of
// results/ from another machine.
type store struct {
	Dir         string
	SpecName    string
	Description string
	SpecSource  []byte // spec.toml as run, shown in the report; nil when absent
	SpecErr     string // why spec.toml could not be read, if it could not
	Runs        []*run // the current spec's runs that have a result, in spec order
	Failed      []*run // the runs that did not finish ("failed" or unreadable), same order
	OK          []*run // the runs with status "ok" and metrics, same order
	Unknown     []*run // runs with any other status (say, a future "running"), same order
	Stale       []*run // results of another version of the spec: listed, never pooled
	Missing     int    // runs of the current spec without a result yet
	Notes       []string
	Warnings    []string // problems a person running pal report must hear of (unreadable files)
	Seeds       []uint64
	DatasetKeys []string // swept "dataset.*" axes over all runs, sorted
	ModelKeys   []string // every other swept axis except "model" and "seed", sorted
}

// run is one run folder.
type run struct {
	Folder string // name of the folder under the store
	R      runstore.Result
}

// loadStore reads the store in dir: its spec and the results of its current spec's runs
// (runstore.Store.Load). A result.json that cannot be parsed becomes a failed run with the
// parse error as its reason (and a warning) rather than stopping the report. Results of
// another version of the spec are kept apart as stale; a store holding only those is refused.
func loadStore(dir string) (*store, error) {
	c, err := runstore.Load(dir)
	if err != nil {
		return nil, err
	}
	s := &store{Dir: dir, Missing: c.Missing, Warnings: c.Unreadable}
	if err := s.readSpec(c.Spec); err != nil {
		s.SpecErr = err.Error()
	}
	for _, r := range c.Current {
		s.Runs = append(s.Runs, &run{Folder: r.RunID, R: r})
	}
	for _, r := range c.Stale {
		s.Stale = append(s.Stale, &run{Folder: r.RunID, R: r})
	}
	switch {
	case len(s.Runs) == 0 && len(s.Stale) > 0:
		return nil, fmt.Errorf("run store %s: none of its %d results belongs to its current spec (%s): they were made by another version of it; run `pal run` on the spec to fill the store, or report a copy of the store made before the spec changed", dir, len(s.Stale), runstore.SpecFile)
	case len(s.Runs) == 0:
		return nil, fmt.Errorf("run store %s: no <run>/result.json found; run `pal run SPEC --out %s` first", dir, dir)
	}
	if c.Note != "" {
		s.Notes = append(s.Notes, "Runs: "+c.Note+".")
	}
	if n := c.StaleNote(); n != "" {
		s.Notes = append(s.Notes, n)
	}
	if c.Missing > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d run(s) of the spec have no result yet (not run, or interrupted): run `pal run` on the spec again to complete them.", c.Missing))
	}
	if s.SpecName == "" {
		for _, r := range s.Runs {
			if r.R.Spec != "" {
				s.SpecName = r.R.Spec
				break
			}
		}
	}
	if s.SpecName == "" {
		s.SpecName = filepath.Base(filepath.Clean(dir))
	}
	s.classify()
	return s, nil
}

func (s *store) readSpec(b []byte) error {
	if b == nil {
		return nil
	}
	s.SpecSource = b
	// Only the two descriptive keys are read; validation is the business of package sweeps.
	var head struct {
		Name        string `toml:"name"`
		Description string `toml:"description"`
	}
	if _, err := toml.Decode(string(b), &head); err != nil {
		return fmt.Errorf("%s: %w", runstore.SpecFile, err)
	}
	s.SpecName, s.Description = head.Name, head.Description
	return nil
}

func (s *store) classify() {
	seeds := map[uint64]bool{}
	dkeys, mkeys := map[string]bool{}, map[string]bool{}
	for _, r := range s.Runs {
		switch {
		case r.R.Status == "ok" && r.R.Metrics != nil:
			s.OK = append(s.OK, r)
			seeds[r.R.Seed] = true
		case r.R.Status == "ok": // ok without metrics cannot be shown: count it as a failure
			r.R.Status = "failed"
			r.R.Error = "status ok but result.json has no metrics"
			s.Failed = append(s.Failed, r)
		case r.R.Status == "failed":
			s.Failed = append(s.Failed, r)
		default:
			s.Unknown = append(s.Unknown, r)
		}
		for k := range r.R.Params {
			switch {
			case k == "model" || k == "seed":
			case isDatasetKey(k):
				dkeys[k] = true
			default:
				mkeys[k] = true
			}
		}
	}
	for sd := range seeds {
		s.Seeds = append(s.Seeds, sd)
	}
	sort.Slice(s.Seeds, func(i, j int) bool { return s.Seeds[i] < s.Seeds[j] })
	s.DatasetKeys, s.ModelKeys = sortedKeys(dkeys), sortedKeys(mkeys)
}

// sortedKeys lists a map's keys in ascending order, so that every walk over a map gives the
// same output on every run.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K { return slices.Sorted(maps.Keys(m)) }
