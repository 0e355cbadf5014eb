package reports

import (
	"strconv"
)

// accuracySection is the table every report starts with: seen-user, unseen-user and
// Bayes-optimal test accuracy per dataset config and model config, over seeds.
type accuracySection struct{}

func (accuracySection) build(a *analysis) cell {
	disp, tidy := a.accuracyTable(), a.accuracyTidy()
	return cell{
		ID:    "accuracy",
		Title: "Accuracy over seeds",
		Narrative: []para{text(htmlf(`One row per dataset configuration and model configuration. Accuracies are percentages of test pairs ordered as the user ordered them: `+
			`<em>seen</em> users are those the model was trained on, <em>unseen</em> users were held out. Each cell gives the mean over seeds ± the sample `+
			`standard deviation (the spread of replicates), then the %s Student-t confidence interval for the mean (mean ± t·s/√n), cut to [0, 100] where `+
			`it would pass an accuracy's range (marked *; with two spread seeds the t interval can reach past 100%%). `+
			`The Bayes-optimal accuracy (the true model's, on the same test pairs) is given once per dataset configuration. `+
			`With one seed there is no spread, and with few seeds the interval is wide: that is the honest answer.`, a.ciLevel()))},
		Tables: []table{{
			Name:    "accuracy",
			Caption: "Seen- and unseen-user test accuracy (%) over seeds: mean " + pm + " sample std, and a Student-t interval for the mean (* cut to [0, 100]); Bayes-optimal accuracy once per dataset configuration.",
			Display: &disp, Tidy: &tidy,
		}},
	}
}

// accuracyTable: one row per dataset config and model config, accuracies in percent.
func (a *analysis) accuracyTable() displayTable {
	h, right := a.configHeader()
	add := func(name string, r bool) { h, right = append(h, name), append(right, r) }
	add("seen test acc (%)", true)
	seenCol := len(h) - 1
	add(a.ciHeader(), true)
	if a.HasBayes {
		add("Bayes seen (%)", true)
	}
	if a.HasUnseen {
		add("unseen test acc (%)", true)
		add(a.ciHeader(), true)
		if a.hasUnseenBayes() {
			add("Bayes unseen (%)", true)
		}
	}
	add("trainable params", true)
	add("seeds", true)
	t := displayTable{Header: h, Right: right, Bold: map[[2]int]bool{}}
	for _, g := range a.Datasets {
		best, bestRow := -1.0, -1
		for i, rw := range g.Rows {
			first := i == 0
			c := a.configCells(rw)
			c = append(c, meanStd(rw.Seen), interval(rw.Seen))
			if a.HasBayes {
				c = append(c, onceFor(first, meanStd(g.Bayes)))
			}
			if a.HasUnseen {
				c = append(c, meanStd(rw.Unseen), interval(rw.Unseen))
				if a.hasUnseenBayes() {
					c = append(c, onceFor(first, meanStd(g.UnseenBayes)))
				}
			}
			c = append(c, count(rw.Trainable), strconv.Itoa(len(rw.Seeds)))
			t.Rows = append(t.Rows, c)
			t.markGroup(g)
			if rw.Seen.N > 0 && rw.Seen.Mean > best {
				best, bestRow = rw.Seen.Mean, len(t.Rows)-1
			}
		}
		if a.Opts.BoldBest && bestRow >= 0 {
			t.Bold[[2]int{bestRow, seenCol}] = true
		}
	}
	return t
}

// onceFor shows v on the first row of a dataset configuration and leaves the others empty.
func onceFor(first bool, v string) string {
	if first {
		return v
	}
	return ""
}

func (a *analysis) hasUnseenBayes() bool {
	for _, g := range a.Datasets {
		if g.UnseenBayes.N > 0 {
			return true
		}
	}
	return false
}

func (a *analysis) accuracyTidy() tidyTable {
	var t tidyTable
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			h, c := a.configTidy(rw)
			h = append(h, "n_seeds")
			c = append(c, strconv.Itoa(len(rw.Seeds)))
			for _, m := range []struct {
				name string
				s    Summary
			}{{"seen_test_acc", rw.Seen}, {"unseen_test_acc", rw.Unseen}, {"bayes_test_acc", rw.Bayes}, {"bayes_unseen_test_acc", g.UnseenBayes}} {
				h = append(h, m.name+"_n", m.name+"_mean", m.name+"_std", m.name+"_ci_lo", m.name+"_ci_hi")
				c = append(c, strconv.Itoa(m.s.N), fnum(m.s.Mean), fnum(m.s.Std), fnum(m.s.Lo), fnum(m.s.Hi))
			}
			h = append(h, "trainable_params")
			c = append(c, fnum(rw.Trainable.Mean))
			t.Header = h
			t.Rows = append(t.Rows, c)
		}
	}
	return t
}
