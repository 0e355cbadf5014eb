package runstore

import (
	"github.com/pal-harness/pal/internal/metrics"
)

// SchemaVersion is the version of result.json and manifest.json this pal writes. Readers
// accept files without one (written before versions were recorded) and versions up to this.
// Version 2 writes data_seed and model_seed as decimal strings (version 1 wrote numbers).
const SchemaVersion = 2

// Result statuses.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// Result is the content of result.json in a run's folder.
type Result struct {
	SchemaVersion   int              `json:"schema_version"`
	RunID           string           `json:"run_id"`
	Spec            string           `json:"spec"`
	Status          string           `json:"status"` // StatusOK or StatusFailed
	Error           string           `json:"error,omitempty"`
	Stack           string           `json:"stack,omitempty"` // where a panicking run panicked
	Seed            uint64           `json:"seed"`
	DataSeed        Seed             `json:"data_seed"`
	ModelSeed       Seed             `json:"model_seed"`
	Params          map[string]any   `json:"params"` // swept axes of this run
	Config          ResolvedConfig   `json:"config"`
	Provenance      Provenance       `json:"provenance"`
	Metrics         *metrics.Metrics `json:"metrics,omitempty"`
	WallSeconds     float64          `json:"wall_seconds"`
	TrainableParams int              `json:"trainable_params"`
	// Files lists the files the run keeps in its folder besides result.json (a fitted model).
	Files []string `json:"files,omitempty"`
}

// Provenance records where a result came from.
type Provenance struct {
	PalVersion         string   `json:"pal_version"`
	GitCommit          string   `json:"git_commit,omitempty"`
	GoVersion          string   `json:"go_version"`
	BLAS               string   `json:"blas,omitempty"` // the matrix multiplies of the build (their last bits reach the metrics)
	DatasetFingerprint string   `json:"dataset_fingerprint,omitempty"`
	DatasetNotes       []string `json:"dataset_notes,omitempty"` // caveats about the data
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

// Manifest is manifest.json: which runs belong to the store's current spec.
type Manifest struct {
	SchemaVersion int      `json:"schema_version"`
	Spec          string   `json:"spec"`        // the spec's name
	SpecSHA256    string   `json:"spec_sha256"` // of spec.toml's bytes
	Axes          []string `json:"axes"`        // the swept axes, runs.csv's parameter columns
	Runs          []string `json:"runs"`        // run ids in spec order
}
