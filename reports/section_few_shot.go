package reports

import (
	"fmt"
	"math"
	"strconv"
)

// fewShotSection draws unseen users' test accuracy against the number of their pairs the
// model was adapted on, one chart per dataset config, and writes the curves to few_shot.csv.
type fewShotSection struct{}

func (fewShotSection) build(a *analysis) cell {
	c := cell{ID: "few-shot", Title: "Few-shot adaptation of unseen users"}
	c.Narrative = []para{text("For unseen users everything shared is frozen and only their own weights are fitted on their first N training pairs; accuracy is on their test pairs.")}
	for gi, g := range a.Datasets {
		if cs, ok := a.fewShotChart(gi, g); ok {
			c.Charts = append(c.Charts, cs)
		}
	}
	if len(c.Charts) == 0 {
		c.Narrative = append(c.Narrative, note("No run recorded a few-shot curve (metrics few_shot is empty), so there is no few-shot chart."))
	}
	if a.HasFewShot {
		tidy := a.fewShotTidy()
		c.Tables = []table{{Name: "few_shot", Tidy: &tidy}}
	}
	return c
}

// fewShotChart is unseen-user test accuracy against the number of pairs per unseen user, one
// curve per model config that adapts, each with its own seen-user test accuracy as a dashed line
// of the same colour: how close a new user gets to the users the model was trained on. A model
// whose curve is flat (BTL, PAL with K = 1: nothing to adapt) is drawn once, as a level line
// with its spread, not as a curve repeating the same error bar at every x.
func (a *analysis) fewShotChart(gi int, g *datasetGroup) (chartSpec, bool) {
	xs := map[float64]bool{}
	for _, rw := range g.Rows {
		for _, p := range rw.FewShot {
			xs[float64(p.PairsPerUser)] = true
		}
	}
	if len(xs) == 0 {
		return chartSpec{}, false
	}
	cs := chartSpec{
		ID:     fmt.Sprintf("few-shot-%d", gi),
		File:   joinStem("few_shot", g.FileStem),
		Figure: "few_shot",
		Panel:  g.Label,
		Title:  fmt.Sprintf("Unseen-user test accuracy vs pairs per user (%s)", g.Label),
		XLabel: "training pairs per unseen user",
		YLabel: "unseen-user test accuracy (%)",
		YUnit:  "%",
	}
	sorted := sortedKeys(xs)
	cs.setXRange(sorted, sorted[0] > 0 && sorted[len(sorted)-1]/sorted[0] >= 10)
	flat := 0
	var curves []chartSeries
	for _, rw := range g.Rows {
		if len(rw.FewShot) == 0 {
			continue
		}
		c := a.colorOf(rw.Label)
		if flatCurve(rw.FewShot) {
			flat++
			p := rw.FewShot[len(rw.FewShot)-1].Acc
			cs.Series = append(cs.Series, chartSeries{Name: rw.Label + " (no adaptation)", Color: c, Kind: levelKind{}, Points: []chartPoint{pointOf(0, p)}})
			continue
		}
		s := chartSeries{Name: rw.Label, Color: c, Kind: lineKind{}}
		for _, p := range rw.FewShot {
			if cs.LogX && p.PairsPerUser <= 0 {
				continue // no place on a log axis
			}
			s.Points = append(s.Points, pointSeeds(float64(p.PairsPerUser), p.Acc, p.BySeed))
		}
		curves = append(curves, s)
		if rw.Seen.N > 0 {
			curves = append(curves, chartSeries{Name: rw.Label + ": seen-user test", Group: rw.Label, Color: c, Kind: refKind{}, Points: []chartPoint{pointOf(0, rw.Seen)}})
		}
	}
	cs.Series = append(cs.Series, curves...)
	cs.GroupRefLegend = "seen-user test acc."
	cs.Caption = spreadNote + stripNote + " Dashed lines in a curve's colour are that configuration's seen-user test accuracy, the level a new user would reach with unlimited pairs."
	if len(curves) > 2 {
		cs.Caption += " Curves are shifted a little sideways so that their error bars stay apart."
	}
	if flat > 0 {
		cs.Caption += " Models whose accuracy does not change with the pairs (nothing to adapt: one reward for everybody, or a single prototype) are drawn once, as a level line with a ± std band."
	}
	if cs.LogX {
		cs.Caption += " The x axis is logarithmic."
	}
	return cs, true
}

// flatCurve reports whether every point of a few-shot curve has the same per-seed values: the
// model has nothing to adapt.
func flatCurve(pts []fewShotPoint) bool {
	if len(pts) < 2 {
		return false
	}
	for _, p := range pts[1:] {
		if len(p.BySeed) != len(pts[0].BySeed) {
			return false
		}
		for sd, v := range p.BySeed {
			if w, ok := pts[0].BySeed[sd]; !ok || math.Abs(v-w) > 1e-12 {
				return false
			}
		}
	}
	return true
}

// fewShotTidy: one row per dataset config, model config and pairs-per-user value.
func (a *analysis) fewShotTidy() tidyTable {
	var t tidyTable
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			for _, fp := range rw.FewShot {
				h, c := a.configTidy(rw)
				h = append(h, "pairs_per_user", "n", "unseen_acc_mean", "unseen_acc_std", "unseen_acc_ci_lo", "unseen_acc_ci_hi")
				s := fp.Acc
				c = append(c, strconv.Itoa(fp.PairsPerUser), strconv.Itoa(s.N), fnum(s.Mean), fnum(s.Std), fnum(s.Lo), fnum(s.Hi))
				t.Header = h
				t.Rows = append(t.Rows, c)
			}
		}
	}
	return t
}
