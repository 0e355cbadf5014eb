package models

import (
	"context"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
)

// Kind is a model kind: the config struct a spec's [[model]] table decodes into (its struct
// tags are the schema) is also what fits the model. PAL-A, PAL-B, BTL, imported scores and
// every baseline to come implement it, the registry (internal/experiment.Schema) lists each on
// one line, and the runner calls Fit without knowing which kind it has.
type Kind interface {
	// Fit trains the model on in.Data's train split (early stopping on val), adapts the
	// unseen users when the model has per-user parameters (once per few-shot size, then on
	// all of unseen_train), and measures every split. It must honour ctx and be deterministic
	// given in.Seed.
	Fit(ctx context.Context, in FitInput) (Fitted, error)
}

// FitInput is everything a fit gets besides its config.
type FitInput struct {
	Data    *datasets.Data
	Train   *TrainConfig
	FewShot *FewShotConfig
	// Seed is the run's model seed: initialisation, shuffling and dropout draw from it.
	Seed uint64
	// Env resolves paths in the model's config (relative to the spec) and the cache folder.
	Env datasets.Env
}

// Fitted is what a fit returns.
type Fitted struct {
	Metrics metrics.Metrics
	// Model is the fitted model when the kind can be saved and served by `pal score`; nil for
	// kinds that cannot (imported scores).
	Model Saveable
	// Analysis is what the report's heterogeneity analyses need of the run (users' weights and
	// groups, the training curve, calibration): models.Analyze fills it from the fitted model.
	// The runner keeps it in the run's folder as metrics.AnalysisFile; nil keeps nothing.
	Analysis *metrics.Analysis
}

// DataChecker is implemented by model kinds that need something of the data beyond pairs
// (prompt embeddings, a score for every evaluated pair): the runner calls CheckData before any
// run starts, so a spec that cannot run stops with exit code 2 instead of failing every run.
type DataChecker interface {
	CheckData(d *datasets.Data, env datasets.Env) error
}

// Untrained is implemented by model kinds that fit nothing (imported scores): data without
// training pairs is refused before any run only when some model of the spec trains.
type Untrained interface {
	TrainsNothing()
}

// Trainable is implemented by model kinds whose training objective can be built on its own, so
// a benchmark can time its steps (internal/benchkit, bench/scale): the objective of the config
// on d, initialised from rng, and the optimiser's parameter groups.
type Trainable interface {
	NewObjective(d *datasets.Data, rng *rand.Rand) (Objective, map[string]GroupHyper, error)
}

// FlopCounter is implemented by model kinds that can count the floating-point operations of a
// forward pass per pair: 2*m*n*k for every matrix product, divided by the batch size
// (element-wise work is not counted, so the figure compares with a GEMM rate).
type FlopCounter interface {
	ForwardFlopsPerPair(s datasets.Shape) float64
}
