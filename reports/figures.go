package reports

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figures are drawn for a paper: at the printed size, so that no text needs scaling. A single
// column of a two-column paper is 3.25 in wide and a full-width figure 6.75 in; the plot area is
// a fixed height and the legend, below it, adds what its entries need. Text is 8 pt (ticks,
// legend) to 9 pt (axis labels): at print size, never below 8 pt. PNGs are 300 dpi and say so
// (their pHYs chunk), so a word processor places them at their size.
const (
	figDPI       = 300
	fontTick     = 8
	fontLabel    = 9
	fontLegend   = 8
	fontTitle    = 10
	minFontPoint = 8 // the smallest text a figure may hold (tested)
)

// figureSize is the canvas width and the plot area's height of a named size.
func figureSize(name string) (width, plotHeight vg.Length) {
	if name == "full" {
		return 6.75 * vg.Inch, 2.6 * vg.Inch
	}
	return 3.25 * vg.Inch, 2.2 * vg.Inch
}

// figureStyle is how the figures of one report are drawn (from Options).
type figureStyle struct {
	Size   string // "column" or "full"
	Titles bool   // draw the chart's title into the image
}

// figureFormats are the files written for every figure.
var figureFormats = []string{"png", "svg", "pdf"}

// writeFigures writes each chart as NAME.png, NAME.svg and NAME.pdf into dir, and each group of
// charts sharing a Figure as one faceted figure of that name; it returns the file names.
// gonum/plot's output is byte-identical between runs, which keeps the report deterministic and
// lets the tests compare against golden files.
func writeFigures(dir string, specs []chartSpec, st figureStyle) ([]string, error) {
	var files []string
	write := func(stem string, panels []chartSpec) error {
		for _, ext := range figureFormats {
			name := stem + "." + ext
			if err := writeFile(filepath.Join(dir, name), func(w io.Writer) error { return renderFigure(w, panels, ext, st) }); err != nil {
				return fmt.Errorf("figure %s: %w", name, err)
			}
			files = append(files, name)
		}
		return nil
	}
	var figOrder []string
	facets := map[string][]chartSpec{}
	for _, cs := range specs {
		if err := write(cs.File, []chartSpec{cs}); err != nil {
			return files, err
		}
		if cs.Figure != "" {
			if _, ok := facets[cs.Figure]; !ok {
				figOrder = append(figOrder, cs.Figure)
			}
			facets[cs.Figure] = append(facets[cs.Figure], cs)
		}
	}
	for _, f := range figOrder {
		if len(facets[f]) < 2 {
			continue // one panel: the chart's own file is the figure
		}
		if err := write(f, facets[f]); err != nil {
			return files, err
		}
	}
	return files, nil
}

// renderFigure draws the panels (one chart, or the facets of one figure) in the given format
// ("png", "svg" or "pdf") to w: the panels side by side with a shared y range, the legend below.
func renderFigure(w io.Writer, panels []chartSpec, format string, st figureStyle) error {
	size := st.Size
	if len(panels) > 1 {
		size = "full" // facets side by side need the page's width (a figure* in LaTeX)
	}
	width, plotH := figureSize(size)
	var plots []*plot.Plot
	var entries []legendEntry
	seen := map[string]bool{}
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, cs := range panels {
		p, es, err := buildPlot(cs, st)
		if err != nil {
			return err
		}
		plots = append(plots, p)
		for _, e := range es {
			if !seen[e.name] {
				seen[e.name] = true
				entries = append(entries, e)
			}
		}
		ylo, yhi = math.Min(ylo, p.Y.Min), math.Max(yhi, p.Y.Max)
	}
	ylo, yhi = padFlat(ylo, yhi)
	// Facets share one y axis: the same range and ticks, labelled on the first panel only, and
	// one x label under all of them.
	xlabel := ""
	for i, p := range plots {
		p.Y.Min, p.Y.Max = ylo, yhi
		if len(panels) == 1 {
			continue
		}
		if i > 0 {
			p.Y.Label.Text = ""
			p.Y.Tick.Marker = unlabelled{niceTicks{}}
		}
		xlabel = p.X.Label.Text
		p.X.Label.Text = ""
		p.Title.Text = panels[i].Panel
		p.Title.TextStyle.Font.Size = vg.Points(fontLabel)
	}
	legend, legendH := layoutLegend(entries, width)
	labelH := vg.Length(0)
	if xlabel != "" {
		labelH = plots[0].X.Label.TextStyle.Height(xlabel) + vg.Points(2)
	}
	height := plotH + legendH + labelH
	var canvas vg.CanvasWriterTo
	switch format {
	case "png":
		canvas = pngCanvas{vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(figDPI))}}
	case "svg":
		canvas = vgsvg.New(width, height)
	case "pdf":
		c := vgpdf.New(width, height)
		c.EmbedFonts(true)
		canvas = pdfCanvas{c}
	default:
		return fmt.Errorf("unknown figure format %q", format)
	}
	dc := draw.New(canvas)
	// The plot paints only its own area; paint the legend too, or it is transparent in the SVG
	// (and dark on a dark-mode viewer).
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	plotArea := draw.Crop(dc, 0, 0, legendH+labelH, 0)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Points(8)}
	for i, p := range plots {
		p.Draw(tiles.At(plotArea, i, 0))
	}
	if xlabel != "" {
		sty := plots[0].X.Label.TextStyle
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
		dc.FillText(sty, vg.Point{X: width / 2, Y: legendH}, xlabel)
	}
	legend(draw.Crop(dc, vg.Points(4), 0, 0, -(height - legendH)))
	_, err := canvas.WriteTo(w)
	return err
}

// legendEntry is one legend line: a name and what its sample draws.
type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

// layoutLegend lays the entries out below the plot in as many columns as fit the width, and
// returns the function that draws them into the legend's band and the band's height.
func layoutLegend(entries []legendEntry, width vg.Length) (func(draw.Canvas), vg.Length) {
	if len(entries) == 0 {
		return func(draw.Canvas) {}, 0
	}
	probe := newLegend()
	thumb := probe.ThumbnailWidth + probe.Padding
	widest := vg.Length(0)
	for _, e := range entries {
		widest = max(widest, probe.TextStyle.Width(e.name))
	}
	colW := thumb + widest + vg.Points(10)
	cols := max(1, min(len(entries), int(width/colW)))
	rows := (len(entries) + cols - 1) / cols
	// The height of a column of rows entries, as the legend itself lays them out.
	for _, e := range entries[:rows] {
		probe.Add(e.name, e.thumbs...)
	}
	r := probe.Rectangle(draw.Canvas{})
	h := r.Max.Y - r.Min.Y + vg.Points(8)
	return func(c draw.Canvas) {
		colW := (c.Max.X - c.Min.X) / vg.Length(cols)
		for col := 0; col < cols; col++ {
			l := newLegend()
			for r := 0; r < rows; r++ {
				if i := col*rows + r; i < len(entries) {
					l.Add(entries[i].name, entries[i].thumbs...)
				}
			}
			x0 := c.Min.X + vg.Length(col)*colW
			l.Draw(draw.Crop(c, x0-c.Min.X, -(c.Max.X - x0 - colW), 0, -vg.Points(3)))
		}
	}, h
}

func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = vg.Points(fontLegend)
	l.Padding = vg.Points(2)
	l.ThumbnailWidth = vg.Points(16)
	return l
}

// buildPlot turns a chartSpec into a gonum plot and its legend entries.
func buildPlot(cs chartSpec, st figureStyle) (*plot.Plot, []legendEntry, error) {
	p := plot.New()
	if st.Titles {
		p.Title.Text = cs.Title
	}
	p.Title.TextStyle.Font.Size = vg.Points(fontTitle)
	p.Title.Padding = vg.Points(4)
	p.X.Label.Text = cs.XLabel
	p.Y.Label.Text = cs.YLabel
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font.Size = vg.Points(fontLabel)
		ax.Label.Padding = vg.Points(2)
		ax.Tick.Label.Font.Size = vg.Points(fontTick)
		ax.Padding = 0 // the axes meet at the corner
	}
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
	p.Y.Tick.Marker = niceTicks{}
	grid := plotter.NewGrid()
	grid.Vertical.Width = 0 // horizontal lines help read accuracies; vertical ones only add ink
	grid.Horizontal.Color = color.Gray{Y: 0xdd}
	p.Add(grid)

	var entries []legendEntry
	cs.assignVariants()
	for i := range cs.Series {
		s := &cs.Series[i]
		thumbs, err := s.Kind.plot(p, &cs, s)
		if err != nil {
			return nil, nil, fmt.Errorf("series %q: %w", s.Name, err)
		}
		if s.Group == "" {
			entries = append(entries, legendEntry{s.Name, thumbs})
		}
	}
	if cs.GroupRefLegend != "" {
		sample, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}})
		if err != nil {
			return nil, nil, err
		}
		sample.Color, sample.Width = color.Gray{Y: 0x66}, vg.Points(1)
		sample.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		entries = append(entries, legendEntry{cs.GroupRefLegend, []plot.Thumbnailer{sample}})
	}
	// Pad the y range so that the lines at the extremes (often the Bayes-optimal accuracy) do not
	// sit on the frame.
	if lo, hi, ok := cs.yExtent(); ok {
		pad := 0.06 * (hi - lo)
		if pad == 0 {
			pad = 1
		}
		p.Y.Min, p.Y.Max = lo-pad, hi+pad
		if lo >= 0 && lo-pad < 0 {
			p.Y.Min = 0 // bars start at zero: no axis below it
		}
	}
	return p, entries, nil
}

// niceTicks labels 4 to 8 round values of the range (steps of 1, 2 or 5 times a power of ten)
// with unlabelled minor ticks between them: gonum's default often gives only 2 or 3 labels on
// a short axis.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) || math.IsNaN(hi-lo) {
		// gonum's DefaultTicks panics on an empty range; one labelled tick says the value.
		if math.IsInf(lo, 0) || math.IsNaN(lo) {
			return nil
		}
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	step := niceStep(hi-lo, 4)
	prec := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	// Counted in whole steps, not by adding step to a running value: where step is below the
	// resolution of lo (a range of one ulp) v += step never moves, and the loop never ended.
	first, last := math.Ceil(lo/step-1e-9), math.Floor(hi/step+1e-9)
	for n := 0; n <= 100 && first+float64(n) <= last; n++ {
		x := (first + float64(n)) * step
		ticks = append(ticks, plot.Tick{Value: x, Label: strconv.FormatFloat(x, 'f', prec, 64)})
		if m := x + step/2; m < hi {
			ticks = append(ticks, plot.Tick{Value: m})
		}
	}
	if first := math.Ceil(lo/step-1e-9) * step; first-step/2 > lo {
		ticks = append(ticks, plot.Tick{Value: first - step/2})
	}
	return ticks
}

// padFlat widens a y range whose ends are equal up to rounding (every value of the figure the
// same, e.g. a model that learned nothing: accuracy 0.5, loss ln 2 in every epoch) to 5% of the
// value either side (0.5 around zero), so the axis shows the value instead of ticks a few ulps
// apart.
func padFlat(lo, hi float64) (float64, float64) {
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsNaN(lo) || math.IsNaN(hi) {
		return lo, hi
	}
	mid := (lo + hi) / 2
	if hi-lo > 1e-9*math.Max(1, math.Abs(mid)) {
		return lo, hi
	}
	pad := 0.05 * math.Abs(mid)
	if pad == 0 {
		pad = 0.5
	}
	return mid - pad, mid + pad
}

// unlabelled keeps a ticker's marks and drops their labels (the inner panels of a facet row).
type unlabelled struct{ plot.Ticker }

func (u unlabelled) Ticks(lo, hi float64) []plot.Tick {
	ts := u.Ticker.Ticks(lo, hi)
	for i := range ts {
		ts[i].Label = ""
	}
	return ts
}

// niceStep is the largest step of 1, 2 or 5 times a power of ten that cuts span into at least
// n intervals.
func niceStep(span float64, n int) float64 {
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{5, 2, 1} {
		if m*p <= raw {
			return m * p
		}
	}
	return p / 2
}

// pngCanvas writes a PNG whose pHYs chunk says its resolution (figDPI), which vgimg leaves out:
// without it a word processor or LaTeX takes 72 or 96 dpi and places the figure 3 to 4 times too
// large.
type pngCanvas struct{ vgimg.PngCanvas }

func (c pngCanvas) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	if _, err := c.PngCanvas.WriteTo(&b); err != nil {
		return 0, err
	}
	out, err := withPHYs(b.Bytes(), figDPI)
	if err != nil {
		return 0, err
	}
	n, err := w.Write(out)
	return int64(n), err
}

// withPHYs inserts a pHYs chunk (pixels per metre, unit 1 = metre) after the IHDR chunk of the
// PNG file png (PNG specification, 11.3.5.3).
func withPHYs(png []byte, dpi float64) ([]byte, error) {
	const sigLen, ihdrLen = 8, 8 + 13 + 4 // signature; length, type, 13 data bytes, CRC
	if len(png) < sigLen+ihdrLen || string(png[12:16]) != "IHDR" {
		return nil, fmt.Errorf("not a PNG stream with an IHDR chunk")
	}
	ppm := uint32(math.Round(dpi / 0.0254))
	chunk := make([]byte, 0, 21)
	chunk = binary.BigEndian.AppendUint32(chunk, 9)
	chunk = append(chunk, "pHYs"...)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = append(chunk, 1)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	at := sigLen + ihdrLen
	out := make([]byte, 0, len(png)+len(chunk))
	out = append(append(append(out, png[:at]...), chunk...), png[at:]...)
	return out, nil
}

// pdfCanvas writes a PDF without the time it was made: fpdf stamps CreationDate and ModDate
// with the clock, which would make two renders of the same store differ. The stamps are set to
// a fixed date of the same length, so the file's cross-reference offsets stay valid.
type pdfCanvas struct{ *vgpdf.Canvas }

// SetColor hands vgpdf the colour without premultiplied alpha: vgpdf writes RGBA()'s
// premultiplied components as the colour and then applies the alpha again, which turns a
// translucent blue band grey in the PDF (vgimg and vgsvg are right).
func (c pdfCanvas) SetColor(clr color.Color) {
	if clr == nil {
		clr = color.Black
	}
	c.Canvas.SetColor(straightAlpha{color.NRGBAModel.Convert(clr).(color.NRGBA)})
}

// straightAlpha reports an NRGBA colour's components unscaled by its alpha.
type straightAlpha struct{ c color.NRGBA }

func (s straightAlpha) RGBA() (r, g, b, a uint32) {
	return uint32(s.c.R) * 0x101, uint32(s.c.G) * 0x101, uint32(s.c.B) * 0x101, uint32(s.c.A) * 0x101
}

var pdfDates = regexp.MustCompile(`/(CreationDate|ModDate) \(D:\d{14}\)`)

func (c pdfCanvas) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	if _, err := c.Canvas.WriteTo(&b); err != nil {
		return 0, err
	}
	out := pdfDates.ReplaceAllFunc(b.Bytes(), func(m []byte) []byte {
		return regexp.MustCompile(`\d{14}`).ReplaceAll(m, []byte("20000101000000"))
	})
	n, err := w.Write(out)
	return int64(n), err
}

func (lineKind) plot(p *plot.Plot, cs *chartSpec, s *chartSeries) ([]plot.Thumbnailer, error) {
	shift := cs.dodge(s)
	xys := make(plotter.XYs, len(s.Points))
	var strip plotter.XYs
	for i, pt := range s.Points {
		xys[i] = plotter.XY{X: shift(pt.X), Y: pt.Y}
		for _, v := range pt.Seeds {
			strip = append(strip, plotter.XY{X: shift(pt.X), Y: v})
		}
	}
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return nil, err
	}
	line.Color, line.Width = s.Color, vg.Points(1.2)
	points.Color, points.Shape, points.Radius = s.Color, draw.CircleGlyph{}, vg.Points(2)
	switch {
	case s.Reference:
		line.Width, line.Dashes, points.Radius = vg.Points(0.9), []vg.Length{vg.Points(4), vg.Points(2)}, 0
	case s.variant%3 == 1:
		line.Dashes, points.Shape = []vg.Length{vg.Points(4), vg.Points(2)}, draw.TriangleGlyph{}
	case s.variant%3 == 2:
		line.Dashes, points.Shape = []vg.Length{vg.Points(1), vg.Points(1.5)}, draw.SquareGlyph{}
	}
	p.Add(line, points)
	if len(strip) > 0 {
		sc, err := plotter.NewScatter(strip)
		if err != nil {
			return nil, err
		}
		dot := s.Color
		dot.A = 0x70
		sc.Color, sc.Shape, sc.Radius = dot, draw.RingGlyph{}, vg.Points(1.3)
		p.Add(sc)
	}
	if err := plotErrorBars(p, s, shift); err != nil {
		return nil, err
	}
	return []plot.Thumbnailer{line, points}, nil
}

// plotErrorBars draws the points' ± std spread at shift(x).
func plotErrorBars(p *plot.Plot, s *chartSeries, shift func(float64) float64) error {
	bars := errorBars(s, shift)
	if bars == nil {
		return nil
	}
	eb, err := plotter.NewYErrorBars(bars)
	if err != nil {
		return err
	}
	eb.Color, eb.Width, eb.CapWidth = s.Color, vg.Points(0.8), vg.Points(4)
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
	line.Color, line.Width = s.Color, vg.Points(1.2)
	if ref {
		line.Width = vg.Points(0.9)
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
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
	if err := plotErrorBars(p, s, func(x float64) float64 { return x + dx }); err != nil {
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
	stroke := draw.LineStyle{Color: s.Color, Width: vg.Points(0.8)}
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
				l.Width = vg.Points(1.6) // the median
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
		sc.Color, sc.Shape, sc.Radius = dot, draw.CircleGlyph{}, vg.Points(1.2)
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
	sc.Color, sc.Shape, sc.Radius = s.Color, draw.CircleGlyph{}, vg.Points(2)
	p.Add(sc)
	return []plot.Thumbnailer{sc}, nil
}

// yErrs feeds plotter.NewYErrorBars: points with their distance to the low and high ends.
type yErrs struct {
	plotter.XYs
	plotter.YErrors
}

func errorBars(s *chartSeries, shift func(float64) float64) *yErrs {
	var e yErrs
	for _, pt := range s.Points {
		if math.IsNaN(pt.Lo) {
			continue
		}
		e.XYs = append(e.XYs, plotter.XY{X: shift(pt.X), Y: pt.Y})
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
