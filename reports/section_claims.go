package reports

import "fmt"

// claimsSection sets the paper's claims about this experiment (paper/claims.toml, or
// Options.Claims) beside ours: the paper's value, ours (mean, interval, seeds) and a verdict.
type claimsSection struct{}

func (claimsSection) build(a *analysis) cell {
	c := cell{ID: "paper-vs-ours", Title: "The paper against ours"}
	cs := a.checkClaims()
	if len(cs) == 0 {
		c.Narrative = []para{muted(htmlf(`paper/claims.toml records no claim of the PAL paper for the experiment %q, so there is nothing to set beside these results.`, a.Store.SpecName))}
		return c
	}
	counts := map[string]int{}
	for _, cc := range cs {
		counts[cc.Verdict]++
	}
	c.Narrative = []para{text(htmlf(`Each claim of the PAL paper about this experiment (paper/claims.toml: the published value, or "unknown" where it could not be read, and its source, `+
		`marked when second-hand), checked on this store by its rule. Numeric claims compare our mean with the paper's value within a tolerance; qualitative claims are `+
		`evaluated on our runs, paired by seed. A claim is <em>not comparable</em> when our setup cannot give the paper's number (the reason is given), and `+
		`<em>not measured</em> when no run of this store measures it. Of %d claims: %d reproduced, %d not reproduced, %d not comparable, %d not measured.`,
		len(cs), counts[verdictReproduced], counts[verdictNotReproduced], counts[verdictNotComparable], counts[verdictNotMeasured]))}
	for _, n := range a.DatasetNotes {
		c.Notes = append(c.Notes, note(htmlf("About the data of these runs: %s", n)))
	}
	disp := a.claimsTable(cs)
	tidy := claimsTidy(cs)
	c.Tables = []table{{
		Name:    "claims",
		Caption: fmt.Sprintf("The PAL paper's claims about the %s experiment against this harness's runs.", a.Store.SpecName),
		Display: &disp, Tidy: &tidy,
	}}
	return c
}

func claimsTidy(cs []claimCheck) tidyTable {
	t := tidyTable{Header: []string{"claim", "experiment", "published", "secondary", "rule", "verdict", "why", "ours"}}
	for _, cc := range cs {
		pub := ""
		if cc.Claim.Known {
			pub = fnum(cc.Claim.Value)
		}
		var ours string
		for i, l := range cc.Lines {
			if i > 0 {
				ours += "; "
			}
			ours += l.Text
		}
		t.Rows = append(t.Rows, []string{cc.Claim.ID, cc.Claim.Experiment, pub, fmt.Sprint(cc.Claim.Secondary), cc.Claim.Rule, cc.Verdict, cc.Why, ours})
	}
	return t
}
