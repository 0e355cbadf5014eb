package reports

import (
	"fmt"
	"strconv"
	"strings"
)

// pairedSection compares every model config with the baseline in the same dataset config, on
// seen-user test accuracy, seed by seed (a paired t-test).
type pairedSection struct{}

func (pairedSection) build(a *analysis) cell {
	c := cell{ID: "paired", Title: "Paired comparison with the baseline"}
	if a.Baseline != "" {
		c.Heading = htmlf(`%s (<code>%s</code>)`, c.Title, a.Baseline)
	}
	ps := a.pairs()
	if len(ps) == 0 {
		why := a.BaseNote
		if why == "" && a.Baseline != "" {
			why = "Only the baseline was run: there is nothing to compare it with."
		}
		c.Narrative = []para{note(htmlf("No paired comparison: %s", why))}
		return c
	}
	c.Narrative = []para{text(htmlf(`Each model configuration against the baseline in the same dataset configuration, on seen-user test accuracy. Runs with the same seed share the `+
		`same data, so the difference is taken seed by seed: Δ is the mean difference in percentage points ± its standard deviation over seeds, with a `+
		`%s Student-t interval, and <em>p</em> is a two-sided paired t-test of "no difference". The %d p-values are not corrected for `+
		`multiple comparisons: among many comparisons with no real difference, about one in twenty would fall below 0.05 by chance.`, a.ciLevel(), len(ps)))}
	for _, p := range ps {
		if len(p.Seeds) < 3 {
			c.Narrative = append(c.Narrative, note("Some comparisons have fewer than 3 paired seeds: their interval and p-value rest on too little data to be trusted. Run more seeds."))
			break
		}
	}
	disp, tidy := a.pairedTable(ps), a.pairedTidy(ps)
	c.Tables = []table{{
		Name:    "paired",
		Caption: "Paired differences in seen-user test accuracy against the baseline (percentage points), paired by seed; p from a two-sided paired t-test.",
		Display: &disp, Tidy: &tidy,
	}}
	return c
}

// paired is one line of the paired comparison table.
type paired struct {
	Row, Base *row
	Seeds     []uint64
	Test      PairedTest
	OK        bool   // a test could be computed (at least one common seed)
	Note      string // plain-language caveat, e.g. too few seeds
}

// pairs builds the paired comparison of every non-baseline row with its baseline row in the same
// dataset config. A row's baseline is the baseline row that agrees with it on every axis both
// have (so a train.lr sweep compares like with like); the first in table order if several do.
func (a *analysis) pairs() []paired {
	if a.Baseline == "" {
		return nil
	}
	var out []paired
	for _, g := range a.Datasets {
		var bases []*row
		for _, rw := range g.Rows {
			if rw.Model == a.Baseline {
				bases = append(bases, rw)
			}
		}
		for _, rw := range g.Rows {
			if rw.Model == a.Baseline {
				continue
			}
			var matching []*row
			for _, b := range bases {
				if agree(rw.Params, b.Params) {
					matching = append(matching, b)
				}
			}
			if len(matching) == 0 {
				continue
			}
			p := a.pair(rw, matching[0])
			if len(matching) > 1 {
				p.Note = strings.TrimPrefix(p.Note+"; ", "; ") + fmt.Sprintf("first of %d matching baseline configs", len(matching))
			}
			out = append(out, p)
		}
	}
	return out
}

func (a *analysis) pair(rw, base *row) paired {
	p := paired{Row: rw, Base: base}
	var x, y []float64
	for _, sd := range rw.Seeds {
		va, okA := rw.seenBySeed[sd]
		vb, okB := base.seenBySeed[sd]
		if okA && okB && (len(p.Seeds) == 0 || p.Seeds[len(p.Seeds)-1] != sd) {
			p.Seeds = append(p.Seeds, sd)
			x, y = append(x, va), append(y, vb)
		}
	}
	if len(x) == 0 {
		p.Note = "no seed in common with the baseline"
		return p
	}
	p.Test, _ = PairedTTest(x, y, a.Opts.CILevel)
	p.OK = true
	switch n := len(x); {
	case n < 2:
		p.Note = "only 1 paired seed: no interval or test possible"
	case n < 3:
		p.Note = fmt.Sprintf("only %d paired seeds: interval and p-value are unreliable", n)
	}
	return p
}

// agree reports whether two rows' parameters match on every key present in both.
func agree(a, b paramList) bool {
	for i := range a {
		if a[i].Present && b[i].Present && compareValue(a[i], b[i]) != 0 {
			return false
		}
	}
	return true
}

// pairedTable: each model config against the baseline, differences in percentage points.
func (a *analysis) pairedTable(ps []paired) displayTable {
	h, right := a.configHeader()
	h = append(h, "baseline", "paired seeds", "Δ seen test acc (pp)", a.ciHeader()+" (pp)", "p", "note")
	right = append(right, false, true, true, true, true, false)
	t := displayTable{Header: h, Right: right}
	for _, p := range ps {
		c := a.configCells(p.Row)
		c = append(c, p.Base.Label, strconv.Itoa(len(p.Seeds)))
		if p.OK {
			c = append(c, meanStd(p.Test.Diff), interval(p.Test.Diff), pValue(p.Test.P))
		} else {
			c = append(c, missing, missing, missing)
		}
		note := p.Note
		if note == "" {
			note = missing
		}
		t.Rows = append(t.Rows, append(c, note))
	}
	return t
}

func (a *analysis) pairedTidy(ps []paired) tidyTable {
	var t tidyTable
	for _, p := range ps {
		h, c := a.configTidy(p.Row)
		h = append(h, "baseline", "n_pairs", "diff_mean", "diff_std", "diff_ci_lo", "diff_ci_hi", "t", "p")
		d := p.Test.Diff
		c = append(c, p.Base.Label, strconv.Itoa(len(p.Seeds)))
		if p.OK {
			c = append(c, fnum(d.Mean), fnum(d.Std), fnum(d.Lo), fnum(d.Hi), fnum(p.Test.T), fnum(p.Test.P))
		} else {
			c = append(c, "", "", "", "", "", "")
		}
		t.Header = h
		t.Rows = append(t.Rows, c)
	}
	return t
}
