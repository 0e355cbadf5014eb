//go:build amd64 && !purego

#include "textflag.h"

// func transpose4x8(dst *float32, w int, src *float32, ld int, nblk int)
// For r < 4 and p < 8*nblk: dst[p*w+r] = src[r*ld+p]. Each block loads
// 8 floats of 4 rows, transposes them in registers (unpack ps/pd) and
// stores 8 runs of 4 floats. Needs AVX.
TEXT ·transpose4x8(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), R10
	SHLQ $2, R10             // dst step per p, bytes
	MOVQ src+16(FP), SI
	MOVQ ld+24(FP), R8
	SHLQ $2, R8              // row stride, bytes
	MOVQ nblk+32(FP), CX
	LEAQ (R8)(R8*2), R9      // 3 rows
	LEAQ (R10)(R10*2), R11   // 3 p steps
	MOVQ R10, R12
	SHLQ $3, R12             // 8 p steps
	TESTQ CX, CX
	JEQ done
loop:
	VMOVUPS (SI), Y0         // a0..a7
	VMOVUPS (SI)(R8*1), Y1   // b0..b7
	VMOVUPS (SI)(R8*2), Y2   // c0..c7
	VMOVUPS (SI)(R9*1), Y3   // d0..d7
	VUNPCKLPS Y1, Y0, Y4     // a0 b0 a1 b1 | a4 b4 a5 b5
	VUNPCKHPS Y1, Y0, Y5     // a2 b2 a3 b3 | a6 b6 a7 b7
	VUNPCKLPS Y3, Y2, Y6     // c0 d0 c1 d1 | c4 d4 c5 d5
	VUNPCKHPS Y3, Y2, Y7     // c2 d2 c3 d3 | c6 d6 c7 d7
	VUNPCKLPD Y6, Y4, Y0     // p0 | p4
	VUNPCKHPD Y6, Y4, Y1     // p1 | p5
	VUNPCKLPD Y7, Y5, Y2     // p2 | p6
	VUNPCKHPD Y7, Y5, Y3     // p3 | p7
	LEAQ (DI)(R10*4), DX     // p4
	VMOVUPS X0, (DI)
	VMOVUPS X1, (DI)(R10*1)
	VMOVUPS X2, (DI)(R10*2)
	VMOVUPS X3, (DI)(R11*1)
	VEXTRACTF128 $1, Y0, (DX)
	VEXTRACTF128 $1, Y1, (DX)(R10*1)
	VEXTRACTF128 $1, Y2, (DX)(R10*2)
	VEXTRACTF128 $1, Y3, (DX)(R11*1)
	ADDQ $32, SI
	ADDQ R12, DI
	DECQ CX
	JNE loop
	VZEROUPPER
done:
	RET

// func copyPack512(dst *float32, w int, src *float32, ld int, rows int, kb int)
// For p < kb: dst[p*w+r] = src[p*ld+r] for r < rows, 0 for rows <= r < w.
// Requires 1 <= rows <= w <= 32 and AVX-512F. Masked loads do not touch
// memory outside the rows elements, masked stores none outside w.
TEXT ·copyPack512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), R10
	MOVQ src+16(FP), SI
	MOVQ ld+24(FP), R8
	SHLQ $2, R8
	MOVQ rows+32(FP), R11
	MOVQ kb+40(FP), DX
	// Load masks: K1 = lanes [0, min(rows,16)), K2 = lanes [0, rows-16).
	MOVQ R11, CX
	CMPQ CX, $16
	JLE  rowsle16
	MOVQ $16, CX
rowsle16:
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	MOVQ R11, CX
	SUBQ $16, CX
	JGE  rowsgt16
	XORQ CX, CX
rowsgt16:
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K2
	// Store masks from w the same way: K3, K4.
	MOVQ R10, CX
	CMPQ CX, $16
	JLE  wle16
	MOVQ $16, CX
wle16:
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K3
	MOVQ R10, CX
	SUBQ $16, CX
	JGE  wgt16
	XORQ CX, CX
wgt16:
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K4
	SHLQ $2, R10
	TESTQ DX, DX
	JEQ done
loop:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS Z0, K3, (DI)
	VMOVUPS Z1, K4, 64(DI)
	ADDQ R8, SI
	ADDQ R10, DI
	DECQ DX
	JNE loop
	VZEROUPPER
done:
	RET
