package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/paper"
)

// Verdicts of a claim checked on a run store.
const (
	verdictReproduced    = "reproduced"
	verdictNotReproduced = "not reproduced"
	verdictNotComparable = "not comparable"
	verdictNotMeasured   = "not measured"
)

// claimCheck is a claim of the paper with what this store says of it.
type claimCheck struct {
	Claim   paper.Claim
	Lines   []claimLine // one per dataset config and model config compared
	Verdict string
	Why     string // why not comparable or not measured; empty otherwise
}

// claimLine is ours for one comparison: a text for the reader and whether it meets the rule.
type claimLine struct {
	Group *datasetGroup
	Text  string
	Pass  bool
}

// checkClaims evaluates every claim of the report (Options.Claims) on the analysis.
func (a *analysis) checkClaims() []claimCheck {
	var out []claimCheck
	for _, c := range a.Opts.Claims {
		out = append(out, a.checkClaim(c))
	}
	return out
}

func (a *analysis) checkClaim(c paper.Claim) claimCheck {
	cc := claimCheck{Claim: c}
	if c.Rule == paper.RuleUnmeasured {
		cc.Verdict, cc.Why = verdictNotMeasured, c.Why
		return cc
	}
	for _, g := range a.Datasets {
		if len(c.Datasets) > 0 && !anyRow(g, c.Datasets) {
			continue
		}
		cc.Lines = append(cc.Lines, a.claimLines(c, g)...)
	}
	switch {
	case len(cc.Lines) == 0:
		cc.Verdict = verdictNotMeasured
		cc.Why = "no run of this store matches the claim's selection (" + conditions(c.Select) + ")"
		if c.Rule == paper.RuleReaches {
			cc.Why = "no selected run has a few-shot curve (" + conditions(c.Select) + ")"
		}
		if c.Rule == paper.RuleRecovers {
			cc.Why = "no selected run kept learned user weights and true groups of two or more groups (" + conditions(c.Select) + ")"
		}
	case !c.Comparable:
		cc.Verdict, cc.Why = verdictNotComparable, c.Why
	case !c.Known && (c.Rule == paper.RuleTolerance || c.Rule == paper.RuleDifference):
		cc.Verdict, cc.Why = verdictNotComparable, "the paper's value is unknown"
	default:
		cc.Verdict = verdictReproduced
		for _, l := range cc.Lines {
			if !l.Pass {
				cc.Verdict = verdictNotReproduced
			}
		}
	}
	return cc
}

// anyRow reports whether some row of g satisfies the conditions (dataset conditions).
func anyRow(g *datasetGroup, cs []paper.Condition) bool {
	for _, rw := range g.Rows {
		if paper.HoldsAll(cs, rw.value) {
			return true
		}
	}
	return false
}

func conditions(cs []paper.Condition) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.String())
	}
	return strings.Join(s, ", ")
}

// selectRows are the rows of g that satisfy cs.
func selectRows(g *datasetGroup, cs []paper.Condition) []*row {
	var out []*row
	for _, rw := range g.Rows {
		if paper.HoldsAll(cs, rw.value) {
			out = append(out, rw)
		}
	}
	return out
}

// measureOf is a row's summary and by-seed values of the claim's accuracy measure.
func measureOf(c paper.Claim, rw *row) (Summary, map[uint64]float64) {
	if c.Measure == paper.MeasureUnseenAcc {
		return rw.Unseen, rw.unseenBySeed
	}
	return rw.Seen, rw.seenBySeed
}

// claimLines compares the selected rows of one dataset config by the claim's rule.
func (a *analysis) claimLines(c paper.Claim, g *datasetGroup) []claimLine {
	var out []claimLine
	sel := selectRows(g, c.Select)
	if c.Best {
		sel = bestRows(c, sel)
	}
	where := func(rw *row) string {
		if g.Label == "all runs" {
			return rw.Label
		}
		return g.Label + ", " + rw.Label
	}
	switch c.Rule {
	case paper.RuleTolerance:
		for _, rw := range sel {
			s, _ := measureOf(c, rw)
			if s.N == 0 {
				continue
			}
			out = append(out, claimLine{g, where(rw) + ": " + summaryText(s), !c.Known || math.Abs(pct(s.Mean)-c.Value) <= c.Tolerance})
		}
	case paper.RuleCount:
		for _, rw := range sel {
			n, ok := rw.splitPairs[c.Split]
			if !ok {
				continue
			}
			out = append(out, claimLine{g, fmt.Sprintf("%s: %d %s pairs", where(rw), n, c.Split), float64(n) == c.Value})
			break // every model of a config sees the same data
		}
	case paper.RuleDifference, paper.RuleBeats, paper.RuleCostsAtMost:
		against := selectRows(g, c.Against)
		for _, rw := range sel {
			base := bestOf(c, against, rw)
			if base == nil {
				continue
			}
			xs, xb := measureOf(c, rw)
			bs, bb := measureOf(c, base)
			r := a.pairedTest(xb, bb)
			if !r.OK {
				continue
			}
			d := r.Test.Diff
			spread := math.Max(xs.Std, bs.Std)
			text := fmt.Sprintf("%s − %s: %s", where(rw), base.Label, signedText(d))
			var pass bool
			switch c.Rule {
			case paper.RuleDifference:
				pass = !c.Known || math.Abs(pct(d.Mean)-c.Value) <= c.Tolerance
			case paper.RuleBeats:
				pass = d.N >= 2 && d.Mean > spread
				text += fmt.Sprintf("; spread over seeds %s", fix2(pct(spread)))
			case paper.RuleCostsAtMost:
				pass = d.N >= 2 && -d.Mean <= spread
				text += fmt.Sprintf("; spread over seeds %s", fix2(pct(spread)))
			}
			out = append(out, claimLine{g, text, pass})
		}
	case paper.RuleRecovers:
		if len(perGroupKeys(g, splitSeen)) < 2 {
			break // one true group: any assignment recovers it
		}
		for _, rw := range sel {
			st, ok := a.recoveryStatsOf(rw)
			if !ok || st.ARISeen.N == 0 {
				continue
			}
			out = append(out, claimLine{g, fmt.Sprintf("%s: ARI %s, NMI %.3f",
				where(rw), a.numText(st.ARISeen, 3), st.NMISeen.Mean), st.ARISeen.Mean >= c.MinARI})
		}
	case paper.RuleReaches:
		for _, rw := range sel {
			var at *fewShotPoint
			for i := range rw.FewShot {
				if p := &rw.FewShot[i]; p.PairsPerUser <= c.Pairs && p.Acc.N > 0 {
					at = p
				}
			}
			if at == nil || rw.Seen.N == 0 {
				continue
			}
			gap := pct(rw.Seen.Mean - at.Acc.Mean)
			out = append(out, claimLine{g, fmt.Sprintf("%s: %s with %d pairs against %s seen; gap %s points",
				where(rw), summaryText(at.Acc), at.PairsPerUser, fix2(pct(rw.Seen.Mean)), fix2(gap)), gap <= c.Within})
		}
	}
	return out
}

// bestRows keeps the row of rows with the highest mean of the claim's measure.
func bestRows(c paper.Claim, rows []*row) []*row {
	var best *row
	bestMean := math.Inf(-1)
	for _, rw := range rows {
		if s, _ := measureOf(c, rw); s.N > 0 && s.Mean > bestMean {
			best, bestMean = rw, s.Mean
		}
	}
	if best == nil {
		return nil
	}
	return []*row{best}
}

// bestOf is the row of against to compare rw with: for a difference from "the best baseline",
// the one with the highest mean; otherwise the first that agrees with rw on their common axes
// (a per-K comparison compares like with like).
func bestOf(c paper.Claim, against []*row, rw *row) *row {
	var best *row
	bestMean := math.Inf(-1)
	for _, b := range against {
		if b == rw {
			continue
		}
		bs, _ := measureOf(c, b)
		if bs.N == 0 {
			continue
		}
		if c.Rule == paper.RuleDifference {
			if bs.Mean > bestMean {
				best, bestMean = b, bs.Mean
			}
			continue
		}
		if agreeExcept(rw.Params, b.Params, c) || !sameAxes(rw.Params, b.Params) {
			return b
		}
	}
	return best
}

// agreeExcept is agree, ignoring the axes the claim's select and against conditions name: a
// claim comparing K > K_true with K = K_true pairs rows that differ in K by design.
func agreeExcept(x, y paramList, c paper.Claim) bool {
	named := map[string]bool{}
	for _, cs := range [][]paper.Condition{c.Select, c.Against} {
		for _, cond := range cs {
			named[cond.Key] = true
		}
	}
	for i := range x {
		if !named[x[i].Key] && x[i].Present && y[i].Present && compareValue(x[i], y[i]) != 0 {
			return false
		}
	}
	return true
}

// sameAxes reports whether two rows have the same axes present (a BTL row has no model.k).
func sameAxes(x, y paramList) bool {
	for i := range x {
		if x[i].Present != y[i].Present {
			return false
		}
	}
	return true
}

// summaryText is "93.97 ± 0.64 [93.18, 94.76], 5 seeds" in percent.
func summaryText(s Summary) string {
	t := meanStd(s)
	if s.N >= 2 {
		t += " " + interval(s)
	}
	return t + ", " + seedsText(s.N)
}

// signedText is a difference in points with its interval: "+18.30 ± 1.20 points [16.60, 19.90],
// 5 seeds".
func signedText(d Summary) string {
	t := fix2(pct(d.Mean))
	if d.Mean > 0 {
		t = "+" + t
	}
	if d.N >= 2 {
		t += " " + pm + " " + fix2(pct(d.Std))
	}
	t += " points"
	if d.N >= 2 {
		t += " " + interval(d)
	}
	return t + ", " + seedsText(d.N)
}

// points is "1 point", "0.5 points".
func points(v float64) string {
	if v == 1 {
		return "1 point"
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + " points"
}

// publishedText is the paper's value as the table shows it.
func publishedText(c paper.Claim) string {
	v := "unknown"
	if c.Known {
		v = strconv.FormatFloat(c.Value, 'f', -1, 64)
		switch c.Rule {
		case paper.RuleCount:
		case paper.RuleDifference, paper.RuleUnmeasured:
			v = "+" + v + " points"
		default:
			v += "%"
		}
	}
	if c.Secondary {
		v += " (second-hand)"
	}
	return v
}

// ruleText says in words what the rule asks of ours.
func ruleText(c paper.Claim) string {
	switch c.Rule {
	case paper.RuleTolerance:
		return fmt.Sprintf("within %s of the paper", points(c.Tolerance))
	case paper.RuleDifference:
		return fmt.Sprintf("difference within %s of the paper's", points(c.Tolerance))
	case paper.RuleBeats:
		return "paired difference above the larger spread over seeds, in every configuration"
	case paper.RuleCostsAtMost:
		return "loss at most the larger spread over seeds, in every configuration"
	case paper.RuleReaches:
		return fmt.Sprintf("with at most %d pairs, within %s of seen-user accuracy", c.Pairs, points(c.Within))
	case paper.RuleCount:
		return "the same count"
	case paper.RuleRecovers:
		return fmt.Sprintf("users' largest weight against their true group: mean ARI at least %.2f, where there are two or more groups", c.MinARI)
	}
	return "—"
}

// claimsTable is the "paper against ours" table: one row per claim.
func (a *analysis) claimsTable(cs []claimCheck) displayTable {
	t := displayTable{Header: []string{"claim", "quantity", "paper", "source", "rule", "ours", "verdict"},
		Right: []bool{false, false, true, false, false, false, false},
		// Long texts wrap in LaTeX (a full-width table of a landscape page or a table*).
		LaTeXCols: `p{0.12\linewidth}p{0.14\linewidth}p{0.07\linewidth}p{0.12\linewidth}p{0.1\linewidth}p{0.25\linewidth}p{0.1\linewidth}`}
	for _, cc := range cs {
		var ours []string
		for _, l := range cc.Lines {
			mark := ""
			if !l.Pass && cc.Verdict == verdictNotReproduced {
				mark = " (fails)"
			}
			ours = append(ours, l.Text+mark)
		}
		o := strings.Join(ours, "; ")
		if o == "" {
			o = missing
		}
		v := cc.Verdict
		if cc.Why != "" {
			v += ": " + cc.Why
		}
		c := cc.Claim
		t.Rows = append(t.Rows, []string{c.ID, c.Quantity, publishedText(c), c.Source, ruleText(c), o, v})
	}
	return t
}
