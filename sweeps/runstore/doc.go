// Package runstore owns the run store: the folder a spec's runs are written into and every
// tool reads results from. It is the only code that knows the store's file names and formats;
// `pal run` writes through it, `pal report`, `pal score` and tests read through it.
//
// A store holds
//
//	spec.toml             the spec it ran (its current spec)
//	manifest.json         the run ids of that spec in spec order, its swept axes, a schema version
//	runs.csv              one row per run of the current spec that has a result
//	<run id>/result.json  one per run: config, seeds, provenance, metrics (Result)
//	<run id>/...          files a run keeps beside it (a fitted model)
//	.lock                 while a writer holds the store
//	<run id>/.claim       while a batch task (Slurm) runs that run (claim.go)
//	slurm/<n>/            a batch submission: its frozen run list, job scripts, logs (submission.go)
//
// Every file is written to a temporary file in the same folder, synced and renamed into place,
// so a crash leaves the old file or the new one, never a torn one. A run's extra files are
// written before its result.json, so a result on disk means the run is complete.
//
// One writer at a time: Create takes the store's lock (a file created exclusively, holding the
// writer's pid, host and start time, refreshed while it is held); a second writer gets a
// *LockedError naming the holder. A lock whose process is gone (same host) or that has not been
// refreshed for StaleAfter (another host sharing the folder) is stale and taken over.
//
// Batch tasks write without the store's lock: each writes only its own runs' folders, each
// under the run's claim, and never runs.csv, which the owner rebuilds (RebuildRunsCSV). See
// claim.go and package sweeps/slurm.
//
// Runs of an earlier version of the spec stay on disk (a rerun of that version reuses them),
// but they are not runs of the current spec: Load sets them apart as stale, and reports list
// them without pooling them into any statistic.
//
// The package imports no model or dataset code: reading a store links only the record types.
package runstore
