//go:build !openblas

package models

import (
	"runtime"

	"github.com/pal-harness/pal/internal/sgemm"
	"gonum.org/v1/gonum/blas/gonum"
)

// BLAS names the matrix-multiply library of this build's float64 products: gonum's pure Go
// (the default build). float32 products go through the sgemm package (Go assembly kernels) in
// every build. Both give the same bits at any number of threads.
const BLAS = "gonum"

var blasImpl = gonum.Implementation{}

// sgemmFunc is the float32 matrix multiply (row-major, sgemm.Gemm's signature).
var sgemmFunc = sgemm.Gemm

// sgemmRowSubsetExact: sgemm computes every element of a product the same way whatever the
// number of rows (its determinism contract).
const sgemmRowSubsetExact = true

// dgemmRowSubsetExact tells whether an m x n float64 product with inner dimension k computes
// each row as the (mSub x n) product over a subset of its rows does: for gonum, when its
// serial and parallel paths agree (sameGemmPath).
func dgemmRowSubsetExact(m, mSub, n, k int) bool { return sameGemmPath(m, mSub, n, k) }

// SetBLASThreads sets the most goroutines one float32 product may use (sgemm.SetThreads; the
// default is GOMAXPROCS). gonum's float64 products follow GOMAXPROCS. Results do not change.
func SetBLASThreads(n int) { sgemm.SetThreads(n) }

// resetBLASThreads restores the default thread counts.
func resetBLASThreads() { sgemm.SetThreads(runtime.GOMAXPROCS(0)) }
