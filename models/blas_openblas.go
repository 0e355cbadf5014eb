//go:build openblas

package models

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// BLAS names the matrix-multiply library of this build: OpenBLAS through gonum.org/v1/netlib
// (build tag openblas; Debian's libopenblas-dev). OpenBLAS's results differ in the last bits
// from gonum's and between thread counts, so it runs on one thread unless SetBLASThreads says
// otherwise: metrics are then bit-identical at any -j and across reruns on one machine, and
// -j supplies the parallelism across runs.
const BLAS = "openblas"

var blasImpl = netlib.Implementation{}

func init() { SetBLASThreads(1) }

// sgemmFunc is the float32 matrix multiply: OpenBLAS's sgemm.
func sgemmFunc(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	blasImpl.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmRowSubsetExact: OpenBLAS makes no promise that a row of a product does not depend on
// the other rows (its kernels treat edge blocks differently), so a partial input gradient is
// computed as part of the full product.
const sgemmRowSubsetExact = false

// SetBLASThreads sets the number of threads OpenBLAS uses for one product (process-wide).
func SetBLASThreads(n int) { C.openblas_set_num_threads(C.int(max(1, n))) }
