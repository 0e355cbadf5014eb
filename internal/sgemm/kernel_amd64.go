//go:build amd64 && !purego

package sgemm

import "golang.org/x/sys/cpu"

//go:generate go run asmgen.go

// kernAVX512 is the 12 x 32 AVX-512 micro-kernel (24 ZMM accumulators).
//
//go:noescape
func kernAVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// kernAVX2 is the 6 x 16 AVX2+FMA micro-kernel (12 YMM accumulators).
//
//go:noescape
func kernAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)

var avx512Kernel = &kernel{
	name: "avx512",
	mr:   12, nr: 32,
	// For n <= 1024 the packed B block kc x n (<= 1 MiB) stays in L2 and
	// the A micro-panel mr x kc = 12 KiB in L1 (48 KiB); for wider n, the
	// B micro-panel kc x nr = 32 KiB stays in L1 and the A block
	// mc x kc = 480 KiB in L2 (see macro). Columns innermost up to 1 MiB of
	// packed B measured 0-10% (typically 3-5%) faster than B-panel-outer on
	// a 2-vCPU Sapphire Rapids VM at n = 1024 (NN/NT m = 4096..12288,
	// k = 1024; TN k = 12288), in paired in-process runs.
	kc: 256, mc: 480, nc: 4096, colsInner: 256 << 10,
	fn: kernAVX512,
}

var avx2Kernel = &kernel{
	name: "avx2",
	mr:   6, nr: 16,
	kc: 256, mc: 240, nc: 4096, colsInner: 16 << 10,
	fn: kernAVX2,
}

func init() {
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL:
		active = avx512Kernel
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		active = avx2Kernel
	default:
		active = genericKernel
	}
}

// kernels lists every kernel this machine can run (tests check them all).
func kernels() []*kernel {
	ks := []*kernel{genericKernel}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernel)
	}
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL {
		ks = append(ks, avx512Kernel)
	}
	return ks
}

// transpose4x8 sets dst[p*w+r] = src[r*ld+p] for r < 4, p < 8*nblk (AVX).
//
//go:noescape
func transpose4x8(dst *float32, w int, src *float32, ld int, nblk int)

var hasAVX = cpu.X86.HasAVX

// copyPack512 sets dst[p*w+r] = src[p*ld+r] for r < rows and 0 for
// rows <= r < w, p < kb (1 <= rows <= w <= 32, AVX-512F).
//
//go:noescape
func copyPack512(dst *float32, w int, src *float32, ld int, rows int, kb int)

var hasAVX512 = cpu.X86.HasAVX512F

// copyPack writes dst[p*w+r] = src[p*ld+r] for r < rows, and zero for
// rows <= r < w, p < kb.
func copyPack(dst []float32, w int, src []float32, ld, rows, kb int) {
	if !hasAVX512 || w > 32 || rows < 1 || kb < 1 {
		copyPackGo(dst, w, src, ld, rows, kb)
		return
	}
	_ = dst[kb*w-1]
	_ = src[(kb-1)*ld+rows-1]
	copyPack512(&dst[0], w, &src[0], ld, rows, kb)
}

// transposePack writes dst[p*w+r] = src[r*ld+p] for r < rows, p < kb, and
// zero for rows <= r < w. Whole groups of 4 rows x 8 k-steps go through the
// AVX transpose; the rest through the Go loop. Packing only moves values,
// so how it is done does not change any result bit.
func transposePack(dst []float32, w int, src []float32, ld, rows, kb int) {
	kb8, rows4 := kb&^7, rows&^3
	if !hasAVX || kb8 == 0 || rows4 == 0 {
		transposePackGo(dst, w, src, ld, rows, kb)
		return
	}
	_ = dst[(kb8-1)*w+rows4-1]
	for r := 0; r < rows4; r += 4 {
		_ = src[(r+3)*ld+kb8-1]
		transpose4x8(&dst[r], w, &src[r*ld], ld, kb8/8)
	}
	if kb8 < kb {
		// Remaining k steps of the first rows4 rows.
		transposePackGo(dst[kb8*w:], w, src[kb8:], ld, rows4, kb-kb8)
		// transposePackGo zeroed rows4..w of those steps; the remaining
		// rows are written below.
	}
	transposeRowsGo(dst, w, src, ld, rows4, rows, kb, kb8)
}
