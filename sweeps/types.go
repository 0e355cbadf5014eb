package sweeps

import (
	"context"

	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/internal/seeds"
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
}

// Spec is a parsed and validated spec file.
type Spec struct {
	Path        string // file it was read from
	Name        string // `name`, or the file's base name without extension
	Description string
	Seeds       []uint64
	Source      []byte // the file's bytes, copied into the output folder
	Runs        []*Run // the expanded product, in a deterministic order
	// Axes lists the swept parameters ("dataset.k_true", "model.k", ...) in spec order, then
	// "model" (the model name) and "seed". runs.csv has one column for each.
	Axes []string
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
}

// RunFunc executes one run. It must honour ctx cancellation. A panic inside it is recovered by
// the scheduler and recorded as a failure of that run.
type RunFunc func(ctx context.Context, r *Run) (Outcome, error)

// Provenance records where a result came from.
type Provenance struct {
	PalVersion         string   `json:"pal_version"`
	GitCommit          string   `json:"git_commit,omitempty"`
	GoVersion          string   `json:"go_version"`
	BLAS               string   `json:"blas,omitempty"` // the matrix multiplies of the build (their last bits reach the metrics)
	DatasetFingerprint string   `json:"dataset_fingerprint,omitempty"`
	DatasetNotes       []string `json:"dataset_notes,omitempty"` // caveats about the data (Outcome.DatasetNotes)
}

// Result is the content of result.json in a run's folder.
type Result struct {
	RunID           string           `json:"run_id"`
	Spec            string           `json:"spec"`
	Status          string           `json:"status"` // "ok" or "failed"
	Error           string           `json:"error,omitempty"`
	Stack           string           `json:"stack,omitempty"` // where a panicking run panicked
	Seed            uint64           `json:"seed"`
	DataSeed        uint64           `json:"data_seed"`
	ModelSeed       uint64           `json:"model_seed"`
	Params          map[string]any   `json:"params"` // swept axes of this run
	Config          ResolvedConfig   `json:"config"`
	Provenance      Provenance       `json:"provenance"`
	Metrics         *metrics.Metrics `json:"metrics,omitempty"`
	WallSeconds     float64          `json:"wall_seconds"`
	TrainableParams int              `json:"trainable_params"`
}

// ResolvedConfig is the full configuration of a run as written to result.json.
type ResolvedConfig struct {
	Dataset KindConfig `json:"dataset"`
	Model   KindConfig `json:"model"`
	Train   any        `json:"train"`
	FewShot any        `json:"fewshot"`
}

// KindConfig is a kinded section: its kind, an optional name and the fields of its struct
// (keys as in the spec).
type KindConfig struct {
	Kind   string         `json:"kind"`
	Name   string         `json:"name,omitempty"`
	Fields map[string]any `json:"fields"`
}
