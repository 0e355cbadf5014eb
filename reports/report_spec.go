package reports

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// SpecConfig is the [report] table of a spec: how its report names, orders and draws the
// results. It changes nothing a run computes (it is not part of any run's identity), so `pal
// report` re-renders a store with other settings without training; `pal report` flags override
// it. The tags are the schema (see datasets/config.go for the conventions); docs/spec.md is
// generated from them.
type SpecConfig struct {
	Names        []string `toml:"names" help:"display names of models, each \"MODEL=Display name\" with MODEL a [[model]] name (default: PAL-A, PAL-B, BTL, mixture of BTL, LoRe, user-ID reward, individual rewards, DPL and VPL for the names pal-a, pal-b, btl, mix-btl, lore, user-id, individual, dpl and vpl, other names as written)"`
	Order        []string `toml:"order" help:"model names in the order of tables, legends and colours; models not listed follow by name (the baseline comes first unless listed)"`
	Baseline     string   `toml:"baseline" help:"model name the paired tests compare against (default: btl when the store has it)"`
	X            []string `toml:"x" help:"swept axes of the accuracy-against charts, one chart each, e.g. [\"model.k\", \"model.layers\"] (default: every numeric swept model axis, model.k first)"`
	FigureSize   string   `toml:"figure_size" help:"figure width: column (3.25 in, a single column of a two-column paper) or full (6.75 in)" enum:"column|full"`
	FigureTitles bool     `toml:"figure_titles" help:"draw each figure's title into the image (default: no title; the caption belongs to the paper)"`
	Holm         bool     `toml:"holm" help:"Holm-correct the p-values of all paired tests of the report, as one family"`
	BoldBest     bool     `toml:"bold_best" help:"set the best seen-user accuracy of each dataset configuration in bold in the LaTeX tables"`
}

// DefaultSpecConfig is the [report] table a spec without one gets.
func DefaultSpecConfig() *SpecConfig { return &SpecConfig{FigureSize: "column"} }

// Validate checks what the tags cannot: the form of names and duplicates.
func (c *SpecConfig) Validate() error {
	seen := map[string]bool{}
	for _, n := range c.Names {
		model, disp, ok := strings.Cut(n, "=")
		if !ok || strings.TrimSpace(model) == "" || strings.TrimSpace(disp) == "" {
			return fmt.Errorf("names: %q: want \"MODEL=Display name\", e.g. \"pal-a=PAL-A\"", n)
		}
		if seen[strings.TrimSpace(model)] {
			return fmt.Errorf("names: model %q is named twice", strings.TrimSpace(model))
		}
		seen[strings.TrimSpace(model)] = true
	}
	for i, m := range c.Order {
		for _, prev := range c.Order[:i] {
			if prev == m {
				return fmt.Errorf("order: model %q is listed twice", m)
			}
		}
	}
	switch c.FigureSize {
	case "column", "full":
	default:
		return fmt.Errorf("figure_size: %q: want \"column\" (3.25 in) or \"full\" (6.75 in)", c.FigureSize)
	}
	return nil
}

// readSpecConfig decodes the [report] table of spec.toml as run (the defaults when there is
// none). The spec was validated by pal run; this re-checks the table for a store whose spec.toml
// was edited by hand since.
func readSpecConfig(spec []byte) (*SpecConfig, error) {
	c := DefaultSpecConfig()
	if spec == nil {
		return c, nil
	}
	var f struct {
		Report *SpecConfig `toml:"report"`
	}
	f.Report = c
	if _, err := toml.Decode(string(spec), &f); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("[report] %w", err)
	}
	return c, nil
}

// mergeSpec fills every option the caller left unset from the spec's [report] table: flags
// override the spec, the spec overrides the defaults.
func (o Options) mergeSpec(c *SpecConfig) (Options, error) {
	if len(c.Names) > 0 { // per model: a flag renames the models it names, the spec the others
		names := map[string]string{}
		for _, n := range c.Names {
			m, d, _ := strings.Cut(n, "=")
			names[strings.TrimSpace(m)] = strings.TrimSpace(d)
		}
		for m, d := range o.Names {
			names[m] = d
		}
		o.Names = names
	}
	if o.Order == nil {
		o.Order = c.Order
	}
	if o.Baseline == "" {
		o.Baseline = c.Baseline
	}
	if o.XAxis == "" && len(o.XAxes) == 0 {
		o.XAxes = c.X
	}
	if o.FigureSize == "" {
		o.FigureSize = c.FigureSize
	}
	o.FigureTitles = o.FigureTitles || c.FigureTitles
	o.Holm = o.Holm || c.Holm
	o.BoldBest = o.BoldBest || c.BoldBest
	return o, nil
}

// ParseNames reads display names given as "MODEL=Display name" (the --name flag of pal report).
func ParseNames(list []string) (map[string]string, error) {
	c := SpecConfig{Names: list, FigureSize: "column"}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range list {
		m, d, _ := strings.Cut(n, "=")
		out[strings.TrimSpace(m)] = strings.TrimSpace(d)
	}
	return out, nil
}
