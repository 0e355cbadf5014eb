package sgemm

import (
	"sync"

	"github.com/pal-harness/pal/internal/par"
)

// minWorkPerThread is the number of multiply-adds (m*n*k) below which an
// extra goroutine does not pay for its hand-off cost. Measured in the models'
// training steps, not on products alone: at 1 << 19 the small steps
// (768 x 64 x 64 products, 3.1 M multiply-adds) ran 10-20% slower on two
// threads than on one, because the element-wise work that follows a product
// then reads a result half of which sits in the other core's cache.
var minWorkPerThread = 1 << 21

// chooseThreads returns how many goroutines to use for an m x n x k product.
func chooseThreads(kern *kernel, m, n, k int) int {
	nt := par.Threads()
	if nt <= 1 {
		return 1
	}
	work := m * n * k
	nt = min(nt, max(1, work/minWorkPerThread))
	// Never more threads than tiles along the dimension that is split.
	tm, tn := (m+kern.mr-1)/kern.mr, (n+kern.nr-1)/kern.nr
	return min(nt, max(tm, tn))
}

// split is one parallel Gemm call as a par.Task: part t computes the rows
// (splitM) or columns [t*units/nt*unit, (t+1)*units/nt*unit) of C. Pooled,
// so that a call allocates nothing in the steady state.
type split struct {
	kern   *kernel
	p      params
	splitM bool
	units  int // tiles along the split dimension
	unit   int // rows or columns of a tile
	nt     int
}

func (s *split) Run(t int) {
	size := s.p.n
	if s.splitM {
		size = s.p.m
	}
	lo := min(size, t*s.units/s.nt*s.unit)
	hi := min(size, (t+1)*s.units/s.nt*s.unit)
	i0, i1, j0, j1 := 0, s.p.m, lo, hi
	if s.splitM {
		i0, i1, j0, j1 = lo, hi, 0, s.p.n
	}
	ws := s.kern.getWorkspace()
	ws.gemm(s.kern, &s.p, i0, i1, j0, j1)
	s.kern.putWorkspace(ws)
}

var splitPool = sync.Pool{New: func() any { return new(split) }}

// parallel splits C into nt parts along m or along n (never along k, so
// the summation order stays fixed) and runs them concurrently on par's
// workers.
//
// Splitting along m makes every goroutine pack all of op(B) for its rows
// and splitting along n makes every goroutine pack all of op(A), so the
// dimension whose duplicate packing is cheaper is chosen. Parts are whole
// tiles (multiples of mr or nr) so that no extra edge tiles appear.
func parallel(kern *kernel, p *params, nt int) {
	tm, tn := (p.m+kern.mr-1)/kern.mr, (p.n+kern.nr-1)/kern.nr
	splitM := p.n <= p.m
	if splitM && tm < nt && tn > tm {
		splitM = false
	} else if !splitM && tn < nt && tm > tn {
		splitM = true
	}
	units, unit := tn, kern.nr
	if splitM {
		units, unit = tm, kern.mr
	}
	s := splitPool.Get().(*split)
	*s = split{kern: kern, p: *p, splitM: splitM, units: units, unit: unit, nt: min(nt, units)}
	par.Do(s.nt, s)
	*s = split{} // drop the caller's slices before pooling
	splitPool.Put(s)
}
