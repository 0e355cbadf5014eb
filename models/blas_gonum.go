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

// BLASKernels is empty: gonum's pure Go runs the same code on every CPU.
func BLASKernels() string { return "" }

var blasImpl = gonum.Implementation{}

// dgemmRowSubsetExact tells whether an m x n float64 product with inner dimension k computes
// each row as the (mSub x n) product over a subset of its rows does: for gonum, when its
// serial and parallel paths agree (sameGemmPath).
func dgemmRowSubsetExact(m, mSub, n, k int) bool { return sameGemmPath(m, mSub, n, k) }

// SetBLASThreads sets the most goroutines one float32 product may use (sgemm.SetThreads; the
// default is GOMAXPROCS). gonum's float64 products follow GOMAXPROCS. Results do not change.
func SetBLASThreads(n int) { sgemm.SetThreads(n) }

// resetBLASThreads restores the default thread counts.
func resetBLASThreads() { sgemm.SetThreads(runtime.GOMAXPROCS(0)) }
