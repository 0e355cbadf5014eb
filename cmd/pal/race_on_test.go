//go:build race

package main

// raceEnabled is true under the race detector: the Slurm tests skip there (their tasks would run
// the instrumented test binary; the plain build tests Slurm).
const raceEnabled = true
