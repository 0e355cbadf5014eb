package sgemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

type benchShape struct {
	name    string
	tA, tB  bool
	m, n, k int
}

// The project's training shapes: forward Y = X W (NN), weight gradient
// dW = Xᵀ dY (TN), input gradient dX = dY Wᵀ (NT), for a small and a large
// model, at batch 256 and larger.
var benchShapes = []benchShape{
	{"small_NN_768x64x64", false, false, 768, 64, 64},
	{"small_TN_64x64x768", true, false, 64, 64, 768},
	{"small_NT_768x64x64", false, true, 768, 64, 64},
	{"small_NN_256x64x64", false, false, 256, 64, 64},
	{"small_TN_64x64x256", true, false, 64, 64, 256},
	{"small_NT_256x64x64", false, true, 256, 64, 64},
	{"tiny_NN_128x64x64", false, false, 128, 64, 64},
	{"tiny_NN_64x64x64", false, false, 64, 64, 64},
	{"tiny_NN_32x32x32", false, false, 32, 32, 32},
	{"large_NN_256x1024x1024", false, false, 256, 1024, 1024},
	{"large_TN_1024x1024x256", true, false, 1024, 1024, 256},
	{"large_NT_256x1024x1024", false, true, 256, 1024, 1024},
	{"large_NN_4096x1024x1024", false, false, 4096, 1024, 1024},
	{"large_NN_12288x1024x1024", false, false, 12288, 1024, 1024},
	{"large_TN_1024x1024x4096", true, false, 1024, 1024, 4096},
	{"large_NT_4096x1024x1024", false, true, 4096, 1024, 1024},
	{"large_TN_1024x1024x12288", true, false, 1024, 1024, 12288},
	{"large_NT_12288x1024x1024", false, true, 12288, 1024, 1024},
}

func benchOperands(s benchShape) (a []float32, lda int, b []float32, ldb int, c []float32) {
	rng := rand.New(rand.NewPCG(1, 1))
	lda, ldb = s.k, s.n
	if s.tA {
		lda = s.m
	}
	if s.tB {
		ldb = s.k
	}
	a = make([]float32, s.m*s.k)
	b = make([]float32, s.k*s.n)
	c = make([]float32, s.m*s.n)
	for i := range a {
		a[i] = rng.Float32() - 0.5
	}
	for i := range b {
		b[i] = rng.Float32() - 0.5
	}
	return a, lda, b, ldb, c
}

func reportGFLOPS(b *testing.B, s benchShape) {
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGemm measures this package at 1 and 2 threads.
func BenchmarkGemm(b *testing.B) {
	for _, s := range benchShapes {
		for _, nt := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/t%d", s.name, nt), func(b *testing.B) {
				useThreads(b, nt)
				a, lda, bb, ldb, c := benchOperands(s)
				b.ReportAllocs()
				for b.Loop() {
					Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				reportGFLOPS(b, s)
			})
		}
	}
}

// BenchmarkGonum measures gonum's pure Go Sgemm on the same shapes, for
// reference.
func BenchmarkGonum(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			a, lda, bb, ldb, c := benchOperands(s)
			tA, tB := blas.NoTrans, blas.NoTrans
			if s.tA {
				tA = blas.Trans
			}
			if s.tB {
				tB = blas.Trans
			}
			for b.Loop() {
				gonum.Implementation{}.Sgemm(tA, tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
			reportGFLOPS(b, s)
		})
	}
}

// BenchmarkGemmKernel measures every kernel this machine supports (forced)
// on a few shapes, single-threaded.
func BenchmarkGemmKernel(b *testing.B) {
	for _, kern := range kernels() {
		for _, s := range []benchShape{benchShapes[0], benchShapes[1], benchShapes[2], benchShapes[12]} {
			b.Run(kern.name+"/"+s.name, func(b *testing.B) {
				useKernel(b, kern)
				useThreads(b, 1)
				a, lda, bb, ldb, c := benchOperands(s)
				for b.Loop() {
					Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				reportGFLOPS(b, s)
			})
		}
	}
}
