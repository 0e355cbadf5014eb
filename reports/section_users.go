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

// userPairs are per-user test accuracies of two rows on the same data, paired by user (and
// seed). When every seed saw the same data (one dataset fingerprint: a folder of files), the
// same users recur in every seed, so each user's accuracies are averaged over seeds first and
// a user counts once; otherwise (data drawn per seed) every user of every seed is a pair.
type userPairs struct {
	A, B    []float64 // A: the personalized row, B: the baseline
	Seeds   int
	PerUser bool // averaged over seeds per user (the same users in every seed)
}

func (a *analysis) pairUsers(rw, base *row, split string) userPairs {
	var p userPairs
	bySeed := map[uint64]map[string]float64{}
	for _, r := range base.Runs {
		if _, dup := bySeed[r.R.Seed]; !dup {
			bySeed[r.R.Seed] = r.R.Metrics.PerUser[split]
		}
	}
	p.PerUser = sameDataEverySeed(rw.Group)
	type sum struct{ a, b, n float64 }
	sums := map[string]*sum{}
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
			bv, ok := b[u]
			if !ok {
				continue
			}
			n++
			if !p.PerUser {
				p.A, p.B = append(p.A, mine[u]), append(p.B, bv)
				continue
			}
			if sums[u] == nil {
				sums[u] = &sum{}
			}
			sums[u].a, sums[u].b, sums[u].n = sums[u].a+mine[u], sums[u].b+bv, sums[u].n+1
		}
		if n > 0 {
			p.Seeds++
		}
	}
	for _, u := range sortedKeys(sums) {
		s := sums[u]
		p.A, p.B = append(p.A, s.a/s.n), append(p.B, s.b/s.n)
	}
	return p
}

// sameDataEverySeed says whether every seed of the dataset config saw the same data: one
// dataset fingerprint over all its seeds (a data set read from files, not drawn per seed).
func sameDataEverySeed(g *datasetGroup) bool {
	fp := ""
	for _, fps := range g.Fingerprints {
		for _, f := range fps {
			if fp != "" && f != fp {
				return false
			}
			fp = f
		}
	}
	return fp != "" && len(g.Fingerprints) > 1
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
	PerUser    bool    // N users, each averaged over the seeds (else N user-seeds)
	Wins, Ties float64 // shares of users
	Test       PairedTest
}

func (a *analysis) usersVerdictOf(rw, base *row, split string) (usersVerdict, bool) {
	p := a.pairUsers(rw, base, split)
	if len(p.A) < 2 {
		return usersVerdict{}, false
	}
	v := usersVerdict{N: len(p.A), Seeds: p.Seeds, PerUser: p.PerUser}
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
		"Users are compared one by one on the same data (same seed): the share of users for whom the personalized model is more accurate, and a paired t-test of the per-user differences, pooled over seeds when each seed draws its own users, averaged over seeds per user when every seed saw the same data (the same users).", a.Baseline))}
	h, right := a.configHeader()
	t := displayTable{Header: append(h, "split", "paired users", "seeds", "better for (%)", "tie (%)", "mean diff (pp)", a.ciHeader(), "p"),
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
				tidy.Header = append(hd, "baseline", "split", "paired_users", "averaged_over_seeds", "seeds", "better_share", "tie_share", "diff_mean", "diff_ci_lo", "diff_ci_hi", "t", "p")
				tidy.Rows = append(tidy.Rows, append(cells, base.Label, sp, strconv.Itoa(v.N), strconv.FormatBool(v.PerUser), strconv.Itoa(v.Seeds), fnum(v.Wins), fnum(v.Ties), fnum(d.Mean), fnum(d.Lo), fnum(d.Hi), fnum(v.Test.T), fnum(v.Test.P)))
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
	c.Tables = []table{{Name: "users", Caption: "Per-user test accuracy of each personalized configuration minus the baseline's, paired by user: every user of every seed when each seed draws its own users, else each user once, averaged over seeds.", Display: &t, Tidy: &tidy}}
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
		units := fmt.Sprintf("%d user-seeds over %s", v.N, seedsText(v.Seeds))
		if v.PerUser {
			units = fmt.Sprintf("%d users, each averaged over %s of the same data", v.N, seedsText(v.Seeds))
		}
		s += fmt.Sprintf("%s is more accurate than %s for %.0f%% of seen users (ties %.0f%%; %s), by %+.1f pp per user on average (%s CI %+.1f to %+.1f pp, paired t-test %s)",
			rw.Label, base.Label, pct(v.Wins), pct(v.Ties), units, pct(d.Mean), a.ciLevel(), pct(d.Lo), pct(d.Hi), pText(v.Test.P))
	}
	if s == "" {
		return ""
	}
	return s + "."
}

func (usersSection) headline(a *analysis, g *datasetGroup) string { return a.usersFinding(g) }
