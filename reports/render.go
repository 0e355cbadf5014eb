package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pal-harness/pal/internal/atomicfile"
	"github.com/pal-harness/pal/paper"
)

// Options tune a report. The zero value is usable: every field has a default.
type Options struct {
	// Title heads the page; default "PAL report: <spec name>".
	Title string
	// CILevel is the confidence level of every interval; default 0.95.
	CILevel float64
	// Baseline names the model the paired table compares against; default "btl" when the store
	// has it (with no baseline, the paired table is left out with a note).
	Baseline string
	// Warnings, when set, gets one line for each problem with the store a person must hear of
	// even without opening the report (an unreadable result.json).
	Warnings io.Writer
	// XAxis is the one swept axis of the accuracy-against chart (pal report --x); XAxes several,
	// one chart each (the spec's [report] x). By default every numeric swept model axis gets a
	// chart, model.k first. An axis the sweep lacks falls back on another numeric model axis, or
	// the chart is left out with a note.
	XAxis string
	XAxes []string
	// Names are display names of models by [[model]] name ("pal-a" -> "PAL-A"); Order lists
	// model names in the order of tables, legends and colours.
	Names map[string]string
	Order []string
	// FigureSize is "column" (3.25 in wide) or "full" (6.75 in); default column.
	FigureSize string
	// FigureTitles draws each chart's title into its figure files (off: the caption belongs to
	// the paper; the page always shows titles).
	FigureTitles bool
	// Holm corrects the p-values of every paired test of the report as one family (Holm 1979).
	Holm bool
	// BoldBest sets the best seen-user accuracy of each dataset configuration in bold in LaTeX.
	BoldBest bool
	// Claims are the paper's claims the report checks; nil takes those of paper/claims.toml for
	// the store's spec name (paper.ClaimsFor).
	Claims []paper.Claim
}

func (o Options) withDefaults() (Options, error) {
	if o.CILevel == 0 {
		o.CILevel = 0.95
	}
	if !(o.CILevel > 0 && o.CILevel < 1) {
		return o, fmt.Errorf("confidence level %g: must lie strictly between 0 and 1 (e.g. 0.95)", o.CILevel)
	}
	switch o.FigureSize {
	case "":
		o.FigureSize = "column"
	case "column", "full":
	default:
		return o, fmt.Errorf("figure size %q: want column (3.25 in) or full (6.75 in)", o.FigureSize)
	}
	return o, nil
}

// Render reads the run store in storeDir (spec.toml and <run>/result.json; it never re-trains)
// and writes into outDir:
//
//	report.html                             self-contained page, opens with no network
//	figures/acc_vs_<axis>__<dataset>.png|svg|pdf  accuracy against K (and every swept model axis)
//	figures/acc_vs_<axis>.png|svg|pdf       the same, dataset configurations as facets
//	figures/few_shot__<dataset>.*, few_shot.*  unseen-user accuracy vs pairs per user
//	tables/accuracy.csv|md|tex              accuracy over seeds per config
//	tables/paired.csv|md|tex                paired comparison with the baseline (seen, unseen)
//	tables/paired_few_shot.csv|md|tex       the same at each few-shot point
//	tables/claims.csv|md|tex                the paper's claims against ours (paper/claims.toml)
//	tables/few_shot.csv                     the few-shot curves
//	figures/ and tables/ of the heterogeneity sections (groups, users, recovery, simplex,
//	prototypes_used, geometry, curves, data_per_user, choose_k, calibration), from each run's
//	analysis record (runstore.Store.Analysis) besides its result.json
//
// opts override the spec's [report] table (SpecConfig), which overrides the defaults. The page
// is the cells of the report's sections (sections.go), in order; the figures and tables are
// theirs. Files of an earlier report in outDir are overwritten; the output depends only on the
// store's files and opts, byte for byte.
func Render(storeDir, outDir string, opts Options) error {
	return render(storeDir, outDir, opts, sections)
}

// claimsFor is the paper's claims about an experiment (paper/claims.toml).
func claimsFor(experiment string) []paper.Claim { return paper.ClaimsFor(experiment) }

// render is Render with the given sections (a test adds one of its own).
func render(storeDir, outDir string, opts Options, secs []section) error {
	if _, err := opts.withDefaults(); err != nil { // bad options are refused before reading
		return err
	}
	s, err := loadStore(storeDir)
	if err != nil {
		return err
	}
	sc, err := readSpecConfig(s.SpecSource)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(storeDir, "spec.toml"), err)
	}
	opts, err = opts.mergeSpec(sc)
	if err != nil {
		return err
	}
	o, err := opts.withDefaults()
	if err != nil {
		return err
	}
	if o.Claims == nil {
		o.Claims = claimsFor(s.SpecName)
	}
	if o.Warnings != nil {
		for _, w := range s.Warnings {
			fmt.Fprintln(o.Warnings, w)
		}
	}
	a := analyse(s, o)
	cells, err := buildCells(a, secs)
	if err != nil {
		return err
	}
	var charts []chartSpec
	var tables []table
	for _, c := range cells {
		charts = append(charts, c.Charts...)
		tables = append(tables, c.Tables...)
	}

	figDir, tabDir := filepath.Join(outDir, "figures"), filepath.Join(outDir, "tables")
	for _, d := range []string{outDir, figDir, tabDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("report folder: %w", err)
		}
	}
	if _, err := writeFigures(figDir, charts, figureStyle{Size: o.FigureSize, Titles: o.FigureTitles}); err != nil {
		return err
	}
	tableFiles, err := writeTables(tabDir, a, tables)
	if err != nil {
		return err
	}
	page, err := a.page(cells, tableFiles)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(outDir, "report.html"), page)
}
