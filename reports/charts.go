package reports

import (
	"fmt"
	"image/color"
	"math"
	"sort"
)

// A chartSpec describes one chart independently of how it is drawn, so that the interactive
// echarts version in report.html and the gonum/plot PNG/SVG in figures/ show the same thing.
// Y values are in percent.
type chartSpec struct {
	ID      string // HTML element id
	File    string // figure file name without extension
	Title   string
	XLabel  string
	YLabel  string
	Caption string
	LogX    bool
	IntX    bool      // x values are integers (K): ticks only at integers
	XMin    float64   // axis range, padded around the data
	XMax    float64   //
	XTicks  []float64 // the distinct x values, labelled on the axis; nil for automatic ticks
	Series  []chartSeries
	// GroupRefLegend, when set, is the legend text of a grey dashed sample standing for all the
	// reference lines that share a curve's colour (the static figure's legend has no toggles).
	GroupRefLegend string
}

type seriesStyle int

const (
	styleCurve seriesStyle = iota // mean over seeds at each x, joined, with ± std error bars
	styleLevel                    // a config without the x axis: horizontal line with a ± std band
	styleRef                      // a dashed horizontal reference line (Bayes, seen-user accuracy)
)

type chartSeries struct {
	Name  string
	Group string // when set, the series belongs to the legend entry of that name (no own entry)
	Color color.NRGBA
	Style seriesStyle
	// Points are the data; a level or reference series has one point whose X is ignored.
	Points []chartPoint
}

// chartPoint is a mean over seeds with its spread; Lo and Hi are NaN when n < 2.
type chartPoint struct {
	X, Y, Std, Lo, Hi float64
	N                 int
}

func pointOf(x float64, s Summary) chartPoint {
	p := chartPoint{X: x, Y: pct(s.Mean), Std: pct(s.Std), Lo: math.NaN(), Hi: math.NaN(), N: s.N}
	if s.N >= 2 {
		p.Lo, p.Hi = pct(s.Mean-s.Std), pct(s.Mean+s.Std)
	}
	return p
}

// palette is Tableau 10: distinguishable, and readable by most colour-blind readers.
var palette = []color.NRGBA{
	{0x4e, 0x79, 0xa7, 0xff}, {0xf2, 0x8e, 0x2b, 0xff}, {0xe1, 0x57, 0x59, 0xff},
	{0x76, 0xb7, 0xb2, 0xff}, {0x59, 0xa1, 0x4f, 0xff}, {0xed, 0xc9, 0x48, 0xff},
	{0xb0, 0x7a, 0xa1, 0xff}, {0xff, 0x9d, 0xa7, 0xff}, {0x9c, 0x75, 0x5f, 0xff},
	{0xba, 0xb0, 0xac, 0xff},
}

var refColor = color.NRGBA{0x33, 0x33, 0x33, 0xff}

const spreadNote = "Points are means over seeds; bars and bands span ± one sample standard deviation over seeds (the spread of replicates, not a confidence interval: see the tables for those)."

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
	}
	sorted := sortedFloats(xs)
	// A fallback axis such as a learning rate spans decades: give it a log scale. K never does.
	lo, hi := sorted[0], sorted[len(sorted)-1]
	cs.setXRange(sorted, lo > 0 && hi/lo >= 100 && !allIntegers(sorted))
	colors := newColorer()
	for _, rw := range levels {
		if rw.Seen.N > 0 {
			cs.Series = append(cs.Series, chartSeries{Name: rw.Label, Color: colors.next(), Style: styleLevel, Points: []chartPoint{pointOf(0, rw.Seen)}})
		}
	}
	for _, c := range curves {
		sort.Slice(c.pts, func(i, j int) bool { return c.pts[i].X < c.pts[j].X })
		cs.Series = append(cs.Series, chartSeries{Name: c.name, Color: colors.next(), Style: styleCurve, Points: c.pts})
	}
	if g.Bayes.N > 0 {
		cs.Series = append(cs.Series, chartSeries{Name: "Bayes-optimal", Color: refColor, Style: styleRef, Points: []chartPoint{pointOf(0, g.Bayes)}})
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

// fewShotChart is unseen-user test accuracy against the number of pairs per unseen user, one
// curve per model config, each with its own seen-user test accuracy as a dashed line of the same
// colour: how close a new user gets to the users the model was trained on.
func (a *analysis) fewShotChart(gi int, g *datasetGroup) (chartSpec, bool) {
	xs := map[float64]bool{}
	for _, rw := range g.Rows {
		for _, p := range rw.FewShot {
			xs[float64(p.PairsPerUser)] = true
		}
	}
	if len(xs) == 0 {
		return chartSpec{}, false
	}
	cs := chartSpec{
		ID:     fmt.Sprintf("few-shot-%d", gi),
		File:   joinStem("few_shot", g.FileStem),
		Title:  fmt.Sprintf("Unseen-user test accuracy vs pairs per user (%s)", g.Label),
		XLabel: "training pairs per unseen user",
		YLabel: "unseen-user test accuracy (%)",
	}
	sorted := sortedFloats(xs)
	cs.setXRange(sorted, sorted[0] > 0 && sorted[len(sorted)-1]/sorted[0] >= 10)
	colors := newColorer()
	for _, rw := range g.Rows {
		if len(rw.FewShot) == 0 {
			continue
		}
		c := colors.next()
		s := chartSeries{Name: rw.Label, Color: c, Style: styleCurve}
		for _, p := range rw.FewShot {
			if cs.LogX && p.PairsPerUser <= 0 {
				continue // no place on a log axis
			}
			s.Points = append(s.Points, pointOf(float64(p.PairsPerUser), p.Acc))
		}
		cs.Series = append(cs.Series, s)
		if rw.Seen.N > 0 {
			cs.Series = append(cs.Series, chartSeries{Name: rw.Label + ": seen-user test", Group: rw.Label, Color: c, Style: styleRef, Points: []chartPoint{pointOf(0, rw.Seen)}})
		}
	}
	cs.GroupRefLegend = "seen-user test acc."
	cs.Caption = spreadNote + " Dashed lines in a curve's colour are that configuration's seen-user test accuracy, the level a new user would reach with unlimited pairs."
	if cs.LogX {
		cs.Caption += " The x axis is logarithmic."
	}
	return cs, true
}

// setXRange pads the axis around the data so that end points and their error bars are not cut
// by the frame.
func (cs *chartSpec) setXRange(xs []float64, logX bool) {
	cs.LogX = logX
	lo, hi := xs[0], xs[len(xs)-1]
	cs.IntX = allIntegers(xs)
	switch {
	case logX:
		cs.XMin, cs.XMax = lo/1.3, hi*1.3
	case cs.IntX:
		cs.XMin, cs.XMax = lo-0.4, hi+0.4
	case hi > lo:
		pad := 0.05 * (hi - lo)
		cs.XMin, cs.XMax = lo-pad, hi+pad
	default:
		cs.XMin, cs.XMax = lo-0.5, hi+0.5
	}
	if len(xs) <= 15 {
		cs.XTicks = xs
	}
}

func allIntegers(xs []float64) bool {
	for _, x := range xs {
		if x != math.Trunc(x) {
			return false
		}
	}
	return true
}

type colorer struct{ i int }

func newColorer() *colorer { return &colorer{} }

func (c *colorer) next() color.NRGBA {
	col := palette[c.i%len(palette)]
	c.i++
	return col
}

func sortedFloats(m map[float64]bool) []float64 {
	out := make([]float64, 0, len(m))
	for x := range m {
		out = append(out, x)
	}
	sort.Float64s(out)
	return out
}

func sanitize(s string) string { return unsafeFileChars.ReplaceAllString(s, "-") }

func joinStem(prefix, stem string) string {
	if stem == "" {
		return prefix
	}
	return prefix + "__" + stem
}

// charts lists every chart of the report in page order, with notes for the charts that could
// not be drawn.
type chartSet struct {
	AccVsX  []chartSpec
	FewShot []chartSpec
}

func (a *analysis) charts() chartSet {
	var cs chartSet
	for gi, g := range a.Datasets {
		if a.XKey != "" {
			if c, ok := a.accVsXChart(gi, g); ok {
				cs.AccVsX = append(cs.AccVsX, c)
			}
		}
		if c, ok := a.fewShotChart(gi, g); ok {
			cs.FewShot = append(cs.FewShot, c)
		}
	}
	return cs
}
