package reports

import (
	"fmt"
	"math"
	"strconv"
)

// groupsSection is accuracy per true group: for every model configuration the test accuracy of
// each group of users, the worst group's and the gap between the best and the worst group. A
// single reward serves the majority and sacrifices the minority; a personalized one should not.
type groupsSection struct{}

// groupStats is one row's per-group figures over seeds.
type groupStats struct {
	Groups             []Summary // test accuracy per group key, in keys order
	Worst, Gap, Unseen Summary   // per seed: min over groups, max - min; unseen_test min
}

func (a *analysis) groupStatsOf(rw *row, keys []string) groupStats {
	var st groupStats
	per := make([][]float64, len(keys))
	var worst, gap, unseen []float64
	for _, r := range rw.Runs {
		pg := r.R.Metrics.PerGroup[splitSeen]
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, k := range keys {
			if v, ok := pg[k]; ok {
				per[i] = append(per[i], v)
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if len(pg) >= 2 {
			worst, gap = append(worst, lo), append(gap, hi-lo)
		}
		if pu := r.R.Metrics.PerGroup[splitUnseen]; len(pu) >= 2 {
			m := math.Inf(1)
			for _, v := range pu {
				m = math.Min(m, v)
			}
			unseen = append(unseen, m)
		}
	}
	for i := range keys {
		st.Groups = append(st.Groups, SummarizeAccuracy(per[i], a.Opts.CILevel))
	}
	st.Worst, st.Gap, st.Unseen = SummarizeAccuracy(worst, a.Opts.CILevel), SummarizeAccuracy(gap, a.Opts.CILevel), SummarizeAccuracy(unseen, a.Opts.CILevel)
	return st
}

// groupLabel names group key k ("0") by the data's group names when known.
func groupLabel(names []string, k string) string {
	if i, err := strconv.Atoi(k); err == nil && i >= 0 && i < len(names) {
		return names[i]
	}
	return "group " + k
}

func (groupsSection) build(a *analysis) cell {
	c := cell{ID: "groups", Title: "Accuracy per true group"}
	c.Narrative = []para{text("Seen-user test accuracy of each group of users the data says belong together (the synthetic generator's true prototype, users.csv's group column, a persona's traits), for every model configuration. " +
		"The worst group's accuracy is the one a single reward sacrifices; the gap is the best group's accuracy minus the worst's, per seed, then averaged.")}
	h, right := a.configHeader()
	t := displayTable{Header: append(h, "groups", "worst group (%)", a.ciHeader(), "best − worst (pp)", "worst unseen group (%)", "seeds"),
		Right: append(right, false, true, true, true, true, true)}
	var tidy, worstTidy tidyTable
	for gi, g := range a.Datasets {
		keys := perGroupKeys(g, splitSeen)
		if len(keys) < 2 {
			continue
		}
		names := a.groupNames(g)
		cs := chartSpec{
			ID: fmt.Sprintf("groups-%d", gi), File: joinStem("groups", g.FileStem),
			Title:  fmt.Sprintf("Test accuracy per true group (%s)", g.Label),
			XLabel: "model configuration", YLabel: "seen-user test accuracy (%)", YUnit: "%",
			Caption: "Bars are each group's mean test accuracy over seeds; error bars span ± one sample standard deviation over seeds.",
		}
		for i, k := range keys {
			cs.Series = append(cs.Series, chartSeries{Name: legendLabel(groupLabel(names, k)), Color: palette[i%len(palette)], Kind: barsKind{}})
		}
		var labels []string
		for ri, rw := range g.Rows {
			st := a.groupStatsOf(rw, keys)
			labels = append(labels, rw.Label)
			for i := range keys {
				cs.Series[i].Points = append(cs.Series[i].Points, pointOf(float64(ri), st.Groups[i]))
			}
			gap := missing
			if st.Gap.N > 0 {
				gap = fix2(pct(st.Gap.Mean))
			}
			t.Rows = append(t.Rows, append(a.configCells(rw), strconv.Itoa(len(keys)), meanStd(st.Worst), interval(st.Worst), gap, meanStd(st.Unseen), strconv.Itoa(len(rw.Runs))))
			hd, cells := a.configTidy(rw)
			worstTidy.Header = append(hd, "groups", "n", "worst_mean", "worst_std", "worst_ci_lo", "worst_ci_hi", "gap_mean", "gap_std", "unseen_worst_mean", "unseen_worst_std")
			worstTidy.Rows = append(worstTidy.Rows, append(cells, strconv.Itoa(len(keys)), strconv.Itoa(st.Worst.N), fnum(st.Worst.Mean), fnum(st.Worst.Std), fnum(st.Worst.Lo), fnum(st.Worst.Hi),
				fnum(st.Gap.Mean), fnum(st.Gap.Std), fnum(st.Unseen.Mean), fnum(st.Unseen.Std)))
			for i, k := range keys {
				hd, cells := a.configTidy(rw)
				s := st.Groups[i]
				tidy.Header = append(hd, "group", "group_name", "n", "test_acc_mean", "test_acc_std", "test_acc_ci_lo", "test_acc_ci_hi")
				tidy.Rows = append(tidy.Rows, append(cells, k, groupLabel(names, k), strconv.Itoa(s.N), fnum(s.Mean), fnum(s.Std), fnum(s.Lo), fnum(s.Hi)))
			}
		}
		cs.setCategories(labels)
		c.Charts = append(c.Charts, cs)
		if f := a.groupsFinding(g); f != "" {
			c.Narrative = append(c.Narrative, text(htmlf("<strong>%s</strong>: %s", g.Label, f)))
		}
	}
	if len(c.Charts) == 0 {
		c.Narrative = []para{note("No run recorded accuracies of two or more true groups (the data knows no groups), so there is no per-group analysis.")}
		return c
	}
	// groups.csv has each group's accuracy; worst_group.csv the table the page shows (the worst
	// group and the gap are taken per seed, so they are not computable from groups.csv).
	c.Tables = []table{{Name: "groups", Caption: "Worst-group seen-user test accuracy over seeds and the gap between the best and the worst group.", Display: &t, Tidy: &tidy},
		{Name: "worst_group", Tidy: &worstTidy}}
	return c
}

// groupsFinding compares the baseline's worst group with each focus configuration's.
func (a *analysis) groupsFinding(g *datasetGroup) string {
	keys := perGroupKeys(g, splitSeen)
	base := a.baseRow(g)
	if len(keys) < 2 || base == nil {
		return ""
	}
	bs := a.groupStatsOf(base, keys)
	s := fmt.Sprintf("%s's worst group reaches %s, %.1f pp below its best", base.Label, a.summaryText(bs.Worst), pct(bs.Gap.Mean))
	for _, rw := range a.focusRows(g) {
		st := a.groupStatsOf(rw, keys)
		s += fmt.Sprintf("; %s's worst group reaches %s, %.1f pp below its best", rw.Label, a.summaryText(st.Worst), pct(st.Gap.Mean))
	}
	return s + "."
}

func (groupsSection) headline(a *analysis, g *datasetGroup) string { return a.groupsFinding(g) }
