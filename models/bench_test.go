package models_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/benchkit"
	"github.com/pal-harness/pal/internal/sgemm"
	"github.com/pal-harness/pal/models"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// The training-speed benchmarks of issue 5 (see BENCHMARKS.md for how to run and compare them
// with benchstat). Each reports pairs/s and GFLOP/s, counted as benchkit.Flops says: 2*m*n*k
// per matrix product of the forward pass, and 3x that for a training step (the backward pass
// computes a weight gradient and an input gradient per product).

var benchCases = []struct {
	size  string
	batch int
}{
	{"small", 256},
	{"large", 256},
	{"large", 4096},
}

func benchSetup(b *testing.B, kind, size string, batch, pairs int) (*benchkit.Model, *datasets.Data) {
	b.Helper()
	if testing.Short() && batch >= 4096 {
		b.Skip("batch 4096 takes about 30 s a step; run without -short")
	}
	s := benchkit.Sizes[size]
	items := 10000
	d := benchkit.RandomData(s, items, 1000, pairs, 1)
	m, err := benchkit.New(kind, s, d, 2)
	if err != nil {
		b.Fatal(err)
	}
	return m, d
}

func report(b *testing.B, pairs int, flopsPerPair float64) {
	sec := b.Elapsed().Seconds()
	if sec == 0 {
		return
	}
	n := float64(pairs) * float64(b.N)
	b.ReportMetric(n/sec, "pairs/s")
	b.ReportMetric(n*flopsPerPair/sec/1e9, "GFLOP/s")
}

// BenchmarkStep times one training step: zero the gradients, forward and backward over one
// mini-batch, one AdamW update.
func BenchmarkStep(b *testing.B) {
	for _, kind := range []string{"pal-a", "pal-b"} {
		for _, c := range benchCases {
			b.Run(fmt.Sprintf("%s/%s/batch=%d", kind, c.size, c.batch), func(b *testing.B) {
				m, d := benchSetup(b, kind, c.size, c.batch, 4*c.batch)
				pairs := d.Splits[datasets.Train]
				rng := models.NewRand(3, 0)
				m.Step(pairs[:c.batch], rng) // warm-up: workspaces reach their steady size
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					s := (i % 4) * c.batch
					m.Step(pairs[s:s+c.batch], rng)
				}
				report(b, c.batch, m.TrainFlopsPerPair)
			})
		}
	}
}

// BenchmarkEpoch times one epoch of models.Train (shuffle, every mini-batch step) over 16
// batches of pairs, without validation.
func BenchmarkEpoch(b *testing.B) {
	for _, kind := range []string{"pal-a", "pal-b"} {
		for _, c := range benchCases {
			b.Run(fmt.Sprintf("%s/%s/batch=%d", kind, c.size, c.batch), func(b *testing.B) {
				n := 16 * c.batch
				if c.size == "large" && c.batch == 4096 {
					n = 2 * c.batch // one epoch of 16 large batches takes minutes
				}
				m, d := benchSetup(b, kind, c.size, c.batch, n)
				tc := models.TrainConfig{Epochs: 1, BatchSize: c.batch}
				rng := models.NewRand(3, 0)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := models.Train(context.Background(), m.Obj, m.Opt, d.Splits[datasets.Train], nil, tc, rng); err != nil {
						b.Fatal(err)
					}
				}
				report(b, n, m.TrainFlopsPerPair)
			})
		}
	}
}

// BenchmarkEval times the evaluation loss (models.EvalLoss: forward only, no dropout) over
// 4 batches of pairs.
func BenchmarkEval(b *testing.B) {
	for _, kind := range []string{"pal-a", "pal-b"} {
		for _, c := range benchCases {
			b.Run(fmt.Sprintf("%s/%s/batch=%d", kind, c.size, c.batch), func(b *testing.B) {
				n := 4 * c.batch
				m, d := benchSetup(b, kind, c.size, c.batch, n)
				pairs := d.Splits[datasets.Train]
				models.EvalLoss(m.Obj, pairs)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					models.EvalLoss(m.Obj, pairs)
				}
				report(b, n, m.EvalFlopsPerPair)
			})
		}
	}
}

// BenchmarkGEMM measures the matrix-multiply rate, on 1 and 2 threads, at the shapes of the
// training step (rows x inner by inner x cols): the two sizes' forward products, the large
// size at batch 4096 with its 3 x 4096 rows, and PAL-A's mixture of prototypes (batch x K by
// K x D). float64: gonum's pure-Go Dgemm, and "dgemm", the build's float64 product as the
// models call it (gonum, or OpenBLAS with -tags openblas: what precision = "float64" and the
// prototype products use); float32: gonum, internal/sgemm (what float32 MLPs use in every
// build) and, with -tags openblas, OpenBLAS's sgemm. -short leaves out the 12288-row shape.
func BenchmarkGEMM(b *testing.B) {
	shapes := []struct{ m, k, n int }{{768, 64, 64}, {256, 3, 64}, {4096, 2, 1024}, {4096, 1024, 1024}, {12288, 1024, 1024}}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	defer models.ResetBLASThreads()
	for _, threads := range []int{1, 2} {
		runtime.GOMAXPROCS(threads) // gonum's goroutines
		models.SetBLASThreads(threads)
		for _, s := range shapes {
			if testing.Short() && s.m > 4096 {
				continue // gonum takes seconds a product at this size; make bench runs -short
			}
			flops := 2 * float64(s.m) * float64(s.k) * float64(s.n)
			shape := fmt.Sprintf("%dx%dx%d/threads=%d", s.m, s.k, s.n, threads)
			// run benchmarks one product: setup allocates its operands (outside the timing)
			// and returns the call that multiplies them.
			run := func(name string, setup func() func()) {
				b.Run(name+"/"+shape, func(b *testing.B) {
					product := setup()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						product()
					}
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
			run("float64", func() func() {
				a := blas64.General{Rows: s.m, Cols: s.k, Stride: s.k, Data: fill[float64](s.m*s.k, 7)}
				w := blas64.General{Rows: s.k, Cols: s.n, Stride: s.n, Data: fill[float64](s.k*s.n, 5)}
				c := blas64.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: make([]float64, s.m*s.n)}
				return func() { blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a, w, 0, c) }
			})
			run("dgemm", func() func() {
				a := models.Matrix{Rows: s.m, Cols: s.k, Data: fill[float64](s.m*s.k, 7)}
				w := models.Matrix{Rows: s.k, Cols: s.n, Data: fill[float64](s.k*s.n, 5)}
				c := models.NewMatrix(s.m, s.n)
				return func() { models.Gemm(false, false, 1, a, w, 0, c) }
			})
			run("float32", func() func() {
				a := blas32.General{Rows: s.m, Cols: s.k, Stride: s.k, Data: fill[float32](s.m*s.k, 7)}
				w := blas32.General{Rows: s.k, Cols: s.n, Stride: s.n, Data: fill[float32](s.k*s.n, 5)}
				c := blas32.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: make([]float32, s.m*s.n)}
				return func() { blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, w, 0, c) }
			})
			sgemmWith := func(gemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) func() func() {
				return func() func() {
					a, w, c := fill[float32](s.m*s.k, 7), fill[float32](s.k*s.n, 5), make([]float32, s.m*s.n)
					return func() { gemm(false, false, s.m, s.n, s.k, 1, a, s.k, w, s.n, 0, c, s.n) }
				}
			}
			run("sgemm", sgemmWith(sgemm.Gemm))
			if models.OpenBLASSgemm != nil {
				run("openblas-float32", sgemmWith(models.OpenBLASSgemm))
			}
		}
	}
}

// fill returns n small whole numbers cycling with period mod around zero: the same operands on
// every run and in both precisions.
func fill[T float32 | float64](n, mod int) []T {
	x := make([]T, n)
	for i := range x {
		x[i] = T(i%mod) - T(mod/2)
	}
	return x
}
