package paper_test

import (
	"testing"

	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/paper"
	"github.com/pal-harness/pal/sweeps"
)

// Every embedded experiment must parse and validate, or `pal reproduce` would fail for users.
func TestEmbeddedSpecsParse(t *testing.T) {
	specs := paper.Specs()
	if len(specs) == 0 {
		t.Fatal("no embedded spec")
	}
	for _, ps := range specs {
		spec, err := sweeps.ParseBytes(ps.Path, ps.Source, experiment.Schema())
		if err != nil {
			t.Errorf("%s: %v", ps.Path, err)
			continue
		}
		if len(spec.Seeds) < 5 {
			t.Errorf("%s: %d seeds; the paper's experiments are run with at least 5", ps.Path, len(spec.Seeds))
		}
		t.Logf("%s: %d runs, axes %v", ps.Name, len(spec.Runs), spec.Axes)
	}
}
