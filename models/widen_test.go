package models

import (
	"fmt"
	"math"
	"math/rand/v2"
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
}

// TestInputMatchesForwardTape: filling an MLP's Input from float32 and float64 rows gives the
// bits of ForwardTape on the same rows as one float64 matrix, in both precisions, and so does
// the backward pass after it.
func TestInputMatchesForwardTape(t *testing.T) {
	for _, prec := range []string{Float32, Float64} {
		rng := rand.New(rand.NewPCG(3, 4))
		m, err := NewMLP("f", "mlp", 5, MLPConfig{Layers: 1, Width: 6, Activation: "relu", Precision: prec}, rng)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]float32, 4*5)
		for i := range items {
			items[i] = float32(rng.NormFloat64())
		}
		extra := randMatrix(rng, 2, 5) // float64 rows, like PAL-A's mixed prototypes
		x := NewMatrix(6, 5)
		widen(x.Data, items)
		copy(x.Data[4*5:], extra.Data)

		var t1, t2 Tape
		want := m.ForwardTape(&t1, x, nil)
		in := m.Input(&t2, 6, 5)
		in.SetRows32(0, items[:2*5])
		in.SetRows32(2, items[2*5:])
		in.SetRows64(4, extra.Data)
		got := m.ForwardInput(&t2, nil)
		for i := range want.Data {
			if math.Float64bits(got.Data[i]) != math.Float64bits(want.Data[i]) {
				t.Fatalf("%s: output[%d] = %v through Input, %v through ForwardTape", prec, i, got.Data[i], want.Data[i])
			}
		}
		dout := randMatrix(rng, 6, 6)
		dWant := append([]float64(nil), m.BackwardRows(&t1, dout, 2).Data...)
		dGot := m.BackwardRows(&t2, dout, 2).Data
		for i := range dWant {
			if math.Float64bits(dGot[i]) != math.Float64bits(dWant[i]) {
				t.Fatalf("%s: input gradient[%d] = %v through Input, %v through ForwardTape", prec, i, dGot[i], dWant[i])
			}
		}
	}
}

// TestReluBackward: the branch-free ReLU derivative equals d*activateGrad bit for bit, at the
// special values too.
func TestReluBackward(t *testing.T) {
	vals := []float64{1, -1, 0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-40, -1e-40, 5e-324, -5e-324, math.MaxFloat64, math.SmallestNonzeroFloat64}
	grads := []float64{2, -3, 0, math.Copysign(0, -1), math.NaN()}
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b) }
	for _, v := range vals {
		for _, g := range grads {
			want := g * activateGrad("relu", v)
			d64 := []float64{g}
			reluBackward([]float64{v}, d64)
			d32 := []float32{float32(g)}
			reluBackward([]float32{float32(v)}, d32)
			want32 := float32(g) * float32(activateGrad("relu", float64(float32(v))))
			if !same(d64[0], want) || !same(float64(d32[0]), float64(want32)) {
				t.Errorf("z=%v d=%v: float64 %v (want %v), float32 %v (want %v)", v, g, d64[0], want, d32[0], want32)
			}
		}
	}
}

// TestReluForward: the branch-free ReLU equals max(0, z) bit for bit (NaN for NaN).
func TestReluForward(t *testing.T) {
	vals := []float64{1, -1, 0, math.Copysign(0, -1), math.NaN(), -math.NaN(), math.Inf(1), math.Inf(-1), 1e-40, -1e-40, 5e-324, -5e-324, math.MaxFloat64, -math.MaxFloat64, 3.5, -2.25}
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b) }
	for _, v := range vals {
		a64 := []float64{7}
		reluForward([]float64{v}, a64)
		a32 := []float32{7}
		reluForward([]float32{float32(v)}, a32)
		if !same(a64[0], max(0, v)) || !same(float64(a32[0]), float64(max(0, float32(v)))) {
			t.Errorf("z=%v: float64 %v (want %v), float32 %v (want %v)", v, a64[0], max(0, v), a32[0], max(0, float32(v)))
		}
	}
}

func TestNarrowWidenLengths(t *testing.T) {
	for n := 0; n < 11; n++ {
		src := make([]float64, n)
		for i := range src {
			src[i] = float64(i) + 0.1
		}
		f32 := make([]float32, n+1)
		f32[n] = -1
		narrow(f32, src)
		back := make([]float64, n+1)
		back[n] = -1
		widen(back, f32[:n])
		for i := range src {
			if f32[i] != float32(src[i]) || back[i] != float64(float32(src[i])) {
				t.Fatalf("n=%d i=%d: narrow %v widen %v", n, i, f32[i], back[i])
			}
		}
		if f32[n] != -1 || back[n] != -1 {
			t.Fatalf("n=%d: wrote past len(src)", n)
		}
	}
}

// TestFloat32MLPMatchesFloat64: a float32 MLP's output, input gradient and parameter
// gradients agree with the same MLP in float64 to float32 rounding, for every kind of block
// (ReLU and GELU, dropout, residual, several layers; batches large enough that the float32
// products cut k into several blocks).
func TestFloat32MLPMatchesFloat64(t *testing.T) {
	cases := []MLPConfig{
		{Layers: 0, Width: 9, Activation: "relu"},
		{Layers: 1, Width: 40, Activation: "relu"},
		{Layers: 2, Width: 33, Activation: "gelu"},
		{Layers: 2, Width: 300, Activation: "relu", Residual: true},
		{Layers: 1, Width: 17, Activation: "relu", Dropout: 0.3},
	}
	for _, cfg := range cases {
		in := 300
		if cfg.Residual {
			in = cfg.Width
		}
		var outs [2]Matrix
		var dins [2][]float64
		var grads [2][][]float64
		for pi, prec := range []string{Float64, Float32} {
			cfg.Precision = prec
			rng := rand.New(rand.NewPCG(7, 8))
			m, err := NewMLP("f", "mlp", in, cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			x := randMatrix(rng, 600, in)
			narrowed := make([]float32, len(x.Data)) // exact in both precisions
			narrow(narrowed, x.Data)
			widen(x.Data, narrowed)
			dout := randMatrix(rng, 600, cfg.Width)
			var tape Tape
			y := m.ForwardTape(&tape, x, rand.New(rand.NewPCG(9, 10)))
			outs[pi] = Matrix{y.Rows, y.Cols, append([]float64(nil), y.Data...)}
			dins[pi] = append([]float64(nil), m.Backward(&tape, dout).Data...)
			for _, p := range m.Params() {
				grads[pi] = append(grads[pi], p.Grad)
			}
		}
		name := fmt.Sprintf("%+v", cfg)
		closeAll := func(what string, a, b []float64) {
			var scale float64
			for _, v := range a {
				scale = max(scale, math.Abs(v))
			}
			for i := range a {
				if d := math.Abs(a[i] - b[i]); d > 1e-5*scale {
					t.Fatalf("%s %s[%d]: float64 %v, float32 %v (scale %v)", name, what, i, a[i], b[i], scale)
				}
			}
		}
		closeAll("output", outs[0].Data, outs[1].Data)
		closeAll("input gradient", dins[0], dins[1])
		for i := range grads[0] {
			closeAll(fmt.Sprintf("parameter %d gradient", i), grads[0][i], grads[1][i])
		}
	}
}
