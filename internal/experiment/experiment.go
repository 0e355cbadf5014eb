package experiment

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/pal-harness/pal/baselines"
	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/embed"
	"github.com/pal-harness/pal/datasets/persona"
	"github.com/pal-harness/pal/datasets/personainpal"
	"github.com/pal-harness/pal/datasets/pickapic"
	"github.com/pal-harness/pal/datasets/tldr"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps"
)

// Schema lists every kind a spec may name.
func Schema() sweeps.Schema {
	return sweeps.Schema{
		Datasets: map[string]func() any{
			"synthetic": func() any { return datasets.DefaultSynthetic() },
			"files":     func() any { return datasets.DefaultFiles() },
			"persona":   func() any { return persona.DefaultConfig() },
			// Published data sets (published.go).
			"reddit-tldr":    func() any { return tldr.DefaultConfig() },
			"pickapic":       func() any { return pickapic.DefaultPickAPic() },
			"pick-a-filter":  func() any { return pickapic.DefaultPickAFilter() },
			"persona-in-pal": func() any { return personainpal.DefaultConfig() },
		},
		Models: map[string]func() any{
			"pal-a":    func() any { return models.DefaultPALA() },
			"pal-b":    func() any { return models.DefaultPALB() },
			"btl":      func() any { return baselines.DefaultBTL() },
			"imported": func() any { return baselines.DefaultImported() },
		},
		Train:   func() any { return models.DefaultTrain() },
		FewShot: func() any { return models.DefaultFewShot() },
	}
}

// Runner executes runs. It builds each distinct data set once (keyed by kind, config and data
// seed) and shares it between the runs that need it, read-only.
type Runner struct {
	// SpecDir resolves relative dataset paths (the folder of the spec file).
	SpecDir string
	// CacheDir is the cache folder (catalog.CacheDir): downloaded data sets and cached
	// embeddings. Empty: data sets are looked for elsewhere only and embeddings are not cached.
	CacheDir string
	// Getenv reads environment variables such as PAL_PERSONA_DATA; nil means os.Getenv.
	Getenv func(string) string
	// SaveModels, when set, is the run store: each fitted PAL model is written to
	// SaveModels/<run id>/model.safetensors (fit.go).
	SaveModels string

	mu    sync.Mutex
	cache map[string]*dataEntry
}

type dataEntry struct {
	once  sync.Once
	data  *datasets.Data
	notes []string // caveats for the report (Outcome.DatasetNotes)
	err   error
}

// Run is a sweeps.RunFunc.
func (r *Runner) Run(ctx context.Context, run *sweeps.Run) (sweeps.Outcome, error) {
	entry := r.entry(ctx, run)
	d, err := entry.data, entry.err
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
	var m metrics.Metrics
	switch cfg := run.Model.(type) {
	case *models.PALAConfig, *models.PALBConfig, *baselines.ImportedConfig:
		m, err = r.fitModel(ctx, run, d, tc, fc)
	case *baselines.BTLConfig:
		m, err = baselines.FitBTL(ctx, d, cfg, tc, fc, run.ModelSeed())
	default:
		err = fmt.Errorf("internal error: model kind %q has no fit function", run.ModelKind)
	}
	if err != nil {
		return sweeps.Outcome{}, err
	}
	return sweeps.Outcome{Metrics: m, DatasetFingerprint: d.Fingerprint, DatasetNotes: entry.notes}, nil
}

func (r *Runner) data(run *sweeps.Run) (*datasets.Data, error) {
	e := r.entry(context.Background(), run)
	return e.data, e.err
}

// entry builds the run's data once per (kind, config, data seed) and shares it.
func (r *Runner) entry(ctx context.Context, run *sweeps.Run) *dataEntry {
	key := fmt.Sprintf("%s|%+v|%d", run.DatasetKind, run.Dataset, run.DataSeed())
	if c, ok := run.Dataset.(*datasets.FilesConfig); ok {
		key = "files|" + r.resolve(c.Path) // files do not depend on the seed
	}
	if publishedConfig(run.Dataset) { // nor do published data sets (published.go)
		key = fmt.Sprintf("%s|%+v|%s", run.DatasetKind, run.Dataset, r.SpecDir)
	}
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
	e.once.Do(func() { e.data, e.notes, e.err = r.build(ctx, run) })
	return e
}

func (r *Runner) build(ctx context.Context, run *sweeps.Run) (*datasets.Data, []string, error) {
	switch cfg := run.Dataset.(type) {
	case *datasets.SyntheticConfig:
		d, err := datasets.GenerateSynthetic(cfg, run.DataSeed())
		return d, nil, err
	case *datasets.FilesConfig:
		d, err := datasets.LoadFiles(r.resolve(cfg.Path))
		return d, nil, err
	case *persona.Config:
		return r.buildPersona(ctx, cfg, run.DataSeed())
	case *tldr.Config, *pickapic.PickAPicConfig, *pickapic.PickAFilterConfig, *personainpal.Config:
		return r.buildPublished(ctx, cfg)
	default:
		return nil, nil, fmt.Errorf("internal error: dataset kind %q has no builder", run.DatasetKind)
	}
}

// buildPersona finds the statement files, embeds with the configured (cached) embedder and
// builds; the note says which features the items are.
func (r *Runner) buildPersona(ctx context.Context, cfg *persona.Config, seed uint64) (*datasets.Data, []string, error) {
	dir, err := persona.ResolveDir(cfg.DataDir, r.SpecDir, r.CacheDir, r.getenv())
	if err != nil {
		return nil, nil, err
	}
	emb, err := embed.New(cfg.Config, r.CacheDir)
	if err != nil {
		return nil, nil, fmt.Errorf("persona: %w", err)
	}
	d, err := persona.Build(ctx, cfg, seed, dir, emb)
	if err != nil {
		return nil, nil, err
	}
	return d, []string{embed.Note(emb)}, nil
}

func (r *Runner) getenv() func(string) string {
	if r.Getenv != nil {
		return r.Getenv
	}
	return os.Getenv
}

// Build builds the data set of a dataset kind from cfg (a pointer to the kind's config struct)
// for the replicate seed, exactly as a run of a spec with that dataset table and seed would (the
// data seed is derived the same way), and returns the notes reports show with it.
func (r *Runner) Build(ctx context.Context, kind string, cfg any, seed uint64) (*datasets.Data, []string, error) {
	e := r.entry(ctx, &sweeps.Run{Seed: seed, DatasetKind: kind, Dataset: cfg})
	return e.data, e.notes, e.err
}

// BuildDefault is Build with the kind's default config: what `pal data info NAME` shows.
func (r *Runner) BuildDefault(ctx context.Context, kind string, seed uint64) (*datasets.Data, []string, error) {
	ctor, ok := Schema().Datasets[kind]
	if !ok {
		return nil, nil, fmt.Errorf("dataset kind %q has no builder in this binary", kind)
	}
	return r.Build(ctx, kind, ctor(), seed)
}

// MissingData reports, without building anything, the first catalog data set the spec needs
// that is not on disk: a *catalog.MissingError naming the fetch command, or nil. `pal reproduce`
// skips the experiments it names.
func (r *Runner) MissingData(spec *sweeps.Spec) error {
	for _, run := range spec.Runs {
		if cfg, ok := run.Dataset.(*persona.Config); ok {
			if _, err := persona.ResolveDir(cfg.DataDir, r.SpecDir, r.CacheDir, r.getenv()); err != nil {
				return err
			}
		}
		if publishedConfig(run.Dataset) {
			if err := r.missingPublished(run.Dataset); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Runner) resolve(p string) string {
	if filepath.IsAbs(p) || r.SpecDir == "" {
		return p
	}
	return filepath.Join(r.SpecDir, p)
}

// Preflight loads every bring-your-own data set and builds every Persona data set the spec
// names, so a missing data set (with the command that fetches it), a malformed file or an
// unreachable embedding endpoint is reported before any run starts (and the data is cached for
// the runs). Synthetic data needs no preflight: its configuration was validated when the spec
// was parsed.
func (r *Runner) Preflight(spec *sweeps.Spec) error {
	if err := r.MissingData(spec); err != nil {
		return fmt.Errorf("spec %s: [dataset]: %w", spec.Path, err)
	}
	for _, run := range spec.Runs {
		switch run.Dataset.(type) {
		case *datasets.FilesConfig, *persona.Config, *tldr.Config, *pickapic.PickAPicConfig, *pickapic.PickAFilterConfig, *personainpal.Config:
		default:
			continue
		}
		if _, err := r.data(run); err != nil {
			return fmt.Errorf("spec %s: [dataset]: %w", spec.Path, err)
		}
	}
	return r.preflightModels(spec)
}
