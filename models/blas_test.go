package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pal-harness/pal/internal/par"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestGemmMatchesNaive checks the build's matrix multiply (gonum, or OpenBLAS with the
// openblas tag) against a plain triple loop for every transpose combination, with alpha and
// beta, at a shape large enough for gonum's parallel path.
func TestGemmMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(r, c int) Matrix {
		m := NewMatrix(r, c)
		for i := range m.Data {
			m.Data[i] = rng.NormFloat64()
		}
		return m
	}
	const m, n, k = 130, 150, 70
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			a, b := fill(m, k), fill(k, n)
			if tA {
				a = fill(k, m)
			}
			if tB {
				b = fill(n, k)
			}
			c := fill(m, n)
			want := NewMatrix(m, n)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					var s float64
					for l := 0; l < k; l++ {
						ai, bi := i*a.Cols+l, l*b.Cols+j
						if tA {
							ai = l*a.Cols + i
						}
						if tB {
							bi = j*b.Cols + l
						}
						av, bv := a.Data[ai], b.Data[bi]
						s += av * bv
					}
					want.Data[i*n+j] = 0.5*s + 2*c.Data[i*n+j]
				}
			}
			gemm(tA, tB, 0.5, a, b, 2, c)
			for i, v := range c.Data {
				if math.Abs(v-want.Data[i]) > 1e-12*(1+math.Abs(want.Data[i])) {
					t.Fatalf("%s: transA %v transB %v: element %d = %v, want %v", BLAS, tA, tB, i, v, want.Data[i])
				}
			}
		}
	}
}

// TestGonumBlocksMatchesGonum checks that gemm's block-by-block evaluation of gonum's parallel
// path gives gonum's own bits, for every transpose, alpha and beta, on one thread and on
// several (where it splits the blocks over internal/par's workers).
func TestGonumBlocksMatchesGonum(t *testing.T) {
	if BLAS != "gonum" {
		t.Skip("the openblas build multiplies with OpenBLAS, not gonum")
	}
	old := par.Threads()
	t.Cleanup(func() { par.SetThreads(old) })
	rng := rand.New(rand.NewPCG(3, 4))
	fill := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = rng.NormFloat64()
		}
		return s
	}
	for _, threads := range []int{1, 3} {
		par.SetThreads(threads)
		for _, sh := range [][3]int{{130, 150, 70}, {300, 200, 150}, {1000, 130, 2}, {5000, 130, 2}, {2, 200, 1000}, {64, 256, 65}} {
			m, n, k := sh[0], sh[1], sh[2]
			for _, ta := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, tb := range []blas.Transpose{blas.NoTrans, blas.Trans} {
					for _, ab := range [][2]float64{{1, 0}, {1, 1}, {0.5, 2}, {-1, 0.25}} {
						lda, ldb := k, n
						if ta == blas.Trans {
							lda = m
						}
						if tb == blas.Trans {
							ldb = k
						}
						a, b, c := fill(m*k), fill(k*n), fill(m*n)
						want := append([]float64(nil), c...)
						gonum.Implementation{}.Dgemm(ta, tb, m, n, k, ab[0], a, lda, b, ldb, ab[1], want, n)
						gonumBlocks(ta, tb, m, n, k, ab[0], a, lda, b, ldb, ab[1], c, n)
						for i := range c {
							if math.Float64bits(c[i]) != math.Float64bits(want[i]) {
								t.Fatalf("threads %d, %dx%dx%d %c%c alpha %v beta %v: element %d = %v, gonum %v",
									threads, m, n, k, ta, tb, ab[0], ab[1], i, c[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}
