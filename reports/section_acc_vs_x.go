package reports

import (
	"fmt"
	"sort"
	"strings"
)

// accVsXSection draws seen-user test accuracy against K (Options.XAxis, or the numeric model
// axis chooseXAxis falls back on), one chart per dataset config.
type accVsXSection struct{}

func (accVsXSection) build(a *analysis) cell {
	xname := "K"
	if a.XKey != "" && a.XKey != "model.k" {
		xname = a.Short[a.XKey]
	}
	c := cell{ID: "acc-vs-x", Title: "Accuracy vs " + xname}
	if a.XKey != "" {
		for gi, g := range a.Datasets {
			if cs, ok := a.accVsXChart(gi, g); ok {
				c.Charts = append(c.Charts, cs)
			}
		}
	}
	why := a.XNote
	if a.XKey != "" && len(c.Charts) < len(a.Datasets) {
		why = strings.TrimSpace(why + fmt.Sprintf(" Dataset configs without a run that has %q have no chart.", a.XKey))
	}
	if why != "" {
		c.Narrative = []para{note(htmlf("%s", why))}
	}
	return c
}

// accVsXChart is seen-user test accuracy against the x axis (K) for one dataset config: one curve
// per model config without the x axis, a level line for models that have no such axis (BTL), and
// the Bayes-optimal accuracy as a dashed reference. ok is false when the group has no run with
// the x axis.
func (a *analysis) accVsXChart(gi int, g *datasetGroup) (chartSpec, bool) {
	xs := map[float64]bool{}
	type curve struct {
		name string
		pts  []chartPoint
	}
	var curves []*curve
	byName := map[string]*curve{}
	var levels []*row
	for _, rw := range g.Rows {
		v, ok := rw.Params.get(a.XKey)
		if !ok {
			levels = append(levels, rw)
			continue
		}
		x, _ := toFloat(v)
		xs[x] = true
		name := rw.Model
		if l := rw.Params.without(a.XKey).label(a.Short); l != "" {
			name += " (" + l + ")"
		}
		c := byName[name]
		if c == nil {
			c = &curve{name: name}
			byName[name] = c
			curves = append(curves, c)
		}
		if rw.Seen.N > 0 {
			c.pts = append(c.pts, pointOf(x, rw.Seen))
		}
	}
	if len(xs) == 0 {
		return chartSpec{}, false
	}
	xname := a.Short[a.XKey]
	cs := chartSpec{
		ID:     fmt.Sprintf("acc-vs-x-%d", gi),
		File:   joinStem("acc_vs_"+sanitize(xname), g.FileStem),
		Title:  fmt.Sprintf("Seen-user test accuracy vs %s (%s)", xname, g.Label),
		XLabel: xname + " (" + a.XKey + ")",
		YLabel: "seen-user test accuracy (%)",
		YUnit:  "%",
	}
	sorted := sortedKeys(xs)
	// A fallback axis such as a learning rate spans decades: give it a log scale. K never does.
	lo, hi := sorted[0], sorted[len(sorted)-1]
	cs.setXRange(sorted, lo > 0 && hi/lo >= 100 && !allIntegers(sorted))
	colors := newColorer()
	for _, rw := range levels {
		if rw.Seen.N > 0 {
			cs.Series = append(cs.Series, chartSeries{Name: rw.Label, Color: colors.next(), Kind: levelKind{}, Points: []chartPoint{pointOf(0, rw.Seen)}})
		}
	}
	for _, c := range curves {
		sort.Slice(c.pts, func(i, j int) bool { return c.pts[i].X < c.pts[j].X })
		cs.Series = append(cs.Series, chartSeries{Name: c.name, Color: colors.next(), Kind: lineKind{}, Points: c.pts})
	}
	if g.Bayes.N > 0 {
		cs.Series = append(cs.Series, chartSeries{Name: "Bayes-optimal", Color: refColor, Kind: refKind{}, Points: []chartPoint{pointOf(0, g.Bayes)}})
	}
	cs.Caption = spreadNote
	if len(levels) > 0 {
		cs.Caption += fmt.Sprintf(" Models without a %s axis are drawn as horizontal lines across the range.", xname)
	}
	if g.Bayes.N > 0 {
		cs.Caption += " The dashed line is the Bayes-optimal accuracy of the true model on the same test pairs, averaged over seeds."
	}
	return cs, true
}
