package models

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Matrix is a row-major dense matrix view over a flat slice: the batch layout of every model
// (one row per pair or item), small enough to pass by value.
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// NewMatrix allocates a zero rows x cols matrix.
func NewMatrix(rows, cols int) Matrix { return Matrix{rows, cols, make([]float64, rows*cols)} }

// Row returns row i as a view.
func (m Matrix) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

func (m Matrix) general() blas64.General {
	return blas64.General{Rows: m.Rows, Cols: m.Cols, Data: m.Data, Stride: m.Cols}
}

// gemm computes c = alpha*op(a)*op(b) + beta*c with gonum's BLAS, whose pure-Go kernels give
// the same bits at any GOMAXPROCS (the determinism contract relies on it).
func gemm(transA, transB bool, alpha float64, a, b Matrix, beta float64, c Matrix) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	blas64.Gemm(ta, tb, alpha, a.general(), b.general(), beta, c.general())
}
