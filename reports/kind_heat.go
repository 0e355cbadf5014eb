package reports

import (
	"image/color"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// heatKind is a heat map: one unit square per cell centred at (X, Y), shaded from white (0) to
// the series colour (the largest value), with the value written in it. A matrix of distances
// between prototypes, say, with X the column and Y the row.
type heatKind struct{}

// heatCell is one cell of a heat map.
type heatCell struct {
	X, Y, Value float64
}

func (heatKind) extent(s *chartSeries) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range s.Heat {
		lo, hi = math.Min(lo, c.Y-0.5), math.Max(hi, c.Y+0.5)
	}
	return lo, hi
}

// heatShade is the fill of a cell: white at 0, the full colour at the largest value.
func heatShade(c color.NRGBA, v, maxV float64) color.NRGBA {
	f := 0.0
	if maxV > 0 {
		f = math.Max(0, math.Min(1, v/maxV))
	}
	mix := func(x uint8) uint8 { return uint8(math.Round(255 - f*(255-float64(x)))) }
	return color.NRGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: 0xff}
}

func heatMax(s *chartSeries) float64 {
	m := 0.0
	for _, c := range s.Heat {
		m = math.Max(m, c.Value)
	}
	return m
}

// heatLabel is a cell's text: two significant decimals.
func heatLabel(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func (heatKind) plot(p *plot.Plot, cs *chartSpec, s *chartSeries) ([]plot.Thumbnailer, error) {
	maxV := heatMax(s)
	var labels plotter.XYLabels
	var thumb *plotter.Polygon
	for _, c := range s.Heat {
		r, err := rectangle(c.X-0.5, c.Y-0.5, c.X+0.5, c.Y+0.5)
		if err != nil {
			return nil, err
		}
		r.Color = heatShade(s.Color, c.Value, maxV)
		r.LineStyle = draw.LineStyle{Color: color.White, Width: vg.Points(1)}
		p.Add(r)
		if thumb == nil { // the legend's sample: the colour of the largest value
			thumb, err = rectangle(0, 0, 1, 1)
			if err != nil {
				return nil, err
			}
			thumb.Color, thumb.LineStyle.Width = s.Color, 0
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: c.X, Y: c.Y})
		labels.Labels = append(labels.Labels, heatLabel(c.Value))
	}
	// Rows are integers: label each row, not the padded range's round numbers.
	var ticks plot.ConstantTicks
	lo, hi := heatKind{}.extent(s)
	for y := math.Ceil(lo); y <= hi; y++ {
		ticks = append(ticks, plot.Tick{Value: y, Label: strconv.FormatFloat(y, 'f', -1, 64)})
	}
	p.Y.Tick.Marker = ticks
	if len(labels.XYs) > 0 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
			l.TextStyle[i].Font.Size = vg.Points(9)
		}
		p.Add(l)
	}
	if thumb == nil {
		return nil, nil
	}
	return []plot.Thumbnailer{thumb}, nil
}

// heatJS draws one cell from data [x, y, value] with the item's colour, and writes the value.
const heatJS = `function (params, api) {
  var a = api.coord([api.value(0) - 0.5, api.value(1) - 0.5]);
  var b = api.coord([api.value(0) + 0.5, api.value(1) + 0.5]);
  var c = api.coord([api.value(0), api.value(1)]);
  return {type: 'group', children: [
    {type: 'rect', shape: {x: Math.min(a[0], b[0]), y: Math.min(a[1], b[1]), width: Math.abs(b[0] - a[0]), height: Math.abs(b[1] - a[1])},
      style: {fill: api.visual('color'), stroke: '#fff', lineWidth: 1}},
    {type: 'text', x: c[0], y: c[1], style: {text: api.value(2).toFixed(2), align: 'center', verticalAlign: 'middle', fill: '#222', fontSize: 12}}
  ]};
}`

const heatTooltipJS = `function (p) { return p.seriesName + '<br/>row ' + p.value[1] + ', column ' + p.value[0] + ': ' + p.value[2].toFixed(3); }`

// heatItem is a data item with its own colour.
type heatItem struct {
	Value     []any             `json:"value"`
	ItemStyle map[string]string `json:"itemStyle"`
}

func (heatKind) echarts(c *charts.Line, cs *chartSpec, s *chartSeries) {
	maxV := heatMax(s)
	data := make([]any, len(s.Heat))
	for i, h := range s.Heat {
		data[i] = heatItem{Value: []any{h.X, h.Y, num(h.Value)}, ItemStyle: map[string]string{"color": cssColor(heatShade(s.Color, h.Value, maxV))}}
	}
	if len(c.YAxisList) > 0 {
		lo, hi := heatKind{}.extent(s)
		c.YAxisList[0].MinInterval, c.YAxisList[0].Min, c.YAxisList[0].Max = 1, lo, hi
		c.YAxisList[0].Scale = opts.Bool(false)
	}
	c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{
		Name: s.legendName(), Type: types.ChartCustom, Data: data,
		RenderItem:    opts.FuncOpts(heatJS),
		Encode:        &opts.Encode{X: 0, Y: 1},
		ItemStyle:     &opts.ItemStyle{Color: cssColor(s.Color)},
		SeriesTooltip: &opts.SeriesTooltip{Formatter: opts.FuncOpts(heatTooltipJS)},
	})
}
