//go:build openblas

package models

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
import "C"

import "gonum.org/v1/netlib/blas/netlib"

// BLAS names the matrix-multiply library of this build: OpenBLAS through gonum.org/v1/netlib
// (build tag openblas; Debian's libopenblas-dev). OpenBLAS's results differ in the last bits
// from gonum's and between thread counts, so it runs on one thread unless SetBLASThreads says
// otherwise: metrics are then bit-identical at any -j and across reruns on one machine, and
// -j supplies the parallelism across runs.
const BLAS = "openblas"

var blasImpl = netlib.Implementation{}

func init() { SetBLASThreads(1) }

// SetBLASThreads sets the number of threads OpenBLAS uses for one product (process-wide).
func SetBLASThreads(n int) { C.openblas_set_num_threads(C.int(max(1, n))) }
