package reports

import (
	"fmt"
	"strconv"

	"github.com/pal-harness/pal/internal/hetero"
	"github.com/pal-harness/pal/internal/metrics"
)

// calibrationSection asks whether a model's predicted preference probabilities mean what they
// say: the reliability diagram (observed frequency of the left item being preferred against
// the predicted probability, in ten bins, pooled over seeds) and the expected calibration
// error per seed. Only models trained with a logistic loss have a probability (the logistic of
// the margin); margins trained with a hinge are scores, and such models are left out.
type calibrationSection struct{}

func binsOf(r metrics.Reliability) []hetero.Bin {
	out := make([]hetero.Bin, len(r.Bins))
	for i, b := range r.Bins {
		out[i] = hetero.Bin{N: b.N, MeanProb: b.MeanProb, Freq: b.FracLeft}
	}
	return out
}

// calibration is a row's figures on split: ECE per seed and the pooled histogram. link is the
// runs' link ("" without records).
func (a *analysis) calibration(rw *row, split string) (ece Summary, pooled []hetero.Bin, link string) {
	var eces []float64
	var hs [][]hetero.Bin
	for _, r := range rw.Runs {
		rec := a.record(r)
		if rec == nil {
			continue
		}
		rel, ok := rec.Calibration[split]
		if !ok {
			continue
		}
		link = rel.Link
		b := binsOf(rel)
		hs = append(hs, b)
		eces = append(eces, hetero.ECE(b))
	}
	return SummarizeIn(eces, a.Opts.CILevel, 0, 1), hetero.MergeBins(hs...), link
}

func (calibrationSection) build(a *analysis) cell {
	c := cell{ID: "calibration", Title: "Calibration of predicted preferences"}
	c.Narrative = []para{text("For every test pair the model's probability that the left item is preferred is the logistic of its margin (for DPL, the normal CDF of its standardised margin). Pairs are put in ten bins of that probability; " +
		"a calibrated model's bins lie on the diagonal (of the pairs given 70%, 70% went left). The expected calibration error (ECE) is the pair-weighted mean distance of the bins from the diagonal, " +
		"per seed, then over seeds. Only models trained with a logistic, two-way cross-entropy or probit loss predict a probability; models trained with a hinge loss are left out.")}
	h, right := a.configHeader()
	t := displayTable{Header: append(h, "split", "ECE (pp)", a.ciHeader(), "test pairs", "seeds"), Right: append(right, false, true, true, true, true)}
	var tidy tidyTable
	var skipped []string
	for gi, g := range a.Datasets {
		cs := chartSpec{
			ID: fmt.Sprintf("calibration-%d", gi), File: joinStem("calibration", g.FileStem),
			Title:  fmt.Sprintf("Reliability of seen-user test predictions (%s)", g.Label),
			XLabel: "predicted probability that the left item is preferred (%)", YLabel: "observed share preferring the left item (%)", YUnit: "%",
			Caption: "One point per bin of predicted probability (ten bins, pairs of all seeds pooled) at the bin's mean prediction and observed frequency; the dark diagonal is perfect calibration.",
		}
		for _, rw := range g.Rows {
			_, bins, link := a.calibration(rw, splitSeen)
			if link == "" {
				continue
			}
			if !probabilistic(link) {
				skipped = append(skipped, fmt.Sprintf("%s (%s, loss %s)", rw.Label, g.Label, link))
				continue
			}
			s := chartSeries{Name: rw.Label, Color: a.colorOf(rw.Label), Kind: lineKind{}}
			for _, b := range bins {
				if b.N > 0 {
					s.Points = append(s.Points, chartPoint{X: pct(b.MeanProb), Y: pct(b.Freq), Lo: nan, Hi: nan, N: b.N})
				}
			}
			cs.Series = append(cs.Series, s)
			for _, sp := range []string{splitSeen, splitUnseen} {
				e, bs, _ := a.calibration(rw, sp)
				if e.N == 0 {
					continue
				}
				m := 0
				for _, b := range bs {
					m += b.N
				}
				t.Rows = append(t.Rows, append(a.configCells(rw), sp, meanStd(e), interval(e), strconv.Itoa(m), strconv.Itoa(e.N)))
				hd, cells := a.configTidy(rw)
				tidy.Header = append(hd, "split", "n", "ece_mean", "ece_std", "ece_ci_lo", "ece_ci_hi")
				tidy.Rows = append(tidy.Rows, append(cells, sp, strconv.Itoa(e.N), fnum(e.Mean), fnum(e.Std), fnum(e.Lo), fnum(e.Hi)))
			}
		}
		if len(cs.Series) == 0 {
			continue
		}
		cs.Series = append([]chartSeries{{Name: "perfect calibration", Color: refColor, Kind: lineKind{}, Reference: true, Points: []chartPoint{{X: 0, Y: 0, Lo: nan, Hi: nan, N: 1}, {X: 100, Y: 100, Lo: nan, Hi: nan, N: 1}}}}, cs.Series...)
		cs.setXRange([]float64{0, 100}, false)
		cs.XTicks = []float64{0, 25, 50, 75, 100}
		c.Charts = append(c.Charts, cs)
		if f := a.calibrationFinding(g); f != "" {
			c.Narrative = append(c.Narrative, text(htmlf("<strong>%s</strong>: %s", g.Label, f)))
		}
	}
	if len(skipped) > 0 {
		c.Notes = append(c.Notes, muted(htmlf("Left out (trained with a loss whose margins are not log-odds): %s.", joinSentences(skipped))))
	}
	if len(t.Rows) == 0 {
		c.Narrative = []para{note("No run of a model with a probabilistic link kept a reliability histogram (every model here was trained with a hinge loss, or the runs predate the analysis records), so calibration is not measured.")}
		return c
	}
	c.Tables = []table{{Name: "calibration", Caption: "Expected calibration error of the predicted preference probability (ten bins), in percentage points, mean ± std over seeds.", Display: &t, Tidy: &tidy}}
	return c
}

func (a *analysis) calibrationFinding(g *datasetGroup) string {
	var parts []string
	for _, rw := range g.Rows {
		e, _, link := a.calibration(rw, splitSeen)
		if !probabilistic(link) || e.N == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s's expected calibration error on seen-user test pairs is %.1f pp (%s)", rw.Label, pct(e.Mean), a.intervalText(e)))
	}
	if len(parts) == 0 {
		return ""
	}
	return joinSentences(parts) + "."
}

func (calibrationSection) headline(a *analysis, g *datasetGroup) string {
	return a.calibrationFinding(g)
}

// probabilistic says whether margins trained with link are probabilities' transforms: the
// logistic (and two-way cross-entropy) and DPL's probit; a hinge margin is a score.
func probabilistic(link string) bool { return link == "logistic" || link == "probit" }
