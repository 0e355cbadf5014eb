package models

import "github.com/pal-harness/pal/internal/par"

// The element-wise passes of a large training step (bias rows, ReLU and its derivative, the
// residual sums, the float32/float64 conversions at an MLP's boundary, gradient accumulation,
// AdamW) are memory-bound loops over tens of millions of values at the large size; run on one
// goroutine they took about 30% of a batch-4096 step while the other core idled. They are
// split over internal/par's workers when large. Every element is computed by one part, the
// same way whatever the part boundaries, so the split never changes a bit.

// parGrain is the fewest elements worth handing to another goroutine: about 30-60µs of work,
// well above the hand-off cost. The small benchmark size (768 x 64 buffers) stays on one
// goroutine, and so allocation-free.
const parGrain = 1 << 16

// mapSplit calls fn(a[lo:hi], b[lo:hi]) over ranges covering a (b at least as long), in
// parallel when a is large. fn must be element-wise.
func mapSplit[A, B any](a []A, b []B, fn func([]A, []B)) {
	n := len(a)
	if par.Parts(n, parGrain) == 1 {
		fn(a, b)
		return
	}
	b = b[:n]
	// The closure allocates; only large calls get here.
	par.For(n, parGrain, func(lo, hi int) { fn(a[lo:hi], b[lo:hi]) })
}

// clearSplit zeroes s, in parallel when it is large.
func clearSplit[T any](s []T) {
	if par.Parts(len(s), parGrain) == 1 {
		clear(s)
		return
	}
	par.For(len(s), parGrain, func(lo, hi int) { clear(s[lo:hi]) })
}

// rowParts is how many parts par.For cuts rows rows of cols values into, and the grain in
// rows it uses for that.
func rowParts(rows, cols int) (parts, grain int) {
	grain = max(1, parGrain/max(cols, 1))
	return par.Parts(rows, grain), grain
}

// fillRows copies b into every row of data (len(data) a multiple of len(b)), in parallel
// when data is large.
func fillRows[T float](data, b []T) {
	cols := len(b)
	if cols == 0 {
		return
	}
	rows := len(data) / cols
	if parts, grain := rowParts(rows, cols); parts > 1 {
		par.For(rows, grain, func(r0, r1 int) { fillRowRange(data, b, r0, r1) })
		return
	}
	fillRowRange(data, b, 0, rows)
}

func fillRowRange[T float](data, b []T, r0, r1 int) {
	cols := len(b)
	for r := r0; r < r1; r++ {
		copy(data[r*cols:(r+1)*cols], b)
	}
}

// addTo sets dst[j] += src[j].
func addTo[T float](dst, src []T) {
	src = src[:len(dst)]
	for j := range dst {
		dst[j] += src[j]
	}
}

// accumulate32 sets dst[j] += float64(src[j]): float32 gradients into their float64 sums.
func accumulate32(dst []float64, src []float32) {
	src = src[:len(dst)]
	for j := range dst {
		dst[j] += float64(src[j])
	}
}

// elementOps holds the element-wise loops of one precision as package-level function values:
// generic code that passed reluForward[T] itself would build (and, since mapSplit may hand it
// to another goroutine, allocate) a closure over T's dictionary at every call.
type elementOps[T float] struct {
	reluForward, reluBackward, addTo func(a, b []T)
}

var (
	ops32 = &elementOps[float32]{reluForward[float32], reluBackward[float32], addTo[float32]}
	ops64 = &elementOps[float64]{reluForward[float64], reluBackward[float64], addTo[float64]}
)

// opsOf returns the element-wise loops for T.
func opsOf[T float]() *elementOps[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(ops32).(*elementOps[T])
	}
	return any(ops64).(*elementOps[T])
}
