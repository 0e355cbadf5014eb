package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pal-harness/pal/internal/atomicfile"
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
	// XAxis is the swept axis of the accuracy-vs-x chart; default "model.k". Without it the chart
	// falls back on another numeric model axis, or is left out with a note.
	XAxis string
}

func (o Options) withDefaults() (Options, error) {
	if o.CILevel == 0 {
		o.CILevel = 0.95
	}
	if !(o.CILevel > 0 && o.CILevel < 1) {
		return o, fmt.Errorf("confidence level %g: must lie strictly between 0 and 1 (e.g. 0.95)", o.CILevel)
	}
	if o.XAxis == "" {
		o.XAxis = "model.k"
	}
	return o, nil
}

// Render reads the run store in storeDir (spec.toml and <run>/result.json; it never re-trains)
// and writes into outDir:
//
//	report.html                       self-contained page, opens with no network
//	figures/acc_vs_k__<dataset>.png|svg  accuracy vs K per dataset config
//	figures/few_shot__<dataset>.png|svg  unseen-user accuracy vs pairs per user
//	tables/accuracy.csv|md|tex        accuracy over seeds per config
//	tables/paired.csv|md|tex          paired comparison with the baseline
//	tables/few_shot.csv               the few-shot curves
//	figures/ and tables/ of the heterogeneity sections (groups, users, recovery, simplex,
//	prototypes_used, geometry, curves, data_per_user, choose_k, calibration), from each run's
//	analysis record (runstore.Store.Analysis) besides its result.json
//
// The page is the cells of the report's sections (sections.go), in order; the figures and
// tables are theirs. Files of an earlier report in outDir are overwritten; the output depends
// only on the store's files and opts, byte for byte.
func Render(storeDir, outDir string, opts Options) error {
	return render(storeDir, outDir, opts, sections)
}

// render is Render with the given sections (a test adds one of its own).
func render(storeDir, outDir string, opts Options, secs []section) error {
	o, err := opts.withDefaults()
	if err != nil {
		return err
	}
	s, err := loadStore(storeDir)
	if err != nil {
		return err
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
	if _, err := writeFigures(figDir, charts); err != nil {
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
