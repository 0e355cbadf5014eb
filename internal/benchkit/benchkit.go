// Package benchkit sets up the training-speed benchmarks of issue 5 on random data: the two
// model sizes, a random data set, one training step, and the count of floating-point
// operations a step performs. The go test benchmarks of models and the bench/gobench command
// (which bench/torch_compare.py runs beside PyTorch) share it, so both time the same work.
// It is not for experiments: the data has no structure to learn.
package benchkit

import (
	"fmt"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
)

// Size is one benchmark size of issue 5.
//
// Our MLPConfig has a single Width for the hidden layers and the output, so "small" (the
// issue's D 64, hidden 64, latent 16) maps to hidden = output = 64; bench/torch_compare.py
// builds the same shape (latent 64), so both sides do the same arithmetic.
type Size struct {
	Name     string
	Dim      int // item (and prompt) embedding dimension D
	Layers   int // hidden blocks before the final linear layer
	Width    int // hidden and output width
	K        int
	Residual bool
	// Precision of the MLPs (models.Float32 or models.Float64); empty means float32.
	Precision string
}

// Sizes are the two sizes.
var Sizes = map[string]Size{
	"small": {Name: "small", Dim: 64, Layers: 1, Width: 64, K: 3},
	"large": {Name: "large", Dim: 1024, Layers: 2, Width: 1024, K: 2, Residual: true},
}

// Users is the number of (seen) users of the random data.
const Users = 100

// RandomData draws items x prompts N(0, 1) of dimension s.Dim and n random training pairs
// (every pair with a prompt, so both PAL kinds train on it), deterministically from seed.
func RandomData(s Size, items, prompts, n int, seed uint64) *datasets.Data {
	r := seeds.PCG(seed, seeds.BenchData)
	d := &datasets.Data{Name: "bench-" + s.Name, Dim: s.Dim, PromptDim: s.Dim,
		Items: make([]float32, items*s.Dim), Prompts: make([]float32, prompts*s.Dim),
		Splits: map[datasets.Split][]datasets.Pair{}}
	for i := range d.Items {
		d.Items[i] = float32(r.NormFloat64())
	}
	for i := range d.Prompts {
		d.Prompts[i] = float32(r.NormFloat64())
	}
	for u := 0; u < Users; u++ {
		d.Users = append(d.Users, datasets.User{ID: fmt.Sprintf("u%04d", u), Seen: true, Group: -1})
	}
	pairs := make([]datasets.Pair, n)
	for i := range pairs {
		l := r.IntN(items)
		pairs[i] = datasets.Pair{User: r.IntN(Users), Left: l, Right: (l + 1 + r.IntN(items-1)) % items,
			Prompt: r.IntN(prompts), LeftPreferred: r.IntN(2) == 0}
	}
	d.Splits[datasets.Train] = pairs
	return d
}

// Model is a model under benchmark: its objective and optimiser, and the floating-point
// operations of one training step and one evaluation batch per pair.
type Model struct {
	Obj    models.Objective
	Opt    *models.Adam
	params []*models.Param
	// TrainFlopsPerPair and EvalFlopsPerPair count the multiply-adds (2 flops each) of the
	// matrix products of a step, divided by the batch size; see Flops.
	TrainFlopsPerPair, EvalFlopsPerPair float64
}

// New builds kind ("pal-a" or "pal-b") at size s on d with the default PAL options (PAL-A:
// f(Pw), dist, hinge; PAL-B: angle, cross-entropy), dropout 0, and AdamW with the models'
// parameter groups.
func New(kind string, s Size, d *datasets.Data, seed uint64) (*Model, error) {
	mlp := models.MLPConfig{Layers: s.Layers, Width: s.Width, Activation: "relu", Residual: s.Residual, Precision: s.Precision}
	rng := models.NewRand(seed, seeds.FitStream)
	groups := map[string]models.GroupHyper{"mlp": {LR: 1e-4, WeightDecay: 0.01}, "user": {LR: 5e-3}, "scale": {LR: 0.1}}
	var obj models.Objective
	switch kind {
	case "pal-a":
		c := models.DefaultPALA()
		c.K, c.MLPConfig = s.K, mlp
		m, err := models.NewPALA(c, d, rng)
		if err != nil {
			return nil, err
		}
		obj = m
	case "pal-b":
		c := models.DefaultPALB()
		c.K, c.MLPConfig = s.K, mlp
		m, err := models.NewPALB(c, d, rng)
		if err != nil {
			return nil, err
		}
		obj = m
	default:
		return nil, fmt.Errorf("model %q: want pal-a or pal-b", kind)
	}
	fwd := Flops(kind, s)
	return &Model{Obj: obj, Opt: models.NewAdam(obj.Params(), groups), params: obj.Params(), TrainFlopsPerPair: 3 * fwd, EvalFlopsPerPair: fwd}, nil
}

// Flops is the forward flops per pair of kind at size s: 2*m*n*k for every matrix product of
// the forward pass (m rows of a batch, an m x k input times a k x n weight), divided by the
// batch size. Per pair, PAL-A maps three rows through f (left item, right item, mixed
// prototype w^T P) after the 1 x K by K x D product w^T P; PAL-B maps two rows through f and
// one prompt row through each of the K maps g_k. Each MLP row costs 2*(D*W + (L-1)*W*W + W*W)
// for L hidden layers. A training step is counted as 3x the forward flops: the backward pass
// of each product computes the weight gradient (x^T dy) and the input gradient (dy W^T), each
// as large as the forward product. Element-wise work (activations, distances, softmax, AdamW)
// is not counted: the figure is comparable with a GEMM rate, not a total operation count.
func Flops(kind string, s Size) float64 {
	row := 2 * float64(s.Dim*s.Width+s.Layers*s.Width*s.Width)
	switch kind {
	case "pal-a":
		return 3*row + 2*float64(s.K*s.Dim)
	default:
		return float64(2+s.K) * row
	}
}

// Step runs one training step (zero gradients, forward and backward over pairs, AdamW update)
// and returns the loss.
func (m *Model) Step(pairs []datasets.Pair, rng *rand.Rand) float64 {
	for _, p := range m.params {
		clear(p.Grad)
	}
	loss := m.Obj.BatchLoss(pairs, rng, true)
	m.Opt.Step()
	return loss
}
