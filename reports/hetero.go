package reports

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/pal-harness/pal/internal/hetero"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/sweeps/runstore"
)

// The heterogeneity sections (section_groups.go ... section_calibration.go) read, besides
// result.json, each run's analysis record (metrics.Analysis, written by the runner as
// metrics.AnalysisFile): the users' learned weights and true groups, the training curve, the
// reliability histogram. This file loads the records once through package runstore and holds
// what several of those sections share.

// heteroCache holds the analysis records of the ok runs, read on first use.
type heteroCache struct {
	records map[*run]*metrics.Analysis
	errs    []string // records that could not be read, one line each
}

// record is r's analysis record, nil when the run kept none (or it could not be read: the
// summary cell lists those).
func (a *analysis) record(r *run) *metrics.Analysis {
	if a.het == nil {
		a.het = &heteroCache{records: map[*run]*metrics.Analysis{}}
		st, err := runstore.Open(a.Store.Dir)
		for _, rr := range a.Store.OK {
			if err != nil {
				break
			}
			rec, rerr := st.Analysis(&rr.R)
			if rerr != nil {
				a.het.errs = append(a.het.errs, rerr.Error())
				continue
			}
			if rec != nil {
				a.het.records[rr] = rec
			}
		}
		if err != nil {
			a.het.errs = append(a.het.errs, err.Error())
		}
	}
	return a.het.records[r]
}

// kOf is a row's number of prototypes: its model.k parameter, else the K its records hold
// (0 for a model without user weights).
func (a *analysis) kOf(rw *row) int {
	if v, ok := rw.Params.get("model.k"); ok {
		if f, ok := toFloat(v); ok {
			return int(f)
		}
	}
	for _, r := range rw.Runs {
		if rec := a.record(r); rec != nil {
			return rec.K
		}
	}
	return 0
}

// isBase says whether rw is the baseline model's row.
func (a *analysis) isBase(rw *row) bool { return a.Baseline != "" && rw.Model == a.Baseline }

// baseRow is the dataset config's baseline row (nil without one, or with several: a baseline
// swept over its own parameters has no single row to compare with).
func (a *analysis) baseRow(g *datasetGroup) *row {
	var out *row
	for _, rw := range g.Rows {
		if a.isBase(rw) {
			if out != nil {
				return nil
			}
			out = rw
		}
	}
	return out
}

// groupNames are the true groups of the dataset config's users, from the first record that
// knows them (nil when none does).
func (a *analysis) groupNames(g *datasetGroup) []string {
	for _, rw := range g.Rows {
		for _, r := range rw.Runs {
			rec := a.record(r)
			if rec == nil || rec.Groups == nil {
				continue
			}
			n := 0
			for _, x := range rec.Groups {
				n = max(n, x+1)
			}
			names := make([]string, n)
			for i := range names {
				if i < len(rec.GroupNames) && rec.GroupNames[i] != "" {
					names[i] = rec.GroupNames[i]
				} else {
					names[i] = "group " + strconv.Itoa(i)
				}
			}
			return names
		}
	}
	return nil
}

// perGroupNames lists the group keys of the runs' per-group accuracies (result.json), in
// numeric order: the groups known even without analysis records.
func perGroupKeys(g *datasetGroup, split string) []string {
	keys := map[string]bool{}
	for _, rw := range g.Rows {
		for _, r := range rw.Runs {
			for k := range r.R.Metrics.PerGroup[split] {
				keys[k] = true
			}
		}
	}
	out := sortedKeys(keys)
	sort.SliceStable(out, func(i, j int) bool {
		x, ex := strconv.Atoi(out[i])
		y, ey := strconv.Atoi(out[j])
		if ex != nil || ey != nil {
			return out[i] < out[j]
		}
		return x < y
	})
	return out
}

// valAcc is a run's validation accuracy (NaN without val pairs).
func valAcc(r *run) float64 {
	if sp, ok := r.R.Metrics.Splits["val"]; ok && sp.Pairs > 0 {
		return sp.Accuracy
	}
	return math.NaN()
}

// kRows are the non-baseline rows of model name that differ only by K, by K: the candidates
// of the choice of K. nil when the model has no K axis.
func (a *analysis) kRows(g *datasetGroup, model string) []*row {
	var out []*row
	for _, rw := range g.Rows {
		if rw.Model == model && a.kOf(rw) > 0 {
			if _, ok := rw.Params.get("model.k"); ok {
				out = append(out, rw)
			}
		}
	}
	// Rows that differ by another axis too (say width) are not one K curve.
	others := map[string]bool{}
	for _, rw := range out {
		others[rw.Params.without("model.k").key()] = true
	}
	if len(others) != 1 || len(out) < 2 {
		return nil
	}
	sort.Slice(out, func(i, j int) bool { return a.kOf(out[i]) < a.kOf(out[j]) })
	return out
}

// chooseKRow applies the one-standard-error rule to the mean val accuracy over seeds of the K
// rows: the smallest K whose mean is within one standard error of the best.
func (a *analysis) chooseKRow(rows []*row) (*row, bool) {
	var ks []int
	var mean, se []float64
	var cand []*row
	for _, rw := range rows {
		var v []float64
		for _, r := range rw.Runs {
			if x := valAcc(r); !math.IsNaN(x) {
				v = append(v, x)
			}
		}
		if len(v) == 0 {
			continue
		}
		s := Summarize(v, a.Opts.CILevel)
		e := 0.0
		if s.N >= 2 {
			e = s.Std / math.Sqrt(float64(s.N))
		}
		ks, mean, se, cand = append(ks, a.kOf(rw)), append(mean, s.Mean), append(se, e), append(cand, rw)
	}
	k, ok := hetero.ChooseK(ks, mean, se)
	if !ok {
		return nil, false
	}
	return cand[slices.Index(ks, k)], true
}

// focusRows are the personalized configurations the per-user analyses show against the
// baseline: for a model swept over K, the K the one-standard-error rule picks on validation
// accuracy (never on test data); every other non-baseline row as it is.
func (a *analysis) focusRows(g *datasetGroup) []*row {
	var out []*row
	done := map[string]bool{}
	for _, rw := range g.Rows {
		if a.isBase(rw) || done[rw.Model] {
			continue
		}
		if ks := a.kRows(g, rw.Model); ks != nil {
			done[rw.Model] = true
			if pick, ok := a.chooseKRow(ks); ok {
				out = append(out, pick)
			}
			continue
		}
		out = append(out, rw)
	}
	return out
}

// summaryText is "81.2% (95% CI 79.0–83.4%, 5 seeds)" for a fraction summary.
func (a *analysis) summaryText(s Summary) string {
	if s.N < 2 || math.IsNaN(s.Lo) {
		return fmt.Sprintf("%.1f%% (%s)", pct(s.Mean), seedsText(s.N))
	}
	return fmt.Sprintf("%.1f%% (%s CI %.1f–%.1f%%, %s)", pct(s.Mean), a.ciLevel(), pct(s.Lo), pct(s.Hi), seedsText(s.N))
}

// numText is summaryText for a plain number (ARI, entropy) with the given decimals.
func (a *analysis) numText(s Summary, dec int) string {
	f := "%." + strconv.Itoa(dec) + "f"
	if s.N < 2 || math.IsNaN(s.Lo) {
		return fmt.Sprintf(f+" (%s)", s.Mean, seedsText(s.N))
	}
	return fmt.Sprintf(f+" (%s CI "+f+"–"+f+", %s)", s.Mean, a.ciLevel(), s.Lo, s.Hi, seedsText(s.N))
}

func seedsText(n int) string {
	if n == 1 {
		return "1 seed"
	}
	return fmt.Sprintf("%d seeds", n)
}

// meanStdNum is "0.93 ± 0.02" (one seed: the value), "—" for none.
func meanStdNum(s Summary, dec int) string {
	f := "%." + strconv.Itoa(dec) + "f"
	switch {
	case s.N == 0:
		return missing
	case s.N == 1:
		return fmt.Sprintf(f, s.Mean)
	}
	return fmt.Sprintf(f+" ± "+f, s.Mean, s.Std)
}

// numPoint is pointOf for a plain number (no percent).
func numPoint(x float64, s Summary) chartPoint {
	p := chartPoint{X: x, Y: s.Mean, Std: s.Std, Lo: math.NaN(), Hi: math.NaN(), N: s.N}
	if s.N >= 2 {
		p.Lo, p.Hi = s.Mean-s.Std, s.Mean+s.Std
	}
	return p
}

// tint is c made lighter (mixed with white): the unseen users beside the seen ones, the
// training loss beside the val loss.
func tint(c color.NRGBA) color.NRGBA {
	return color.NRGBA{R: c.R + (255-c.R)/2, G: c.G + (255-c.G)/2, B: c.B + (255-c.B)/2, A: c.A}
}

// headlineDataset is the dataset config the summary's findings are about: the one whose users
// fall into the most true groups (the most heterogeneous), the last of equals; with no groups
// known, the last config.
func (a *analysis) headlineDataset() *datasetGroup {
	if len(a.Datasets) == 0 {
		return nil
	}
	best, most := a.Datasets[len(a.Datasets)-1], 0
	for _, g := range a.Datasets {
		if n := len(perGroupKeys(g, splitSeen)); n >= most {
			best, most = g, n
		}
	}
	return best
}

// pText is "p = 0.012" or "p < 0.001".
func pText(p float64) string {
	s := pValue(p)
	if s[0] == '<' {
		return "p " + s
	}
	return "p = " + s
}

// rowStem names a model config in file names: "pal-a__k=3".
func (a *analysis) rowStem(rw *row) string {
	return joinStem(sanitize(rw.Model), fileStem(rw.Params, a.Short))
}

// intervalText is "95% CI 1.2–3.4 pp, 5 seeds" for a fraction summary shown in points.
func (a *analysis) intervalText(s Summary) string {
	if s.N < 2 || math.IsNaN(s.Lo) {
		return seedsText(s.N)
	}
	return fmt.Sprintf("%s CI %.1f–%.1f pp, %s", a.ciLevel(), pct(s.Lo), pct(s.Hi), seedsText(s.N))
}

// kColumn says whether the heterogeneity tables need a K column: when model.k is not a swept
// axis (the config columns show it otherwise).
func (a *analysis) kColumn() bool { return !slices.Contains(a.Store.ModelKeys, "model.k") }

// kCells are a row's config cells, then its K when kColumn.
func (a *analysis) kCells(rw *row) []string {
	c := a.configCells(rw)
	if a.kColumn() {
		c = append(c, strconv.Itoa(a.kOf(rw)))
	}
	return c
}

// legendLabel shortens a long name (a persona group's traits joined by "+") for a chart's
// legend, which would otherwise squeeze the plot; tables keep the full name.
func legendLabel(s string) string {
	const most = 32
	r := []rune(s)
	if len(r) <= most {
		return s
	}
	return string(r[:most-1]) + "…"
}
