package reports

import (
	"fmt"
	"math"
	"strconv"

	"github.com/pal-harness/pal/internal/metrics"
)

// geometrySection shows where the prototypes sit in the learned space: the matrix of distances
// between their ideal points (for PAL-B averaged over prompts) as a heat map for the runs with
// as many prototypes as true groups, and for every configuration the closest pair and the mean
// distance (which do not depend on how a run numbered its prototypes, so they average over
// seeds). Redundant prototypes show as a close pair.
type geometrySection struct{}

// spread is one run's closest and mean pairwise prototype distance.
func spread(rec *metrics.Analysis) (closest, mean float64, ok bool) {
	d := rec.PrototypeDistances
	if len(d) < 2 {
		return 0, 0, false
	}
	closest = math.Inf(1)
	n := 0
	for i := range d {
		for j := i + 1; j < len(d); j++ {
			closest = math.Min(closest, d[i][j])
			mean += d[i][j]
			n++
		}
	}
	return closest, mean / float64(n), true
}

type spreadStats struct{ Closest, Mean, Ratio Summary }

func (a *analysis) spreadOf(rw *row) (spreadStats, bool) {
	var c, m, r []float64
	for _, run := range rw.Runs {
		rec := a.record(run)
		if rec == nil {
			continue
		}
		if cl, mn, ok := spread(rec); ok {
			c, m = append(c, cl), append(m, mn)
			if mn > 0 {
				r = append(r, cl/mn)
			}
		}
	}
	if len(c) == 0 {
		return spreadStats{}, false
	}
	l := a.Opts.CILevel
	return spreadStats{Summarize(c, l), Summarize(m, l), Summarize(r, l)}, true
}

func (geometrySection) build(a *analysis) cell {
	c := cell{ID: "geometry", Title: "Prototype geometry"}
	c.Narrative = []para{text("The distance between every two prototypes' ideal points in the learned space (Euclidean; for PAL-B the distance between the prompt-conditioned prototypes g_k(c), averaged over prompts). " +
		"The heat maps show one run (the first seed) of each configuration with as many prototypes as the data has true groups: prototypes are numbered arbitrarily in each run. " +
		"The table summarises every configuration over seeds by what does not depend on the numbering: the closest pair of prototypes, the mean distance, and their ratio (near 0: two prototypes nearly coincide, one of them redundant).")}
	h, right := a.configHeader()
	if a.kColumn() {
		h, right = append(h, "K"), append(right, true)
	}
	t := displayTable{Header: append(h, "closest pair", "mean distance", "closest / mean", "seeds"), Right: append(right, true, true, true, true)}
	var tidy tidyTable
	for gi, g := range a.Datasets {
		groups := len(a.groupNames(g))
		for ri, rw := range g.Rows {
			st, ok := a.spreadOf(rw)
			if !ok {
				continue
			}
			k := a.kOf(rw)
			t.Rows = append(t.Rows, append(a.kCells(rw), meanStdNum(st.Closest, 3), meanStdNum(st.Mean, 3), meanStdNum(st.Ratio, 2), strconv.Itoa(st.Closest.N)))
			hd, cells := a.configTidy(rw)
			tidy.Header = append(hd, "k", "n", "closest_mean", "closest_std", "mean_distance_mean", "mean_distance_std", "ratio_mean", "ratio_std")
			tidy.Rows = append(tidy.Rows, append(cells, strconv.Itoa(k), strconv.Itoa(st.Closest.N), fnum(st.Closest.Mean), fnum(st.Closest.Std), fnum(st.Mean.Mean), fnum(st.Mean.Std), fnum(st.Ratio.Mean), fnum(st.Ratio.Std)))
			if k != groups || k < 2 {
				continue
			}
			rec := a.record(rw.Runs[0])
			if rec == nil || len(rec.PrototypeDistances) < 2 {
				continue
			}
			cs := chartSpec{
				ID: fmt.Sprintf("geometry-%d-%d", gi, ri), File: joinStem(joinStem("geometry", g.FileStem), a.rowStem(rw)),
				Title:  fmt.Sprintf("Distances between prototypes: %s, seed %d (%s)", rw.Label, rw.Runs[0].R.Seed, g.Label),
				XLabel: "prototype", YLabel: "prototype",
				Caption: "Each cell is the distance between two prototypes' ideal points; darker is further apart. " + rec.DistanceNote + ".",
			}
			s := chartSeries{Name: "distance", Color: palette[0], Kind: heatKind{}}
			var xs []float64
			for i, row := range rec.PrototypeDistances {
				xs = append(xs, float64(i+1))
				for j, v := range row {
					s.Heat = append(s.Heat, heatCell{X: float64(j + 1), Y: float64(i + 1), Value: v})
				}
			}
			cs.Series = []chartSeries{s}
			cs.setXRange(xs, false)
			cs.XMin, cs.XMax = 0.5, float64(len(xs))+0.5
			c.Charts = append(c.Charts, cs)
		}
		if f := a.geometryFinding(g); f != "" {
			c.Narrative = append(c.Narrative, text(htmlf("<strong>%s</strong>: %s", g.Label, f)))
		}
	}
	if len(t.Rows) == 0 {
		c.Narrative = []para{note("No run kept the distances between its prototypes (no model with K ≥ 2 prototypes in a learned space), so there is no prototype geometry.")}
		return c
	}
	if len(c.Charts) == 0 {
		c.Notes = append(c.Notes, muted("No configuration has as many prototypes as the data has true groups (or the true groups are unknown), so no distance matrix is drawn; the table has every configuration."))
	}
	c.Tables = []table{{Name: "geometry", Caption: "Closest and mean distance between prototypes in the learned space, and their ratio, mean ± std over seeds.", Display: &t, Tidy: &tidy}}
	return c
}

// geometryFinding compares the closest pair at K = true groups with the largest K.
func (a *analysis) geometryFinding(g *datasetGroup) string {
	groups := len(a.groupNames(g))
	var at, top *row
	for _, rw := range g.Rows {
		if _, ok := a.spreadOf(rw); !ok {
			continue
		}
		if a.kOf(rw) == groups {
			at = rw
		}
		if top == nil || a.kOf(rw) > a.kOf(top) {
			top = rw
		}
	}
	if at == nil || top == nil || top == at {
		return ""
	}
	sa, _ := a.spreadOf(at)
	st, _ := a.spreadOf(top)
	return fmt.Sprintf("with K = %d (the true number of groups) the closest two prototypes are %.2f of the mean distance apart (%s); with K = %d they are %.2f of it (%s).",
		a.kOf(at), sa.Ratio.Mean, seedsText(sa.Ratio.N), a.kOf(top), st.Ratio.Mean, seedsText(st.Ratio.N))
}
