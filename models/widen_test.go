package models

import (
	"math"
	"testing"
)

// widened returns src as a new float64 slice (exactly), for tests that hand stored rows to
// float64 APIs.
func widened(src []float32) []float64 {
	out := make([]float64, len(src))
	widen(out, src)
	return out
}

func TestWiden(t *testing.T) {
	src := []float32{0, -1.5, 0.1, math.MaxFloat32, math.SmallestNonzeroFloat32}
	dst := make([]float64, len(src)+1)
	dst[len(src)] = 7
	widen(dst, src)
	for i, v := range src {
		if dst[i] != float64(v) {
			t.Errorf("dst[%d] = %v, want %v", i, dst[i], float64(v))
		}
	}
	if dst[len(src)] != 7 {
		t.Error("widen wrote past len(src)")
	}
	if m := widenMatrix(1, len(src), src); m.Rows != 1 || m.Cols != len(src) || m.Data[2] != float64(float32(0.1)) {
		t.Errorf("widenMatrix %+v", m)
	}
}
