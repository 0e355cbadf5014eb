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
  if (v.length < 4) { return s + v[1].toFixed(2) + '%'; }
  s += 'XNAME = ' + v[0] + ': ' + v[1].toFixed(2) + '%';
  if (v[2] !== null) { s += ' ± ' + v[2].toFixed(2); }
  return s + ' (n = ' + v[3] + ')';
}`

var funcMarkers = regexp.MustCompile(`(__f__")|("__f__)|(__f__)`)

// echartsOption returns the chart's option object as JavaScript source, safe to place inside a
// <script> element.
func echartsOption(cs chartSpec) (string, error) {
	line := charts.NewLine()
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
	line.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: cs.Title, Left: "center", TitleStyle: &opts.TextStyle{FontSize: 15}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item",
			Formatter: opts.FuncOpts(strings.ReplaceAll(tooltipJS, "XNAME", jsSafe(cs.XLabel)))}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "70", Right: "30", Top: "50", Bottom: "90"}),
		charts.WithXAxisOpts(xAxis),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: cs.YLabel, NameLocation: "middle", NameGap: 45, Scale: opts.Bool(true)}),
		charts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(true), Right: "20",
			Feature: &opts.ToolBoxFeature{SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Title: "save PNG", Name: cs.File}}}),
		charts.WithAnimation(false),
		charts.WithColorsOpts(paletteCSS()),
	)
	for _, s := range cs.Series {
		name := s.Name
		if s.Group != "" {
			name = s.Group // shares the legend entry, so one click hides both
		}
		col := cssColor(s.Color)
		switch s.Style {
		case styleCurve:
			data := make([]opts.LineData, len(s.Points))
			var bars [][]any
			for i, p := range s.Points {
				data[i] = opts.LineData{Value: []any{p.X, num(p.Y), num(p.Std), p.N}}
				if !math.IsNaN(p.Lo) {
					bars = append(bars, []any{p.X, num(p.Lo), num(p.Hi)})
				}
			}
			line.AddSeries(name, data,
				charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), SymbolSize: 7}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
				charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 2}))
			if len(bars) > 0 {
				line.MultiSeries = append(line.MultiSeries, charts.SingleSeries{
					Name: name, Type: types.ChartCustom, Data: bars,
					RenderItem: opts.FuncOpts(errorBarJS),
					Encode:     &opts.Encode{X: 0, Y: []int{1, 2}},
					ItemStyle:  &opts.ItemStyle{Color: col},
				})
			}
		case styleLevel, styleRef:
			p := s.Points[0]
			data := []opts.LineData{{Value: []any{round6(cs.XMin), num(p.Y)}}, {Value: []any{round6(cs.XMax), num(p.Y)}}}
			ls := opts.LineStyle{Color: col, Width: 2}
			if s.Style == styleRef {
				ls.Type, ls.Width = "dashed", 1.5
			}
			seriesOpts := []charts.SeriesOpts{
				charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
				charts.WithLineStyleOpts(ls),
			}
			if s.Style == styleLevel && !math.IsNaN(p.Lo) {
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
			line.AddSeries(name, data, seriesOpts...)
		}
	}
	line.Validate()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the tooltip builds HTML; the </ rewrite below keeps <script> intact
	if err := enc.Encode(line.JSON()); err != nil {
		return "", fmt.Errorf("chart %s: %w", cs.ID, err)
	}
	js := funcMarkers.ReplaceAllString(strings.TrimSpace(buf.String()), "")
	// "</" would end the <script> element early if a name contained "</script>"; "<\/" means the
	// same inside JSON and JavaScript strings.
	return strings.ReplaceAll(js, "</", `<\/`), nil
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
