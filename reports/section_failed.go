package reports

import "sort"

// failedSection lists the runs that did not finish (and those with another status), with the
// reason each recorded: they are left out of everything else.
type failedSection struct{}

func (failedSection) build(a *analysis) cell {
	c := cell{ID: "failed", Title: "Failed runs"}
	s := a.Store
	runs := append(append([]*run(nil), s.Failed...), s.Unknown...)
	if len(runs) == 0 {
		c.Narrative = []para{text("None: every run in the store finished.")}
		return c
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].R.RunID < runs[j].R.RunID })
	t := displayTable{
		Header: []string{"run id", "status", "parameters", "reason"},
		Right:  []bool{false, false, false, false},
		Mono:   []bool{true, false, true, false},
	}
	for _, r := range runs {
		reason := r.R.Error
		if reason == "" {
			reason = "(no reason recorded)"
		}
		t.Rows = append(t.Rows, []string{r.R.RunID, r.R.Status, paramsText(r.R.Params), reason})
	}
	c.Narrative = []para{text("These runs are left out of every table and chart above. <code>pal run</code> retries them when run again on the same folder.")}
	c.Tables = []table{{Display: &t}}
	return c
}
