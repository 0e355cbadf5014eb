package baselines

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

func TestBTLGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	d := &datasets.Data{Name: "tiny", Dim: 3, Items: make([]float32, 30), Users: []datasets.User{{ID: "a", Seen: true, Group: -1}}}
	for i := range d.Items {
		d.Items[i] = float32(rng.NormFloat64())
	}
	var pairs []datasets.Pair
	for j := 0; j < 8; j++ {
		pairs = append(pairs, datasets.Pair{Left: j, Right: (j + 3) % 10, Prompt: -1, LeftPreferred: j%3 == 0})
	}
	for _, cfg := range []BTLConfig{
		{Map: "linear", MLPConfig: models.MLPConfig{Precision: models.Float64}},
		{Map: "mlp", MLPConfig: models.MLPConfig{Layers: 2, Width: 4, Activation: "gelu", Precision: models.Float64}},
	} {
		b, err := NewBTL(&cfg, d, rng)
		if err != nil {
			t.Fatal(err)
		}
		ps := b.Params()
		for _, p := range ps {
			clear(p.Grad)
		}
		b.BatchLoss(pairs, nil, true)
		const h = 1e-6
		for _, p := range ps {
			for i := range p.Value {
				num := models.FiniteDifference(p, i, h, func() float64 { return b.BatchLoss(pairs, nil, false) })
				if math.Abs(num-p.Grad[i]) > 1e-6*math.Max(1, math.Abs(num)) {
					t.Errorf("%s: %s[%d]: analytic %g, numeric %g", fmt.Sprint(cfg.Map), p.Name, i, p.Grad[i], num)
				}
			}
		}
	}
}
