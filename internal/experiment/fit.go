package experiment

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pal-harness/pal/baselines"
	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps"
)

// ModelFile is the name of a saved model in its run's folder.
const ModelFile = "model.safetensors"

// fitModel fits the PAL kinds (saving the model when Runner.SaveModels is set) and evaluates
// imported scores.
func (r *Runner) fitModel(ctx context.Context, run *sweeps.Run, d *datasets.Data, tc *models.TrainConfig, fc *models.FewShotConfig) (metrics.Metrics, error) {
	var m metrics.Metrics
	var fitted models.Saveable
	var err error
	switch cfg := run.Model.(type) {
	case *models.PALAConfig:
		var a *models.PALA
		m, a, err = models.FitPALAModel(ctx, d, cfg, tc, fc, run.ModelSeed())
		fitted = a
	case *models.PALBConfig:
		var b *models.PALB
		m, b, err = models.FitPALBModel(ctx, d, cfg, tc, fc, run.ModelSeed())
		fitted = b
	case *baselines.ImportedConfig:
		return baselines.FitImported(ctx, d, r.importedConfig(cfg), fc, r.dataDir(run))
	default:
		return m, fmt.Errorf("internal error: model kind %q has no fit function", run.ModelKind)
	}
	if err != nil || r.SaveModels == "" {
		return m, err
	}
	dir := filepath.Join(r.SaveModels, run.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return m, fmt.Errorf("saving the model: %w", err)
	}
	extra := map[string]string{"run_id": run.ID, "model_name": run.ModelName, "dataset_fingerprint": d.Fingerprint}
	if err := models.SaveModel(filepath.Join(dir, ModelFile), fitted, extra); err != nil {
		return m, err
	}
	return m, nil
}

// importedConfig resolves the score file's path against the spec's folder.
func (r *Runner) importedConfig(cfg *baselines.ImportedConfig) *baselines.ImportedConfig {
	c := *cfg
	c.Path = r.resolve(cfg.Path)
	return &c
}

// dataDir is the folder of a bring-your-own data set, "" for other kinds.
func (r *Runner) dataDir(run *sweeps.Run) string {
	if c, ok := run.Dataset.(*datasets.FilesConfig); ok {
		return r.resolve(c.Path)
	}
	return ""
}

// preflightModels checks, before any run starts, what a model needs from its data: PAL-B
// prompts, and imported scores for every evaluated pair. A synthetic data set without prompts is
// caught from its config alone; other data sets are built (and cached for the runs).
func (r *Runner) preflightModels(spec *sweeps.Spec) error {
	checked := map[string]bool{}
	for _, run := range spec.Runs {
		where := fmt.Sprintf("spec %s: [[model]] %q (kind %s)", spec.Path, run.ModelName, run.ModelKind)
		switch cfg := run.Model.(type) {
		case *models.PALBConfig:
			if syn, ok := run.Dataset.(*datasets.SyntheticConfig); ok {
				if syn.Prompts == 0 {
					return fmt.Errorf("%s needs prompt embeddings, but [dataset] (synthetic) has prompts = 0: set prompts = N > 0 (and prompt_dim) for prompt-conditioned synthetic data, or use kind = \"pal-a\"", where)
				}
				continue
			}
			d, err := r.data(run)
			if err != nil {
				return fmt.Errorf("spec %s: [dataset]: %w", spec.Path, err)
			}
			if d.NumPrompts() == 0 {
				return fmt.Errorf("%s needs prompt embeddings, but data set %q has none: for bring-your-own data add prompts.npy (one prompt embedding per row) and a \"prompt\" column (its row index) to pairs.csv; or use kind = \"pal-a\"", where, d.Name)
			}
		case *baselines.ImportedConfig:
			key := fmt.Sprintf("%s|%+v|%d|%+v", run.DatasetKind, run.Dataset, run.DataSeed(), *cfg)
			if checked[key] {
				continue
			}
			checked[key] = true
			d, err := r.data(run)
			if err != nil {
				return fmt.Errorf("spec %s: [dataset]: %w", spec.Path, err)
			}
			if _, err := baselines.LoadImported(r.importedConfig(cfg), d, r.dataDir(run)); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return nil
}
