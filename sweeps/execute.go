package sweeps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Options controls Execute.
type Options struct {
	Out      string    // output folder (the run store); created if missing
	Jobs     int       // runs at once; <= 0 means runtime.NumCPU()
	Progress io.Writer // where progress goes; nil is silent
	// Terminal redraws one status line with \r (for an interactive terminal) instead of
	// writing one line per finished run (for logs and CI).
	Terminal bool
	// Provenance is copied into every result; DatasetFingerprint is filled per run from the
	// run's Outcome.
	Provenance Provenance
}

// Summary counts what Execute did. Total = Skipped + Succeeded + Failed + Canceled.
type Summary struct {
	Total     int // runs in the spec
	Skipped   int // already complete in Out (status "ok" with the same run id)
	Succeeded int
	Failed    int // recorded with status "failed" and a reason
	Canceled  int // not run, or stopped by cancellation; not recorded, so a rerun does them
	Elapsed   time.Duration
}

// Execute runs every run of spec not already complete in opts.Out, at most opts.Jobs at once,
// and writes the run store: Out/spec.toml, Out/<run id>/result.json per run and Out/runs.csv.
//
// A run that returns an error, panics or reports non-finite metrics is recorded as failed with
// its reason, and the others go on: one diverging configuration must not cost a night's sweep.
// When ctx is canceled no new run starts, running ones see ctx.Done(), a run that ends because
// of it is not recorded (a rerun does it), and runs.csv is still written from what completed.
//
// The error is nil when every run was attempted (check Summary.Failed for failures); it wraps
// ctx.Err() when runs were left undone by cancellation, and reports any failure to write the
// store.
func Execute(ctx context.Context, spec *Spec, opts Options, fn RunFunc) (Summary, error) {
	start := time.Now()
	sum := Summary{Total: len(spec.Runs)}
	if opts.Out == "" {
		return sum, errors.New("sweeps: Options.Out is empty: name an output folder")
	}
	if fn == nil {
		return sum, errors.New("sweeps: nil RunFunc")
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return sum, fmt.Errorf("creating output folder: %w", err)
	}
	prog := newProgress(opts, sum.Total, jobs, start)
	if spec.Source != nil {
		copyPath := filepath.Join(opts.Out, SpecCopy)
		if old, err := os.ReadFile(copyPath); err == nil && !bytes.Equal(old, spec.Source) {
			prog.note("note: %s held another spec; replacing it (results of its runs are kept)", copyPath)
		}
		if err := writeFileAtomic(copyPath, spec.Source); err != nil {
			return sum, err
		}
	}

	var todo []*Run
	for _, r := range spec.Runs {
		if complete(opts.Out, r) {
			sum.Skipped++
			continue
		}
		todo = append(todo, r)
	}
	prog.begin(sum.Skipped)

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for _, r := range todo {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if gctx.Err() != nil {
				return nil
			}
			res := runOne(gctx, spec.Name, r, opts.Provenance, fn)
			if res == nil {
				return nil // canceled: leave no trace so a rerun does it
			}
			if err := writeResult(opts.Out, res); err != nil {
				return err
			}
			prog.finished(r, res)
			return nil
		})
	}
	runErr := g.Wait()
	sum.Succeeded, sum.Failed = prog.counts()
	sum.Canceled = sum.Total - sum.Skipped - sum.Succeeded - sum.Failed

	// runs.csv covers every run of the spec with a result on disk: earlier sessions' too.
	results, loadErr := LoadSpecResults(opts.Out, spec)
	csvErr := WriteRunsCSV(opts.Out, results, spec.Axes)
	sum.Elapsed = time.Since(start)
	prog.end(sum)

	errs := []error{runErr, loadErr, csvErr}
	if sum.Canceled > 0 && ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("interrupted with %d of %d runs not done (rerun to complete them): %w", sum.Canceled, sum.Total, ctx.Err()))
	}
	return sum, errors.Join(errs...)
}

// complete reports whether dir holds a successful result of r. Failed and unreadable results
// are retried.
func complete(dir string, r *Run) bool {
	res, err := readResult(resultPath(dir, r.ID))
	return err == nil && res.Status == StatusOK && res.RunID == r.ID
}

// runOne executes one run and turns its outcome into a Result; nil means the run was stopped
// by cancellation and must not be recorded.
func runOne(ctx context.Context, specName string, r *Run, prov Provenance, fn RunFunc) *Result {
	start := time.Now()
	out, panicMsg, stack, err := call(ctx, fn, r)
	res := &Result{
		RunID:       r.ID,
		Spec:        specName,
		Seed:        r.Seed,
		DataSeed:    r.DataSeed(),
		ModelSeed:   r.ModelSeed(),
		Params:      r.Params,
		Config:      r.Resolved(),
		Provenance:  prov,
		WallSeconds: time.Since(start).Seconds(),
	}
	res.Provenance.DatasetFingerprint = out.DatasetFingerprint
	res.Provenance.DatasetNotes = out.DatasetNotes
	switch {
	case panicMsg != "":
		res.Status, res.Error, res.Stack = StatusFailed, panicMsg, stack
	case err != nil:
		if ctx.Err() != nil {
			return nil
		}
		res.Status, res.Error = StatusFailed, err.Error()
	default:
		if bad := nonFinite(&out.Metrics); bad != "" {
			res.Status, res.Error = StatusFailed, "diverged: non-finite metric "+bad
			break
		}
		m := out.Metrics
		res.Status, res.Metrics, res.TrainableParams = StatusOK, &m, m.TrainableParams
	}
	return res
}

// call runs fn, turning a panic into a message and a short stack: a bug in one model must
// not take down the other runs of a sweep.
func call(ctx context.Context, fn RunFunc, r *Run) (out Outcome, panicMsg, stack string, err error) {
	defer func() {
		if v := recover(); v != nil {
			panicMsg = fmt.Sprintf("panic: %v", v)
			stack = shortStack(debug.Stack())
		}
	}()
	out, err = fn(ctx, r)
	return out, "", "", err
}

// shortStack keeps the frames from the panicking function outward, at most 10 of them, dropping
// the goroutine header and the recovery machinery.
func shortStack(full []byte) string {
	lines := strings.Split(strings.TrimSpace(string(full)), "\n")
	from := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			from = i + 2 // the panic call and its file line
			break
		}
	}
	if from >= len(lines) {
		from = 0
	}
	lines = lines[from:]
	if len(lines) > 20 {
		lines = lines[:20]
	}
	return strings.Join(lines, "\n")
}
