package reports

import (
	"image/color"
	"strings"
)

// Display names: what a reader of a paper sees instead of spec keys. "pal-a" with model.k = 3
// is "PAL-A, K = 3"; a dataset config k_true = 3 is "K_true = 3". Options.Names overrides a
// model's name.

// modelDisplay is the display name of a model (a [[model]] name of the spec).
func (a *analysis) modelDisplay(model string) string {
	if d, ok := a.Opts.Names[model]; ok {
		return d
	}
	if d, ok := defaultNames[model]; ok {
		return d
	}
	return model
}

// defaultNames are the display names of the [[model]] names the embedded specs use for each
// kind; a spec's [report] names (or pal report --name) override them.
var defaultNames = map[string]string{
	"pal-a":      "PAL-A",
	"pal-b":      "PAL-B",
	"pal-b-dist": "PAL-B (distance, hinge)",
	"btl":        "BTL",
	"mix-btl":    "mixture of BTL",
	"lore":       "LoRe",
	"user-id":    "user-ID reward",
	"individual": "individual rewards",
	"dpl":        "DPL",
	"vpl":        "VPL",
}

// axisDisplay names an axis in a label: "K" for model.k, "K_true" for dataset.k_true, the short
// key otherwise.
func (a *analysis) axisDisplay(key string) string {
	switch key {
	case "model.k":
		return "K"
	case "dataset.k_true":
		return "K_true"
	case "model.layers":
		return "layers"
	}
	return strings.ReplaceAll(a.Short[key], "_", " ")
}

// paramsDisplay renders the present values as "K = 3, layers = 2".
func (a *analysis) paramsDisplay(l paramList) string {
	var parts []string
	for _, p := range l {
		if p.Present {
			v := formatValue(p.Value)
			switch p.Value {
			case true:
				v = "yes"
			case false:
				v = "no"
			}
			parts = append(parts, a.axisDisplay(p.Key)+" = "+v)
		}
	}
	return strings.Join(parts, ", ")
}

// seriesDisplay is a model with some of its parameters: "PAL-A, K = 3", or "BTL".
func (a *analysis) seriesDisplay(model string, l paramList) string {
	d := a.modelDisplay(model)
	if p := a.paramsDisplay(l); p != "" {
		d += ", " + p
	}
	return d
}

// okabeIto is the colour-blind-safe palette of Okabe and Ito (2008), "Color Universal Design":
// its seven colours and black, yellow last (faint on white). Reference lines are dark grey and
// dashed, so black stays distinct from them.
var okabeIto = []color.NRGBA{
	{0x00, 0x72, 0xb2, 0xff}, // blue
	{0xe6, 0x9f, 0x00, 0xff}, // orange
	{0x00, 0x9e, 0x73, 0xff}, // bluish green
	{0xd5, 0x5e, 0x00, 0xff}, // vermillion
	{0xcc, 0x79, 0xa7, 0xff}, // reddish purple
	{0x56, 0xb4, 0xe9, 0xff}, // sky blue
	{0x00, 0x00, 0x00, 0xff}, // black
	{0xf0, 0xe4, 0x42, 0xff}, // yellow
}

// colorOf is the colour of a series across every figure of the report: a model configuration
// ("PAL-A, K = 3") or a curve over an axis ("PAL-A") keeps its colour in every chart. Colours are
// handed out in the order of first request, and analyse requests the curves over each x axis
// first (few, and drawn in the most-read chart), then every row, in table order, so a report's
// colours depend only on its store and options. Past the palette's eight colours they repeat
// (lines are then told apart by their legend order).
func (a *analysis) colorOf(series string) color.NRGBA {
	if c, ok := a.colors[series]; ok {
		return c
	}
	if a.colors == nil {
		a.colors = map[string]color.NRGBA{}
	}
	c := okabeIto[len(a.colors)%len(okabeIto)]
	a.colors[series] = c
	return c
}
