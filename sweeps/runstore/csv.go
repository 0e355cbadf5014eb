package runstore

import (
	"bytes"
	"encoding/csv"
	"sort"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/internal/metrics"
)

// RunsCSVBytes is runs.csv for results in the given order: one row per result, with the columns
//
//	run_id,status,model,seed,<axes other than model and seed>,<metric columns>,wall_seconds,error
//
// The metric columns are metrics.Metrics.Columns for the sorted union of the few-shot sizes of
// all results. Missing values (an axis a model lacks, metrics of a failed run, NaN) are empty
// cells. Every column before wall_seconds depends only on the results' configs and metrics, so
// it is byte-identical across reruns and -j settings when the runs are deterministic.
func RunsCSVBytes(results []Result, axes []string) ([]byte, error) {
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
			row = append(row, FormatParam(r.Params[a]))
		}
		if r.Metrics != nil && r.Status == StatusOK {
			for _, c := range r.Metrics.Columns(sizes) {
				row = append(row, FormatNumber(c.Value))
			}
		} else {
			for range metricCols {
				row = append(row, "")
			}
		}
		row = append(row, FormatNumber(r.WallSeconds), FirstLine(r.Error))
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// FirstLine keeps a CSV cell on one line; the full reason stays in result.json.
func FirstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
