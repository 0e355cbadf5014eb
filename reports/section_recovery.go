package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/internal/hetero"
	"github.com/pal-harness/pal/internal/metrics"
)

// recoverySection asks whether the prototypes are the true groups: the adjusted Rand index and
// normalised mutual information between each user's most-weighted prototype and their true
// group, per K, and, when the truth has weights, how far the learned weights are from the true
// ones once prototypes are matched to true groups.
type recoverySection struct{}

// recovery is what one run's record says about group recovery (NaN where it cannot say).
type recovery struct {
	ARISeen, ARIUnseen, NMISeen, TV float64
	Mixture                         bool // the true weights are not all one-hot
}

func recoveryOf(rec *metrics.Analysis) (recovery, bool) {
	if rec == nil || rec.Groups == nil || len(rec.Weights) != len(rec.Groups) || rec.K < 1 {
		return recovery{}, false
	}
	var seenP, seenG, unP, unG []int
	for u, w := range rec.Weights {
		if rec.Groups[u] < 0 {
			continue
		}
		if rec.Seen[u] {
			seenP, seenG = append(seenP, hetero.Argmax(w)), append(seenG, rec.Groups[u])
		} else {
			unP, unG = append(unP, hetero.Argmax(w)), append(unG, rec.Groups[u])
		}
	}
	r := recovery{ARISeen: hetero.ARI(seenP, seenG), ARIUnseen: hetero.ARI(unP, unG), NMISeen: hetero.NMI(seenP, seenG), TV: math.NaN()}
	if len(rec.TrueWeights) == len(rec.Weights) && len(rec.TrueWeights) > 0 {
		for _, tw := range rec.TrueWeights {
			if hetero.Entropy(tw) > 1e-9 {
				r.Mixture = true
			}
		}
		if match := hetero.MatchPrototypes(rec.Weights, rec.TrueWeights); match != nil {
			r.TV = hetero.MatchedTV(rec.Weights, rec.TrueWeights, match)
		}
	}
	return r, true
}

// recoveryStats are a row's recovery figures over seeds.
type recoveryStats struct {
	ARISeen, ARIUnseen, NMISeen, TV Summary
	Mixture                         bool
}

func (a *analysis) recoveryStatsOf(rw *row) (recoveryStats, bool) {
	var ar, au, nm, tv []float64
	var st recoveryStats
	for _, r := range rw.Runs {
		rc, ok := recoveryOf(a.record(r))
		if !ok {
			continue
		}
		st.Mixture = st.Mixture || rc.Mixture
		for _, p := range []struct {
			v   float64
			dst *[]float64
		}{{rc.ARISeen, &ar}, {rc.ARIUnseen, &au}, {rc.NMISeen, &nm}, {rc.TV, &tv}} {
			if !math.IsNaN(p.v) {
				*p.dst = append(*p.dst, p.v)
			}
		}
	}
	if len(ar) == 0 {
		return st, false
	}
	l := a.Opts.CILevel
	// ARI is at most 1 (and above -1), NMI and the TV distance lie in [0, 1].
	st.ARISeen, st.ARIUnseen, st.NMISeen, st.TV = SummarizeIn(ar, l, -1, 1), SummarizeIn(au, l, -1, 1), SummarizeIn(nm, l, 0, 1), SummarizeIn(tv, l, 0, 1)
	return st, true
}

func (recoverySection) build(a *analysis) cell {
	c := cell{ID: "recovery", Title: "Group recovery: are the prototypes the true groups?"}
	c.Narrative = []para{text("Each user is assigned to the prototype with the largest weight in their learned mixture; the adjusted Rand index (ARI: 1 for the true partition up to renaming, about 0 for chance) " +
		"and the normalised mutual information (NMI, arithmetic normalisation) compare that assignment with the users' true groups, per run, then over seeds. " +
		"When the data has true weights, prototypes are matched to true groups by the assignment that maximises their agreement (Hungarian matching, for K ≥ the number of groups) " +
		"and the mean total-variation distance between every user's learned and true weights is reported (0: the same mixture; 1: disjoint).")}
	h, right := a.configHeader()
	if a.kColumn() {
		h, right = append(h, "K"), append(right, true)
	}
	t := displayTable{Header: append(h, "ARI seen", "ARI unseen", "NMI seen", "weight TV", "seeds"), Right: append(right, true, true, true, true, true)}
	var tidy tidyTable
	for gi, g := range a.Datasets {
		if n := len(a.groupNames(g)); n < 2 {
			if n == 1 {
				c.Notes = append(c.Notes, muted(htmlf("%s: every user is in the one true group, so there is no grouping to recover.", g.Label)))
			}
			continue
		}
		cs := chartSpec{
			ID: fmt.Sprintf("recovery-%d", gi), File: joinStem("recovery", g.FileStem),
			Title:  fmt.Sprintf("Group recovery against K (%s)", g.Label),
			XLabel: "K (prototypes)", YLabel: "ARI, NMI (higher: closer); TV (lower)",
			Caption: spreadNote,
		}
		var xs []float64
		byModel := map[string][]*row{}
		var models []string
		for _, rw := range g.Rows {
			if _, ok := a.recoveryStatsOf(rw); !ok {
				continue
			}
			if _, ok := byModel[rw.Model]; !ok {
				models = append(models, rw.Model)
			}
			byModel[rw.Model] = append(byModel[rw.Model], rw)
		}
		colors := newColorer()
		mixture := false
		for _, m := range models {
			name := a.modelDisplay(m)
			ari := chartSeries{Name: name + ": ARI (seen)", Color: colors.next(), Kind: lineKind{}}
			aru := chartSeries{Name: name + ": ARI (unseen)", Color: colors.next(), Kind: lineKind{}}
			nmi := chartSeries{Name: name + ": NMI (seen)", Color: colors.next(), Kind: lineKind{}}
			tv := chartSeries{Name: name + ": weight TV distance", Color: colors.next(), Kind: lineKind{}}
			for _, rw := range byModel[m] {
				st, _ := a.recoveryStatsOf(rw)
				k := float64(a.kOf(rw))
				xs = append(xs, k)
				ari.Points = append(ari.Points, numPoint(k, st.ARISeen))
				if st.ARIUnseen.N > 0 {
					aru.Points = append(aru.Points, numPoint(k, st.ARIUnseen))
				}
				nmi.Points = append(nmi.Points, numPoint(k, st.NMISeen))
				if st.TV.N > 0 {
					tv.Points = append(tv.Points, numPoint(k, st.TV))
				}
				mixture = mixture || st.Mixture
				tvCell := missing
				if st.TV.N > 0 {
					tvCell = meanStdNum(st.TV, 3)
				}
				t.Rows = append(t.Rows, append(a.kCells(rw), meanStdNum(st.ARISeen, 3), meanStdNum(st.ARIUnseen, 3), meanStdNum(st.NMISeen, 3), tvCell, strconv.Itoa(st.ARISeen.N)))
				hd, cells := a.configTidy(rw)
				tidy.Header = append(hd, "k", "n", "ari_seen_mean", "ari_seen_std", "ari_unseen_mean", "ari_unseen_std", "nmi_seen_mean", "nmi_seen_std", "weight_tv_mean", "weight_tv_std")
				tidy.Rows = append(tidy.Rows, append(cells, strconv.Itoa(a.kOf(rw)), strconv.Itoa(st.ARISeen.N), fnum(st.ARISeen.Mean), fnum(st.ARISeen.Std), fnum(st.ARIUnseen.Mean), fnum(st.ARIUnseen.Std), fnum(st.NMISeen.Mean), fnum(st.NMISeen.Std), fnum(st.TV.Mean), fnum(st.TV.Std)))
			}
			cs.Series = append(cs.Series, ari, nmi)
			if len(aru.Points) > 0 {
				cs.Series = append(cs.Series, aru)
			}
			if mixture && len(tv.Points) > 0 {
				cs.Series = append(cs.Series, tv)
			}
		}
		if len(xs) == 0 {
			continue
		}
		cs.setXRange(sortedUnique(xs), false)
		c.Charts = append(c.Charts, cs)
		if f := a.recoveryFinding(g); f != "" {
			c.Narrative = append(c.Narrative, text(htmlf("<strong>%s</strong>: %s", g.Label, f)))
		}
	}
	if len(c.Charts) == 0 {
		c.Narrative = []para{note("No run kept learned user weights together with true groups (the data knows no groups, or no model has per-user weights), so group recovery cannot be measured.")}
		return c
	}
	c.Tables = []table{{Name: "recovery", Caption: "Agreement of each user's most-weighted prototype with their true group (ARI, NMI) and the learned weights' total-variation distance from the true ones, mean ± std over seeds.", Display: &t, Tidy: &tidy}}
	return c
}

// recoveryFinding says, per model, the ARI at the true number of groups and below it.
func (a *analysis) recoveryFinding(g *datasetGroup) string {
	groups := len(perGroupKeys(g, splitSeen))
	if n := len(a.groupNames(g)); n > groups {
		groups = n
	}
	var parts, below []string
	above := map[string][]float64{} // ARI of K > groups, per model
	var aboveK []int
	for _, rw := range g.Rows {
		st, ok := a.recoveryStatsOf(rw)
		if !ok {
			continue
		}
		k := a.kOf(rw)
		switch {
		case k > groups:
			above[rw.Model] = append(above[rw.Model], st.ARISeen.Mean)
			aboveK = append(aboveK, k)
		case k == groups:
			s := fmt.Sprintf("%s recovers the %d true groups with ARI %s and NMI %.2f", rw.Label, groups, a.numText(st.ARISeen, 2), st.NMISeen.Mean)
			if st.TV.N > 0 && st.Mixture {
				s += fmt.Sprintf(", learned weights %.3f in total variation from the true ones", st.TV.Mean)
			}
			parts = append(parts, s)
		case k < groups:
			below = append(below, fmt.Sprintf("K = %d gives ARI %.2f", k, st.ARISeen.Mean))
		}
	}
	if len(below) > 0 {
		parts = append(parts, "with fewer prototypes than groups, "+strings.Join(below, ", "))
	}
	for _, m := range sortedKeys(above) {
		v := above[m]
		ks := fmt.Sprintf("K = %d", slices.Min(aboveK))
		if slices.Max(aboveK) > slices.Min(aboveK) {
			ks += fmt.Sprintf(" to %d", slices.Max(aboveK))
		}
		aris := fmt.Sprintf("%.2f", v[0])
		if lo, hi := fmt.Sprintf("%.2f", slices.Min(v)), fmt.Sprintf("%.2f", slices.Max(v)); lo == hi {
			aris = lo
		} else {
			aris = fmt.Sprintf("%.2f to %.2f", slices.Min(v), slices.Max(v))
		}
		parts = append(parts, fmt.Sprintf("with more prototypes than groups (%s) %s's ARI is %s", ks, m, aris))
	}
	if len(parts) == 0 {
		return ""
	}
	return joinSentences(parts) + "."
}

func (recoverySection) headline(a *analysis, g *datasetGroup) string { return a.recoveryFinding(g) }

func sortedUnique(xs []float64) []float64 {
	m := map[float64]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return sortedKeys(m)
}

// joinSentences joins clauses with "; ".
func joinSentences(parts []string) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += "; "
		}
		s += p
	}
	return s
}
