//go:build race

package main

// raceEnabled is true under the race detector: the Slurm tests skip there (their tasks would run
// the instrumented test binary; the plain build tests Slurm), and so do the slow end-to-end spec
// tests (the race tests of this package cover the same scheduler on small specs).
const raceEnabled = true
