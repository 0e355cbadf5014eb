//go:build !purego

package sgemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// The AVX2 and AVX-512 kernels accumulate every element with one FMA per k step in the same k
// blocks, so they give the same bits: runs on a CPU with AVX2 reproduce runs made with AVX-512
// (REPRODUCE.md, "Which bits a machine reproduces"). The generic kernel rounds the product
// and the sum apart and differs.
func TestAVXKernelsGiveTheSameBits(t *testing.T) {
	if !(cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL) {
		t.Skip("needs a CPU with both AVX2+FMA and AVX-512 to compare the two kernels")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][3]int{{7, 9, 5}, {64, 33, 300}, {100, 70, 1030}} {
		m, n, k := sh[0], sh[1], sh[2]
		a, b := randMat(rng, m, k, k), randMat(rng, k, n, n)
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}} {
			lda, ldb := k, n
			if tr[0] {
				lda = m
			}
			if tr[1] {
				ldb = k
			}
			var outs [2][]float32
			for i, kn := range []*kernel{avx2Kernel, avx512Kernel} {
				useKernel(t, kn)
				outs[i] = make([]float32, m*n)
				Gemm(tr[0], tr[1], m, n, k, 0.5, a, lda, b, ldb, 0, outs[i], n)
			}
			for j := range outs[0] {
				if math.Float32bits(outs[0][j]) != math.Float32bits(outs[1][j]) {
					t.Fatalf("%v trans %v: element %d: avx2 %v, avx512 %v", sh, tr, j, outs[0][j], outs[1][j])
				}
			}
		}
	}
}
