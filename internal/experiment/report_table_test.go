package experiment

import (
	"strings"
	"testing"

	"github.com/pal-harness/pal/paper"
	"github.com/pal-harness/pal/reports"
	"github.com/pal-harness/pal/sweeps"
)

// The [report] table of a spec is validated with the rest of the spec, cannot be swept, and is
// no part of any run's identity: changing how a report looks never re-runs anything.
func TestReportTableInSpec(t *testing.T) {
	var src []byte
	for _, s := range paper.Specs() {
		if s.Name == "synthetic" {
			src = s.Source
		}
	}
	plain, err := sweeps.ParseBytes("synthetic.toml", src, Schema())
	if err != nil {
		t.Fatal(err)
	}
	with := append(append([]byte(nil), src...), "\n[report]\nnames = [\"pal-a=PAL\"]\nx = [\"model.k\"]\nfigure_size = \"full\"\nholm = true\n"...)
	spec, err := sweeps.ParseBytes("synthetic.toml", with, Schema())
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Runs) != len(plain.Runs) {
		t.Fatalf("%d runs with [report], %d without", len(spec.Runs), len(plain.Runs))
	}
	for i := range spec.Runs {
		if spec.Runs[i].ID != plain.Runs[i].ID {
			t.Fatalf("run %d: id %s with [report], %s without", i, spec.Runs[i].ID, plain.Runs[i].ID)
		}
	}
	rc, ok := spec.Report.(*reports.SpecConfig)
	if !ok || !rc.Holm || rc.FigureSize != "full" || len(rc.Names) != 1 {
		t.Errorf("[report] decoded as %#v", spec.Report)
	}
	if d, ok := plain.Report.(*reports.SpecConfig); !ok || d.FigureSize != "column" {
		t.Errorf("default [report]: %#v", plain.Report)
	}
	for bad, want := range map[string]string{
		"holm = [true, false]":       "[report] cannot be swept",
		"figure_size = \"page\"":     `"column", "full"`,
		"names = [\"pal-a\"]":        `want "MODEL=Display name"`,
		"colour = \"red\"":           "unknown key",
		"order = [\"btl\", \"btl\"]": `order: model "btl" is listed twice`,
	} {
		_, err := sweeps.ParseBytes("synthetic.toml", append(append([]byte(nil), src...), "\n[report]\n"+bad+"\n"...), Schema())
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "synthetic.toml:") {
			t.Errorf("%s: error %v, want one naming the file and saying %q", bad, err, want)
		}
	}
}
