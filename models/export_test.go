package models

// Hooks for the benchmarks of package models_test (bench_test.go).

// Gemm is the build's float64 matrix multiply (gonum's Dgemm, or OpenBLAS's with the openblas
// build tag), as the models call it.
var Gemm = gemm

// OpenBLASSgemm is OpenBLAS's float32 matrix multiply in the openblas build (set by
// blas_openblas_test.go), nil in the default build.
var OpenBLASSgemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// ResetBLASThreads restores the thread counts of the build's matrix products to their
// defaults after a benchmark changed them with SetBLASThreads.
var ResetBLASThreads = resetBLASThreads
