package models

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// dgemm is the float64 matrix multiply of the build (blas_gonum.go or blas_openblas.go).
var dgemm blas.Float64Level3 = blasImpl

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

// gemm computes c = alpha*op(a)*op(b) + beta*c with the float64 BLAS of the build: gonum's
// pure-Go kernels by default, which give the same bits at any GOMAXPROCS (the determinism
// contract relies on it), or OpenBLAS's dgemm with the openblas build tag (blas_openblas.go),
// on one thread by default for the same reason.
func gemm(transA, transB bool, alpha float64, a, b Matrix, beta float64, c Matrix) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	A, B, C := a.general(), b.general(), c.general()
	m, n := C.Rows, C.Cols
	k := A.Cols
	if transA {
		k = A.Rows
	}
	lda, ldb, ldc := max(1, A.Stride), max(1, B.Stride), max(1, C.Stride)
	if BLAS == "gonum" && k <= gonumBlock && m*n*k <= smallGemm && gemmParallel(m, n) {
		// gonum starts a goroutine per 64 x 64 block of C once there are 4 blocks, which for the
		// tiny products of a training step (B x K by K x D mixtures) costs more than the
		// arithmetic. Pieces of at most 64 rows and 192 columns stay on its serial path, and
		// for k <= 64 both paths sum every element in the same order (see sameGemmPath): the
		// bits do not change.
		for i0 := 0; i0 < m; i0 += gonumBlock {
			mi := min(gonumBlock, m-i0)
			a := A.Data[i0*lda:]
			if transA {
				a = A.Data[i0:]
			}
			for j0 := 0; j0 < n; j0 += 3 * gonumBlock {
				nj := min(3*gonumBlock, n-j0)
				b := B.Data[j0:]
				if transB {
					b = B.Data[j0*ldb:]
				}
				dgemm.Dgemm(ta, tb, mi, nj, k, alpha, a, lda, b, ldb, beta, C.Data[i0*ldc+j0:], ldc)
			}
		}
		return
	}
	dgemm.Dgemm(ta, tb, m, n, k, alpha, A.Data, lda, B.Data, ldb, beta, C.Data, ldc)
}

// smallGemm is the most multiply-adds a float64 product may have to be cut into serial pieces.
const smallGemm = 1 << 20

// gonum v0.17's Dgemm (blas/gonum/dgemm.go) cuts C into blocks of gonumBlock x gonumBlock and
// works on them in parallel when there are at least gonumMinParBlocks of them, else serially.
// The result does not depend on GOMAXPROCS, but for op(B) = Bᵀ the two paths sum a dot
// product differently (in pieces of gonumBlock terms in parallel, in one piece serially), so
// a product over some of the rows of A can differ in the last bits from the same rows of the
// product over all of them when the two row counts fall on different sides of the threshold.
// sameGemmPath tells whether they do not.
const (
	gonumBlock        = 64
	gonumMinParBlocks = 4
)

func gemmParallel(m, n int) bool {
	blocks := func(x int) int { return (x + gonumBlock - 1) / gonumBlock }
	return blocks(m)*blocks(n) >= gonumMinParBlocks
}

// sameGemmPath reports whether an m x n product with inner dimension k sums every element in
// the same order as the (mSub x n) product over a subset of its rows.
func sameGemmPath(m, mSub, n, k int) bool {
	return k <= gonumBlock || gemmParallel(m, n) == gemmParallel(mSub, n)
}
