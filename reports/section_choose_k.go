package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/internal/hetero"
)

// chooseKSection recommends a K from validation data only, the question the paper leaves
// open: the smallest K whose mean validation accuracy over seeds is within one standard error
// of the best K's (the one-standard-error rule), and the same rule seed by seed (the standard
// error of one seed's accuracy is the binomial sqrt(p(1-p)/n) of its val pairs), against the
// true number of groups when the data knows it.
type chooseKSection struct{}

// kChoice is the rule's answer for one dataset config and model.
type kChoice struct {
	Model   string
	Rows    []*row
	Chosen  *row
	KTrue   int            // 0 when unknown
	PerSeed map[uint64]int // the K the rule picks on each seed's own val accuracy
}

func (a *analysis) kChoices(g *datasetGroup) []kChoice {
	var out []kChoice
	done := map[string]bool{}
	kTrue := len(a.groupNames(g))
	for _, rw := range g.Rows {
		if done[rw.Model] || a.isBase(rw) {
			continue
		}
		done[rw.Model] = true
		rows := a.kRows(g, rw.Model)
		if rows == nil {
			continue
		}
		pick, ok := a.chooseKRow(rows)
		if !ok {
			continue
		}
		ch := kChoice{Model: rw.Model, Rows: rows, Chosen: pick, KTrue: kTrue, PerSeed: map[uint64]int{}}
		type val struct {
			ks       []int
			mean, se []float64
		}
		bySeed := map[uint64]*val{}
		for _, r := range rows {
			for _, run := range r.Runs {
				sp, ok := run.R.Metrics.Splits["val"]
				if !ok || sp.Pairs == 0 {
					continue
				}
				v := bySeed[run.R.Seed]
				if v == nil {
					v = &val{}
					bySeed[run.R.Seed] = v
				}
				p := sp.Accuracy
				v.ks, v.mean, v.se = append(v.ks, a.kOf(r)), append(v.mean, p), append(v.se, math.Sqrt(p*(1-p)/float64(sp.Pairs)))
			}
		}
		for sd, v := range bySeed {
			if k, ok := hetero.ChooseK(v.ks, v.mean, v.se); ok {
				ch.PerSeed[sd] = k
			}
		}
		out = append(out, ch)
	}
	return out
}

func (chooseKSection) build(a *analysis) cell {
	c := cell{ID: "choose-k", Title: "Choosing K from validation data"}
	c.Narrative = []para{text("The paper leaves open how to choose the number of prototypes. This rule uses validation pairs only (never test pairs): " +
		"the smallest K whose mean validation accuracy over seeds is within one standard error (of the best K's mean) of the best; " +
		"seed by seed, the same rule with the binomial standard error of that seed's validation accuracy. Where the data knows its true groups, the choice is compared with their number.")}
	h := []string{"dataset", "model", "true groups", "chosen K", "per seed", "seeds right"}
	t := displayTable{Header: h, Right: []bool{false, false, true, true, false, true}}
	var tidy tidyTable
	for gi, g := range a.Datasets {
		choices := a.kChoices(g)
		if len(choices) == 0 {
			continue
		}
		cs := chartSpec{
			ID: fmt.Sprintf("choose-k-%d", gi), File: joinStem("choose_k", g.FileStem),
			Title:  fmt.Sprintf("Validation accuracy against K (%s)", g.Label),
			XLabel: "K (prototypes)", YLabel: "val accuracy (%)", YUnit: "%",
			Caption: spreadNote + " The marked point is the K the one-standard-error rule chooses.",
		}
		var xs []float64
		var marks []chartSeries // drawn last, on top of the curves
		colors := newColorer()
		for _, ch := range choices {
			col := colors.next()
			s := chartSeries{Name: a.modelDisplay(ch.Model) + ": val accuracy", Color: col, Kind: lineKind{}}
			for _, rw := range ch.Rows {
				var v []float64
				for _, r := range rw.Runs {
					if x := valAcc(r); !math.IsNaN(x) {
						v = append(v, x)
					}
				}
				sum := Summarize(v, a.Opts.CILevel)
				k := float64(a.kOf(rw))
				xs = append(xs, k)
				s.Points = append(s.Points, pointOf(k, sum))
				if rw == ch.Chosen {
					p := pointOf(k, sum)
					p.Lo, p.Hi = nan, nan
					marks = append(marks, chartSeries{Name: a.modelDisplay(ch.Model) + ": chosen K", Color: refColor, Kind: scatterKind{}, Points: []chartPoint{p}})
				}
			}
			cs.Series = append(cs.Series, s)
			trueCell, right := missing, missing
			var seeds []string
			nRight := 0
			for _, sd := range sortedKeys(ch.PerSeed) {
				seeds = append(seeds, strconv.Itoa(ch.PerSeed[sd]))
				if ch.PerSeed[sd] == ch.KTrue {
					nRight++
				}
			}
			if ch.KTrue > 0 {
				trueCell, right = strconv.Itoa(ch.KTrue), fmt.Sprintf("%d of %d", nRight, len(ch.PerSeed))
			}
			t.Rows = append(t.Rows, []string{g.Label, a.modelDisplay(ch.Model), trueCell, strconv.Itoa(a.kOf(ch.Chosen)), strings.Join(seeds, ", "), right})
			tidy.Header = []string{"dataset", "model", "true_groups", "chosen_k", "per_seed", "seeds_right", "seeds"}
			tidy.Rows = append(tidy.Rows, []string{g.Label, ch.Model, strconv.Itoa(ch.KTrue), strconv.Itoa(a.kOf(ch.Chosen)), strings.Join(seeds, " "), strconv.Itoa(nRight), strconv.Itoa(len(ch.PerSeed))})
		}
		cs.setXRange(sortedUnique(xs), false)
		cs.Series = append(cs.Series, marks...)
		c.Charts = append(c.Charts, cs)
		if f := a.chooseKFinding(g); f != "" {
			c.Narrative = append(c.Narrative, text(htmlf("<strong>%s</strong>: %s", g.Label, f)))
		}
	}
	if len(t.Rows) == 0 {
		c.Narrative = []para{note("No personalized model was swept over K (model.k) with validation pairs, so there is no K to choose.")}
		return c
	}
	c.Tables = []table{{Name: "choose_k", Caption: "The K the one-standard-error rule picks on validation accuracy, over seeds and seed by seed, against the number of true groups.", Display: &t, Tidy: &tidy}}
	return c
}

func (a *analysis) chooseKFinding(g *datasetGroup) string {
	var parts []string
	for _, ch := range a.kChoices(g) {
		s := fmt.Sprintf("the one-standard-error rule on validation accuracy picks K = %d for %s", a.kOf(ch.Chosen), a.modelDisplay(ch.Model))
		if ch.KTrue > 0 {
			n := 0
			for _, k := range ch.PerSeed {
				if k == ch.KTrue {
					n++
				}
			}
			s += fmt.Sprintf(" (the data has %d true groups); applied seed by seed it picks the true number in %d of %d seeds", ch.KTrue, n, len(ch.PerSeed))
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return ""
	}
	return joinSentences(parts) + "."
}

func (chooseKSection) headline(a *analysis, g *datasetGroup) string { return a.chooseKFinding(g) }
