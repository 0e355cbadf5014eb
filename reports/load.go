package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/BurntSushi/toml"

	"github.com/pal-harness/pal/sweeps"
)

// store is what a run store folder holds, read without help from package sweeps so that a
// report can be rendered from the files alone (for instance on a copy of results/ from
// another machine).
type store struct {
	Dir         string
	SpecName    string
	Description string
	SpecSource  []byte // spec.toml as run, shown in the report; nil when absent
	SpecErr     string // why spec.toml could not be read, if it could not
	Runs        []*run // every run folder holding a result.json, in folder-name order
	Failed      []*run // the runs that did not finish ("failed" or unreadable), same order
	OK          []*run // the runs with status "ok" and metrics, same order
	Unknown     []*run // runs with any other status (say, a future "running"), same order
	Seeds       []uint64
	DatasetKeys []string // swept "dataset.*" axes over all runs, sorted
	ModelKeys   []string // every other swept axis except "model" and "seed", sorted
}

// run is one run folder.
type run struct {
	Folder string // name of the folder under the store
	R      sweeps.Result
}

// loadStore reads DIR/spec.toml (optional) and every DIR/<run>/result.json. A result.json that
// cannot be parsed becomes a failed run with the parse error as its reason rather than stopping
// the report: the rest of a long sweep is still worth seeing, and the failure is listed.
func loadStore(dir string) (*store, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("run store %s: %w", dir, err)
	}
	s := &store{Dir: dir}
	if err := s.readSpec(filepath.Join(dir, "spec.toml")); err != nil {
		s.SpecErr = err.Error()
	}
	for _, e := range entries { // os.ReadDir sorts by name, so the order is deterministic
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name(), "result.json")
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // the report folder, an unfinished run, anything that is not a run
		}
		r := &run{Folder: e.Name()}
		if err == nil {
			err = json.Unmarshal(b, &r.R)
		}
		if err != nil {
			r.R = sweeps.Result{RunID: e.Name(), Status: "failed", Error: fmt.Sprintf("unreadable %s: %v", path, err)}
		}
		if r.R.RunID == "" {
			r.R.RunID = e.Name()
		}
		s.Runs = append(s.Runs, r)
	}
	if len(s.Runs) == 0 {
		return nil, fmt.Errorf("run store %s: no <run>/result.json found; run `pal run SPEC --out %s` first", dir, dir)
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

func (s *store) readSpec(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	s.SpecSource = b
	// Only the two descriptive keys are read; validation is the business of package sweeps.
	var head struct {
		Name        string `toml:"name"`
		Description string `toml:"description"`
	}
	if _, err := toml.Decode(string(b), &head); err != nil {
		return fmt.Errorf("%s: %w", path, err)
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

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
