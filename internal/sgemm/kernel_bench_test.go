package sgemm

import (
	"fmt"
	"testing"
)

// BenchmarkKernel measures the micro-kernel alone on L1-resident panels
// (the ceiling for Gemm).
func BenchmarkKernel(b *testing.B) {
	for _, kern := range kernels() {
		for _, kc := range []int{64, kern.kc} {
			b.Run(fmt.Sprintf("%s/k%d", kern.name, kc), func(b *testing.B) {
				a := make([]float32, kern.mr*kc)
				bb := make([]float32, kern.nr*kc)
				c := make([]float32, kern.mr*kern.nr)
				for i := range a {
					a[i] = 1e-3
				}
				for i := range bb {
					bb[i] = 1e-3
				}
				for b.Loop() {
					kern.fn(kc, &a[0], &bb[0], &c[0], kern.nr, 1, 1)
				}
				b.ReportMetric(2*float64(kern.mr*kern.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkKernelParallel runs the kernel on every P at once (do the cores
// share FMA units?).
func BenchmarkKernelParallel(b *testing.B) {
	kern := active
	kc := kern.kc
	b.RunParallel(func(pb *testing.PB) {
		a := make([]float32, kern.mr*kc)
		bb := make([]float32, kern.nr*kc)
		c := make([]float32, kern.mr*kern.nr)
		for pb.Next() {
			kern.fn(kc, &a[0], &bb[0], &c[0], kern.nr, 1, 1)
		}
	})
	b.ReportMetric(2*float64(kern.mr*kern.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
