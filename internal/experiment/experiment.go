package experiment

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps"
)

// ModelFile is the name of a saved model in its run's folder.
const ModelFile = "model.safetensors"

// Runner executes runs. It builds each distinct data set once (keyed by kind, config and, for
// kinds whose data depends on it, the data seed) and shares it between the runs that need it,
// read-only. Once Plan has told it which runs will run, it frees a data set after the last run
// that needs it, so memory holds the data sets of the runs under way, not of the whole sweep.
type Runner struct {
	// Env is what data sets are built with: the spec's folder, the cache folder, the
	// environment, the text embedders. Models resolve their paths with it too.
	Env datasets.Env
	// SaveModels keeps each fitted model that can be saved (models.Saveable) in its run's
	// folder as ModelFile, for `pal score`.
	SaveModels bool

	mu      sync.Mutex
	cache   map[string]*dataEntry
	refs    map[string]int // runs still to finish per data set, once planned
	planned bool
	live    int // data sets built and not freed
	peak    int // the most live at once
}

type dataEntry struct {
	once  sync.Once
	data  *datasets.Data
	err   error
	built bool // counted in live
}

// dataKey names the data set of a run: its kind and config, and the data seed when the kind's
// data depends on it.
func dataKey(run *sweeps.Run) string {
	if k, ok := run.Dataset.(datasets.Kind); ok && !k.SeedDependent() {
		return fmt.Sprintf("%s|%+v", run.DatasetKind, run.Dataset)
	}
	return fmt.Sprintf("%s|%+v|%d", run.DatasetKind, run.Dataset, run.DataSeed())
}

// Run is a sweeps.RunFunc: it builds (or reuses) the run's data and fits its model kind.
func (r *Runner) Run(ctx context.Context, run *sweeps.Run) (sweeps.Outcome, error) {
	defer r.release(run)
	d, err := r.data(ctx, run)
	if err != nil {
		return sweeps.Outcome{}, err
	}
	if err := ctx.Err(); err != nil {
		return sweeps.Outcome{}, err
	}
	tc, ok := run.Train.(*models.TrainConfig)
	if !ok {
		return sweeps.Outcome{}, fmt.Errorf("internal error: train config has type %T", run.Train)
	}
	fc, _ := run.FewShot.(*models.FewShotConfig)
	if fc == nil {
		fc = models.DefaultFewShot()
	}
	kind, ok := run.Model.(models.Kind)
	if !ok {
		return sweeps.Outcome{}, fmt.Errorf("internal error: model kind %q (%T) does not implement models.Kind", run.ModelKind, run.Model)
	}
	fitted, err := kind.Fit(ctx, models.FitInput{Data: d, Train: tc, FewShot: fc, Seed: run.ModelSeed(), Env: r.Env})
	if err != nil {
		return sweeps.Outcome{}, err
	}
	out := sweeps.Outcome{Metrics: fitted.Metrics, DatasetFingerprint: d.Fingerprint, DatasetNotes: d.Notes, Files: map[string][]byte{}}
	if fitted.Analysis != nil {
		b, err := metrics.EncodeAnalysis(fitted.Analysis)
		if err != nil {
			return sweeps.Outcome{}, err
		}
		out.Files[metrics.AnalysisFile] = b
	}
	if r.SaveModels && fitted.Model != nil {
		extra := map[string]string{"run_id": run.ID, "model_name": run.ModelName, "dataset_fingerprint": d.Fingerprint}
		b, err := models.EncodeModel(fitted.Model, run.Resolved().Model.Fields, extra)
		if err != nil {
			return sweeps.Outcome{}, err
		}
		out.Files[ModelFile] = b
	}
	return out, nil
}

// data builds the run's data once per data set and shares it.
func (r *Runner) data(ctx context.Context, run *sweeps.Run) (*datasets.Data, error) {
	kind, ok := run.Dataset.(datasets.Kind)
	if !ok {
		return nil, fmt.Errorf("internal error: dataset kind %q (%T) does not implement datasets.Kind", run.DatasetKind, run.Dataset)
	}
	key := dataKey(run)
	r.mu.Lock()
	if r.cache == nil {
		r.cache = map[string]*dataEntry{}
	}
	e := r.cache[key]
	if e == nil {
		e = &dataEntry{}
		r.cache[key] = e
	}
	r.mu.Unlock()
	e.once.Do(func() {
		e.data, e.err = kind.Build(ctx, r.Env, run.DataSeed())
		if e.err == nil {
			r.mu.Lock()
			e.built = true
			r.live++
			r.peak = max(r.peak, r.live)
			r.mu.Unlock()
		}
	})
	return e.data, e.err
}

// Plan is a sweeps Options.Plan: it orders the runs so that those sharing a data set run one
// after another (in the order the data sets first appear, spec order within each), counts the
// runs each data set serves, and frees data sets no run needs. The order changes no result.
func (r *Runner) Plan(todo []*sweeps.Run) []*sweeps.Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	first := map[string]int{}
	r.refs = map[string]int{}
	for i, run := range todo {
		key := dataKey(run)
		if _, ok := first[key]; !ok {
			first[key] = i
		}
		r.refs[key]++
	}
	ordered := slices.Clone(todo)
	slices.SortStableFunc(ordered, func(a, b *sweeps.Run) int { return first[dataKey(a)] - first[dataKey(b)] })
	r.planned = true
	for key := range r.cache {
		if r.refs[key] == 0 {
			r.evict(key)
		}
	}
	return ordered
}

// release counts a finished run off its data set and frees the data after the last one.
func (r *Runner) release(run *sweeps.Run) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.planned {
		return
	}
	key := dataKey(run)
	if r.refs[key]--; r.refs[key] <= 0 {
		r.evict(key)
	}
}

// evict drops a data set from the cache (r.mu held).
func (r *Runner) evict(key string) {
	if e := r.cache[key]; e != nil && e.built {
		r.live--
	}
	delete(r.cache, key)
	delete(r.refs, key)
}

// PeakData is the largest number of data sets held at once so far (tests and benchmarks
// check memory stays bounded with it).
func (r *Runner) PeakData() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak
}

// Build builds the data set of a dataset kind from cfg (a pointer to the kind's config struct)
// for the replicate seed, exactly as a run of a spec with that dataset table and seed would
// (the data seed is derived the same way).
func (r *Runner) Build(ctx context.Context, kind string, cfg any, seed uint64) (*datasets.Data, error) {
	return r.data(ctx, &sweeps.Run{Seed: seed, DatasetKind: kind, Dataset: cfg})
}

// BuildDefault is Build with the kind's default config: what `pal data info NAME` shows.
func (r *Runner) BuildDefault(ctx context.Context, kind string, seed uint64) (*datasets.Data, error) {
	ctor, ok := Schema().Datasets[kind]
	if !ok {
		return nil, fmt.Errorf("dataset kind %q has no builder in this binary", kind)
	}
	return r.Build(ctx, kind, ctor(), seed)
}

// BuildEntry builds a catalog entry's data set as `pal data info NAME` shows it (ConfigForEntry).
func (r *Runner) BuildEntry(ctx context.Context, e catalog.Entry, seed uint64) (*datasets.Data, error) {
	kind, cfg, err := ConfigForEntry(e)
	if err != nil {
		return nil, err
	}
	return r.Build(ctx, kind, cfg, seed)
}

// MissingData checks, without building anything, that what every dataset config of the spec
// reads is on disk: the first problem (a *catalog.MissingError naming the fetch command for a
// catalog data set), or nil. `pal reproduce` skips the experiments it names.
func (r *Runner) MissingData(spec *sweeps.Spec) error {
	seen := map[string]bool{}
	for _, run := range spec.Runs {
		key := fmt.Sprintf("%s|%+v", run.DatasetKind, run.Dataset)
		if seen[key] {
			continue
		}
		seen[key] = true
		kind, ok := run.Dataset.(datasets.Kind)
		if !ok {
			return fmt.Errorf("internal error: dataset kind %q (%T) does not implement datasets.Kind", run.DatasetKind, run.Dataset)
		}
		if err := kind.Check(r.Env); err != nil {
			return err
		}
	}
	return nil
}

// Preflight finds, before any run starts, what would make every run fail: data that is not on
// disk (with the command that fetches it), a malformed file, an unreachable embedding endpoint,
// a model that needs something of the data the data lacks (PAL-B's prompts, an imported score
// for every pair). It builds the first replicate's data of every dataset config that reads
// files or services (a generator's config was validated when the spec was parsed, so it is
// built here only when a model must look at it) and runs each model's data check on it; the
// data stays cached for the runs. What differs between replicates is caught when each runs.
func (r *Runner) Preflight(spec *sweeps.Spec) error {
	if err := r.MissingData(spec); err != nil {
		return fmt.Errorf("spec %s: [dataset]: %w", spec.Path, err)
	}
	checked := map[string]bool{}
	for _, run := range spec.Runs {
		cfgKey := fmt.Sprintf("%s|%+v", run.DatasetKind, run.Dataset)
		if len(spec.Seeds) > 0 && run.Seed != spec.Seeds[0] {
			continue
		}
		_, generated := run.Dataset.(datasets.Generated)
		checker, hasCheck := run.Model.(models.DataChecker)
		if generated && !hasCheck {
			continue
		}
		if !checked[cfgKey] || hasCheck {
			d, err := r.data(context.Background(), run)
			if err != nil {
				return fmt.Errorf("spec %s: [dataset]: %w", spec.Path, err)
			}
			checked[cfgKey] = true
			if _, untrained := run.Model.(models.Untrained); len(d.Splits[datasets.Train]) == 0 && !untrained {
				return fmt.Errorf("spec %s: [dataset]: %s", spec.Path, d.Problems()[0])
			}
			if hasCheck {
				modelKey := cfgKey + fmt.Sprintf("|%s|%+v", run.ModelKind, run.Model)
				if checked[modelKey] {
					continue
				}
				checked[modelKey] = true
				if err := checker.CheckData(d, r.Env); err != nil {
					return fmt.Errorf("spec %s: [[model]] %q (kind %s): %w", spec.Path, run.ModelName, run.ModelKind, err)
				}
			}
		}
	}
	return nil
}
