package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"regexp"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"
)

// The echarts side uses go-echarts only to build the option object. Its page templates load
// echarts from a CDN, which leaves a report blank offline, so the page is our own template and
// the vendored echarts.min.js is inlined (see html.go).

// errorBarJS draws one vertical bar with caps from data [x, lo, hi]: echarts has no error-bar
// series, and a custom series is its documented way to add one. No double quotes, backslashes
// or line comments: go-echarts stores the function in a JSON string and strips newlines.
const errorBarJS = `function (params, api) {
  var x = api.value(0);
  var lo = api.coord([x, api.value(1)]);
  var hi = api.coord([x, api.value(2)]);
  var w = 5;
  var st = {stroke: api.visual('color'), lineWidth: 1.5, fill: null};
  return {type: 'group', children: [
    {type: 'line', shape: {x1: lo[0] - w, y1: lo[1], x2: lo[0] + w, y2: lo[1]}, style: st},
    {type: 'line', shape: {x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1]}, style: st},
    {type: 'line', shape: {x1: hi[0] - w, y1: hi[1], x2: hi[0] + w, y2: hi[1]}, style: st}
  ]};
}`

// tooltipJS formats item tooltips: curve points carry [x, mean, std, n], error bars [x, lo, hi].
const tooltipJS = `function (p) {
  var v = p.value;
  if (!Array.isArray(v)) { return p.seriesName; }
  var s = p.seriesName + '<br/>';
  if (p.seriesType === 'custom') {
    return s + 'XNAME = ' + v[0] + ': ' + v[1].toFixed(2) + ' to ' + v[2].toFixed(2) + ' (mean ± std)';
  }
  if (v.length < 4) { return s + v[1].toFixed(2) + 'UNIT'; }
  s += 'XNAME = ' + v[0] + ': ' + v[1].toFixed(2) + 'UNIT';
  if (v[2] !== null) { s += ' ± ' + v[2].toFixed(2); }
  return s + ' (n = ' + v[3] + ')';
}`

// categoryLabelJS names the ticks of a category axis (CATS: the names, in order).
const categoryLabelJS = `function (v) { var c = [CATS]; return c[v] === undefined ? '' : c[v]; }`

// barJS draws one bar from data [x, 0, mean, half width, n, std], in axis units.
const barJS = `function (params, api) {
  var x = api.value(0), hw = api.value(3);
  var a = api.coord([x - hw, api.value(1)]);
  var b = api.coord([x + hw, api.value(2)]);
  return {type: 'rect', shape: {x: a[0], y: Math.min(a[1], b[1]), width: b[0] - a[0], height: Math.abs(b[1] - a[1])},
    style: {fill: api.visual('color')}};
}`

// boxJS draws one box from data [x, low whisker, q1, median, q3, high whisker, half width, n].
const boxJS = `function (params, api) {
  var x = api.value(0), hw = api.value(6);
  var at = function (dx, i) { return api.coord([x + dx, api.value(i)]); };
  var col = api.visual('color');
  var st = {stroke: col, lineWidth: 1.5, fill: null};
  var q1 = at(-hw, 2), q3 = at(hw, 4), lo = at(0, 1), hi = at(0, 5), ml = at(-hw, 3), mr = at(hw, 3);
  var box = {x: q1[0], y: q3[1], width: q3[0] - q1[0], height: q1[1] - q3[1]};
  var cap = (q3[0] - q1[0]) / 4;
  return {type: 'group', children: [
    {type: 'rect', shape: box, style: {fill: col, opacity: 0.25}},
    {type: 'rect', shape: box, style: st},
    {type: 'line', shape: {x1: ml[0], y1: ml[1], x2: mr[0], y2: mr[1]}, style: {stroke: col, lineWidth: 2.5}},
    {type: 'line', shape: {x1: lo[0], y1: lo[1], x2: lo[0], y2: q1[1]}, style: st},
    {type: 'line', shape: {x1: hi[0], y1: hi[1], x2: hi[0], y2: q3[1]}, style: st},
    {type: 'line', shape: {x1: lo[0] - cap, y1: lo[1], x2: lo[0] + cap, y2: lo[1]}, style: st},
    {type: 'line', shape: {x1: hi[0] - cap, y1: hi[1], x2: hi[0] + cap, y2: hi[1]}, style: st}
  ]};
}`

// The tooltips of the kinds on a category axis name the category (p.name), not its position.
const (
	barTooltipJS = `function (p) {
  var v = p.value, s = p.seriesName + '<br/>' + p.name + ': ' + v[2].toFixed(2) + 'UNIT';
  if (v[5] !== null) { s += ' ± ' + v[5].toFixed(2); }
  return s + ' (n = ' + v[4] + ')';
}`
	categoryBarTooltipJS = `function (p) {
  return p.seriesName + '<br/>' + p.name + ': ' + p.value[1].toFixed(2) + ' to ' + p.value[2].toFixed(2) + ' (mean ± std)';
}`
	boxTooltipJS = `function (p) {
  var v = p.value;
  return p.seriesName + '<br/>' + p.name + ' (n = ' + v[7] + '): median ' + v[3].toFixed(2) + 'UNIT, quartiles ' +
    v[2].toFixed(2) + ' to ' + v[4].toFixed(2) + ', whiskers ' + v[1].toFixed(2) + ' to ' + v[5].toFixed(2);
}`
	stripTooltipJS   = `function (p) { return p.seriesName + '<br/>' + p.name + ': ' + p.value[1].toFixed(2) + 'UNIT'; }`
	seedTooltipJS    = `function (p) { return p.seriesName + '<br/>one seed: ' + p.value[1].toFixed(2) + 'UNIT'; }`
	scatterTooltipJS = `function (p) { return p.seriesName + '<br/>(' + p.value[0] + ', ' + p.value[1] + ')'; }`
)

var funcMarkers = regexp.MustCompile(`(__f__")|("__f__)|(__f__)`)

// echartsOption returns the chart's option object as JavaScript source, safe to place inside a
// <script> element.
func echartsOption(cs chartSpec) (string, error) {
	b, err := echartsJSON(cs)
	if err != nil {
		return "", err
	}
	js := funcMarkers.ReplaceAllString(strings.TrimSpace(string(b)), "")
	// "</" would end the <script> element early if a name contained "</script>"; "<\/" means the
	// same inside JSON and JavaScript strings.
	return strings.ReplaceAll(js, "</", `<\/`), nil
}

// echartsJSON is the option object as JSON, its functions still strings between go-echarts'
// __f__ markers (the form the golden tests keep).
func echartsJSON(cs chartSpec) ([]byte, error) {
	line := charts.NewLine() // the container: each series sets its own type
	xType := "value"
	if cs.LogX {
		xType = "log"
	}
	xAxis := opts.XAxis{
		Type: xType, Name: cs.XLabel, NameLocation: "middle", NameGap: 30,
		Min: round6(cs.XMin), Max: round6(cs.XMax),
		// The padded ends are not data values; hide their labels.
		AxisLabel: &opts.AxisLabel{ShowMinLabel: opts.Bool(false), ShowMaxLabel: opts.Bool(false)},
		SplitLine: &opts.SplitLine{Show: opts.Bool(false)},
	}
	if cs.IntX && !cs.LogX {
		xAxis.MinInterval = 1
	}
	if cs.Categories != nil {
		// A value axis with a tick at each category: the bars, boxes and reference lines of
		// both back-ends then share one geometry (category i at x = i).
		xAxis.MaxInterval = 1
		xAxis.AxisLabel.Formatter = opts.FuncOpts(strings.ReplaceAll(categoryLabelJS, "CATS", jsStrings(cs.Categories)))
	}
	yAxis := opts.YAxis{Type: "value", Name: cs.YLabel, NameLocation: "middle", NameGap: 45, Scale: opts.Bool(true)}
	if cs.XMin < 0 && cs.XMax > 0 && !cs.LogX {
		// echarts draws the y axis at x = 0 when the x range holds it: through the first
		// category, or through the data. Keep it at the left edge.
		yAxis.AxisLine = &opts.AxisLine{OnZero: opts.Bool(false)}
	}
	line.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: cs.Title, Left: "center", TitleStyle: &opts.TextStyle{FontSize: 15}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item",
			Formatter: opts.FuncOpts(cs.js(tooltipJS))}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "70", Right: "30", Top: "50", Bottom: "90"}),
		charts.WithXAxisOpts(xAxis),
		charts.WithYAxisOpts(yAxis),
		charts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(true), Right: "20",
			Feature: &opts.ToolBoxFeature{SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Title: "save PNG", Name: cs.File}}}),
		charts.WithAnimation(false),
		charts.WithColorsOpts(paletteCSS()),
	)
	cs.assignVariants()
	for i := range cs.Series {
		cs.Series[i].Kind.echarts(line, &cs, &cs.Series[i])
	}
	line.Validate()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the tooltip builds HTML; echartsOption's </ rewrite keeps <script> intact
	if err := enc.Encode(line.JSON()); err != nil {
		return nil, fmt.Errorf("chart %s: %w", cs.ID, err)
	}
	return buf.Bytes(), nil
}

// legendName is the legend entry a series belongs to: its group's, so one click hides both.
func (s *chartSeries) legendName() string {
	if s.Group != "" {
		return s.Group
	}
	return s.Name
}

// js fills a function's placeholders with the chart's x axis name and y unit.
func (cs *chartSpec) js(fn string) string {
	return strings.NewReplacer("XNAME", jsSafe(cs.XLabel), "UNIT", jsSafe(cs.YUnit)).Replace(fn)
}

func (lineKind) echarts(c *charts.Line, cs *chartSpec, s *chartSeries) {
	name, col := s.legendName(), cssColor(s.Color)
	shift := cs.dodge(s)
	data := make([]opts.LineData, len(s.Points))
	var strip []any
	for i, p := range s.Points {
		data[i] = opts.LineData{Value: []any{round6(shift(p.X)), num(p.Y), num(p.Std), p.N}}
		for _, v := range p.Seeds {
			strip = append(strip, []any{round6(shift(p.X)), num(v)})
		}
	}
	symbol, dash := []string{"circle", "triangle", "rect"}[s.variant%3], []string{"solid", "dashed", "dotted"}[s.variant%3]
	if s.Reference {
		symbol, dash = "none", "dashed"
	}
	c.AddSeries(name, data,
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(!s.Reference), SymbolSize: 7, Symbol: symbol}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 2, Type: dash}))
	if len(strip) > 0 { // the single seeds beside the mean
		c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{
			Name: name, Type: types.ChartScatter, Data: strip, SymbolSize: 4,
			ItemStyle:     &opts.ItemStyle{Color: col, Opacity: opts.Float(0.45)},
			SeriesTooltip: &opts.SeriesTooltip{Formatter: opts.FuncOpts(cs.js(seedTooltipJS))},
		})
	}
	echartsErrorBars(c, cs, s, shift, nil)
}

// echartsErrorBars draws the points' ± std spread at x + dx, as a custom series; tooltip overrides
// the chart's tooltip for them when set.
func echartsErrorBars(c *charts.Line, cs *chartSpec, s *chartSeries, shift func(float64) float64, tooltip *opts.SeriesTooltip) {
	var bars []any
	for _, p := range s.Points {
		if math.IsNaN(p.Lo) {
			continue
		}
		v := []any{round6(shift(p.X)), num(p.Lo), num(p.Hi)}
		if tooltip == nil {
			bars = append(bars, v)
		} else {
			bars = append(bars, namedValue{Name: cs.tickLabel(p.X), Value: v})
		}
	}
	if len(bars) == 0 {
		return
	}
	c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{
		Name: s.legendName(), Type: types.ChartCustom, Data: bars,
		RenderItem:    opts.FuncOpts(errorBarJS),
		Encode:        &opts.Encode{X: 0, Y: []int{1, 2}},
		ItemStyle:     &opts.ItemStyle{Color: cssColor(s.Color)},
		SeriesTooltip: tooltip,
	})
}

// namedValue is a data item whose name (its category) the tooltips show.
type namedValue struct {
	Name  string `json:"name"`
	Value []any  `json:"value"`
}

func (levelKind) echarts(c *charts.Line, cs *chartSpec, s *chartSeries) {
	echartsHorizontal(c, cs, s, false)
}

func (refKind) echarts(c *charts.Line, cs *chartSpec, s *chartSeries) {
	echartsHorizontal(c, cs, s, true)
}

// echartsHorizontal draws a level (solid, with a ± std band) or a reference line (dashed) across
// the x range.
func echartsHorizontal(c *charts.Line, cs *chartSpec, s *chartSeries, ref bool) {
	p, col := s.Points[0], cssColor(s.Color)
	data := []opts.LineData{{Value: []any{round6(cs.XMin), num(p.Y)}}, {Value: []any{round6(cs.XMax), num(p.Y)}}}
	ls := opts.LineStyle{Color: col, Width: 2}
	if ref {
		ls.Type, ls.Width = "dashed", 1.5
	}
	seriesOpts := []charts.SeriesOpts{
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
		charts.WithLineStyleOpts(ls),
	}
	if !ref && !math.IsNaN(p.Lo) {
		band := s.Color
		band.A = 0x30
		seriesOpts = append(seriesOpts, charts.WithSeriesOpts(func(ss *charts.SingleSeries) {
			ss.MarkAreas = &opts.MarkAreas{
				Data: []any{[]any{opts.MarkAreaNameYAxisItem{YAxis: num(p.Lo)}, opts.MarkAreaNameYAxisItem{YAxis: num(p.Hi)}}},
				MarkAreaStyle: opts.MarkAreaStyle{ItemStyle: &opts.ItemStyle{Color: cssColor(band)},
					Label: &opts.Label{Show: opts.Bool(false)}},
			}
		}))
	}
	c.AddSeries(s.legendName(), data, seriesOpts...)
}

func (barsKind) echarts(c *charts.Line, cs *chartSpec, s *chartSeries) {
	dx, w := cs.slot(s)
	var data []any
	for _, p := range s.Points {
		if math.IsNaN(p.Y) {
			continue // no bar, as in the figure
		}
		data = append(data, namedValue{Name: cs.tickLabel(p.X), Value: []any{round6(p.X + dx), 0, num(p.Y), round6(barFill * w / 2), p.N, num(p.Std)}})
	}
	c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{
		Name: s.legendName(), Type: types.ChartCustom, Data: data,
		RenderItem:    opts.FuncOpts(barJS),
		Encode:        &opts.Encode{X: 0, Y: []int{1, 2}},
		ItemStyle:     &opts.ItemStyle{Color: cssColor(s.Color)},
		SeriesTooltip: &opts.SeriesTooltip{Formatter: opts.FuncOpts(cs.js(barTooltipJS))},
	})
	echartsErrorBars(c, cs, s, func(x float64) float64 { return x + dx }, &opts.SeriesTooltip{Formatter: opts.FuncOpts(cs.js(categoryBarTooltipJS))})
}

func (boxKind) echarts(c *charts.Line, cs *chartSpec, s *chartSeries) {
	dx, w := cs.slot(s)
	var boxes, points []any
	for _, smp := range s.Samples {
		if len(smp.Values) == 0 {
			continue
		}
		b := boxOf(smp.Values)
		cat := cs.tickLabel(smp.X)
		boxes = append(boxes, namedValue{Name: cat, Value: []any{round6(smp.X + dx), num(b.Lo), num(b.Q1), num(b.Median), num(b.Q3), num(b.Hi), round6(boxFill * w / 2), b.N}})
		for j, off := range stripOffsets(len(smp.Values), stripFill*w/2) {
			points = append(points, namedValue{Name: cat, Value: []any{round6(smp.X + dx + off), num(smp.Values[j])}})
		}
	}
	name, col := s.legendName(), cssColor(s.Color)
	c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{
		Name: name, Type: types.ChartCustom, Data: boxes,
		RenderItem:    opts.FuncOpts(boxJS),
		Encode:        &opts.Encode{X: 0, Y: []int{1, 5}},
		ItemStyle:     &opts.ItemStyle{Color: col},
		SeriesTooltip: &opts.SeriesTooltip{Formatter: opts.FuncOpts(cs.js(boxTooltipJS))},
	}, charts.SingleSeries{
		Name: name, Type: types.ChartScatter, Data: points, SymbolSize: 5,
		ItemStyle:     &opts.ItemStyle{Color: col, Opacity: opts.Float(0.6)},
		SeriesTooltip: &opts.SeriesTooltip{Formatter: opts.FuncOpts(cs.js(stripTooltipJS))},
	})
}

func (scatterKind) echarts(c *charts.Line, cs *chartSpec, s *chartSeries) {
	data := make([]any, len(s.Points))
	for i, p := range s.Points {
		data[i] = []any{num(p.X), num(p.Y)}
	}
	c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{
		Name: s.legendName(), Type: types.ChartScatter, Data: data, SymbolSize: 7,
		ItemStyle:     &opts.ItemStyle{Color: cssColor(s.Color)},
		SeriesTooltip: &opts.SeriesTooltip{Formatter: opts.FuncOpts(cs.js(scatterTooltipJS))},
	})
}

// num maps NaN (which JSON cannot hold) to null and rounds to 6 decimals so that the page does
// not carry float noise like 91.66666666666667.
func num(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return round6(x)
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// paletteCSS gives echarts the figures' palette for anything not coloured explicitly.
func paletteCSS() opts.Colors {
	out := make(opts.Colors, len(palette))
	for i, c := range palette {
		out[i] = cssColor(c)
	}
	return out
}

func cssColor(c color.NRGBA) string {
	if c.A == 0xff {
		return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
	}
	return fmt.Sprintf("rgba(%d,%d,%d,%.3f)", c.R, c.G, c.B, float64(c.A)/255)
}

// jsStrings lists names as single-quoted JavaScript strings, for a function's source.
func jsStrings(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + jsSafe(n) + "'"
	}
	return strings.Join(q, ", ")
}

// jsSafe drops the characters that could break out of a single-quoted string that is itself
// stored in a JSON string.
func jsSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\'', '"', '\\', '<', '>', '\n', '\r':
			return -1
		}
		return r
	}, s)
}
