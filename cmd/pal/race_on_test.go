//go:build race

package main

// raceEnabled is true under the race detector, where the slow end-to-end spec tests skip (the
// race tests of this package cover the same scheduler on small specs).
const raceEnabled = true
