//go:build !openblas

package models

import (
	"github.com/pal-harness/pal/internal/sgemm"
	"gonum.org/v1/gonum/blas/gonum"
)

// BLAS names the matrix-multiply library of this build: gonum's pure Go for float64 and the
// sgemm package (Go assembly kernels) for float32, whose threads follow GOMAXPROCS and whose
// results do not depend on them.
const BLAS = "gonum"

var blasImpl = gonum.Implementation{}

// sgemmFunc is the float32 matrix multiply (row-major, sgemm.Gemm's signature).
var sgemmFunc = sgemm.Gemm

// sgemmRowSubsetExact: sgemm computes every element of a product the same way whatever the
// number of rows (its determinism contract).
const sgemmRowSubsetExact = true

// SetBLASThreads sets the most goroutines one float32 product may use (sgemm.SetThreads; the
// default is GOMAXPROCS). gonum's float64 products follow GOMAXPROCS.
func SetBLASThreads(n int) { sgemm.SetThreads(n) }
