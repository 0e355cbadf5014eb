//go:build openblas

package models

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
// char* openblas_get_corename(void);
import "C"

import (
	"runtime"

	"github.com/pal-harness/pal/internal/sgemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// BLAS names the matrix-multiply library of this build's float64 products: OpenBLAS's dgemm
// through gonum.org/v1/netlib (build tag openblas; Debian's libopenblas-dev), which measured
// faster than gonum's pure Go at the large float64 shapes and about as fast at the small ones
// with the SSE3 kernels it picks on a CPU it does not recognise, and several times faster with
// its AVX-512 kernels (BENCHMARKS.md, "OpenBLAS"). float32 products stay on the sgemm package,
// as in the default build: it measured several times faster than OpenBLAS's own choice of
// kernels and as fast as its AVX-512 ones at the MLPs' shapes, and its results do not depend
// on the thread count or on the other rows of a product.
//
// OpenBLAS's float64 results differ in the last bits from gonum's, so runs of this build do
// not reproduce the default build's metrics to the bit. OpenBLAS runs on one thread unless
// SetBLASThreads says otherwise: metrics are then bit-identical across reruns and at any -j
// on one machine, and -j supplies the parallelism across runs.
const BLAS = "openblas"

var blasImpl = netlib.Implementation{}

// BLASKernels names the kernels OpenBLAS picked for this CPU ("Prescott", "SkylakeX"; the
// environment variable OPENBLAS_CORETYPE forces them). Its float64 results, and so PAL-A's
// metrics, depend on them: runs reproduce one another to the bit only with the same kernels.
func BLASKernels() string { return C.GoString(C.openblas_get_corename()) }

func init() { C.openblas_set_num_threads(1) }

// dgemmRowSubsetExact: OpenBLAS makes no promise that a row of a product does not depend on
// the other rows (its kernels treat edge blocks differently), so a partial float64 input
// gradient is computed as part of the full product.
func dgemmRowSubsetExact(m, mSub, n, k int) bool { return false }

// openblasSgemm is OpenBLAS's float32 matrix multiply, which the models do not use; the
// benchmarks compare it with sgemm (BenchmarkGEMM).
func openblasSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	blasImpl.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SetBLASThreads sets the most threads one product may use: sgemm's goroutines for float32
// (default GOMAXPROCS; results do not change) and OpenBLAS's threads for float64 (default 1,
// process-wide; its results may then differ in the last bits).
func SetBLASThreads(n int) {
	sgemm.SetThreads(n)
	C.openblas_set_num_threads(C.int(max(1, n)))
}

// resetBLASThreads restores the default thread counts.
func resetBLASThreads() {
	sgemm.SetThreads(runtime.GOMAXPROCS(0))
	C.openblas_set_num_threads(1)
}
