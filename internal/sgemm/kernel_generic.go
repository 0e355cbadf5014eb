package sgemm

import "unsafe"

// genericKernel is the pure Go micro-kernel, a 4 x 2 tile: 8 accumulators
// plus 6 operands fit the 15 SSE registers the Go compiler allocates on
// amd64 (a 4 x 4 tile spills on every step and runs at half the speed).
// It follows the same scheme as the assembly kernels: a plain in-order k
// sum per element in registers, then c = beta*c + alpha*acc (c = alpha*acc
// without reading c when beta == 0), the same expression for every element
// of the tile.
var genericKernel = &kernel{
	name: "generic",
	mr:   4, nr: 2,
	kc: 256, mc: 128, nc: 2048, colsInner: 16 << 10,
	fn: kernGeneric,
}

func kernGeneric(kc int, ap, bp, cp *float32, ldc int, alpha, beta float32) {
	a := unsafe.Slice(ap, 4*kc)
	b := unsafe.Slice(bp, 2*kc)
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	for len(a) >= 4 && len(b) >= 2 {
		b0, b1 := b[0], b[1]
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		a, b = a[4:], b[2:]
		c00 += a0 * b0
		c01 += a0 * b1
		c10 += a1 * b0
		c11 += a1 * b1
		c20 += a2 * b0
		c21 += a2 * b1
		c30 += a3 * b0
		c31 += a3 * b1
	}
	c := unsafe.Slice(cp, 3*ldc+2)
	updatePair(c[0:2:2], alpha, beta, c00, c01)
	updatePair(c[ldc:ldc+2:ldc+2], alpha, beta, c10, c11)
	updatePair(c[2*ldc:2*ldc+2:2*ldc+2], alpha, beta, c20, c21)
	updatePair(c[3*ldc:3*ldc+2:3*ldc+2], alpha, beta, c30, c31)
}

func updatePair(c []float32, alpha, beta float32, x0, x1 float32) {
	if beta == 0 {
		c[0] = alpha * x0
		c[1] = alpha * x1
		return
	}
	c[0] = beta*c[0] + alpha*x0
	c[1] = beta*c[1] + alpha*x1
}
