package reports

import (
	"fmt"
	"strconv"
	"strings"
)

// curvesSection draws the training curves: the mean training and validation loss of every
// epoch over seeds, one chart per dataset config and model, and warns about runs that stopped
// at the epoch cap (probably under-trained) or in fewer than minEpochs epochs.
type curvesSection struct{}

const minEpochs = 5

// maxCurvePoints is the most epochs a curve draws (evenly spaced, the last always): error bars
// at each of 300 epochs would hide the curves.
const maxCurvePoints = 40

// epochCap is the run's [train] epochs, 0 when unknown.
func epochCap(r *run) int {
	if m, ok := r.R.Config.Train.(map[string]any); ok {
		if f, ok := toFloat(m["epochs"]); ok {
			return int(f)
		}
	}
	return 0
}

// curveWarnings lists the row's runs that hit the epoch cap or stopped very early.
func curveWarnings(rw *row) (capped, short []string) {
	for _, r := range rw.Runs {
		e := r.R.Metrics.Epochs
		switch {
		case e == 0:
		case epochCap(r) > 0 && e >= epochCap(r):
			capped = append(capped, fmt.Sprintf("seed %d (%d epochs)", r.R.Seed, e))
		case e < minEpochs:
			short = append(short, fmt.Sprintf("seed %d (%d epochs)", r.R.Seed, e))
		}
	}
	return capped, short
}

func (curvesSection) build(a *analysis) cell {
	c := cell{ID: "curves", Title: "Training curves"}
	c.Narrative = []para{text("The mean training loss of each epoch (averaged over its mini-batches, with dropout) and the validation loss after it, averaged over the seeds that ran that epoch. " +
		"Training stops early when the validation loss has not improved for the patience, and the best epoch's parameters are kept. Losses are each model's own training loss: comparable across epochs and configurations of one model, not across models.")}
	h, right := a.configHeader()
	t := displayTable{Header: append(h, "epochs run", "best epoch", "at the cap", "under 5 epochs", "seeds"), Right: append(right, true, true, true, true, true)}
	var tidy tidyTable
	var warnings []string
	for gi, g := range a.Datasets {
		var models []string
		for _, rw := range g.Rows {
			if !contains(models, rw.Model) {
				models = append(models, rw.Model)
			}
		}
		for mi, m := range models {
			cs := chartSpec{
				ID: fmt.Sprintf("curves-%d-%d", gi, mi), File: joinStem(joinStem("curves", g.FileStem), sanitize(m)),
				Title:  fmt.Sprintf("Training curves of %s (%s)", m, g.Label),
				XLabel: "epoch", YLabel: "loss", Caption: "Solid: validation loss; paler: training loss, in the same colour per configuration. At most 40 epochs per curve are drawn, evenly spaced (tables/curves.csv has every epoch); each epoch is averaged over the seeds that ran it, so a curve steps where a seed stopped early. " + spreadNote,
			}
			maxEpoch := 0
			for _, rw := range g.Rows {
				if rw.Model != m {
					continue
				}
				train, val := map[int][]float64{}, map[int][]float64{}
				for _, r := range rw.Runs {
					rec := a.record(r)
					if rec == nil {
						continue
					}
					for _, e := range rec.Curve {
						train[e.Epoch] = append(train[e.Epoch], e.Train)
						if e.Val != nil {
							val[e.Epoch] = append(val[e.Epoch], *e.Val)
						}
					}
				}
				if len(train) == 0 {
					continue
				}
				col := a.colorOf(rw.Label)
				vs := chartSeries{Name: rw.Label + ": val", Color: col, Kind: lineKind{}}
				ts := chartSeries{Name: rw.Label + ": train", Color: tint(col), Kind: lineKind{}}
				epochs := sortedKeys(train)
				step := (len(epochs) + maxCurvePoints - 1) / maxCurvePoints
				for i, e := range epochs {
					maxEpoch = max(maxEpoch, e)
					if i%step != 0 && i != len(epochs)-1 {
						continue // drawn thinned; the CSV below has every epoch
					}
					ts.Points = append(ts.Points, numPoint(float64(e), Summarize(train[e], a.Opts.CILevel)))
					if v := val[e]; len(v) > 0 {
						vs.Points = append(vs.Points, numPoint(float64(e), Summarize(v, a.Opts.CILevel)))
					}
				}
				for _, e := range epochs {
					hd, cells := a.configTidy(rw)
					tidy.Header = append(hd, "epoch", "n", "train_loss_mean", "train_loss_std", "val_loss_mean", "val_loss_std")
					vsum := Summarize(val[e], a.Opts.CILevel)
					tsum := Summarize(train[e], a.Opts.CILevel)
					tidy.Rows = append(tidy.Rows, append(cells, strconv.Itoa(e), strconv.Itoa(tsum.N), fnum(tsum.Mean), fnum(tsum.Std), fnum(vsum.Mean), fnum(vsum.Std)))
				}
				if len(vs.Points) > 0 {
					cs.Series = append(cs.Series, vs)
				}
				cs.Series = append(cs.Series, ts)
			}
			if len(cs.Series) == 0 {
				continue
			}
			cs.XMin, cs.XMax = 0.5, float64(maxEpoch)+0.5
			c.Charts = append(c.Charts, cs)
		}
		for _, rw := range g.Rows {
			var ep, best []float64
			for _, r := range rw.Runs {
				ep, best = append(ep, float64(r.R.Metrics.Epochs)), append(best, float64(r.R.Metrics.BestEpoch))
			}
			capped, short := curveWarnings(rw)
			t.Rows = append(t.Rows, append(a.configCells(rw), meanStdNum(Summarize(ep, a.Opts.CILevel), 0), meanStdNum(Summarize(best, a.Opts.CILevel), 0),
				strconv.Itoa(len(capped)), strconv.Itoa(len(short)), strconv.Itoa(len(rw.Runs))))
			if len(capped) > 0 {
				warnings = append(warnings, fmt.Sprintf("%s, %s: %d of %d runs stopped at the epoch cap, probably under-trained (%s); raise [train] epochs.", g.Label, rw.Label, len(capped), len(rw.Runs), strings.Join(capped, ", ")))
			}
			if len(short) > 0 {
				warnings = append(warnings, fmt.Sprintf("%s, %s: %d of %d runs stopped in under %d epochs (%s): the learning rate may be too high or the patience too short.", g.Label, rw.Label, len(short), len(rw.Runs), minEpochs, strings.Join(short, ", ")))
			}
		}
	}
	if len(c.Charts) == 0 {
		c.Narrative = []para{note("No run kept a training curve (their analysis records are missing: runs made by an older pal, or a model kind that records none), so there are no training curves.")}
	}
	if len(warnings) == 0 {
		c.Narrative = append(c.Narrative, text(htmlf("<strong>Finding</strong>: every run stopped early on its validation loss, after %d or more epochs and before the cap.", minEpochs)))
	}
	for _, w := range warnings {
		c.Narrative = append(c.Narrative, note(htmlf("%s", w)))
	}
	c.Tables = []table{{Name: "epochs", Caption: "Epochs run and the best epoch (whose parameters were kept), mean ± std over seeds, and how many runs hit the epoch cap or stopped in under 5 epochs.", Display: &t}}
	if len(tidy.Rows) > 0 {
		c.Tables = append(c.Tables, table{Name: "curves", Tidy: &tidy})
	}
	return c
}

// curvesHeadline counts the runs with a warning.
func (curvesSection) headline(a *analysis, _ *datasetGroup) string {
	var capped, short, total int
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			cp, sh := curveWarnings(rw)
			capped, short, total = capped+len(cp), short+len(sh), total+len(rw.Runs)
		}
	}
	if capped+short == 0 {
		return ""
	}
	return fmt.Sprintf("Training: %d of %d runs stopped at the epoch cap (probably under-trained) and %d in under %d epochs (see Training curves).", capped, total, short, minEpochs)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
