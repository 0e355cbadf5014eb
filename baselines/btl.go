package baselines

import (
	"context"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
)

// BTL is the homogeneous Bradley-Terry-Luce reward model: r(x) = head(f(x)) with f the PAL MLP
// (map = "mlp") or the identity (map = "linear"), and P(left preferred) = sigmoid(r(left) -
// r(right)). It ignores who the user is, so seen and unseen users are scored alike.
type BTL struct {
	cfg  BTLConfig
	ds   *datasets.Data
	f    *models.MLP // nil for map = "linear"
	head *models.MLP // a single linear layer to one output

	rewards []float64 // r of every item, valid after prepareEval

	// Buffers of one batch, reused by the next (see models.Tape).
	dr     models.Matrix
	ft, ht models.Tape
}

// resize returns buf reshaped to rows x cols, reusing its storage when it is large enough.
func resize(buf *models.Matrix, rows, cols int) models.Matrix {
	if cap(buf.Data) < rows*cols {
		buf.Data = make([]float64, rows*cols)
	}
	*buf = models.Matrix{Rows: rows, Cols: cols, Data: buf.Data[:rows*cols]}
	return *buf
}

// NewBTL initialises BTL for d.
func NewBTL(cfg *BTLConfig, d *datasets.Data, rng *rand.Rand) (*BTL, error) {
	b := &BTL{cfg: *cfg, ds: d}
	in := d.Dim
	if cfg.Map == "mlp" {
		f, err := models.NewMLP("f", models.GroupMLP, d.Dim, cfg.MLPConfig, rng)
		if err != nil {
			return nil, err
		}
		b.f, in = f, f.Out
	}
	head, err := models.NewMLP("head", models.GroupMLP, in, models.MLPConfig{Layers: 0, Width: 1, Activation: "relu", Precision: cfg.Precision}, rng)
	if err != nil {
		return nil, err
	}
	b.head = head
	return b, nil
}

// Params lists the reward model's parameters.
func (b *BTL) Params() []*models.Param {
	ps := b.head.Params()
	if b.f != nil {
		ps = append(b.f.Params(), ps...)
	}
	return ps
}

// BatchLoss is the mean logistic loss -log sigmoid(t (r(left) - r(right))) over pairs
// (models.Objective).
func (b *BTL) BatchLoss(pairs []datasets.Pair, rng *rand.Rand, backward bool) float64 {
	n := len(pairs)
	first, tape := b.firstLayer()
	in := first.Input(tape, 2*n, b.ds.Dim)
	in.SetPairItems(b.ds, pairs)
	h := first.ForwardInput(tape, rng)
	if b.f != nil {
		h = b.head.ForwardTape(&b.ht, h, rng)
	}
	r := h
	var total float64
	dr := resize(&b.dr, 2*n, 1)
	for i, p := range pairs {
		loss, dm := models.PairLoss("logistic", r.Data[i]-r.Data[n+i], p.LeftPreferred)
		total += loss
		dr.Data[i] = dm / float64(n)
		dr.Data[n+i] = -dm / float64(n)
	}
	if backward {
		if b.f != nil {
			dh := b.head.BackwardRows(&b.ht, dr, dr.Rows)
			b.f.BackwardRows(&b.ft, dh, 0) // the items are data: no input gradient
		} else {
			b.head.BackwardRows(&b.ht, dr, 0)
		}
	}
	return total / float64(n)
}

// prepareEval computes the reward of every item once.
func (b *BTL) prepareEval() {
	const chunk = 4096
	n := b.ds.NumItems()
	b.rewards = make([]float64, n)
	first, _ := b.firstLayer()
	var ft, ht models.Tape
	for s := 0; s < n; s += chunk {
		e := min(s+chunk, n)
		first.Input(&ft, e-s, b.ds.Dim).SetRows32(0, b.ds.Items[s*b.ds.Dim:e*b.ds.Dim])
		r := first.ForwardInput(&ft, nil)
		if b.f != nil {
			r = b.head.ForwardTape(&ht, r, nil)
		}
		copy(b.rewards[s:], r.Data)
	}
}

// firstLayer is the MLP that reads the items (f, or the head for map = "linear") and its tape.
func (b *BTL) firstLayer() (*models.MLP, *models.Tape) {
	if b.f != nil {
		return b.f, &b.ft
	}
	return b.head, &b.ht
}

// Margin is r(left) - r(right).
func (b *BTL) Margin(p datasets.Pair) float64 { return b.rewards[p.Left] - b.rewards[p.Right] }

// PairLoss is the logistic loss of one pair.
func (b *BTL) PairLoss(p datasets.Pair) float64 {
	l, _ := models.PairLoss("logistic", b.Margin(p), p.LeftPreferred)
	return l
}

// FitBTL trains BTL on d's train split (early stopping on val) with the shared training loop
// and measures it. BTL has no per-user parameters, so each few-shot point is its unseen_test
// accuracy (it uses none of the new users' pairs); the points are there so charts can draw it
// beside PAL.
func FitBTL(ctx context.Context, d *datasets.Data, cfg *BTLConfig, tc *models.TrainConfig, fc *models.FewShotConfig, seed uint64) (metrics.Metrics, error) {
	out, _, err := FitBTLModel(ctx, d, cfg, tc, fc, seed)
	return out, err
}

// FitBTLModel is FitBTL that also returns the fitted model.
func FitBTLModel(ctx context.Context, d *datasets.Data, cfg *BTLConfig, tc *models.TrainConfig, fc *models.FewShotConfig, seed uint64) (metrics.Metrics, *BTL, error) {
	rng := models.NewRand(seed, seeds.FitStream)
	obj, groups, err := cfg.NewObjective(d, rng)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	b := obj.(*BTL)
	opt := models.NewAdam(b.Params(), groups)
	tr, err := models.Train(ctx, b, opt, d.Splits[datasets.Train], d.Splits[datasets.Val], *tc, rng)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	if err := models.CheckFinite(b.Params()); err != nil {
		return metrics.Metrics{}, nil, err
	}
	b.prepareEval()
	out, err := models.Evaluate(b, d)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	models.SameForEveryUser(&out, fc)
	models.FillTraining(&out, tr, models.CountParams(b.Params()))
	out.SharedParams, out.FrozenParams = out.TrainableParams, cfg.EmbeddingParams
	return out, b, nil
}
