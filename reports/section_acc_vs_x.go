package reports

import (
	"fmt"
	"sort"
	"strings"
)

// accVsXSection draws seen-user test accuracy against each numeric swept model axis (K, MLP
// depth, ...: analysis.XKeys), one chart per axis and dataset config; the dataset configs of an
// axis are also drawn as the facets of one figure with a shared y axis.
type accVsXSection struct{}

func (accVsXSection) build(a *analysis) cell {
	var names []string
	for _, k := range a.XKeys {
		names = append(names, a.axisDisplay(k))
	}
	title := "Accuracy vs K"
	if len(names) > 0 {
		title = "Accuracy vs " + strings.Join(names, " and vs ")
	}
	c := cell{ID: "acc-vs-x", Title: title}
	missingGroups := false
	for xi, x := range a.XKeys {
		n := 0
		for gi, g := range a.Datasets {
			if cs, ok := a.accVsXChart(xi, x, gi, g); ok {
				c.Charts = append(c.Charts, cs)
				n++
			}
		}
		missingGroups = missingGroups || n < len(a.Datasets)
	}
	why := a.XNote
	if len(a.XKeys) > 0 && missingGroups {
		why = strings.TrimSpace(why + " Dataset configs without a run that has the axis have no chart.")
	}
	if why != "" {
		c.Narrative = []para{note(htmlf("%s", why))}
	}
	if len(a.Datasets) > 1 && len(c.Charts) > 0 {
		c.Narrative = append(c.Narrative, muted("The figure files acc_vs_AXIS.png, .svg and .pdf draw the dataset configurations side by side with one y axis, for a paper; the charts here are one per configuration."))
	}
	return c
}

// accVsXChart is seen-user test accuracy against the axis x for one dataset config: one curve
// per model config without x, a level line for models that do not have the axis (BTL on PAL's
// K or layers: never a point on another model's axis), and the Bayes-optimal accuracy as a
// dashed reference. ok is false when the group has no run with the axis.
func (a *analysis) accVsXChart(xi int, xkey string, gi int, g *datasetGroup) (chartSpec, bool) {
	xs := map[float64]bool{}
	type curve struct {
		name string
		pts  []chartPoint
	}
	var curves []*curve
	byName := map[string]*curve{}
	var levels []*row
	for _, rw := range g.Rows {
		v, ok := rw.Params.get(xkey)
		if !ok {
			levels = append(levels, rw)
			continue
		}
		x, _ := toFloat(v)
		xs[x] = true
		name := a.seriesDisplay(rw.Model, rw.Params.without(xkey))
		c := byName[name]
		if c == nil {
			c = &curve{name: name}
			byName[name] = c
			curves = append(curves, c)
		}
		if rw.Seen.N > 0 {
			c.pts = append(c.pts, pointSeeds(x, rw.Seen, rw.seenBySeed))
		}
	}
	if len(xs) == 0 {
		return chartSpec{}, false
	}
	xname := a.axisDisplay(xkey)
	id := fmt.Sprintf("acc-vs-x-%d", gi)
	if xi > 0 {
		id = fmt.Sprintf("acc-vs-x%d-%d", xi, gi)
	}
	stem := "acc_vs_" + sanitize(a.Short[xkey])
	cs := chartSpec{
		ID:     id,
		File:   joinStem(stem, g.FileStem),
		Figure: stem,
		Panel:  g.Label,
		Title:  fmt.Sprintf("Seen-user test accuracy vs %s (%s)", xname, g.Label),
		XLabel: xname,
		YLabel: "seen-user test accuracy (%)",
		YUnit:  "%",
	}
	sorted := sortedKeys(xs)
	// A fallback axis such as a learning rate spans decades: give it a log scale. K never does.
	lo, hi := sorted[0], sorted[len(sorted)-1]
	cs.setXRange(sorted, lo > 0 && hi/lo >= 100 && !allIntegers(sorted))
	for _, rw := range levels {
		if rw.Seen.N > 0 {
			cs.Series = append(cs.Series, chartSeries{Name: rw.Label, Color: a.colorOf(rw.Label), Kind: levelKind{}, Points: []chartPoint{pointOf(0, rw.Seen)}})
		}
	}
	for _, c := range curves {
		sort.Slice(c.pts, func(i, j int) bool { return c.pts[i].X < c.pts[j].X })
		cs.Series = append(cs.Series, chartSeries{Name: c.name, Color: a.colorOf(c.name), Kind: lineKind{}, Points: c.pts})
	}
	if g.Bayes.N > 0 {
		cs.Series = append(cs.Series, chartSeries{Name: "Bayes-optimal", Color: refColor, Kind: refKind{}, Points: []chartPoint{pointOf(0, g.Bayes)}})
	}
	cs.Caption = spreadNote + stripNote
	if len(curves) > 1 {
		cs.Caption += " Curves that share x values are shifted a little sideways so that their error bars stay apart."
	}
	if len(levels) > 0 {
		cs.Caption += fmt.Sprintf(" Models without a %s axis are drawn as horizontal lines across the range.", xname)
	}
	if g.Bayes.N > 0 {
		cs.Caption += " The dashed line is the Bayes-optimal accuracy of the true model on the same test pairs, averaged over seeds."
	}
	return cs, true
}
