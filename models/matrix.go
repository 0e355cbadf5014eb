package models

import (
	"github.com/pal-harness/pal/internal/par"
	"github.com/pal-harness/pal/internal/sgemm"
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
	if BLAS == "gonum" && gemmParallel(m, n) && alpha != 0 && k > 0 {
		gonumBlocks(ta, tb, m, n, k, alpha, A.Data, lda, B.Data, ldb, beta, C.Data, ldc)
		return
	}
	dgemm.Dgemm(ta, tb, m, n, k, alpha, A.Data, lda, B.Data, ldb, beta, C.Data, ldc)
}

// gonumBlocks is gonum's Dgemm for a product large enough for its parallel path, computed
// the way that path computes it: C scaled by beta, then each gonumBlock x gonumBlock block of
// C accumulates alpha*op(A)op(B) over k in pieces of gonumBlock, in order, each piece one call
// small enough for gonum's serial kernel. So the bits are gonum's at any size; what differs is
// who runs the blocks: gonum starts a goroutine per block (an allocation each: about 2,200 per
// PAL-A step at the large size, and more cost than arithmetic for the thin B x K by K x D
// mixtures of a step); here large products spread whole blocks over internal/par's workers
// and small ones run on the caller.
func gonumBlocks(ta, tb blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	sgemm.ScaleC(m, n, beta, c, ldc)
	p := gonumProduct{ta, tb, m, n, k, alpha, a, lda, b, ldb, c, ldc}
	blocks := (m + gonumBlock - 1) / gonumBlock * p.colBlocks()
	// Blocks per part: about gonumParWork multiply-adds each (edge blocks hold less than
	// 64 x 64, so the grain comes from the whole product's work).
	if grain := max(1, blocks*gonumParWork/max(1, m*n*k)); par.Parts(blocks, grain) > 1 {
		par.For(blocks, grain, p.blocks) // the method value allocates; only large products get here
		return
	}
	p.blocks(0, blocks)
}

// gonumProduct is the arguments of a gonumBlocks call after C was scaled.
type gonumProduct struct {
	ta, tb  blas.Transpose
	m, n, k int
	alpha   float64
	a       []float64
	lda     int
	b       []float64
	ldb     int
	c       []float64
	ldc     int
}

func (p gonumProduct) colBlocks() int { return (p.n + gonumBlock - 1) / gonumBlock }

// blocks computes blocks [lo, hi) of C, numbered row-major over the grid of blocks.
func (p gonumProduct) blocks(lo, hi int) {
	bn := p.colBlocks()
	for blk := lo; blk < hi; blk++ {
		i, j := blk/bn*gonumBlock, blk%bn*gonumBlock
		mi, nj := min(gonumBlock, p.m-i), min(gonumBlock, p.n-j)
		for l := 0; l < p.k; l += gonumBlock {
			kl := min(gonumBlock, p.k-l)
			ai, bi := i*p.lda+l, l*p.ldb+j
			if p.ta == blas.Trans {
				ai = l*p.lda + i
			}
			if p.tb == blas.Trans {
				bi = j*p.ldb + l
			}
			dgemm.Dgemm(p.ta, p.tb, mi, nj, kl, p.alpha, p.a[ai:], p.lda, p.b[bi:], p.ldb, 1, p.c[i*p.ldc+j:], p.ldc)
		}
	}
}

// gonumParWork is the multiply-adds (about 0.1 ms of gonum's serial kernel) below which a
// float64 product is not split over goroutines.
const gonumParWork = 1 << 18

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
