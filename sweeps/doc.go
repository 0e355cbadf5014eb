// Package sweeps turns a TOML spec into runs and runs them: the spec schema and its strict
// validation (errors name the file, line and key), sweep expansion (any scalar given as a list
// is an axis; runs are the product of all axes), run identity (a hash of the resolved config),
// per-run seeds, the bounded concurrent scheduler, and the run store (result.json per run,
// runs.csv per spec, resumable).
//
// It knows nothing of particular models or data sets: the caller passes a Schema of config
// structs and a RunFunc that executes one run.
package sweeps
