package sweeps

import (
	"context"

	"github.com/pal-harness/pal/sweeps/runstore"
)

// RunOne executes one run with fn exactly as Execute does (a panic, an error or a non-finite
// metric becomes a failed result with its reason) and returns its result and the files to
// keep beside it, for the caller to write; a nil Result means the run was stopped by ctx and
// must not be recorded (a later attempt redoes it).
//
// It is what every scheduling back-end shares: the local pool (Execute) calls it for each run,
// a batch task (`pal run-one` under Slurm, package sweeps/slurm) for the runs it was given. The
// run function and the run store being the same, a run's result has the same bits wherever it
// ran.
func RunOne(ctx context.Context, specName string, r *Run, prov runstore.Provenance, fn RunFunc) (*runstore.Result, map[string][]byte) {
	return runOne(ctx, specName, r, prov, fn)
}

// Lookup returns the spec's run with the given id, or nil.
func (s *Spec) Lookup(id string) *Run {
	for _, r := range s.Runs {
		if r.ID == id {
			return r
		}
	}
	return nil
}
