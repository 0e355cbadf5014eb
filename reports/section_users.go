package reports

import (
	"fmt"
	"strconv"
)

// usersSection is the distribution of users' test accuracy: every user's accuracy under the
// baseline and under each personalized configuration, and, user by user on the same data
// (same seed), how often the personalized model is the better one, with a paired test.
type usersSection struct{}

// maxStrip is the most per-user values a strip shows per box: beyond it every k-th value is
// drawn (the box is then of the values drawn), so a 5,000-user sweep keeps a light page.
const maxStrip = 3000

// userPairs are per-user test accuracies of two rows on the same data: pairs by seed and user.
type userPairs struct {
	A, B  []float64 // A: the personalized row, B: the baseline
	Seeds int
}

func (a *analysis) pairUsers(rw, base *row, split string) userPairs {
	var p userPairs
	bySeed := map[uint64]map[string]float64{}
	for _, r := range base.Runs {
		if _, dup := bySeed[r.R.Seed]; !dup {
			bySeed[r.R.Seed] = r.R.Metrics.PerUser[split]
		}
	}
	done := map[uint64]bool{}
	for _, r := range rw.Runs {
		b, ok := bySeed[r.R.Seed]
		if !ok || done[r.R.Seed] {
			continue
		}
		done[r.R.Seed] = true
		mine := r.R.Metrics.PerUser[split]
		n := 0
		for _, u := range sortedKeys(mine) {
			if bv, ok := b[u]; ok {
				p.A, p.B = append(p.A, mine[u]), append(p.B, bv)
				n++
			}
		}
		if n > 0 {
			p.Seeds++
		}
	}
	return p
}

// userValues are every per-user accuracy of a row's runs on split, in percent.
func userValues(rw *row, split string) []float64 {
	var out []float64
	for _, r := range rw.Runs {
		m := r.R.Metrics.PerUser[split]
		for _, u := range sortedKeys(m) {
			out = append(out, pct(m[u]))
		}
	}
	if len(out) > maxStrip {
		step := (len(out) + maxStrip - 1) / maxStrip
		var thin []float64
		for i := 0; i < len(out); i += step {
			thin = append(thin, out[i])
		}
		out = thin
	}
	return out
}

// usersVerdict is the by-user comparison of rw against base on split.
type usersVerdict struct {
	N, Seeds   int
	Wins, Ties float64 // shares of users
	Test       PairedTest
}

func (a *analysis) usersVerdictOf(rw, base *row, split string) (usersVerdict, bool) {
	p := a.pairUsers(rw, base, split)
	if len(p.A) < 2 {
		return usersVerdict{}, false
	}
	v := usersVerdict{N: len(p.A), Seeds: p.Seeds}
	for i := range p.A {
		switch {
		case p.A[i] > p.B[i]:
			v.Wins++
		case p.A[i] == p.B[i]:
			v.Ties++
		}
	}
	v.Wins /= float64(v.N)
	v.Ties /= float64(v.N)
	t, err := PairedTTest(p.A, p.B, a.Opts.CILevel)
	if err != nil {
		return usersVerdict{}, false
	}
	v.Test = t
	return v, true
}

func (usersSection) build(a *analysis) cell {
	c := cell{ID: "users", Title: "Accuracy per user: personalized against the baseline"}
	c.Narrative = []para{text(htmlf("Each user's test accuracy (the share of their own test pairs ordered right) under the baseline %s and under each personalized model "+
		"(for a model swept over K, the K the one-standard-error rule picks on validation accuracy; see “Choosing K”). "+
		"Users are compared one by one on the same data (same seed): the share of users for whom the personalized model is more accurate, and a paired t-test of the per-user differences pooled over seeds.", a.Baseline))}
	h, right := a.configHeader()
	t := displayTable{Header: append(h, "split", "user-seeds", "seeds", "better for (%)", "tie (%)", "mean diff (pp)", a.ciHeader(), "p"),
		Right: append(right, false, true, true, true, true, true, true, true)}
	var tidy tidyTable
	for gi, g := range a.Datasets {
		base := a.baseRow(g)
		focus := a.focusRows(g)
		if base == nil || len(focus) == 0 {
			continue
		}
		rows := append([]*row{base}, focus...)
		cs := chartSpec{
			ID: fmt.Sprintf("users-%d", gi), File: joinStem("users", g.FileStem),
			Title:  fmt.Sprintf("Users' test accuracy (%s)", g.Label),
			XLabel: "model configuration", YLabel: "user's test accuracy (%)", YUnit: "%",
			Caption: "One point per user and seed; boxes span the quartiles with a line at the median, whiskers reach the furthest user within 1.5 IQR.",
		}
		seen := chartSeries{Name: "seen users", Color: palette[0], Kind: boxKind{}}
		unseen := chartSeries{Name: "unseen users", Color: palette[1], Kind: boxKind{}}
		var labels []string
		for i, rw := range rows {
			labels = append(labels, rw.Label)
			seen.Samples = append(seen.Samples, chartSample{X: float64(i), Values: userValues(rw, splitSeen)})
			unseen.Samples = append(unseen.Samples, chartSample{X: float64(i), Values: userValues(rw, splitUnseen)})
		}
		cs.Series = append(cs.Series, seen)
		if a.HasUnseen {
			cs.Series = append(cs.Series, unseen)
		}
		cs.setCategories(labels)
		c.Charts = append(c.Charts, cs)
		for _, rw := range focus {
			for _, sp := range []string{splitSeen, splitUnseen} {
				v, ok := a.usersVerdictOf(rw, base, sp)
				if !ok {
					continue
				}
				d := v.Test.Diff
				t.Rows = append(t.Rows, append(a.configCells(rw), sp, strconv.Itoa(v.N), strconv.Itoa(v.Seeds), fix2(pct(v.Wins)), fix2(pct(v.Ties)), fix2(pct(d.Mean)), interval(d), pValue(v.Test.P)))
				hd, cells := a.configTidy(rw)
				tidy.Header = append(hd, "baseline", "split", "user_seeds", "seeds", "better_share", "tie_share", "diff_mean", "diff_ci_lo", "diff_ci_hi", "t", "p")
				tidy.Rows = append(tidy.Rows, append(cells, base.Label, sp, strconv.Itoa(v.N), strconv.Itoa(v.Seeds), fnum(v.Wins), fnum(v.Ties), fnum(d.Mean), fnum(d.Lo), fnum(d.Hi), fnum(v.Test.T), fnum(v.Test.P)))
			}
		}
		if f := a.usersFinding(g); f != "" {
			c.Narrative = append(c.Narrative, text(htmlf("<strong>%s</strong>: %s", g.Label, f)))
		}
	}
	if len(c.Charts) == 0 {
		c.Narrative = []para{note("There is no baseline and personalized model with per-user accuracies to compare, so there is no per-user analysis.")}
		return c
	}
	c.Tables = []table{{Name: "users", Caption: "Per-user test accuracy of each personalized configuration minus the baseline's, paired by user and seed.", Display: &t, Tidy: &tidy}}
	return c
}

func (a *analysis) usersFinding(g *datasetGroup) string {
	base := a.baseRow(g)
	if base == nil {
		return ""
	}
	s := ""
	for _, rw := range a.focusRows(g) {
		v, ok := a.usersVerdictOf(rw, base, splitSeen)
		if !ok {
			continue
		}
		d := v.Test.Diff
		if s != "" {
			s += "; "
		}
		s += fmt.Sprintf("%s is more accurate than %s for %.0f%% of seen users (ties %.0f%%; %d user-seeds over %s), by %+.1f pp per user on average (%s CI %+.1f to %+.1f pp, paired t-test %s)",
			rw.Label, base.Label, pct(v.Wins), pct(v.Ties), v.N, seedsText(v.Seeds), pct(d.Mean), a.ciLevel(), pct(d.Lo), pct(d.Hi), pText(v.Test.P))
	}
	if s == "" {
		return ""
	}
	return s + "."
}

func (usersSection) headline(a *analysis, g *datasetGroup) string { return a.usersFinding(g) }
