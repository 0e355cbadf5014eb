//go:build race

package experiment

// raceEnabled is true under the race detector, where slow sequential tests skip.
const raceEnabled = true
