package reports

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"github.com/pal-harness/pal/internal/hetero"
	"github.com/pal-harness/pal/internal/metrics"
)

// simplexSection draws every user's learned mixture weights, coloured by true group, seen and
// unseen users apart: for K = 2 the weight on the first prototype per group, for K = 3 a
// ternary plot of the simplex, for K > 3 the first two principal components of the weights.
// One replicate (the first seed) is drawn: prototypes are numbered arbitrarily in each run, so
// points of different seeds do not share axes.
type simplexSection struct{}

// simplexRows picks the rows to draw: per model, K = 2, K = 3, the true number of groups and
// the largest K (at most four charts per dataset config and model).
func (a *analysis) simplexRows(g *datasetGroup) []*row {
	groups := len(a.groupNames(g))
	byModel := map[string][]*row{}
	for _, rw := range g.Rows {
		if k := a.kOf(rw); k >= 2 && len(rw.Runs) > 0 && a.record(rw.Runs[0]) != nil && a.record(rw.Runs[0]).Weights != nil {
			byModel[rw.Model] = append(byModel[rw.Model], rw)
		}
	}
	var out []*row
	for _, m := range sortedKeys(byModel) {
		rows := byModel[m]
		maxK := 0
		for _, rw := range rows {
			maxK = max(maxK, a.kOf(rw))
		}
		for _, rw := range rows {
			if k := a.kOf(rw); k == 2 || k == 3 || k == groups || k == maxK {
				out = append(out, rw)
			}
		}
	}
	return out
}

// userClass is the series a user's point belongs to: (group, seen).
type userClass struct {
	group int
	seen  bool
}

func (simplexSection) build(a *analysis) cell {
	c := cell{ID: "simplex", Title: "Users on the simplex"}
	c.Narrative = []para{text("Every user's learned mixture weights (softmax of their weight vector; unseen users after few-shot fitting on all their training pairs), coloured by their true group; " +
		"unseen users are the paler points. With K = 2 the weight on prototype 1 is shown per group; with K = 3 the weights are a point in the triangle whose corners are the three prototypes; " +
		"with K > 3 the weights are projected on their first two principal components. One replicate is drawn (the first seed): prototypes are numbered arbitrarily in each run.")}
	for gi, g := range a.Datasets {
		names := a.groupNames(g)
		for ri, rw := range a.simplexRows(g) {
			r := rw.Runs[0]
			rec := a.record(r)
			cs, ok := simplexChart(rec, names, fmt.Sprintf("simplex-%d-%d", gi, ri), joinStem(joinStem("simplex", g.FileStem), a.rowStem(rw)),
				fmt.Sprintf("%s, seed %d (%s)", rw.Label, r.R.Seed, g.Label))
			if ok {
				c.Charts = append(c.Charts, cs)
			}
		}
	}
	if len(c.Charts) == 0 {
		c.Narrative = []para{note("No run kept learned user weights with K ≥ 2 (no personalized model with several prototypes), so there is nothing to draw on the simplex.")}
		return c
	}
	for _, g := range a.Datasets {
		if f := a.simplexFinding(g); f != "" {
			c.Narrative = append(c.Narrative, text(htmlf("<strong>%s</strong>: %s", g.Label, f)))
		}
	}
	return c
}

// purity is, for one run, the share of users (with a true group) whose largest weight is on
// their group's most common prototype, and the mean weight they put on it.
func purity(rec *metrics.Analysis) (share, weight float64, ok bool) {
	if rec == nil || rec.Groups == nil || len(rec.Weights) != len(rec.Groups) || rec.K < 2 {
		return 0, 0, false
	}
	counts := map[int]map[int]int{} // group -> prototype -> users
	for u, w := range rec.Weights {
		if g := rec.Groups[u]; g >= 0 {
			if counts[g] == nil {
				counts[g] = map[int]int{}
			}
			counts[g][hetero.Argmax(w)]++
		}
	}
	top := map[int]int{}
	for g, c := range counts {
		best := -1
		for _, k := range sortedKeys(c) {
			if best < 0 || c[k] > c[best] {
				best = k
			}
		}
		top[g] = best
	}
	n, hit := 0, 0
	for u, w := range rec.Weights {
		g := rec.Groups[u]
		if g < 0 {
			continue
		}
		n++
		if hetero.Argmax(w) == top[g] {
			hit++
			weight += w[top[g]]
		}
	}
	if n == 0 || hit == 0 {
		return 0, 0, false
	}
	return float64(hit) / float64(n), weight / float64(hit), true
}

// simplexFinding states, for the configuration with as many prototypes as true groups, how
// tightly each group gathers on one prototype.
func (a *analysis) simplexFinding(g *datasetGroup) string {
	groups := len(a.groupNames(g))
	if groups < 2 {
		return ""
	}
	for _, rw := range g.Rows {
		if a.kOf(rw) != groups {
			continue
		}
		var sh, wt []float64
		for _, r := range rw.Runs {
			if s, w, ok := purity(a.record(r)); ok {
				sh, wt = append(sh, s), append(wt, w)
			}
		}
		if len(sh) == 0 {
			continue
		}
		s, w := Summarize(sh, a.Opts.CILevel), Summarize(wt, a.Opts.CILevel)
		return fmt.Sprintf("with K = %d, the share of a true group's users whose largest weight is on the group's most common prototype is %s, and the weight they put there averages %.2f (1 would be a corner of the simplex).",
			groups, a.summaryText(s), w.Mean)
	}
	return ""
}

// classes lists the user classes present, groups in order, seen before unseen.
func classes(rec *metrics.Analysis) []userClass {
	set := map[userClass]bool{}
	for u := range rec.Weights {
		set[userClass{groupOf(rec, u), rec.Seen[u]}] = true
	}
	var out []userClass
	for cl := range set {
		out = append(out, cl)
	}
	slices.SortFunc(out, func(x, y userClass) int {
		if x.group != y.group {
			return x.group - y.group
		}
		if x.seen == y.seen {
			return 0
		}
		if x.seen {
			return -1
		}
		return 1
	})
	return out
}

func groupOf(rec *metrics.Analysis, u int) int {
	if rec.Groups == nil {
		return -1
	}
	return rec.Groups[u]
}

func className(cl userClass, names []string) string {
	n := "users"
	if cl.group >= 0 {
		n = "group " + fmt.Sprint(cl.group)
		if cl.group < len(names) {
			n = names[cl.group]
		}
	}
	n = legendLabel(n)
	if !cl.seen {
		n += " (unseen)"
	}
	return n
}

func classColor(cl userClass) color.NRGBA {
	c := palette[max(cl.group, 0)%len(palette)]
	if !cl.seen {
		return tint(c)
	}
	return c
}

// simplexChart draws one run's users: a strip for K = 2, a ternary plot for K = 3, PCA above.
func simplexChart(rec *metrics.Analysis, names []string, id, file, title string) (chartSpec, bool) {
	cs := chartSpec{ID: id, File: file}
	cls := classes(rec)
	switch rec.K {
	case 2:
		cs.Title = "Weight on prototype 1: " + title
		cs.XLabel, cs.YLabel = "true group", "weight on prototype 1"
		cs.Caption = "One point per user; boxes span the quartiles with a line at the median. Weight 1: the user relies on prototype 1 alone; 0: on prototype 2 alone."
		groups := []int{}
		for _, cl := range cls {
			if !slices.Contains(groups, cl.group) {
				groups = append(groups, cl.group)
			}
		}
		var cats []string
		for _, gr := range groups {
			cats = append(cats, className(userClass{gr, true}, names))
		}
		for _, seen := range []bool{true, false} {
			s := chartSeries{Name: "seen users", Color: palette[0], Kind: boxKind{}}
			if !seen {
				s.Name, s.Color = "unseen users", palette[1]
			}
			for gi, gr := range groups {
				var vals []float64
				for u, w := range rec.Weights {
					if rec.Seen[u] == seen && groupOf(rec, u) == gr {
						vals = append(vals, w[0])
					}
				}
				if len(vals) > 0 {
					s.Samples = append(s.Samples, chartSample{X: float64(gi), Values: thin(vals)})
				}
			}
			if len(s.Samples) > 0 {
				cs.Series = append(cs.Series, s)
			}
		}
		cs.setCategories(cats)
	case 3:
		cs.Title = "Users on the simplex: " + title
		cs.XLabel, cs.YLabel = "ternary coordinates (corners: prototypes 1, 2, 3)", ""
		cs.Caption = "One point per user at its weights' barycentric position: bottom left is prototype 1 alone, bottom right prototype 2, top prototype 3; the centre is the uniform mixture. Paler points are unseen users."
		h := math.Sqrt(3) / 2
		edge := chartSeries{Name: "simplex", Color: refColor, Kind: lineKind{}}
		for _, p := range [][2]float64{{0, 0}, {1, 0}, {0.5, h}, {0, 0}} {
			edge.Points = append(edge.Points, chartPoint{X: p[0], Y: p[1], Lo: math.NaN(), Hi: math.NaN(), N: 1})
		}
		cs.Series = append(cs.Series, edge)
		for _, cl := range cls {
			s := chartSeries{Name: className(cl, names), Color: classColor(cl), Kind: scatterKind{}}
			for u, w := range rec.Weights {
				if rec.Seen[u] == cl.seen && groupOf(rec, u) == cl.group {
					x, y := hetero.Ternary(w)
					s.Points = append(s.Points, chartPoint{X: x, Y: y, Lo: math.NaN(), Hi: math.NaN(), N: 1})
				}
			}
			s.Points = thinPoints(s.Points)
			cs.Series = append(cs.Series, s)
		}
		cs.XMin, cs.XMax = -0.05, 1.05
	default:
		if rec.K < 2 {
			return cs, false
		}
		pts, ex := hetero.PCA2(rec.Weights)
		cs.Title = "Users (PCA of their weights): " + title
		cs.XLabel = fmt.Sprintf("PC 1 (%.0f%% of the variance)", 100*ex[0])
		cs.YLabel = fmt.Sprintf("PC 2 (%.0f%%)", 100*ex[1])
		cs.Caption = "One point per user: the projection of their K mixture weights on the two directions along which users' weights vary most. Paler points are unseen users."
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, cl := range cls {
			s := chartSeries{Name: className(cl, names), Color: classColor(cl), Kind: scatterKind{}}
			for u := range rec.Weights {
				if rec.Seen[u] == cl.seen && groupOf(rec, u) == cl.group {
					s.Points = append(s.Points, chartPoint{X: pts[u][0], Y: pts[u][1], Lo: math.NaN(), Hi: math.NaN(), N: 1})
					lo, hi = math.Min(lo, pts[u][0]), math.Max(hi, pts[u][0])
				}
			}
			s.Points = thinPoints(s.Points)
			cs.Series = append(cs.Series, s)
		}
		pad := 0.05 * math.Max(hi-lo, 1e-6)
		cs.XMin, cs.XMax = lo-pad, hi+pad
	}
	return cs, len(cs.Series) > 0
}

// thin keeps at most maxStrip values (every k-th).
func thin(xs []float64) []float64 {
	if len(xs) <= maxStrip {
		return xs
	}
	step := (len(xs) + maxStrip - 1) / maxStrip
	var out []float64
	for i := 0; i < len(xs); i += step {
		out = append(out, xs[i])
	}
	return out
}

func thinPoints(ps []chartPoint) []chartPoint {
	if len(ps) <= maxStrip {
		return ps
	}
	step := (len(ps) + maxStrip - 1) / maxStrip
	var out []chartPoint
	for i := 0; i < len(ps); i += step {
		out = append(out, ps[i])
	}
	return out
}
