package reports

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure size: 7 x 4 inches leaves about 5 inches for the plot beside the legend, a good fit
// for a paper's full-width figure; PNGs at 150 dpi are sharp on screen and in slides.
const (
	figWidth  = 7 * vg.Inch
	figHeight = 4 * vg.Inch
	figDPI    = 150
)

// writeFigures writes each chart as NAME.png and NAME.svg into dir and returns the file names.
// gonum/plot's PNG and SVG output is byte-identical between runs, which keeps the report
// deterministic and lets the tests compare against golden files.
func writeFigures(dir string, specs []chartSpec) ([]string, error) {
	var files []string
	for _, cs := range specs {
		for _, ext := range []string{"png", "svg"} {
			name := cs.File + "." + ext
			if err := writeFile(filepath.Join(dir, name), func(w io.Writer) error { return renderFigure(w, cs, ext) }); err != nil {
				return files, fmt.Errorf("figure %s: %w", name, err)
			}
			files = append(files, name)
		}
	}
	return files, nil
}

// renderFigure draws cs in the given format ("png" or "svg") to w.
func renderFigure(w io.Writer, cs chartSpec, format string) error {
	p, legend, err := buildPlot(cs)
	if err != nil {
		return err
	}
	var canvas vg.CanvasWriterTo
	switch format {
	case "png":
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(figWidth, figHeight), vgimg.UseDPI(figDPI))}
	case "svg":
		canvas = vgsvg.New(figWidth, figHeight)
	default:
		return fmt.Errorf("unknown figure format %q", format)
	}
	dc := draw.New(canvas)
	// The plot paints only its own area; paint the legend column too, or it is transparent in
	// the SVG (and dark on a dark-mode viewer).
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	// The legend goes in its own column right of the plot: inside the axes it would cover the
	// curves wherever they happen to run.
	lr := legend.Rectangle(dc)
	gap := vg.Points(10)
	// 15% slack: an SVG viewer without Liberation Serif substitutes a wider font (DejaVu Serif
	// is about 10% wider), which would push the longest entry past the edge.
	legendW := 1.15*(lr.Max.X-lr.Min.X) + 2*gap
	p.Draw(draw.Crop(dc, 0, -legendW, 0, 0))
	legend.Draw(draw.Crop(dc, figWidth-legendW+gap, -gap, 0, -vg.Points(30)))
	_, err = canvas.WriteTo(w)
	return err
}

// buildPlot turns a chartSpec into a gonum plot and a separate legend.
func buildPlot(cs chartSpec) (*plot.Plot, *plot.Legend, error) {
	p := plot.New()
	p.Title.Text = cs.Title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = cs.XLabel
	p.Y.Label.Text = cs.YLabel
	p.X.Min, p.X.Max = cs.XMin, cs.XMax
	if cs.LogX {
		p.X.Scale = plot.LogScale{}
	}
	if cs.XTicks != nil {
		ticks := make(plot.ConstantTicks, len(cs.XTicks))
		for i, x := range cs.XTicks {
			ticks[i] = plot.Tick{Value: x, Label: cs.tickLabel(x)}
		}
		p.X.Tick.Marker = ticks
	} else if cs.LogX {
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	grid := plotter.NewGrid()
	grid.Vertical.Width = 0 // horizontal lines help read accuracies; vertical ones only add ink
	grid.Horizontal.Color = color.Gray{Y: 0xdd}
	p.Add(grid)

	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(9)
	legend.Padding = vg.Points(3)

	for i := range cs.Series {
		s := &cs.Series[i]
		thumbs, err := s.Kind.plot(p, &cs, s)
		if err != nil {
			return nil, nil, fmt.Errorf("series %q: %w", s.Name, err)
		}
		if s.Group == "" {
			legend.Add(s.Name, thumbs...)
		}
	}
	if cs.GroupRefLegend != "" {
		sample, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}})
		if err != nil {
			return nil, nil, err
		}
		sample.Color, sample.Width = color.Gray{Y: 0x66}, vg.Points(1)
		sample.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		legend.Add(cs.GroupRefLegend, sample)
	}
	// Pad the y range so that the lines at the extremes (often the Bayes-optimal accuracy) do not
	// sit on the frame or under the title.
	if lo, hi, ok := cs.yExtent(); ok {
		pad := 0.06 * (hi - lo)
		if pad == 0 {
			pad = 1
		}
		p.Y.Min, p.Y.Max = lo-pad, hi+pad
	}
	return p, &legend, nil
}

func (lineKind) plot(p *plot.Plot, cs *chartSpec, s *chartSeries) ([]plot.Thumbnailer, error) {
	xys := make(plotter.XYs, len(s.Points))
	for i, pt := range s.Points {
		xys[i] = plotter.XY{X: pt.X, Y: pt.Y}
	}
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return nil, err
	}
	line.Color, line.Width = s.Color, vg.Points(1.5)
	points.Color, points.Shape, points.Radius = s.Color, draw.CircleGlyph{}, vg.Points(2.5)
	p.Add(line, points)
	if err := plotErrorBars(p, s, 0); err != nil {
		return nil, err
	}
	return []plot.Thumbnailer{line, points}, nil
}

// plotErrorBars draws the points' ± std spread at x + dx.
func plotErrorBars(p *plot.Plot, s *chartSeries, dx float64) error {
	bars := errorBars(s, dx)
	if bars == nil {
		return nil
	}
	eb, err := plotter.NewYErrorBars(bars)
	if err != nil {
		return err
	}
	eb.Color, eb.Width, eb.CapWidth = s.Color, vg.Points(1), vg.Points(6)
	p.Add(eb)
	return nil
}

func (levelKind) plot(p *plot.Plot, cs *chartSpec, s *chartSeries) ([]plot.Thumbnailer, error) {
	return plotHorizontal(p, cs, s, false)
}

func (refKind) plot(p *plot.Plot, cs *chartSpec, s *chartSeries) ([]plot.Thumbnailer, error) {
	return plotHorizontal(p, cs, s, true)
}

// plotHorizontal draws a level (solid, with a ± std band) or a reference line (dashed) across
// the x range.
func plotHorizontal(p *plot.Plot, cs *chartSpec, s *chartSeries, ref bool) ([]plot.Thumbnailer, error) {
	var thumbs []plot.Thumbnailer
	pt := s.Points[0]
	if !ref && !math.IsNaN(pt.Lo) {
		band, err := rectangle(cs.XMin, pt.Lo, cs.XMax, pt.Hi)
		if err != nil {
			return nil, err
		}
		// NRGBA: RGBA is premultiplied, so the same numbers would turn the band pink.
		fill := s.Color
		fill.A = 0x33
		band.Color, band.LineStyle.Width = fill, 0
		p.Add(band)
		thumbs = append(thumbs, band)
	}
	line, err := plotter.NewLine(plotter.XYs{{X: cs.XMin, Y: pt.Y}, {X: cs.XMax, Y: pt.Y}})
	if err != nil {
		return nil, err
	}
	line.Color, line.Width = s.Color, vg.Points(1.5)
	if ref {
		line.Width = vg.Points(1)
		line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	p.Add(line)
	return append(thumbs, line), nil
}

// rectangle is the polygon with corners (x0, y0) and (x1, y1).
func rectangle(x0, y0, x1, y1 float64) (*plotter.Polygon, error) {
	return plotter.NewPolygon(plotter.XYs{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
}

func (barsKind) plot(p *plot.Plot, cs *chartSpec, s *chartSeries) ([]plot.Thumbnailer, error) {
	dx, w := cs.slot(s)
	var thumb *plotter.Polygon
	for _, pt := range s.Points {
		if math.IsNaN(pt.Y) {
			continue
		}
		x := pt.X + dx
		bar, err := rectangle(x-barFill*w/2, 0, x+barFill*w/2, pt.Y)
		if err != nil {
			return nil, err
		}
		bar.Color, bar.LineStyle.Width = s.Color, 0
		p.Add(bar)
		thumb = bar
	}
	if err := plotErrorBars(p, s, dx); err != nil {
		return nil, err
	}
	if thumb == nil {
		return nil, nil
	}
	return []plot.Thumbnailer{thumb}, nil
}

func (boxKind) plot(p *plot.Plot, cs *chartSpec, s *chartSeries) ([]plot.Thumbnailer, error) {
	dx, w := cs.slot(s)
	hw := boxFill * w / 2
	fill := s.Color
	fill.A = 0x40
	stroke := draw.LineStyle{Color: s.Color, Width: vg.Points(1)}
	var thumb *plotter.Polygon
	var strip plotter.XYs
	for _, smp := range s.Samples {
		if len(smp.Values) == 0 {
			continue
		}
		b := boxOf(smp.Values)
		x := smp.X + dx
		box, err := rectangle(x-hw, b.Q1, x+hw, b.Q3)
		if err != nil {
			return nil, err
		}
		box.Color, box.LineStyle = fill, stroke
		p.Add(box)
		thumb = box
		segments := [][2]plotter.XY{
			{{X: x - hw, Y: b.Median}, {X: x + hw, Y: b.Median}},
			{{X: x, Y: b.Lo}, {X: x, Y: b.Q1}}, {{X: x, Y: b.Q3}, {X: x, Y: b.Hi}},
			{{X: x - hw/2, Y: b.Lo}, {X: x + hw/2, Y: b.Lo}}, {{X: x - hw/2, Y: b.Hi}, {X: x + hw/2, Y: b.Hi}},
		}
		for i, seg := range segments {
			l, err := plotter.NewLine(plotter.XYs{seg[0], seg[1]})
			if err != nil {
				return nil, err
			}
			l.LineStyle = stroke
			if i == 0 {
				l.Width = vg.Points(2) // the median
			}
			p.Add(l)
		}
		for j, off := range stripOffsets(len(smp.Values), stripFill*w/2) {
			strip = append(strip, plotter.XY{X: x + off, Y: smp.Values[j]})
		}
	}
	if len(strip) > 0 {
		sc, err := plotter.NewScatter(strip)
		if err != nil {
			return nil, err
		}
		dot := s.Color
		dot.A = 0x99
		sc.Color, sc.Shape, sc.Radius = dot, draw.CircleGlyph{}, vg.Points(1.5)
		p.Add(sc)
	}
	if thumb == nil {
		return nil, nil
	}
	return []plot.Thumbnailer{thumb}, nil
}

func (scatterKind) plot(p *plot.Plot, cs *chartSpec, s *chartSeries) ([]plot.Thumbnailer, error) {
	xys := make(plotter.XYs, len(s.Points))
	for i, pt := range s.Points {
		xys[i] = plotter.XY{X: pt.X, Y: pt.Y}
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, err
	}
	sc.Color, sc.Shape, sc.Radius = s.Color, draw.CircleGlyph{}, vg.Points(2.5)
	p.Add(sc)
	return []plot.Thumbnailer{sc}, nil
}

// yErrs feeds plotter.NewYErrorBars: points with their distance to the low and high ends.
type yErrs struct {
	plotter.XYs
	plotter.YErrors
}

func errorBars(s *chartSeries, dx float64) *yErrs {
	var e yErrs
	for _, pt := range s.Points {
		if math.IsNaN(pt.Lo) {
			continue
		}
		e.XYs = append(e.XYs, plotter.XY{X: pt.X + dx, Y: pt.Y})
		e.YErrors = append(e.YErrors, struct{ Low, High float64 }{pt.Y - pt.Lo, pt.Hi - pt.Y})
	}
	if len(e.XYs) == 0 {
		return nil
	}
	return &e
}

func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return write(f)
}
