package sweeps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/pal-harness/pal/sweeps/runstore"
	"golang.org/x/sync/errgroup"
)

// Options controls Execute.
type Options struct {
	Out string // output folder (the run store); created if missing
	// Store is the run store, opened for writing by the caller (who then holds its lock from
	// before its preflight); nil: Execute opens Out itself and closes it when done.
	Store    *runstore.Writer
	Jobs     int       // runs at once; <= 0 means runtime.NumCPU()
	Progress io.Writer // where progress goes; nil is silent
	// Terminal redraws one status line with \r (for an interactive terminal) instead of
	// writing one line per finished run (for logs and CI).
	Terminal bool
	// Provenance is copied into every result; DatasetFingerprint is filled per run from the
	// run's Outcome.
	Provenance runstore.Provenance
	// Plan, when set, is given the runs about to run, in spec order, before the first starts,
	// and returns them in the order to start them: a runner groups runs that share a data set
	// so the data can be freed after the last of them. The order changes no result.
	Plan func(todo []*Run) []*Run
	// Command is what the store's lock says its holder runs (for others' error messages).
	Command string
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

// Execute runs every run of spec not already complete in the run store, at most opts.Jobs at
// once, and writes the store (runstore): the spec and its manifest, each run's result.json
// (and files) and runs.csv.
//
// A run that returns an error, panics or reports non-finite metrics is recorded as failed with
// its reason, and the others go on: one diverging configuration must not cost a night's sweep.
// When ctx is canceled no new run starts, running ones see ctx.Done(), a run that ends because
// of it is not recorded (a rerun does it), and runs.csv is still written from what completed.
//
// The error is nil when every run was attempted (check Summary.Failed for failures); it wraps
// ctx.Err() when runs were left undone by cancellation, and reports any failure to write the
// store (a *runstore.LockedError when another writer holds it).
func Execute(ctx context.Context, spec *Spec, opts Options, fn RunFunc) (Summary, error) {
	start := time.Now()
	sum := Summary{Total: len(spec.Runs)}
	if fn == nil {
		return sum, errors.New("sweeps: nil RunFunc")
	}
	store := opts.Store
	if store == nil {
		if opts.Out == "" {
			return sum, errors.New("sweeps: Options.Out is empty: name an output folder")
		}
		w, err := runstore.Create(opts.Out, opts.Command)
		if err != nil {
			return sum, err
		}
		defer w.Close()
		store = w
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	prog := newProgress(opts, sum.Total, jobs, start)
	if spec.Source != nil {
		replaced, err := store.SetSpec(spec.Source, spec.Name, spec.RunIDs(), spec.Axes)
		if err != nil {
			return sum, err
		}
		if replaced {
			prog.note("note: %s held another spec; replacing it (results of its runs are kept, and reports leave them out as stale)", filepath.Join(store.Dir(), runstore.SpecFile))
		}
	}

	var todo []*Run
	for _, r := range spec.Runs {
		if store.Complete(r.ID) {
			sum.Skipped++
			continue
		}
		todo = append(todo, r)
	}
	if opts.Plan != nil {
		todo = opts.Plan(todo)
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
			res, files := runOne(gctx, spec.Name, r, opts.Provenance, fn)
			if res == nil {
				return nil // canceled: leave no trace so a rerun does it
			}
			if err := store.WriteRun(res, files); err != nil {
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
	results, loadErr := store.SpecResults(spec.RunIDs())
	csvErr := store.WriteRunsCSV(results, spec.Axes)
	sum.Elapsed = time.Since(start)
	prog.end(sum)

	errs := []error{runErr, loadErr, csvErr}
	if sum.Canceled > 0 && ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("interrupted with %d of %d runs not done (rerun to complete them): %w", sum.Canceled, sum.Total, ctx.Err()))
	}
	return sum, errors.Join(errs...)
}

// RunIDs lists the ids of the spec's runs in spec order.
func (s *Spec) RunIDs() []string {
	ids := make([]string, len(s.Runs))
	for i, r := range s.Runs {
		ids[i] = r.ID
	}
	return ids
}

// runOne executes one run and turns its outcome into a Result and the files to keep beside
// it; a nil Result means the run was stopped by cancellation and must not be recorded.
func runOne(ctx context.Context, specName string, r *Run, prov runstore.Provenance, fn RunFunc) (*runstore.Result, map[string][]byte) {
	start := time.Now()
	out, panicMsg, stack, err := call(ctx, fn, r)
	res := &runstore.Result{
		RunID:       r.ID,
		Spec:        specName,
		Seed:        r.Seed,
		DataSeed:    runstore.Seed(r.DataSeed()),
		ModelSeed:   runstore.Seed(r.ModelSeed()),
		Params:      r.Params,
		Config:      r.Resolved(),
		Provenance:  prov,
		WallSeconds: time.Since(start).Seconds(),
	}
	res.Provenance.DatasetFingerprint = out.DatasetFingerprint
	res.Provenance.DatasetNotes = out.DatasetNotes
	switch {
	case panicMsg != "":
		res.Status, res.Error, res.Stack = runstore.StatusFailed, panicMsg, stack
	case err != nil:
		if ctx.Err() != nil {
			return nil, nil
		}
		res.Status, res.Error = runstore.StatusFailed, err.Error()
	default:
		if bad := out.Metrics.NonFinite(); bad != "" {
			res.Status, res.Error = runstore.StatusFailed, "diverged: non-finite metric "+bad
			break
		}
		m := out.Metrics
		res.Status, res.Metrics, res.TrainableParams = runstore.StatusOK, &m, m.TrainableParams
		return res, out.Files
	}
	return res, nil
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
