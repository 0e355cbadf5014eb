package reports

import (
	"fmt"
	"strconv"

	"github.com/pal-harness/pal/internal/hetero"
	"github.com/pal-harness/pal/internal/metrics"
)

// prototypesSection asks how many of the K prototypes users rely on: the effective number of
// prototypes, exp of the entropy of the users' mean weight vector (K when all are used alike,
// 1 when everybody relies on one), the mean entropy of a user's own weights (0: each user
// relies on one prototype), and the prototypes that no user weights most.
type prototypesSection struct{}

// usage is one run's figures.
type usage struct {
	Effective, Assigned, UserEntropy, Unused float64
}

func usageOf(rec *metrics.Analysis) (usage, bool) {
	if rec == nil || rec.K < 1 || len(rec.Weights) == 0 {
		return usage{}, false
	}
	var seen [][]float64
	for u, w := range rec.Weights {
		if rec.Seen[u] {
			seen = append(seen, w)
		}
	}
	if len(seen) == 0 {
		return usage{}, false
	}
	var h float64
	share := make([]float64, rec.K)
	for _, w := range seen {
		h += hetero.Entropy(w)
		share[hetero.Argmax(w)] += 1 / float64(len(seen))
	}
	n := 0
	for _, s := range share {
		if s == 0 {
			n++
		}
	}
	return usage{Effective: hetero.EffectiveNumber(hetero.MeanVector(seen)), Assigned: hetero.EffectiveNumber(share), UserEntropy: h / float64(len(seen)), Unused: float64(n)}, true
}

type usageStats struct{ Effective, Assigned, UserEntropy, Unused Summary }

func (a *analysis) usageStatsOf(rw *row) (usageStats, bool) {
	var e, as, h, n []float64
	for _, r := range rw.Runs {
		if u, ok := usageOf(a.record(r)); ok {
			e, as, h, n = append(e, u.Effective), append(as, u.Assigned), append(h, u.UserEntropy), append(n, u.Unused)
		}
	}
	if len(e) == 0 {
		return usageStats{}, false
	}
	l := a.Opts.CILevel
	return usageStats{Summarize(e, l), Summarize(as, l), Summarize(h, l), Summarize(n, l)}, true
}

func (prototypesSection) build(a *analysis) cell {
	c := cell{ID: "prototypes-used", Title: "How many prototypes are used"}
	c.Narrative = []para{text("Over the seen users: the effective number of prototypes is exp(H(w̄)), the exponential of the entropy of the users' mean weight vector " +
		"(K when the population uses all prototypes alike, 1 when it relies on one); the mean per-user entropy H(w_u) is 0 when every user relies on a single prototype and ln K for the uniform mixture; " +
		"the effective number by assignment is exp(H) of the shares of users whose largest weight is on each prototype, and an unused prototype is one that no user weights most.")}
	h, right := a.configHeader()
	if a.kColumn() {
		h, right = append(h, "K"), append(right, true)
	}
	t := displayTable{Header: append(h, "effective prototypes", "by assignment", "mean user entropy (nats)", "ln K", "unused prototypes", "seeds"), Right: append(right, true, true, true, true, true, true)}
	var tidy tidyTable
	for gi, g := range a.Datasets {
		cs := chartSpec{
			ID: fmt.Sprintf("prototypes-used-%d", gi), File: joinStem("prototypes_used", g.FileStem),
			Title:  fmt.Sprintf("Prototypes in use against K (%s)", g.Label),
			XLabel: "K (prototypes)", YLabel: "effective number / entropy (nats)", Caption: spreadNote + " The dark line is y = K: every prototype used alike.",
		}
		var xs []float64
		colors := newColorer()
		series := map[string]*[3]chartSeries{}
		var order []string
		for _, rw := range g.Rows {
			st, ok := a.usageStatsOf(rw)
			if !ok {
				continue
			}
			k := a.kOf(rw)
			s := series[rw.Model]
			if s == nil {
				s = &[3]chartSeries{
					{Name: a.modelDisplay(rw.Model) + ": effective prototypes", Color: colors.next(), Kind: lineKind{}},
					{Name: a.modelDisplay(rw.Model) + ": effective, by assignment", Color: colors.next(), Kind: lineKind{}},
					{Name: a.modelDisplay(rw.Model) + ": mean user entropy", Color: colors.next(), Kind: lineKind{}},
				}
				series[rw.Model] = s
				order = append(order, rw.Model)
			}
			s[0].Points = append(s[0].Points, numPoint(float64(k), st.Effective))
			s[1].Points = append(s[1].Points, numPoint(float64(k), st.Assigned))
			s[2].Points = append(s[2].Points, numPoint(float64(k), st.UserEntropy))
			xs = append(xs, float64(k))
			t.Rows = append(t.Rows, append(a.kCells(rw), meanStdNum(st.Effective, 2), meanStdNum(st.Assigned, 2), meanStdNum(st.UserEntropy, 3), fmt.Sprintf("%.3f", logK(k)), meanStdNum(st.Unused, 1), strconv.Itoa(st.Effective.N)))
			hd, cells := a.configTidy(rw)
			tidy.Header = append(hd, "k", "n", "effective_mean", "effective_std", "assigned_mean", "assigned_std", "user_entropy_mean", "user_entropy_std", "unused_mean")
			tidy.Rows = append(tidy.Rows, append(cells, strconv.Itoa(k), strconv.Itoa(st.Effective.N), fnum(st.Effective.Mean), fnum(st.Effective.Std), fnum(st.Assigned.Mean), fnum(st.Assigned.Std), fnum(st.UserEntropy.Mean), fnum(st.UserEntropy.Std), fnum(st.Unused.Mean)))
		}
		if len(xs) < 2 {
			continue
		}
		for _, m := range order {
			cs.Series = append(cs.Series, series[m][0], series[m][1], series[m][2])
		}
		xs = sortedUnique(xs)
		diag := chartSeries{Name: "y = K", Color: refColor, Kind: lineKind{}, Reference: true}
		for _, x := range xs {
			diag.Points = append(diag.Points, chartPoint{X: x, Y: x, Lo: nan, Hi: nan, N: 1})
		}
		cs.Series = append(cs.Series, diag)
		cs.setXRange(xs, false)
		c.Charts = append(c.Charts, cs)
		if f := a.prototypesFinding(g); f != "" {
			c.Narrative = append(c.Narrative, text(htmlf("<strong>%s</strong>: %s", g.Label, f)))
		}
	}
	if len(t.Rows) == 0 {
		c.Narrative = []para{note("No run kept learned user weights, so the use of prototypes cannot be measured.")}
		return c
	}
	c.Tables = []table{{Name: "prototypes_used", Caption: "Effective number of prototypes exp(H(mean weights)), mean per-user weight entropy and prototypes no user weights most, over the seen users; mean ± std over seeds.", Display: &t, Tidy: &tidy}}
	return c
}

// prototypesFinding reports the effective number at the largest K against the true groups.
func (a *analysis) prototypesFinding(g *datasetGroup) string {
	groups := len(a.groupNames(g))
	var best *row
	for _, rw := range g.Rows {
		if _, ok := a.usageStatsOf(rw); ok && (best == nil || a.kOf(rw) > a.kOf(best)) {
			best = rw
		}
	}
	if best == nil {
		return ""
	}
	st, _ := a.usageStatsOf(best)
	s := fmt.Sprintf("with K = %d prototypes available, %s's users spread over %s effective prototypes by their largest weight", a.kOf(best), a.modelDisplay(best.Model), a.numText(st.Assigned, 2))
	if groups > 0 {
		s += fmt.Sprintf(" (the data has %d true groups)", groups)
	}
	return s + fmt.Sprintf("; by the mean weight vector the effective number is %.2f, and a user's own weights have a mean entropy of %.2f nats (ln K = %.2f: 0 would be one prototype per user), so the learned mixtures are soft.",
		st.Effective.Mean, st.UserEntropy.Mean, logK(a.kOf(best)))
}

func (prototypesSection) headline(a *analysis, g *datasetGroup) string { return a.prototypesFinding(g) }

func logK(k int) float64 { return hetero.Entropy(uniform(k)) }

func uniform(k int) []float64 {
	out := make([]float64, k)
	for i := range out {
		out[i] = 1 / float64(k)
	}
	return out
}
