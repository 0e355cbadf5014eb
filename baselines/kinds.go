package baselines

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

// The model kinds of this package (models.Kind): BTL, which can be saved and served by
// `pal score` (models.Saveable, models.Loadable), and imported scores.

// Fit implements models.Kind: FitBTLModel.
func (c *BTLConfig) Fit(ctx context.Context, in models.FitInput) (models.Fitted, error) {
	m, b, err := FitBTLModel(ctx, in.Data, c, in.Train, in.FewShot, in.Seed)
	if err != nil {
		return models.Fitted{}, err
	}
	return models.Fitted{Metrics: m, Model: b, Analysis: models.Analyze(b, in.Data, &m, "logistic")}, nil
}

// ModelFile implements models.Saveable: f (map = "mlp") and the linear head; no user weights.
func (b *BTL) ModelFile() models.ModelFile {
	ts := map[string]models.Tensor{}
	if b.f != nil {
		models.MLPTensors(b.f, ts)
	}
	models.MLPTensors(b.head, ts)
	return models.ModelFile{Kind: "btl", Data: b.ds, K: 0, Tensors: ts}
}

// NewServable implements models.Loadable.
func (c *BTLConfig) NewServable(d *datasets.Data) (models.Servable, error) {
	return NewBTL(c, d, models.NewRand(0, 0)) // initial values are overwritten by the file's
}

// Users implements models.Servable: BTL gives every user the same reward.
func (b *BTL) Users() *models.UserTable { return nil }

// ItemRewards implements models.Servable: r(x) of every row of items.
func (b *BTL) ItemRewards(items models.Matrix, prompt, w []float64) ([]float64, error) {
	if len(prompt) > 0 {
		return nil, fmt.Errorf("a btl model takes no prompt (it was given %d values)", len(prompt))
	}
	first, _ := b.firstLayer()
	var ft, ht models.Tape
	const chunk = 4096
	out := make([]float64, items.Rows)
	for s := 0; s < items.Rows; s += chunk {
		e := min(s+chunk, items.Rows)
		first.Input(&ft, e-s, items.Cols).SetRows64(0, items.Data[s*items.Cols:e*items.Cols])
		r := first.ForwardInput(&ft, nil)
		if b.f != nil {
			r = b.head.ForwardTape(&ht, r, nil)
		}
		copy(out[s:], r.Data)
	}
	return out, nil
}

// Fit implements models.Kind: the scores of cfg's file (relative to the spec) on the splits it
// lists.
func (c *ImportedConfig) Fit(ctx context.Context, in models.FitInput) (models.Fitted, error) {
	m, err := FitImported(ctx, in.Data, c.resolved(in.Env), in.FewShot, in.Data.Dir)
	return models.Fitted{Metrics: m}, err
}

// CheckData implements models.DataChecker: the file scores every pair of the evaluated splits.
func (c *ImportedConfig) CheckData(d *datasets.Data, env datasets.Env) error {
	_, err := LoadImported(c.resolved(env), d, d.Dir)
	return err
}

// resolved is the config with its score file's path resolved against the spec's folder.
func (c *ImportedConfig) resolved(env datasets.Env) *ImportedConfig {
	r := *c
	r.Path = env.Resolve(c.Path)
	return &r
}

// TrainsNothing implements models.Untrained: the scores were fitted elsewhere.
func (c *ImportedConfig) TrainsNothing() {}

// EstimateBytes implements models.MemoryEstimator: the reward MLP and its linear head, a batch
// of 2 rows a pair, and the reward of every item.
func (c *BTLConfig) EstimateBytes(s datasets.Shape, tc *models.TrainConfig) int64 {
	rows := 2 * max(tc.BatchSize, 2048)
	in := s.Dim
	var f int64
	if c.Map == "mlp" {
		f, in = models.EstimateMLP(s.Dim, c.MLPConfig, rows), c.Width
	}
	head := models.EstimateMLP(in, models.MLPConfig{Width: 1, Precision: c.Precision}, rows)
	return f + head + 8*int64(s.Items)
}

// NewObjective implements models.Trainable.
func (c *BTLConfig) NewObjective(d *datasets.Data, rng *rand.Rand) (models.Objective, map[string]models.GroupHyper, error) {
	b, err := NewBTL(c, d, rng)
	return b, map[string]models.GroupHyper{models.GroupMLP: {LR: c.LR, WeightDecay: c.WeightDecay}}, err
}

// ForwardFlopsPerPair implements models.FlopCounter: two rows through the reward MLP and head.
func (c *BTLConfig) ForwardFlopsPerPair(s datasets.Shape) float64 {
	in := s.Dim
	var f float64
	if c.Map == "mlp" {
		f, in = models.MLPRowFlops(s.Dim, c.MLPConfig), c.Width
	}
	return 2 * (f + 2*float64(in))
}

// ParamCount implements models.Loadable: the reward MLP and its head.
func (c *BTLConfig) ParamCount(d *datasets.Data) int64 {
	in := d.Dim
	var f int64
	if c.Map == "mlp" {
		f, in = models.MLPParamCount(d.Dim, c.MLPConfig), c.Width
	}
	return f + models.MLPParamCount(in, models.MLPConfig{Width: 1})
}
