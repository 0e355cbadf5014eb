package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/pal-harness/pal/reports"
)

// listFlag is a flag that may be given several times, or once with commas: --x model.k --x
// model.layers, or --order pal-a,btl.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

// nameFlag collects --name MODEL=Display name (repeatable; commas belong to the name).
type nameFlag []string

func (n *nameFlag) String() string { return strings.Join(*n, "; ") }
func (n *nameFlag) Set(v string) error {
	*n = append(*n, v)
	return nil
}

// reportFlags adds the flags of the spec's [report] table to pal report (they override it) and
// returns the function that reads them into Options.
func reportFlags(fs *flag.FlagSet) func() (reports.Options, error) {
	var x, order listFlag
	var names nameFlag
	fs.Var(&x, "x", "swept axis of an accuracy-against chart, e.g. model.k or model.layers (repeatable; default: every numeric swept model axis)")
	fs.Var(&names, "name", "display name of a model, MODEL=NAME, e.g. --name 'pal-a=PAL-A' (repeatable)")
	fs.Var(&order, "order", "model names in the order of tables, legends and colours, comma-separated")
	size := fs.String("figure-size", "", "figure width: column (3.25 in) or full (6.75 in) (default: the spec's [report], else column)")
	titles := fs.Bool("figure-titles", false, "draw titles into the figure files (default: none, the caption belongs to the paper)")
	holm := fs.Bool("holm", false, "Holm-correct the report's paired p-values as one family")
	bold := fs.Bool("bold-best", false, "bold the best seen-user accuracy of each dataset configuration in the LaTeX tables")
	return func() (reports.Options, error) {
		o := reports.Options{XAxes: x, Order: order, FigureSize: *size, FigureTitles: *titles, Holm: *holm, BoldBest: *bold}
		if len(names) > 0 {
			m, err := reports.ParseNames(names)
			if err != nil {
				return o, fmt.Errorf("--name %w", err)
			}
			o.Names = m
		}
		return o, nil
	}
}
