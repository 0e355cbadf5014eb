package sweeps

import (
	"context"

	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/sweeps/runstore"
)

// Schema tells the parser which config structs a spec may use. Each constructor returns a
// pointer to a struct holding the defaults; the struct tags are the schema (see
// datasets/config.go). Embedded structs are flattened. A struct with a `Validate() error` method
// has it called after decoding each resolved combination.
type Schema struct {
	Datasets map[string]func() any // [dataset] kind -> config
	Models   map[string]func() any // [[model]] kind -> config
	Train    func() any            // [train]
	FewShot  func() any            // [fewshot]
	// Report is the [report] table: how the report shows the results. It is validated like
	// the others but cannot be swept and is not part of any run's config or identity.
	Report func() any
	// Slurm is [slurm], the batch back-end's settings (nil: a spec may not have the table).
	// They are not part of any run: they never change a run id.
	Slurm func() any
}

// Spec is a parsed and validated spec file.
type Spec struct {
	Path        string // file it was read from
	Name        string // `name`, or the file's base name without extension
	Description string
	Seeds       []uint64
	Source      []byte // the file's bytes, copied into the output folder
	// Report is the decoded [report] table (Schema.Report's struct, defaults filled in); nil
	// when the schema has none.
	Report any
	Runs   []*Run // the expanded product, in a deterministic order
	// Axes lists the swept parameters ("dataset.k_true", "model.k", ...) in spec order, then
	// "model" (the model name) and "seed". runs.csv has one column for each.
	Axes []string
	// Slurm is the decoded [slurm] table (a pointer to Schema.Slurm's struct), nil when the
	// spec has none.
	Slurm any
}

// Run is one fully resolved configuration: dataset x model x train x fewshot x seed.
type Run struct {
	ID          string // hex sha256 (first 16 chars) of the canonical JSON of Config
	Seed        uint64 // the replicate seed from the spec's `seeds`
	DatasetKind string
	Dataset     any // pointer to the dataset kind's config struct
	ModelName   string
	ModelKind   string
	Model       any // pointer to the model kind's config struct
	Train       any
	FewShot     any
	// Params holds the value of each swept axis for this run (keys as in Spec.Axes).
	Params map[string]any
	// SpecDir is the folder of the spec file: relative paths in a config (the "files" data
	// set's path) are relative to it. It is not part of the run's identity, so a spec moved
	// with its data keeps its run ids.
	SpecDir string

	axes []string // Spec.Axes, for Label
}

// ResolvedConfig and KindConfig are the run store's (runstore): a run's config as result.json
// records it and its id hashes it.
type (
	ResolvedConfig = runstore.ResolvedConfig
	KindConfig     = runstore.KindConfig
)

// DataSeed is the seed for building the run's data: it depends only on the replicate seed and
// the dataset config, so every model in a replicate sees the same data (paired comparisons).
// Seeds of different runs and purposes are hashed (seeds.Derive), so they are unrelated
// streams rather than consecutive integers.
func (r *Run) DataSeed() uint64 {
	return seeds.Derive(r.Seed, "data", canonicalJSON(KindConfig{Kind: r.DatasetKind, Fields: fieldsOf(r.Dataset)}))
}

// ModelSeed is the seed for model initialisation, shuffling and dropout of this run.
func (r *Run) ModelSeed() uint64 { return seeds.Derive(r.Seed, "model", r.ID) }

// Outcome is what a run function returns on success.
type Outcome struct {
	Metrics            metrics.Metrics
	DatasetFingerprint string
	// DatasetNotes are caveats about the data a report must show, e.g. that text embeddings
	// are an offline stand-in for foundation-model features.
	DatasetNotes []string
	// Files are kept in the run's folder beside result.json (a fitted model), written before
	// it: plain file names to contents.
	Files map[string][]byte
}

// RunFunc executes one run. It must honour ctx cancellation. A panic inside it is recovered by
// the scheduler and recorded as a failure of that run.
type RunFunc func(ctx context.Context, r *Run) (Outcome, error)
