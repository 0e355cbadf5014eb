package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pal-harness/pal/internal/par"
)

// useKernel makes k the active kernel for the rest of the test.
func useKernel(t testing.TB, k *kernel) {
	old := active
	active = k
	t.Cleanup(func() { active = old })
}

// useThreads sets SetThreads for the rest of the test.
func useThreads(t testing.TB, n int) {
	old := par.Threads()
	SetThreads(n)
	t.Cleanup(func() { SetThreads(old) })
}

// forceParallel lowers the parallel threshold so small test products use
// several goroutines.
func forceParallel(t testing.TB) {
	old := minWorkPerThread
	minWorkPerThread = 1
	t.Cleanup(func() { minWorkPerThread = old })
}

func randMat(rng *rand.Rand, rows, cols, ld int) []float32 {
	if rows == 0 {
		return nil
	}
	x := make([]float32, (rows-1)*ld+cols)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

type problem struct {
	tA, tB        bool
	m, n, k       int
	alpha, beta   float32
	a, b, c       []float32
	lda, ldb, ldc int
}

// newProblem makes random operands with strides padded by pad.
func newProblem(rng *rand.Rand, tA, tB bool, m, n, k, pad int, alpha, beta float32) *problem {
	p := &problem{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := stored(tA, m, k)
	br, bc := stored(tB, k, n)
	p.lda, p.ldb, p.ldc = max(1, ac)+pad, max(1, bc)+pad, max(1, n)+pad
	p.a = randMat(rng, ar, ac, p.lda)
	p.b = randMat(rng, br, bc, p.ldb)
	p.c = randMat(rng, m, n, p.ldc)
	return p
}

func (p *problem) opA(i, l int) float64 {
	if p.tA {
		return float64(p.a[l*p.lda+i])
	}
	return float64(p.a[i*p.lda+l])
}

func (p *problem) opB(l, j int) float64 {
	if p.tB {
		return float64(p.b[j*p.ldb+l])
	}
	return float64(p.b[l*p.ldb+j])
}

// run computes the product into a copy of C.
func (p *problem) run() []float32 {
	c := append([]float32(nil), p.c...)
	Gemm(p.tA, p.tB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
	return c
}

// check compares got with a float64 reference. The bound is the usual one
// for a k-term float32 dot product, (k+2)·eps·(|alpha|·Σ|a||b| + |beta·c|),
// with a safety factor.
func (p *problem) check(t *testing.T, got []float32, name string) {
	t.Helper()
	const eps = 1.0 / (1 << 23)
	bad := 0
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.n; j++ {
			var s, sabs float64
			for l := 0; l < p.k; l++ {
				x := p.opA(i, l) * p.opB(l, j)
				s += x
				sabs += math.Abs(x)
			}
			old := float64(p.c[i*p.ldc+j])
			want := float64(p.alpha) * s
			mag := math.Abs(float64(p.alpha)) * sabs
			if p.beta != 0 {
				want += float64(p.beta) * old
				mag += math.Abs(float64(p.beta) * old)
			}
			tol := 2 * float64(p.k+2) * eps * (mag + 1e-30)
			g := float64(got[i*p.ldc+j])
			if !(math.Abs(g-want) <= tol) {
				if bad < 5 {
					t.Errorf("%s: C[%d][%d] = %v, want %v (tol %g)", name, i, j, g, want, tol)
				}
				bad++
			}
		}
	}
	// Padding between rows of C must be untouched.
	for i := 0; i < p.m; i++ {
		for j := p.n; j < p.ldc && i*p.ldc+j < len(got); j++ {
			if math.Float32bits(got[i*p.ldc+j]) != math.Float32bits(p.c[i*p.ldc+j]) {
				t.Fatalf("%s: padding C[%d][%d] modified", name, i, j)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%s: %d wrong elements", name, bad)
	}
}

func TestCorrectness(t *testing.T) {
	for _, kern := range kernels() {
		t.Run(kern.name, func(t *testing.T) {
			useKernel(t, kern)
			rng := rand.New(rand.NewPCG(1, 2))
			shapes := [][3]int{{1, 1, 1}, {kern.mr, kern.nr, kern.kc}, {2*kern.mr + 1, 3*kern.nr - 1, 2*kern.kc + 3}}
			count := 60
			if testing.Short() {
				count = 20
			} else {
				shapes = append(shapes, [3]int{300, 200, 257})
			}
			for range count {
				shapes = append(shapes, [3]int{1 + rng.IntN(70), 1 + rng.IntN(70), 1 + rng.IntN(70)})
			}
			for si, s := range shapes {
				for ti, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					alpha := []float32{1, -0.5}[rng.IntN(2)]
					beta := []float32{0, 1, 0.3}[(si+ti)%3]
					pad := rng.IntN(3) * (1 + rng.IntN(5))
					p := newProblem(rng, tr[0], tr[1], s[0], s[1], s[2], pad, alpha, beta)
					if beta == 0 {
						// NaNs in C must not propagate when beta == 0.
						for i := 0; i < p.m; i++ {
							for j := 0; j < p.n; j++ {
								p.c[i*p.ldc+j] = float32(math.NaN())
							}
						}
					}
					name := fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d pad=%d alpha=%v beta=%v", tr[0], tr[1], s[0], s[1], s[2], pad, alpha, beta)
					p.check(t, p.run(), name)
				}
			}
		})
	}
}

// TestThreadInvariance checks that the thread count does not change a
// single bit.
func TestThreadInvariance(t *testing.T) {
	forceParallel(t)
	for _, kern := range kernels() {
		t.Run(kern.name, func(t *testing.T) {
			useKernel(t, kern)
			rng := rand.New(rand.NewPCG(3, 4))
			shapes := [][3]int{{97, 45, 300}, {13, 130, 70}, {64, 64, 768}, {3 * kern.mr, 5 * kern.nr, kern.kc + 1}}
			for _, s := range shapes {
				for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					p := newProblem(rng, tr[0], tr[1], s[0], s[1], s[2], 1, 0.7, 0.3)
					var ref []float32
					for _, nt := range []int{1, 2, 3, 4} {
						useThreads(t, nt)
						got := p.run()
						if ref == nil {
							ref = got
							continue
						}
						if i := firstDiff(ref, got); i >= 0 {
							t.Fatalf("%v %v: threads=%d differs from threads=1 at %d: %v vs %v", s, tr, nt, i, got[i], ref[i])
						}
					}
				}
			}
		})
	}
}

func firstDiff(x, y []float32) int {
	for i := range x {
		if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
			return i
		}
	}
	return -1
}

// TestSubsetInvariance checks that the bits of C[i][j] do not depend on
// which other rows/columns are in the product, i.e. on where (i, j) falls in
// the tiling (full or edge tile, offset).
func TestSubsetInvariance(t *testing.T) {
	for _, kern := range kernels() {
		t.Run(kern.name, func(t *testing.T) {
			useKernel(t, kern)
			useThreads(t, 2)
			forceParallel(t)
			rng := rand.New(rand.NewPCG(5, 6))
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				m, n, k := 4*kern.mr+3, 3*kern.nr+5, kern.kc+37
				for _, beta := range []float32{0, 0.3} {
					p := newProblem(rng, tr[0], tr[1], m, n, k, 2, -0.5, beta)
					full := p.run()
					for _, r := range [][2]int{{0, 1}, {1, m}, {kern.mr - 1, 2*kern.mr + 2}, {5, 6}, {m - 3, m}} {
						sub := p.rows(r[0], r[1])
						got := sub.run()
						for i := 0; i < sub.m; i++ {
							for j := 0; j < n; j++ {
								g, w := got[i*sub.ldc+j], full[(i+r[0])*p.ldc+j]
								if math.Float32bits(g) != math.Float32bits(w) {
									t.Fatalf("%v rows %v: C[%d][%d] = %v, full product has %v", tr, r, i+r[0], j, g, w)
								}
							}
						}
					}
					for _, r := range [][2]int{{0, 1}, {1, n}, {kern.nr - 1, 2*kern.nr + 2}, {7, 8}, {n - 3, n}} {
						sub := p.cols(r[0], r[1])
						got := sub.run()
						for i := 0; i < m; i++ {
							for j := 0; j < sub.n; j++ {
								g, w := got[i*sub.ldc+j], full[i*p.ldc+j+r[0]]
								if math.Float32bits(g) != math.Float32bits(w) {
									t.Fatalf("%v cols %v: C[%d][%d] = %v, full product has %v", tr, r, i, j+r[0], g, w)
								}
							}
						}
					}
				}
			}
		})
	}
}

// rows returns the problem restricted to rows [r0, r1) of op(A) and C,
// sharing storage offsets the way a caller would slice.
func (p *problem) rows(r0, r1 int) *problem {
	q := *p
	q.m = r1 - r0
	if p.tA {
		q.a = p.a[r0:] // columns r0.. of the stored k x m matrix
	} else {
		q.a = p.a[r0*p.lda:]
	}
	q.c = p.c[r0*p.ldc:]
	return &q
}

// cols returns the problem restricted to columns [c0, c1) of op(B) and C.
func (p *problem) cols(c0, c1 int) *problem {
	q := *p
	q.n = c1 - c0
	if p.tB {
		q.b = p.b[c0*p.ldb:]
	} else {
		q.b = p.b[c0:]
	}
	q.c = p.c[c0:]
	return &q
}

func TestEdgeCases(t *testing.T) {
	for _, kern := range kernels() {
		t.Run(kern.name, func(t *testing.T) {
			useKernel(t, kern)
			// k == 0: C = beta*C; with beta == 0, C = 0 even if it held NaN.
			c := []float32{1, 2, float32(math.NaN()), 4}
			Gemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 0, c, 2)
			for i, v := range c {
				if v != 0 {
					t.Fatalf("k=0 beta=0: c[%d] = %v", i, v)
				}
			}
			c = []float32{1, 2, 3, 4}
			Gemm(true, true, 2, 2, 0, 1, nil, 2, nil, 1, 0.5, c, 2)
			if c[0] != 0.5 || c[3] != 2 {
				t.Fatalf("k=0 beta=0.5: c = %v", c)
			}
			// m == 0 or n == 0: nothing happens.
			Gemm(false, false, 0, 3, 4, 1, nil, 4, make([]float32, 12), 3, 0, nil, 3)
			Gemm(false, false, 3, 0, 4, 1, make([]float32, 12), 4, nil, 1, 0, nil, 1)
			// alpha == 0: C = beta*C, A and B ignored.
			c = []float32{2}
			Gemm(false, false, 1, 1, 1, 0, []float32{float32(math.NaN())}, 1, []float32{1}, 1, 3, c, 1)
			if c[0] != 6 {
				t.Fatalf("alpha=0: c = %v", c)
			}
		})
	}
}

func TestPanics(t *testing.T) {
	a := make([]float32, 6)
	cases := []struct {
		name string
		f    func()
	}{
		{"m<0", func() { Gemm(false, false, -1, 2, 3, 1, a, 3, a, 2, 0, a, 2) }},
		{"n<0", func() { Gemm(false, false, 2, -1, 3, 1, a, 3, a, 2, 0, a, 2) }},
		{"k<0", func() { Gemm(false, false, 2, 2, -1, 1, a, 3, a, 2, 0, a, 2) }},
		{"lda", func() { Gemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) }},
		{"ldaT", func() { Gemm(true, false, 2, 2, 3, 1, a, 1, a, 2, 0, a, 2) }},
		{"ldb", func() { Gemm(false, false, 2, 2, 3, 1, a, 3, a, 1, 0, a, 2) }},
		{"ldc", func() { Gemm(false, false, 2, 2, 3, 1, a, 3, a, 2, 0, a, 1) }},
		{"shortA", func() { Gemm(false, false, 2, 2, 3, 1, a[:5], 3, a, 2, 0, a, 2) }},
		{"shortB", func() { Gemm(false, true, 2, 2, 3, 1, a, 3, a[:5], 3, 0, a, 2) }},
		{"shortC", func() { Gemm(false, false, 2, 2, 3, 1, a, 3, a, 2, 0, a[:3], 2) }},
	}
	for _, tc := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.f()
		}()
	}
}

// TestAllocs checks that steady-state calls allocate nothing, serial or
// parallel.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under -race")
	}
	forceParallel(t)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, nt := range []int{1, 2} {
		useThreads(t, nt)
		p := newProblem(rng, false, true, 200, 64, 64, 0, 1, 0)
		c := make([]float32, len(p.c))
		f := func() { Gemm(p.tA, p.tB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc) }
		f()
		if n := testing.AllocsPerRun(20, f); n > 0.1 {
			t.Errorf("threads=%d: %v allocs per call", nt, n)
		}
	}
}

func TestSetThreads(t *testing.T) {
	useThreads(t, 1)
	SetThreads(0)
	if par.Threads() != 1 {
		t.Fatalf("SetThreads(0): %d threads", par.Threads())
	}
	SetThreads(3)
	if par.Threads() != 3 {
		t.Fatalf("SetThreads(3): %d threads", par.Threads())
	}
	if Kernel() == "" {
		t.Fatal("empty kernel name")
	}
	t.Logf("kernel %s", Kernel())
}

// TestConcurrentCalls runs several Gemm calls at once (shared workers and
// workspaces) and checks each against its serial result.
func TestConcurrentCalls(t *testing.T) {
	forceParallel(t)
	useThreads(t, 2)
	rng := rand.New(rand.NewPCG(9, 10))
	const calls = 6
	probs := make([]*problem, calls)
	want := make([][]float32, calls)
	for i := range probs {
		probs[i] = newProblem(rng, i%2 == 0, i%3 == 0, 40+7*i, 50+3*i, 30+11*i, 1, 1, 0.5)
		want[i] = probs[i].run()
	}
	got := make([][]float32, calls)
	done := make(chan int)
	for i := range probs {
		go func() {
			for range 5 {
				got[i] = probs[i].run()
			}
			done <- i
		}()
	}
	for range probs {
		i := <-done
		if d := firstDiff(want[i], got[i]); d >= 0 {
			t.Errorf("call %d: element %d differs under concurrency", i, d)
		}
	}
}

// TestTileOrders checks that both tile orders of macro (columns innermost,
// used when the packed B block fits in L2, and rows innermost) give the
// same bits, so the wide-B path stays covered by the small test shapes.
func TestTileOrders(t *testing.T) {
	for _, kern := range kernels() {
		t.Run(kern.name, func(t *testing.T) {
			useKernel(t, kern)
			old := kern.colsInner
			t.Cleanup(func() { kern.colsInner = old })
			rng := rand.New(rand.NewPCG(7, 8))
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				for _, nt := range []int{1, 2} {
					useThreads(t, nt)
					forceParallel(t)
					p := newProblem(rng, tr[0], tr[1], 3*kern.mr+5, 4*kern.nr+3, kern.kc+19, 1, 0.7, 0.3)
					kern.colsInner = 1 << 30
					cols := p.run()
					kern.colsInner = 0
					rows := p.run()
					if i := firstDiff(cols, rows); i >= 0 {
						t.Fatalf("%v threads=%d: tile orders differ at %d: %v vs %v", tr, nt, i, cols[i], rows[i])
					}
					p.check(t, rows, fmt.Sprintf("%v threads=%d rows innermost", tr, nt))
				}
			}
		})
	}
}
