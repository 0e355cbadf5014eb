package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kindCharts are small charts, one per group of series kinds, that pin how both back-ends draw
// each kind: testdata/kinds/NAME.svg (gonum/plot) and NAME.echarts.json (the echarts option).
func kindCharts() map[string]chartSpec {
	nan := math.NaN()
	blue, orange, green := palette[0], palette[1], palette[4]
	pt := func(x, y, std float64, n int) chartPoint {
		p := chartPoint{X: x, Y: y, Std: std, Lo: nan, Hi: nan, N: n}
		if n >= 2 {
			p.Lo, p.Hi = y-std, y+std
		}
		return p
	}
	line := chartSpec{ID: "kind-line", File: "line", Title: "Line, level and reference kinds",
		XLabel: "K (model.k)", YLabel: "accuracy (%)", YUnit: "%", Caption: "lines",
		Series: []chartSeries{
			{Name: "btl", Color: blue, Kind: levelKind{}, Points: []chartPoint{pt(0, 72, 2, 3)}},
			{Name: "pal-a", Color: orange, Kind: lineKind{}, Points: []chartPoint{pt(1, 71, 1, 3), pt(2, 81, 1, 3), pt(3, 91.5, 2.12, 1)}},
			{Name: "pal-a: seen-user test", Group: "pal-a", Color: orange, Kind: refKind{}, Points: []chartPoint{pt(0, 88, nan, 1)}},
			{Name: "Bayes-optimal", Color: refColor, Kind: refKind{}, Points: []chartPoint{pt(0, 95, 0, 3)}},
		},
		GroupRefLegend: "seen-user test acc.",
	}
	line.setXRange([]float64{1, 2, 3}, false)

	bars := chartSpec{ID: "kind-bars", File: "bars", Title: "Grouped bars: accuracy per group",
		XLabel: "true group", YLabel: "test accuracy (%)", YUnit: "%", Caption: "bars",
		Series: []chartSeries{
			{Name: "btl", Color: blue, Kind: barsKind{}, Points: []chartPoint{pt(0, 90, 2, 3), pt(1, 60, 4, 3), pt(2, 75, nan, 1)}},
			{Name: "pal-a (k=3)", Color: orange, Kind: barsKind{}, Points: []chartPoint{pt(0, 92, 1, 3), pt(1, 89, 1.5, 3), pt(2, 90, 1, 2)}},
			{Name: "Bayes-optimal", Color: refColor, Kind: refKind{}, Points: []chartPoint{pt(0, 95, nan, 1)}},
		},
	}
	bars.setCategories([]string{"group 0", "group 1 (minority)", "group 2"})

	box := chartSpec{ID: "kind-box", File: "box", Title: "Box and strip: users' test accuracy",
		XLabel: "dataset", YLabel: "user test accuracy (%)", YUnit: "%", Caption: "boxes",
		Series: []chartSeries{
			{Name: "btl", Color: blue, Kind: boxKind{}, Samples: []chartSample{
				{X: 0, Values: []float64{55, 60, 62, 70, 71, 75, 80, 82, 98}},
				{X: 1, Values: []float64{40, 66, 67, 70, 72}},
			}},
			{Name: "pal-a (k=3)", Color: orange, Kind: boxKind{}, Samples: []chartSample{
				{X: 0, Values: []float64{80, 84, 85, 88, 90, 90, 92, 95}},
				{X: 1, Values: []float64{85, 86, 88, 91}},
			}},
		},
	}
	box.setCategories([]string{"k_true=1", "k_true=3"})

	scatter := chartSpec{ID: "kind-scatter", File: "scatter", Title: "Scatter: users' weights",
		XLabel: "w1", YLabel: "w2", Caption: "points",
		Series: []chartSeries{{Name: "group 0", Color: blue, Kind: scatterKind{}}, {Name: "group 1", Color: green, Kind: scatterKind{}}},
	}
	for i := range 12 { // users spread along the simplex's edge, near their group's corner
		f := float64(i) / 100
		scatter.Series[0].Points = append(scatter.Series[0].Points, pt(0.9-f, 0.05+f, nan, 1))
		scatter.Series[1].Points = append(scatter.Series[1].Points, pt(0.02+f, 0.95-f, nan, 1))
	}
	scatter.setXRange([]float64{0.02, 0.9}, false)

	heat := chartSpec{ID: "kind-heat", File: "heat", Title: "Heat map: distances between prototypes",
		XLabel: "prototype", YLabel: "prototype", Caption: "cells",
		Series: []chartSeries{{Name: "distance", Color: blue, Kind: heatKind{}}},
	}
	for i := range 3 {
		for j := range 3 {
			heat.Series[0].Heat = append(heat.Series[0].Heat, heatCell{X: float64(j + 1), Y: float64(i + 1), Value: math.Abs(float64(i-j)) * 1.5})
		}
	}
	heat.setXRange([]float64{1, 2, 3}, false)
	heat.XMin, heat.XMax = 0.5, 3.5
	return map[string]chartSpec{"line": line, "bars": bars, "box": box, "scatter": scatter, "heat": heat}
}

func TestChartKindGoldens(t *testing.T) {
	for name, cs := range kindCharts() {
		t.Run(name, func(t *testing.T) {
			var svg bytes.Buffer
			must(t, renderFigure(&svg, []chartSpec{cs}, "svg", figureStyle{Size: "column"}))
			checkGolden(t, svg.Bytes(), filepath.Join("kinds", name+".svg"))

			js, err := echartsJSON(cs)
			must(t, err)
			var pretty bytes.Buffer
			must(t, json.Indent(&pretty, js, "", "  "))
			checkGolden(t, pretty.Bytes(), filepath.Join("kinds", name+".echarts.json"))
		})
	}
}

// The echarts back-end's functions (renderItem, tooltips, axis labels) run only in a browser:
// draw every kind chart in headless Chromium and check that each one puts colour on the page.
func TestChartKindsDrawInChromium(t *testing.T) {
	chromium := chromiumOrSkip(t)
	const w, h = 900, 400
	cs := kindCharts()
	names := sortedKeys(cs)
	var divs, init strings.Builder
	for _, n := range names {
		fmt.Fprintf(&divs, `<div id="%s" style="width:%dpx;height:%dpx"></div>`, cs[n].ID, w, h)
		js, err := echartsOption(cs[n])
		must(t, err)
		fmt.Fprintf(&init, "echarts.init(document.getElementById(%q)).setOption(%s);\n", cs[n].ID, js)
	}
	page := filepath.Join(t.TempDir(), "kinds.html")
	must(t, os.WriteFile(page, []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0}</style></head><body>`+
		divs.String()+"<script>"+echartsJS+"</script><script>"+init.String()+"</script></body></html>"), 0o644))
	img := screenshot(t, chromium, page, w, h*len(names))
	for i, n := range names {
		// A chart's marks are coloured; its axes, labels and grid are grey, so a chart whose
		// marks did not draw has only the few coloured pixels of its legend's icons.
		if got := colouredIn(img, image.Rect(0, i*h, w, (i+1)*h)); got < 150 {
			t.Errorf("the %s chart did not draw: %d coloured pixels", n, got)
		} else {
			t.Logf("%s: %d coloured pixels (sampled)", n, got)
		}
	}
}

// Past the palette's eight colours a line repeats an earlier line's colour; it is then dashed
// (and drawn with other marks) in the figure and in the interactive chart, so ten peer models in
// one chart stay apart.
func TestRepeatedColoursGetLineVariants(t *testing.T) {
	a := &analysis{}
	cs := chartSpec{ID: "many", File: "many", Title: "many", XLabel: "x", YLabel: "y", XMin: 0, XMax: 2}
	for i := range 10 {
		name := fmt.Sprintf("model %d", i)
		cs.Series = append(cs.Series, chartSeries{Name: name, Color: a.colorOf(name), Kind: lineKind{},
			Points: []chartPoint{{X: 1, Y: float64(i), Lo: math.NaN(), Hi: math.NaN()}}})
	}
	cs.assignVariants()
	for i, s := range cs.Series {
		if want := i / len(okabeIto); s.variant != want {
			t.Errorf("series %d (%v): variant %d, want %d", i, s.Color, s.variant, want)
		}
	}
	var svg bytes.Buffer
	first8 := cs
	first8.Series = cs.Series[:len(okabeIto)]
	must(t, renderFigure(&svg, []chartSpec{first8}, "svg", figureStyle{Size: "column"}))
	if strings.Contains(svg.String(), "stroke-dasharray") {
		t.Error("a chart of eight lines, one colour each, has a dashed line")
	}
	svg.Reset()
	must(t, renderFigure(&svg, []chartSpec{cs}, "svg", figureStyle{Size: "column"}))
	if !strings.Contains(svg.String(), "stroke-dasharray") {
		t.Error("no dashed line in the SVG of a chart whose 9th and 10th lines repeat colours")
	}
	js, err := echartsJSON(cs)
	must(t, err)
	if !strings.Contains(string(js), `"type":"dashed"`) || !strings.Contains(string(js), `"symbol":"triangle"`) {
		t.Error("the interactive chart does not dash the lines that repeat a colour")
	}
}
