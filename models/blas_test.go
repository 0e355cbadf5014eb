package models

import (
	"math"
	"math/rand/v2"
	"testing"
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
