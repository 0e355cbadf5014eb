package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// dataPerUserSection asks whether users with more training pairs are served better: seen
// users' test accuracy against their number of training pairs, in five bins of equally many
// users, for the baseline and the personalized configurations. It applies only where users'
// pair counts differ (the most at least 1.5 times the fewest).
type dataPerUserSection struct{}

const dataBins = 5

// userPoint is one seen user of one run: training pairs and test accuracy.
type userPoint struct {
	pairs int
	acc   float64
}

func (a *analysis) userPoints(rw *row) []userPoint {
	var out []userPoint
	for _, r := range rw.Runs {
		rec := a.record(r)
		acc := r.R.Metrics.PerUser[splitSeen]
		if rec == nil || acc == nil {
			continue
		}
		counts := rec.PairCounts["train"]
		for u, id := range rec.UserIDs {
			if v, ok := acc[id]; ok && u < len(counts) && rec.Seen[u] {
				out = append(out, userPoint{counts[u], v})
			}
		}
	}
	return out
}

// binEdges are the upper pair counts of dataBins bins of about equally many users.
func binEdges(pts []userPoint) []int {
	c := make([]int, len(pts))
	for i, p := range pts {
		c[i] = p.pairs
	}
	slices.Sort(c)
	var edges []int
	for b := 1; b <= dataBins; b++ {
		e := c[min(len(c)-1, b*len(c)/dataBins-1+boolInt(b*len(c)/dataBins == 0))]
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	return edges
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (dataPerUserSection) build(a *analysis) cell {
	c := cell{ID: "data-per-user", Title: "Accuracy against a user's amount of data"}
	c.Narrative = []para{text("Seen users' test accuracy against their number of training pairs: users (of every seed) are put in five bins of about equally many users by their pair count, " +
		"and each bin shows its mean pair count and the mean accuracy of its users, for the baseline and each personalized configuration (for a model swept over K, the K chosen on validation accuracy).")}
	h, right := a.configHeader()
	t := displayTable{Header: append(h, "pairs (bin)", "users", "mean test acc (%)"), Right: append(right, true, true, true)}
	var tidy tidyTable
	var flat []string
	for gi, g := range a.Datasets {
		var rows []*row
		if b := a.baseRow(g); b != nil {
			rows = append(rows, b)
		}
		rows = append(rows, a.focusRows(g)...)
		var all []userPoint
		for _, rw := range rows {
			all = append(all, a.userPoints(rw)...)
		}
		if len(all) < dataBins {
			continue
		}
		lo, hi := math.MaxInt, 0
		for _, p := range all {
			lo, hi = min(lo, p.pairs), max(hi, p.pairs)
		}
		if float64(hi) < 1.5*float64(lo) {
			flat = append(flat, fmt.Sprintf("%s (%d to %d pairs)", g.Label, lo, hi))
			continue
		}
		edges := binEdges(all)
		cs := chartSpec{
			ID: fmt.Sprintf("data-per-user-%d", gi), File: joinStem("data_per_user", g.FileStem),
			Title:  fmt.Sprintf("Users' test accuracy against their training pairs (%s)", g.Label),
			XLabel: "user's training pairs (bin mean)", YLabel: "users' mean test accuracy (%)", YUnit: "%",
			Caption: "Points are the mean test accuracy of a bin's users (of every seed); error bars span ± one standard deviation over those users.",
		}
		var xs []float64
		for _, rw := range rows {
			pts := a.userPoints(rw)
			byBin := make([][]userPoint, len(edges))
			for _, p := range pts {
				b, _ := slices.BinarySearch(edges, p.pairs)
				byBin[min(b, len(edges)-1)] = append(byBin[min(b, len(edges)-1)], p)
			}
			s := chartSeries{Name: rw.Label, Color: a.colorOf(rw.Label), Kind: lineKind{}}
			for bi, bin := range byBin {
				if len(bin) == 0 {
					continue
				}
				var n, accs []float64
				for _, p := range bin {
					n, accs = append(n, float64(p.pairs)), append(accs, p.acc)
				}
				x := Mean(n)
				xs = append(xs, x)
				sum := SummarizeAccuracy(accs, a.Opts.CILevel)
				s.Points = append(s.Points, pointOf(x, sum))
				lower := lo
				if bi > 0 {
					lower = edges[bi-1] + 1
				}
				t.Rows = append(t.Rows, append(a.configCells(rw), fmt.Sprintf("%d–%d", lower, edges[bi]), strconv.Itoa(len(bin)), fix2(pct(sum.Mean))))
				hd, cells := a.configTidy(rw)
				tidy.Header = append(hd, "pairs_lo", "pairs_hi", "pairs_mean", "users", "test_acc_mean", "test_acc_std")
				tidy.Rows = append(tidy.Rows, append(cells, strconv.Itoa(lower), strconv.Itoa(edges[bi]), fnum(x), strconv.Itoa(len(bin)), fnum(sum.Mean), fnum(sum.Std)))
			}
			cs.Series = append(cs.Series, s)
		}
		xs = sortedUnique(xs)
		cs.setXRange(xs, xs[0] > 0 && xs[len(xs)-1]/xs[0] >= 10)
		cs.XTicks = nil
		c.Charts = append(c.Charts, cs)
	}
	if len(flat) > 0 {
		c.Notes = append(c.Notes, muted(htmlf("Left out, because every seen user has about as many training pairs as every other: %s.", joinSentences(flat))))
	}
	if len(c.Charts) == 0 {
		c.Narrative = []para{note("Users' training pair counts do not vary enough here (or no run kept them), so accuracy against a user's amount of data is not drawn.")}
		c.Notes = nil
		if len(flat) > 0 {
			c.Narrative = append(c.Narrative, muted(htmlf("Pair counts per dataset configuration: %s.", joinSentences(flat))))
		}
		return c
	}
	c.Tables = []table{{Name: "data_per_user", Caption: "Seen users' mean test accuracy per bin of training pairs.", Display: &t, Tidy: &tidy}}
	return c
}
