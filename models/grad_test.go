package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pal-harness/pal/datasets"
)

// checkGrads compares the analytic gradients that backward() leaves in ps with central finite
// differences of loss(). loss must be deterministic (dropout masks drawn from a fresh,
// identically seeded source on every call).
func checkGrads(t *testing.T, name string, ps []*Param, loss func() float64, backward func()) {
	t.Helper()
	zeroGrads(ps)
	backward()
	const h = 1e-6
	worst := 0.0
	checked := 0
	for _, p := range ps {
		for i := range p.Value {
			num := FiniteDifference(p, i, h, loss)
			ana := p.Grad[i]
			// Central differences carry about 1e-10 of rounding noise at h = 1e-6 for losses of
			// order 1, so gradients that are exactly zero (the final bias of f cancels in every
			// distance) are compared in absolute terms.
			den := math.Max(math.Abs(num)+math.Abs(ana), 1e-3)
			rel := math.Abs(num-ana) / den
			if rel > worst {
				worst = rel
			}
			if rel > 1e-5 {
				t.Errorf("%s: %s[%d]: analytic %.10g, numeric %.10g (relative error %.2g)", name, p.Name, i, ana, num, rel)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatalf("%s: no parameter checked", name)
	}
	t.Logf("%s: %d gradients, worst relative error %.2g", name, checked, worst)
}

func randMatrix(rng *rand.Rand, r, c int) Matrix {
	m := NewMatrix(r, c)
	for i := range m.Data {
		m.Data[i] = rng.NormFloat64()
	}
	return m
}

func TestMLPGradients(t *testing.T) {
	cases := []MLPConfig{
		{Layers: 0, Width: 4, Activation: "relu", Precision: Float64},
		{Layers: 1, Width: 4, Activation: "relu", Precision: Float64},
		{Layers: 2, Width: 5, Activation: "gelu", Precision: Float64},
		{Layers: 2, Width: 3, Activation: "gelu", Residual: true, Precision: Float64},
		{Layers: 1, Width: 6, Activation: "relu", Dropout: 0.3, Precision: Float64},
	}
	for _, cfg := range cases {
		name := fmt.Sprintf("%+v", cfg)
		rng := rand.New(rand.NewPCG(1, 2))
		in := 3
		if cfg.Residual {
			in = cfg.Width
		}
		m, err := NewMLP("f", "mlp", in, cfg, rng)
		if err != nil {
			t.Fatal(err)
		}
		x := randMatrix(rng, 7, in)
		weights := randMatrix(rng, 7, cfg.Width) // loss = sum(out * weights)
		dropRng := func() *rand.Rand {
			if cfg.Dropout == 0 {
				return nil
			}
			return rand.New(rand.NewPCG(9, 9))
		}
		loss := func() float64 {
			out, _ := m.Forward(x, dropRng())
			var s float64
			for i, v := range out.Data {
				s += v * weights.Data[i]
			}
			return s
		}
		var dx Matrix
		backward := func() {
			_, tape := m.Forward(x, dropRng())
			dx = m.Backward(tape, weights)
		}
		// The input is checked as one more "parameter".
		xp := &Param{Name: "input", Value: x.Data, Grad: make([]float64, len(x.Data))}
		checkGrads(t, name, m.Params(), loss, backward)
		checkGrads(t, name+" input", []*Param{xp}, loss, func() { backward(); copy(xp.Grad, dx.Data) })
	}
}

// tinyData makes a small random data set with seen and unseen users for gradient checks.
func tinyData(rng *rand.Rand, dim int) *datasets.Data {
	d := &datasets.Data{Name: "tiny", Dim: dim, Splits: map[datasets.Split][]datasets.Pair{}}
	const items = 12
	d.Items = make([]float32, items*dim)
	for i := range d.Items {
		d.Items[i] = float32(rng.NormFloat64())
	}
	for u := 0; u < 5; u++ {
		d.Users = append(d.Users, datasets.User{ID: fmt.Sprint("u", u), Seen: u < 3, Group: -1})
		split := datasets.Train
		if u >= 3 {
			split = datasets.UnseenTrain
		}
		for j := 0; j < 4; j++ {
			l := rng.IntN(items)
			r := (l + 1 + rng.IntN(items-1)) % items
			d.Splits[split] = append(d.Splits[split], datasets.Pair{User: u, Left: l, Right: r, Prompt: -1, LeftPreferred: rng.IntN(2) == 0})
		}
	}
	return d
}

func TestPALAGradients(t *testing.T) {
	for _, ideal := range []string{"f(Pw)", "f(P)w"} {
		for _, loss := range []string{"hinge", "logistic"} {
			for _, mlp := range []MLPConfig{
				{Layers: 1, Width: 5, Activation: "gelu", Precision: Float64},
				{Layers: 2, Width: 4, Activation: "relu", Residual: true, Dropout: 0.2, Precision: Float64},
			} {
				for _, tau := range []float64{1, 0.5} {
					name := fmt.Sprintf("%s/%s/%+v/tau=%g", ideal, loss, mlp, tau)
					rng := rand.New(rand.NewPCG(3, 4))
					dim := 4
					d := tinyData(rng, dim)
					cfg := &PALAConfig{K: 3, IdealPoint: ideal, HeadConfig: HeadConfig{Score: "dist", Loss: loss}, MLPConfig: mlp, PALOptim: PALOptim{Tau: tau}}
					m, err := NewPALA(cfg, d, rng)
					if err != nil {
						t.Fatal(err)
					}
					// Move unseen weights off zero so their gradient path is exercised too.
					for i := range m.unseenW.Value {
						m.unseenW.Value[i] = rng.NormFloat64()
					}
					pairs := append(append([]datasets.Pair(nil), d.Splits[datasets.Train]...), d.Splits[datasets.UnseenTrain]...)
					dropRng := func() *rand.Rand {
						if mlp.Dropout == 0 {
							return nil
						}
						return rand.New(rand.NewPCG(5, 5))
					}
					lossFn := func() float64 { return m.batch(pairs, dropRng(), false, false) }
					checkGrads(t, name, m.Params(), lossFn, func() { m.batch(pairs, dropRng(), true, false) })

					// Frozen (few-shot) mode differentiates only the unseen users' weights.
					m.freeze()
					unseen := d.Splits[datasets.UnseenTrain]
					frozen := func() float64 { return m.batch(unseen, nil, false, false) }
					checkGrads(t, name+"/frozen", []*Param{m.unseenW}, frozen, func() { m.batch(unseen, nil, true, false) })
					m.itemCache, m.protoCache = nil, nil
				}
			}
		}
	}
}

func TestPairLossDerivative(t *testing.T) {
	for _, kind := range []string{"hinge", "smooth_hinge", "logistic", "cross_entropy"} {
		for _, m := range []float64{-7, -3, -0.4, 0.3, 0.7, 2.5, 40, -40} {
			for _, left := range []bool{true, false} {
				_, dm := PairLoss(kind, m, left)
				const h = 1e-6
				lp, _ := PairLoss(kind, m+h, left)
				lm, _ := PairLoss(kind, m-h, left)
				if num := (lp - lm) / (2 * h); math.Abs(num-dm) > 1e-6 {
					t.Errorf("%s m=%g left=%v: derivative %g, numeric %g", kind, m, left, dm, num)
				}
			}
		}
	}
	// The logistic loss must stay finite where a naive log(1+exp(-z)) overflows.
	if l, _ := PairLoss("logistic", -1000, true); math.IsInf(l, 0) || math.Abs(l-1000) > 1e-9 {
		t.Errorf("logistic loss at margin -1000: %g, want 1000", l)
	}
}

func TestAdamMatchesReference(t *testing.T) {
	// One parameter, constant gradient g: the first AdamW step moves it by lr*(wd*p + sign(g))
	// up to eps, whatever |g| is (bias correction makes m/sqrt(v) = g/|g|).
	p := &Param{Name: "p", Group: "g", Value: []float64{2}, Grad: []float64{0.37}}
	a := NewAdam([]*Param{p}, map[string]GroupHyper{"g": {LR: 0.1, WeightDecay: 0.5}})
	a.Step()
	want := 2*(1-0.1*0.5) - 0.1*0.37/(0.37+1e-8)
	if math.Abs(p.Value[0]-want) > 1e-12 {
		t.Fatalf("after one step: %.15g, want %.15g", p.Value[0], want)
	}
	// A parameter outside every group stays frozen.
	q := &Param{Name: "q", Group: "other", Value: []float64{1}, Grad: []float64{5}}
	NewAdam([]*Param{q}, map[string]GroupHyper{"g": {LR: 1}}).Step()
	if q.Value[0] != 1 {
		t.Fatalf("frozen parameter moved to %g", q.Value[0])
	}
}
