package sweeps

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/internal/metrics"
)

// The run store is a folder: spec.toml (the spec it ran), one folder per run named by run id
// holding result.json, and runs.csv. Every file is written to a temporary file in the same
// folder, synced and renamed into place, so a crash or Ctrl-C leaves either the old file or the
// new one, never a torn one that a rerun would mistake for a finished run.

// Store file names.
const (
	ResultFile = "result.json"
	RunsCSV    = "runs.csv"
	SpecCopy   = "spec.toml"
)

// Result statuses.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// writeFileAtomic replaces path with data via a synced temporary file and a rename.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// resultPath is where the result of run id lives under dir.
func resultPath(dir, id string) string { return filepath.Join(dir, id, ResultFile) }

// writeResult stores res in dir/<run id>/result.json.
func writeResult(dir string, res *Result) error {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding result of run %s: %w", res.RunID, err)
	}
	data = append(data, '\n')
	if err := os.MkdirAll(filepath.Join(dir, res.RunID), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(resultPath(dir, res.RunID), data)
}

// readResult loads one result.json.
func readResult(path string) (Result, error) {
	var r Result
	data, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// LoadResults reads every <dir>/*/result.json, sorted by run id. It is what reports read: the
// store alone, never a re-run. A folder may hold runs of earlier versions of a spec too; use
// LoadSpecResults to keep only the runs a spec lists.
func LoadResults(dir string) ([]Result, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", ResultFile))
	if err != nil {
		return nil, err
	}
	var out []Result
	var errs []error
	for _, p := range paths {
		r, err := readResult(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RunID < out[j].RunID })
	return out, errors.Join(errs...)
}

// LoadSpecResults reads the results of the spec's runs present under dir, in spec order; runs
// without a result (not yet run, or interrupted) are left out.
func LoadSpecResults(dir string, spec *Spec) ([]Result, error) {
	var out []Result
	var errs []error
	for _, r := range spec.Runs {
		res, err := readResult(resultPath(dir, r.ID))
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

// WriteRunsCSV writes dir/runs.csv: one row per result in the given order, with the columns
//
//	run_id,status,model,seed,<axes other than model and seed>,<metric columns>,wall_seconds,error
//
// The metric columns are metrics.Metrics.Columns for the sorted union of the few-shot sizes of
// all results. Missing values (an axis a model lacks, metrics of a failed run, NaN) are empty
// cells. Every column before wall_seconds depends only on the results' configs and metrics, so
// it is byte-identical across reruns and -j settings when the runs are deterministic.
func WriteRunsCSV(dir string, results []Result, axes []string) error {
	data, err := runsCSV(results, axes)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, RunsCSV), data)
}

func runsCSV(results []Result, axes []string) ([]byte, error) {
	sizeSet := map[int]bool{}
	for _, r := range results {
		if r.Metrics == nil {
			continue
		}
		for _, p := range r.Metrics.FewShot {
			sizeSet[p.PairsPerUser] = true
		}
	}
	var sizes []int
	for n := range sizeSet {
		sizes = append(sizes, n)
	}
	sort.Ints(sizes)

	var other []string
	for _, a := range axes {
		if a != "model" && a != "seed" {
			other = append(other, a)
		}
	}
	header := []string{"run_id", "status", "model", "seed"}
	header = append(header, other...)
	metricCols := (&metrics.Metrics{}).Columns(sizes)
	for _, c := range metricCols {
		header = append(header, c.Name)
	}
	header = append(header, "wall_seconds", "error")

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for _, r := range results {
		row := []string{r.RunID, r.Status, r.Config.Model.Name, strconv.FormatUint(r.Seed, 10)}
		for _, a := range other {
			row = append(row, formatParam(r.Params[a]))
		}
		if r.Metrics != nil && r.Status == StatusOK {
			for _, c := range r.Metrics.Columns(sizes) {
				row = append(row, formatNumber(c.Value))
			}
		} else {
			for range metricCols {
				row = append(row, "")
			}
		}
		row = append(row, formatNumber(r.WallSeconds), firstLine(r.Error))
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// firstLine keeps a CSV cell on one line; the full reason stays in result.json.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// nonFinite names the first non-finite value in m ("splits.train.loss = NaN"), or "" when all
// are finite. Such a run diverged, and result.json (JSON has no NaN) could not even store it.
func nonFinite(m *metrics.Metrics) string {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	show := func(path string, x float64) string { return fmt.Sprintf("%s = %v", path, x) }
	for _, k := range mapKeys(m.Splits) {
		s := m.Splits[k]
		if bad(s.Accuracy) {
			return show("splits."+k+".accuracy", s.Accuracy)
		}
		if bad(s.Loss) {
			return show("splits."+k+".loss", s.Loss)
		}
	}
	for _, p := range m.FewShot {
		if bad(p.Accuracy) {
			return show(fmt.Sprintf("few_shot[%d].accuracy", p.PairsPerUser), p.Accuracy)
		}
		if bad(p.Loss) {
			return show(fmt.Sprintf("few_shot[%d].loss", p.PairsPerUser), p.Loss)
		}
	}
	if bad(m.FinalTrainLoss) {
		return show("final_train_loss", m.FinalTrainLoss)
	}
	if m.FinalValLoss != nil && bad(*m.FinalValLoss) {
		return show("final_val_loss", *m.FinalValLoss)
	}
	for _, g := range []struct {
		name string
		m    map[string]map[string]float64
	}{{"per_user_accuracy", m.PerUser}, {"per_group_accuracy", m.PerGroup}} {
		for _, sp := range mapKeys(g.m) {
			for _, k := range mapKeys(g.m[sp]) {
				if bad(g.m[sp][k]) {
					return show(g.name+"."+sp+"."+k, g.m[sp][k])
				}
			}
		}
	}
	for _, g := range []struct {
		name string
		m    map[string]float64
	}{{"bayes_accuracy", m.BayesAccuracy}, {"expected_bayes_accuracy", m.ExpectedBayesAccuracy}} {
		for _, k := range mapKeys(g.m) {
			if bad(g.m[k]) {
				return show(g.name+"."+k, g.m[k])
			}
		}
	}
	return ""
}
