// Package sweeps turns a TOML spec into runs and runs them: the spec schema and its strict
// validation (errors name the file, line and key), sweep expansion (any scalar given as a list
// is an axis; runs are the product of all axes), run identity (a hash of the resolved config),
// per-run seeds, the bounded concurrent scheduler, and the run store (result.json per run,
// runs.csv per spec, resumable).
//
// It knows nothing of particular models or data sets: the caller passes a Schema of config
// structs and a RunFunc that executes one run.
//
// # Specs
//
// A spec has top-level name, description and seeds, one [dataset] table and one or more
// [[model]] tables (each selecting a config struct by its kind), and optional [train] and
// [fewshot] tables. The config structs' tags are the schema: `toml` the key, `help` its
// meaning, `min`/`max` inclusive and `gt`/`lt` exclusive bounds, `enum` the allowed strings
// separated by "|"; embedded structs are flattened; a `Validate() error` method checks each
// resolved combination. DescribeSchema renders all of it as Markdown.
//
// Parse is strict and exhaustive: an unknown key (with the nearest known one suggested), a
// wrong type, a bound or enum violated, an empty or repeated sweep value, an unknown or missing
// kind, a missing table, a TOML syntax error and a failed Validate are each a *SpecError with
// file and line, and all of them are returned together. The TOML decoder does not report key
// positions, so lines come from a light scan of the source (locate.go).
//
// # Runs
//
// Runs are ordered dataset combinations outermost, then models in spec order (each with its
// own combinations), then [train] and [fewshot] combinations, then seeds. A run's id is the
// first 16 hex digits of sha256 over its resolved config (every key, defaults included, keyed
// as in the spec) and its seed, so it names the computation, not the spec's wording: comments,
// key order and formatting leave it unchanged. Data seeds depend on (seed, dataset config)
// only, so all models of a replicate see the same data; model seeds on (seed, run id).
//
// # Store
//
// Execute writes through package runstore, the one owner of the store's files: the spec and
// its manifest (the run ids of the spec), each run's result.json (atomically, after any files
// the run keeps) and runs.csv. A rerun skips runs whose result is "ok" and retries failed ones;
// runs interrupted by cancellation leave nothing and are redone. Options.Plan lets the runner
// order the runs (those sharing a data set together) without changing any result.
//
// # Back-ends
//
// Execute is the local back-end: a bounded pool in this process. The Slurm back-end (package
// sweeps/slurm, `pal run --slurm`) submits the runs as an array job whose tasks call RunOne,
// the function Execute runs each run with, and write through the same run store, so a run's
// result has the same bits whichever back-end ran it.
package sweeps
