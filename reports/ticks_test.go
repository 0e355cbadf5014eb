package reports

import (
	"math"
	"testing"
	"time"
)

// A y range one ulp wide (every value the same up to rounding: a loss of ln 2 in every epoch of
// a model that learned nothing) hung the report: the tick loop added a step smaller than the
// value's resolution. Ticks must end, with few ticks, for flat, tiny and huge ranges, and a flat
// range is widened so its one value is labelled.
func TestNiceTicksDegenerateRanges(t *testing.T) {
	ln2 := math.Ln2
	for _, r := range [][2]float64{
		{ln2, math.Nextafter(ln2, 2)},
		{1e17, 1e17 + 64},
		{-1e300, 1e300},
		{0, 5e-324},
		{0.5, 0.5},
		{0.4, 0.9},
	} {
		done := make(chan int, 1)
		go func() { done <- len(niceTicks{}.Ticks(r[0], r[1])) }()
		select {
		case n := <-done:
			if n > 250 {
				t.Errorf("Ticks(%v, %v): %d ticks", r[0], r[1], n)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Ticks(%v, %v) did not return (a hang, not a slow case: it takes microseconds)", r[0], r[1])
		}
	}
	lo, hi := padFlat(ln2, math.Nextafter(ln2, 2))
	if !(lo < ln2 && hi > ln2 && hi-lo > 0.05) {
		t.Errorf("padFlat(ln 2, next): [%v, %v], want a range around ln 2 at least 0.05 wide", lo, hi)
	}
	ticks := niceTicks{}.Ticks(lo, hi)
	labelled := 0
	for _, tk := range ticks {
		if tk.Label != "" {
			labelled++
		}
	}
	if labelled < 2 {
		t.Errorf("ticks of the widened flat range %v", ticks)
	}
	if lo, hi := padFlat(0.4, 0.9); lo != 0.4 || hi != 0.9 {
		t.Errorf("padFlat changed a real range: [%v, %v]", lo, hi)
	}
	if lo, hi := padFlat(0, 0); lo != -0.5 || hi != 0.5 {
		t.Errorf("padFlat(0, 0) = [%v, %v], want [-0.5, 0.5]", lo, hi)
	}
}
