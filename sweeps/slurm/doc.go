// Package slurm is the Slurm back-end of pal's scheduling: it runs a spec's runs as one Slurm
// array job whose tasks write into the same run store a local `pal run` writes, with the same
// run function, so that each result has the bits the local run would give. Slurm schedules;
// pal only describes the work (a frozen run list and a job script in the store) and collects
// the results.
//
// The protocol between the submitter and the tasks (the store's files are package runstore's):
//
//   - The submitter (`pal run SPEC --slurm`) holds the store's lock while it submits: it sets the
//     store's spec, lists the runs that are neither complete nor in flight (a live claim, or a
//     pending or running task of an earlier job that squeue still shows), writes them as a frozen
//     run list and a job script into a new submission folder (store/slurm/<n>/), submits one
//     array job (task i runs lines i*per..i*per+per-1 of the list), records the job id and
//     releases the lock. Two submissions into one store are therefore one after the other, and
//     the second leaves alone what the first still runs.
//   - A task (`pal run-one STORE --submission n --task i`) never takes the store's lock. For
//     each of its runs it skips a complete one, takes the run's claim (runstore.ClaimRun; a run
//     claimed by a live task is left to it), runs it (sweeps.RunOne) and writes the run's folder
//     only, result.json last by an atomic rename. A task killed by Slurm (time limit, scancel,
//     preemption) leaves no result.json, or the whole one; its run has no result and the next
//     submission picks it up. Its claim is stale at once on the same host (its pid is gone) and
//     after runstore.StaleAfter elsewhere.
//   - No task writes runs.csv: `pal status` and `pal report` (and a local `pal run`, the
//     store's other owner) rebuild it from the result files while holding the lock a moment.
//
// The package holds what is specific to Slurm: the options (the spec's [slurm] table and the
// flags), the job scripts, the sbatch command lines, and the parsing of sbatch's and squeue's
// answers. Everything that runs commands goes through a Runner, so the tests check the scripts
// and the parsing without a Slurm.
package slurm
