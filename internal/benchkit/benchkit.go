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
	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps"
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

// New builds the model kind (a registered kind whose config is models.Trainable and
// models.FlopCounter: "pal-a", "pal-b", "btl") at size s on d: the kind's default config with
// the size's K, depth, width, residual and precision where the kind has those keys, dropout 0,
// and Adam with the kind's parameter groups.
func New(kind string, s Size, d *datasets.Data, seed uint64) (*Model, error) {
	cfg, err := Config(kind, s)
	if err != nil {
		return nil, err
	}
	tr, ok := cfg.(models.Trainable)
	fc, counts := cfg.(models.FlopCounter)
	if !ok || !counts {
		return nil, fmt.Errorf("model %q cannot be benchmarked: its config has no NewObjective or ForwardFlopsPerPair", kind)
	}
	obj, groups, err := tr.NewObjective(d, models.NewRand(seed, seeds.FitStream))
	if err != nil {
		return nil, err
	}
	fwd := fc.ForwardFlopsPerPair(datasets.Shape{Dim: d.Dim, PromptDim: d.PromptDim})
	return &Model{Obj: obj, Opt: models.NewAdam(obj.Params(), groups), params: obj.Params(), TrainFlopsPerPair: 3 * fwd, EvalFlopsPerPair: fwd}, nil
}

// Config is the registered kind's default config with the size's settings (the keys k,
// layers, width, residual, precision, activation and dropout, where the kind has them),
// decoded and checked by the registry as a spec's would be.
func Config(kind string, s Size) (any, error) {
	ctor, ok := experiment.Schema().Models[kind]
	if !ok {
		return nil, fmt.Errorf("model %q is not a registered kind", kind)
	}
	fields := sweeps.ConfigFields(ctor())
	precision := s.Precision
	if precision == "" {
		precision = models.Float32
	}
	for key, v := range map[string]any{"k": s.K, "layers": s.Layers, "width": s.Width, "residual": s.Residual,
		"precision": precision, "activation": "relu", "dropout": 0.0} {
		if _, has := fields[key]; has {
			fields[key] = v
		}
	}
	return experiment.DecodeModelConfig(kind, fields)
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
