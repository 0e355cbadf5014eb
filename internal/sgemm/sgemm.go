// Package sgemm is a placeholder of the fast float32 GEMM (being written on branch sgemm),
// with the final API, on gonum's float32 GEMM.
package sgemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	gonum.Implementation{}.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SetThreads sets the maximum goroutines of one call.
func SetThreads(n int) {}

// Kernel names the micro-kernel in use.
func Kernel() string { return "generic" }
