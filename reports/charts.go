package reports

import (
	"image/color"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"gonum.org/v1/plot"
)

// A chartSpec describes one chart independently of how it is drawn, so that the interactive
// echarts version in report.html and the gonum/plot PNG/SVG in figures/ show the same thing.
// Sections build them; render.go hands each to both back-ends.
type chartSpec struct {
	ID      string // HTML element id, unique in the page
	File    string // figure file name without extension, unique in figures/
	Title   string
	XLabel  string
	YLabel  string
	YUnit   string // follows y values in tooltips: "%" for accuracies
	Caption string // says what the marks, bars and bands mean
	LogX    bool
	IntX    bool      // x values are integers (K): ticks only at integers
	XMin    float64   // axis range, padded around the data
	XMax    float64   //
	XTicks  []float64 // the distinct x values, labelled on the axis; nil for automatic ticks
	// Categories, when set, make x a category axis: category i sits at x = i (setCategories).
	Categories []string
	Series     []chartSeries
	// Figure, when set, names a figure file (without extension) that draws every chart of the
	// report with the same Figure side by side as facets with one shared y axis and one legend;
	// Panel labels this chart's facet (its dataset configuration). Each chart keeps its own
	// file too.
	Figure, Panel string
	// GroupRefLegend, when set, is the legend text of a grey dashed sample standing for all the
	// reference lines that share a curve's colour (the static figure's legend has no toggles).
	GroupRefLegend string
}

// A chartSeries is one legend entry's data, drawn as its Kind says.
type chartSeries struct {
	Name  string
	Group string // when set, the series belongs to the legend entry of that name (no own entry)
	Color color.NRGBA
	Kind  seriesKind
	// Points are the data of lines, bars and scatters (bars: X is the category's index); a
	// level or reference series has one point whose X is ignored.
	Points []chartPoint
	// Samples are the raw values a box/strip series draws, one per category.
	Samples []chartSample
	// Heat are the cells a heat map draws (heatKind).
	Heat []heatCell
	// Reference marks a line that is a guide, not data (the diagonal of perfect calibration,
	// y = K): drawn thin and dashed, without marks, like the Bayes-optimal level.
	Reference bool

	// variant tells apart lines that share a colour in one chart (past the palette's eight
	// colours): 0 solid with round marks, then dashed with triangles, dotted with squares.
	// Set by assignVariants when the chart is drawn.
	variant int
}

// assignVariants numbers the line series of cs that repeat an earlier line's colour, so that
// a chart with more configurations than the palette has colours still tells them apart.
func (cs *chartSpec) assignVariants() {
	seen := map[color.NRGBA]int{}
	for i := range cs.Series {
		s := &cs.Series[i]
		if _, line := s.Kind.(lineKind); !line || s.Group != "" || s.Reference {
			continue
		}
		s.variant = seen[s.Color]
		seen[s.Color]++
	}
}

// chartPoint is a mean over seeds with its spread; Lo and Hi are NaN when n < 2 (and for the
// points of a scatter, which have no spread).
type chartPoint struct {
	X, Y, Std, Lo, Hi float64
	N                 int
	// Seeds are the per-seed values behind the mean (percent), drawn as a strip of small
	// points beside it so that one bad seed shows as such; nil for none.
	Seeds []float64
}

// chartSample is every value of one category: one per user, say.
type chartSample struct {
	X      float64 // the category's index
	Values []float64
}

// A seriesKind is how a series is drawn. Every kind is drawn by both back-ends from the same
// chartSeries: echarts.go implements the echarts method of every kind (the page) and figures.go
// the plot method (PNG and SVG), so a kind missing from either back-end does not compile.
// The kinds are the types below.
type seriesKind interface {
	// extent is the range of y values the series draws, spreads included.
	extent(s *chartSeries) (lo, hi float64)
	// echarts adds the series to the option object of the page's chart.
	echarts(c *charts.Line, cs *chartSpec, s *chartSeries)
	// plot adds the series to the figure and returns the thumbnails of its legend entry.
	plot(p *plot.Plot, cs *chartSpec, s *chartSeries) ([]plot.Thumbnailer, error)
}

type (
	// lineKind is a mean over seeds at each x, joined, with ± std error bars.
	lineKind struct{}
	// levelKind is a config without the x axis: a horizontal line across the range with a
	// ± std band.
	levelKind struct{}
	// refKind is a dashed horizontal reference line (Bayes-optimal, seen-user accuracy).
	refKind struct{}
	// barsKind is one bar per category from zero to the mean, with ± std error bars; the bar
	// series of a chart stand side by side within each category (grouped bars).
	barsKind struct{}
	// boxKind is a box and strip per category: the box spans the quartiles with a line at the
	// median, whiskers reach the furthest value within 1.5 IQR of the box (Tukey), and every
	// value is a point, spread sideways so that equal values stay visible.
	boxKind struct{}
	// scatterKind is one point per (x, y).
	scatterKind struct{}
)

func (lineKind) extent(s *chartSeries) (float64, float64)    { return pointsExtent(s) }
func (levelKind) extent(s *chartSeries) (float64, float64)   { return pointsExtent(s) }
func (refKind) extent(s *chartSeries) (float64, float64)     { return pointsExtent(s) }
func (scatterKind) extent(s *chartSeries) (float64, float64) { return pointsExtent(s) }

// Bars start at zero, so the axis must show zero: a bar cut at 60% exaggerates differences.
func (barsKind) extent(s *chartSeries) (float64, float64) {
	lo, hi := pointsExtent(s)
	return math.Min(lo, 0), math.Max(hi, 0)
}

func (boxKind) extent(s *chartSeries) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, smp := range s.Samples {
		for _, v := range smp.Values {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return lo, hi
}

// pointsExtent is the range of the points' means and spreads.
func pointsExtent(s *chartSeries) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, pt := range s.Points {
		for _, y := range []float64{pt.Y, pt.Lo, pt.Hi} {
			if !math.IsNaN(y) {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
	}
	return lo, hi
}

// yExtent is the range of every y value drawn.
func (cs *chartSpec) yExtent() (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := range cs.Series {
		l, h := cs.Series[i].Kind.extent(&cs.Series[i])
		lo, hi = math.Min(lo, l), math.Max(hi, h)
	}
	return lo, hi, lo <= hi
}

// A sideBySide kind takes a slot of its own within each category (bars, boxes).
type sideBySide interface{ sideBySide() }

func (barsKind) sideBySide() {}
func (boxKind) sideBySide()  {}

// slot places s, an element of cs.Series, among the chart's side-by-side series: the offset of
// its slot's centre from the category and the slot's width, in category units. The slots fill
// 80% of a category, so neighbouring categories stay apart.
func (cs *chartSpec) slot(s *chartSeries) (offset, width float64) {
	i, n := 0, 0
	for j := range cs.Series {
		if _, ok := cs.Series[j].Kind.(sideBySide); !ok {
			continue
		}
		if &cs.Series[j] == s {
			i = n
		}
		n++
	}
	width = 0.8 / float64(max(n, 1))
	return -0.4 + width*(float64(i)+0.5), width
}

// stripOffsets spreads n points over [-half, half] sideways: the fractional parts of multiples
// of the golden ratio, evenly spread for any n and the same on every run (no random jitter).
func stripOffsets(n int, half float64) []float64 {
	out := make([]float64, n)
	for j := range out {
		f := math.Mod(float64(j+1)*0.6180339887498949, 1)
		out[j] = half * (2*f - 1)
	}
	return out
}

// pointSeeds is pointOf with the per-seed values (fractions) for the strip.
func pointSeeds(x float64, s Summary, bySeed map[uint64]float64) chartPoint {
	p := pointOf(x, s)
	for _, v := range perSeed(bySeed) {
		p.Seeds = append(p.Seeds, pct(v))
	}
	return p
}

// dodge is how far a line series is shifted along x so that the error bars of series sharing
// x values do not sit on top of each other: the line series of a chart spread over a tenth of
// the smallest gap between x values (in log10 units on a log axis), in series order. shift
// applies it to an x value.
func (cs *chartSpec) dodge(s *chartSeries) (shift func(float64) float64) {
	i, n := 0, 0
	for j := range cs.Series {
		if _, ok := cs.Series[j].Kind.(lineKind); !ok {
			continue
		}
		if &cs.Series[j] == s {
			i = n
		}
		n++
	}
	if n < 2 || len(cs.XTicks) < 1 {
		return func(x float64) float64 { return x }
	}
	gap := math.Inf(1)
	prev := math.NaN()
	for _, x := range cs.XTicks {
		v := x
		if cs.LogX {
			v = math.Log10(x)
		}
		if !math.IsNaN(prev) && v-prev > 0 {
			gap = math.Min(gap, v-prev)
		}
		prev = v
	}
	if math.IsInf(gap, 1) {
		gap = 1
	}
	off := 0.1 * gap * (float64(i)/float64(n-1) - 0.5)
	if cs.LogX {
		f := math.Pow(10, off)
		return func(x float64) float64 { return x * f }
	}
	return func(x float64) float64 { return x + off }
}

func pointOf(x float64, s Summary) chartPoint {
	p := chartPoint{X: x, Y: pct(s.Mean), Std: pct(s.Std), Lo: math.NaN(), Hi: math.NaN(), N: s.N}
	if s.N >= 2 {
		p.Lo, p.Hi = pct(s.Mean-s.Std), pct(s.Mean+s.Std)
	}
	return p
}

// palette is Okabe-Ito (display.go), the colour-blind-safe palette of every figure; a
// section colours a series by analysis.colorOf so that it keeps its colour across figures.
var palette = okabeIto

var refColor = color.NRGBA{0x33, 0x33, 0x33, 0xff}

const spreadNote = "Points are means over seeds; bars and bands span ± one sample standard deviation over seeds (the spread of replicates, not a confidence interval: see the tables for those)."

// stripNote explains the small points beside the means of a line chart.
const stripNote = " The small faint points beside each mean are the single seeds."

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

// setCategories makes x a category axis: category i sits at x = i, and each is labelled.
func (cs *chartSpec) setCategories(names []string) {
	cs.Categories = names
	cs.LogX, cs.IntX = false, true
	cs.XMin, cs.XMax = -0.5, float64(len(names))-0.5
	cs.XTicks = make([]float64, len(names))
	for i := range names {
		cs.XTicks[i] = float64(i)
	}
}

// tickLabel is the axis label at x: a category's name, or the number.
func (cs *chartSpec) tickLabel(x float64) string {
	if i := int(x); cs.Categories != nil && float64(i) == x && i >= 0 && i < len(cs.Categories) {
		return cs.Categories[i]
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

func allIntegers(xs []float64) bool {
	for _, x := range xs {
		if x != math.Trunc(x) {
			return false
		}
	}
	return true
}

// colorer hands out palette colours in order, for a chart whose series are not model
// configurations (analysis.colorOf is for those).
type colorer struct{ i int }

func newColorer() *colorer { return &colorer{} }

func (c *colorer) next() color.NRGBA {
	col := palette[c.i%len(palette)]
	c.i++
	return col
}

func sanitize(s string) string { return unsafeFileChars.ReplaceAllString(s, "-") }

func joinStem(prefix, stem string) string {
	if stem == "" {
		return prefix
	}
	return prefix + "__" + stem
}

// How much of its slot a side-by-side mark fills, shared by both back-ends: bars fill 90% of
// theirs, boxes 60%, and a strip's points spread over 50%.
const (
	barFill   = 0.9
	boxFill   = 0.6
	stripFill = 0.5
)
