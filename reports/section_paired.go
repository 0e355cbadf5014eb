package reports

import (
	"fmt"
	"strconv"
	"strings"
)

// pairedSection compares every model config with the baseline in the same dataset config, seed
// by seed (paired t-tests): on seen-user test accuracy, on unseen-user test accuracy, and at
// each few-shot point. With Options.Holm the p-values of all of them are corrected as one family.
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
	m := a.pairedFamily(ps)
	correction := fmt.Sprintf(`The %d p-values are not corrected for multiple comparisons: among many comparisons with no real difference, about one in twenty would fall below 0.05 by chance (pal report --holm corrects them).`, m)
	if a.Opts.Holm {
		correction = fmt.Sprintf(`The %d p-values of this cell (seen, unseen and few-shot comparisons together) are Holm-corrected as one family (Holm 1979), which keeps the chance of any false "different" at 5%% when every p below 0.05 is read as a difference.`, m)
	}
	c.Narrative = []para{text(htmlf(`Each model configuration against the baseline in the same dataset configuration. Runs with the same seed share the `+
		`same data, so the difference is taken seed by seed: Δ is the mean difference in percentage points ± its standard deviation over seeds, with a `+
		`%s Student-t interval, and <em>p</em> is a two-sided paired t-test of "no difference", on seen-user and on unseen-user test accuracy. %s`, a.ciLevel(), correction))}
	for _, p := range ps {
		if len(p.Seen.Seeds) < 3 {
			c.Narrative = append(c.Narrative, note("Some comparisons have fewer than 3 paired seeds: their interval and p-value rest on too little data to be trusted. Run more seeds."))
			break
		}
	}
	disp, tidy := a.pairedTable(ps), a.pairedTidy(ps)
	c.Tables = []table{{
		Name:    "paired",
		Caption: "Paired differences in seen- and unseen-user test accuracy against the baseline (percentage points), paired by seed; p from a two-sided paired t-test" + a.holmWords() + ".",
		Display: &disp, Tidy: &tidy,
	}}
	if fd, ft, ok := a.pairedFewShotTables(ps); ok {
		c.Tables = append(c.Tables, table{
			Name:    "paired_few_shot",
			Caption: "Paired differences in unseen-user test accuracy against the baseline at each number of few-shot pairs per user (percentage points), paired by seed" + a.holmWords() + ".",
			Display: &fd, Tidy: &ft,
			Fold: fmt.Sprintf("Paired differences in unseen-user accuracy at each few-shot point (%d rows)", len(fd.Rows)),
		})
	}
	return c
}

func (a *analysis) holmWords() string {
	if a.Opts.Holm {
		return ", Holm-corrected over the report's paired tests"
	}
	return ""
}

// paired is one line of the paired comparison table.
type paired struct {
	Row, Base    *row
	Seen, Unseen pairedResult
	Few          []fewPaired // one per few-shot point both have
	Note         string      // about the choice of baseline row
}

// pairedResult is one paired t-test with what the table shows of it.
type pairedResult struct {
	Seeds []uint64
	Test  PairedTest
	OK    bool    // a test could be computed (at least one common seed)
	P     float64 // the p-value shown: Test.P, Holm-adjusted with Options.Holm
	Note  string  // plain-language caveat, e.g. too few seeds
}

type fewPaired struct {
	PairsPerUser int
	pairedResult
}

// Seeds of the seen-user comparison (the table's "paired seeds").
func (p paired) Seeds() []uint64 { return p.Seen.Seeds }

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
				p.Note = fmt.Sprintf("first of %d matching baseline configs", len(matching))
			}
			out = append(out, p)
		}
	}
	return out
}

func (a *analysis) pair(rw, base *row) paired {
	p := paired{Row: rw, Base: base}
	p.Seen = a.pairedTest(rw.seenBySeed, base.seenBySeed)
	p.Unseen = a.pairedTest(rw.unseenBySeed, base.unseenBySeed)
	for _, fp := range rw.FewShot {
		for _, bp := range base.FewShot {
			if bp.PairsPerUser == fp.PairsPerUser {
				p.Few = append(p.Few, fewPaired{PairsPerUser: fp.PairsPerUser, pairedResult: a.pairedTest(fp.BySeed, bp.BySeed)})
			}
		}
	}
	return p
}

// pairedTest pairs two by-seed maps on their common seeds.
func (a *analysis) pairedTest(x, y map[uint64]float64) pairedResult {
	var r pairedResult
	var xs, ys []float64
	for _, sd := range sortedKeys(x) {
		if vy, ok := y[sd]; ok {
			r.Seeds = append(r.Seeds, sd)
			xs, ys = append(xs, x[sd]), append(ys, vy)
		}
	}
	r.P = nan
	if len(xs) == 0 {
		if len(x) > 0 && len(y) > 0 {
			r.Note = "no seed in common with the baseline"
		}
		return r
	}
	r.Test, _ = PairedTTest(xs, ys, a.Opts.CILevel)
	r.OK, r.P = true, r.Test.P
	switch n := len(xs); {
	case n < 2:
		r.Note = "only 1 paired seed: no interval or test possible"
	case n < 3:
		r.Note = fmt.Sprintf("only %d paired seeds: interval and p-value are unreliable", n)
	}
	return r
}

// pairedFamily counts the report's paired tests with a p-value and, with Options.Holm, replaces
// each P by its Holm-adjusted value over all of them.
func (a *analysis) pairedFamily(ps []paired) int {
	var refs []*pairedResult
	for i := range ps {
		refs = append(refs, &ps[i].Seen, &ps[i].Unseen)
		for j := range ps[i].Few {
			refs = append(refs, &ps[i].Few[j].pairedResult)
		}
	}
	raw := make([]float64, len(refs))
	m := 0
	for i, r := range refs {
		raw[i] = r.P
		if r.OK && r.P == r.P {
			m++
		}
	}
	if a.Opts.Holm {
		for i, adj := range Holm(raw) {
			refs[i].P = adj
		}
	}
	return m
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

func (a *analysis) pHeader() string {
	if a.Opts.Holm {
		return "p (Holm)"
	}
	return "p"
}

// resultCells are a paired result's Δ, interval and p.
func resultCells(r pairedResult) []string {
	if !r.OK {
		return []string{missing, missing, missing}
	}
	return []string{meanStd(r.Test.Diff), interval(r.Test.Diff), pValue(r.P)}
}

// pairedTable: each model config against the baseline, differences in percentage points.
func (a *analysis) pairedTable(ps []paired) displayTable {
	h, right := a.configHeader()
	h = append(h, "baseline", "paired seeds", "Δ seen test acc (pp)", a.ciHeader()+" (pp)", a.pHeader())
	right = append(right, false, true, true, true, true)
	if a.HasUnseen {
		h = append(h, "Δ unseen test acc (pp)", a.ciHeader()+" (pp)", a.pHeader())
		right = append(right, true, true, true)
	}
	h, right = append(h, "note"), append(right, false)
	t := displayTable{Header: h, Right: right}
	for _, p := range ps {
		c := a.configCells(p.Row)
		c = append(c, p.Base.Label, strconv.Itoa(len(p.Seen.Seeds)))
		c = append(c, resultCells(p.Seen)...)
		if a.HasUnseen {
			c = append(c, resultCells(p.Unseen)...)
		}
		var notes []string
		for _, n := range []string{p.Seen.Note, p.Note} {
			if n != "" {
				notes = append(notes, n)
			}
		}
		note := strings.Join(notes, "; ")
		if note == "" {
			note = missing
		}
		t.Rows = append(t.Rows, append(c, note))
		t.markGroup(p.Row.Group)
	}
	return t
}

func resultTidy(r pairedResult) []string {
	d := r.Test.Diff
	if !r.OK {
		return []string{strconv.Itoa(len(r.Seeds)), "", "", "", "", "", "", ""}
	}
	return []string{strconv.Itoa(len(r.Seeds)), fnum(d.Mean), fnum(d.Std), fnum(d.Lo), fnum(d.Hi), fnum(r.Test.T), fnum(r.Test.P), fnum(r.P)}
}

var resultTidyHeader = []string{"n_pairs", "diff_mean", "diff_std", "diff_ci_lo", "diff_ci_hi", "t", "p", "p_shown"}

func prefixed(prefix string, h []string) []string {
	out := make([]string, len(h))
	for i, x := range h {
		out[i] = prefix + x
	}
	return out
}

func (a *analysis) pairedTidy(ps []paired) tidyTable {
	var t tidyTable
	for _, p := range ps {
		h, c := a.configTidy(p.Row)
		h = append(h, "baseline")
		h = append(h, resultTidyHeader...)
		h = append(h, prefixed("unseen_", resultTidyHeader)...)
		h = append(h, "holm")
		c = append(c, p.Base.Label)
		c = append(c, resultTidy(p.Seen)...)
		c = append(c, resultTidy(p.Unseen)...)
		c = append(c, strconv.FormatBool(a.Opts.Holm))
		t.Header = h
		t.Rows = append(t.Rows, c)
	}
	return t
}

// pairedFewShotTables: one row per model config and few-shot point both it and its baseline have.
func (a *analysis) pairedFewShotTables(ps []paired) (displayTable, tidyTable, bool) {
	h, right := a.configHeader()
	h = append(h, "baseline", "pairs per user", "paired seeds", "Δ unseen test acc (pp)", a.ciHeader()+" (pp)", a.pHeader())
	right = append(right, false, true, true, true, true, true)
	d := displayTable{Header: h, Right: right}
	var t tidyTable
	for _, p := range ps {
		for _, f := range p.Few {
			c := a.configCells(p.Row)
			c = append(c, p.Base.Label, strconv.Itoa(f.PairsPerUser), strconv.Itoa(len(f.Seeds)))
			d.Rows = append(d.Rows, append(c, resultCells(f.pairedResult)...))
			d.markGroup(p.Row.Group)
			th, tc := a.configTidy(p.Row)
			th = append(append(th, "baseline", "pairs_per_user"), resultTidyHeader...)
			tc = append(append(tc, p.Base.Label, strconv.Itoa(f.PairsPerUser)), resultTidy(f.pairedResult)...)
			t.Header = append(th, "holm")
			t.Rows = append(t.Rows, append(tc, strconv.FormatBool(a.Opts.Holm)))
		}
	}
	return d, t, len(d.Rows) > 0
}
