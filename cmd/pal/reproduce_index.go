package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/paper"
	"github.com/pal-harness/pal/reports"
	"github.com/pal-harness/pal/sweeps"
)

// writeReproduceIndex writes out/index.html: every embedded experiment with a link to its
// report (when out holds one) and its headline finding, or why it has no report.
func writeReproduceIndex(out string, skipped map[string]string, stdout, stderr io.Writer) {
	var entries []reports.IndexEntry
	for _, ps := range paper.Specs() {
		e := reports.IndexEntry{Name: ps.Name}
		if spec, err := sweeps.ParseBytes(ps.Path, ps.Source, experiment.Schema()); err == nil {
			e.Description = spec.Description
		}
		dir := filepath.Join(out, ps.Name)
		switch _, err := os.Stat(filepath.Join(dir, "report", "report.html")); {
		case err == nil:
			e.Report = filepath.ToSlash(filepath.Join(ps.Name, "report", "report.html"))
			h, err := reports.Headline(dir)
			if err != nil {
				e.Note = "its headline could not be computed: " + err.Error()
			}
			e.Headline = h
		case skipped[ps.Name] != "":
			e.Note = "skipped: " + skipped[ps.Name]
		default:
			e.Note = "not run yet (pal reproduce --only " + ps.Name + ")"
		}
		entries = append(entries, e)
	}
	path, err := reports.WriteIndex(out, "PAL reproduction: every experiment", entries)
	if err != nil {
		fmt.Fprintf(stderr, "pal reproduce: %v\n", err)
		return
	}
	fmt.Fprintf(stdout, "index: %s\n", path)
}
