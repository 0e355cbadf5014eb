//go:build !amd64 || purego

package sgemm

func init() { active = genericKernel }

// kernels lists every kernel this machine can run (tests check them all).
func kernels() []*kernel { return []*kernel{genericKernel} }

func transposePack(dst []float32, w int, src []float32, ld, rows, kb int) {
	transposePackGo(dst, w, src, ld, rows, kb)
}

func copyPack(dst []float32, w int, src []float32, ld, rows, kb int) {
	copyPackGo(dst, w, src, ld, rows, kb)
}
