package experiment

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/pal-harness/pal/baselines"
	"github.com/pal-harness/pal/datasets"
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
		},
		Models: map[string]func() any{
			"pal-a": func() any { return models.DefaultPALA() },
			"btl":   func() any { return baselines.DefaultBTL() },
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

	mu    sync.Mutex
	cache map[string]*dataEntry
}

type dataEntry struct {
	once sync.Once
	data *datasets.Data
	err  error
}

// Run is a sweeps.RunFunc.
func (r *Runner) Run(ctx context.Context, run *sweeps.Run) (sweeps.Outcome, error) {
	d, err := r.data(run)
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
	case *models.PALAConfig:
		m, err = models.FitPALA(ctx, d, cfg, tc, fc, run.ModelSeed())
	case *baselines.BTLConfig:
		m, err = baselines.FitBTL(ctx, d, cfg, tc, fc, run.ModelSeed())
	default:
		err = fmt.Errorf("internal error: model kind %q has no fit function", run.ModelKind)
	}
	if err != nil {
		return sweeps.Outcome{}, err
	}
	return sweeps.Outcome{Metrics: m, DatasetFingerprint: d.Fingerprint}, nil
}

func (r *Runner) data(run *sweeps.Run) (*datasets.Data, error) {
	key := fmt.Sprintf("%s|%+v|%d", run.DatasetKind, run.Dataset, run.DataSeed())
	if c, ok := run.Dataset.(*datasets.FilesConfig); ok {
		key = "files|" + r.resolve(c.Path) // files do not depend on the seed
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
	e.once.Do(func() { e.data, e.err = r.build(run) })
	return e.data, e.err
}

func (r *Runner) build(run *sweeps.Run) (*datasets.Data, error) {
	switch cfg := run.Dataset.(type) {
	case *datasets.SyntheticConfig:
		return datasets.GenerateSynthetic(cfg, run.DataSeed())
	case *datasets.FilesConfig:
		return datasets.LoadFiles(r.resolve(cfg.Path))
	default:
		return nil, fmt.Errorf("internal error: dataset kind %q has no builder", run.DatasetKind)
	}
}

func (r *Runner) resolve(p string) string {
	if filepath.IsAbs(p) || r.SpecDir == "" {
		return p
	}
	return filepath.Join(r.SpecDir, p)
}

// Preflight loads every bring-your-own data set the spec names, so a missing or malformed file
// is reported before any run starts (and the loaded data is cached for the runs). Synthetic
// data needs no preflight: its configuration was validated when the spec was parsed.
func (r *Runner) Preflight(spec *sweeps.Spec) error {
	for _, run := range spec.Runs {
		if _, ok := run.Dataset.(*datasets.FilesConfig); !ok {
			continue
		}
		if _, err := r.data(run); err != nil {
			return fmt.Errorf("spec %s: [dataset]: %w", spec.Path, err)
		}
	}
	return nil
}
