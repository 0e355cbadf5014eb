//go:build !openblas

package models

import "gonum.org/v1/gonum/blas/gonum"

// BLAS names the matrix-multiply library of this build: gonum's pure Go, whose threads follow
// GOMAXPROCS and whose results do not depend on them.
const BLAS = "gonum"

var blasImpl = gonum.Implementation{}

// SetBLASThreads sets the threads of the BLAS library where it has its own (OpenBLAS); gonum
// uses GOMAXPROCS, so here it does nothing.
func SetBLASThreads(n int) {}
