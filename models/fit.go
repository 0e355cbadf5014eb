package models

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/internal/seeds"
)

// NewRand returns the run's random source. Every random choice of a run (initialisation,
// shuffling, dropout) draws from sources made here from the run's seed, never from a global one.
func NewRand(seed, stream uint64) *rand.Rand {
	return seeds.Model(seed, stream)
}

// Fit implements Kind: FitPALAModel.
func (c *PALAConfig) Fit(ctx context.Context, in FitInput) (Fitted, error) {
	m, a, err := FitPALAModel(ctx, in.Data, c, in.Train, in.FewShot, in.Seed)
	if err != nil {
		return Fitted{}, err
	}
	return Fitted{Metrics: m, Model: a, Analysis: Analyze(a, in.Data, &m, c.Loss)}, nil
}

// Fit implements Kind: FitPALBModel.
func (c *PALBConfig) Fit(ctx context.Context, in FitInput) (Fitted, error) {
	m, b, err := FitPALBModel(ctx, in.Data, c, in.Train, in.FewShot, in.Seed)
	if err != nil {
		return Fitted{}, err
	}
	return Fitted{Metrics: m, Model: b, Analysis: Analyze(b, in.Data, &m, c.Loss)}, nil
}

// CheckData implements DataChecker: PAL-B needs a prompt for every pair.
func (c *PALBConfig) CheckData(d *datasets.Data, env datasets.Env) error { return checkPrompts(d) }

// FitPALA trains PAL-A on d's train split (early stopping on val), adapts the unseen users
// few-shot for each size in fc.PairsPerUser and once on all of unseen_train, and measures the
// run. The unseen_test figures in Splits come from that last, full fit; the few-shot curve has
// one point per size.
func FitPALA(ctx context.Context, d *datasets.Data, cfg *PALAConfig, tc *TrainConfig, fc *FewShotConfig, seed uint64) (metrics.Metrics, error) {
	out, _, err := FitPALAModel(ctx, d, cfg, tc, fc, seed)
	return out, err
}

// FitPALAModel is FitPALA that also returns the fitted model.
func FitPALAModel(ctx context.Context, d *datasets.Data, cfg *PALAConfig, tc *TrainConfig, fc *FewShotConfig, seed uint64) (metrics.Metrics, *PALA, error) {
	return fitPAL(ctx, d, tc, fc, seed, cfg.HeadConfig, cfg.PALOptim, cfg.K, func(rng *rand.Rand) (*PALA, error) { return NewPALA(cfg, d, rng) })
}

// FitPALB is FitPALA for PAL-B: d must carry prompt embeddings.
func FitPALB(ctx context.Context, d *datasets.Data, cfg *PALBConfig, tc *TrainConfig, fc *FewShotConfig, seed uint64) (metrics.Metrics, error) {
	out, _, err := FitPALBModel(ctx, d, cfg, tc, fc, seed)
	return out, err
}

// FitPALBModel is FitPALB that also returns the fitted model.
func FitPALBModel(ctx context.Context, d *datasets.Data, cfg *PALBConfig, tc *TrainConfig, fc *FewShotConfig, seed uint64) (metrics.Metrics, *PALB, error) {
	return fitPAL(ctx, d, tc, fc, seed, cfg.HeadConfig, cfg.PALOptim, cfg.K, func(rng *rand.Rand) (*PALB, error) { return NewPALB(cfg, d, rng) })
}

// fitPAL builds a PAL model from the run's random source and fits it (FitPersonalized with the
// authors' parameter groups); a user costs K weights.
func fitPAL[M Personalized](ctx context.Context, d *datasets.Data, tc *TrainConfig, fc *FewShotConfig, seed uint64, h HeadConfig, o PALOptim, k int, build func(*rand.Rand) (M, error)) (metrics.Metrics, M, error) {
	var zero M
	rng := NewRand(seed, seeds.FitStream)
	m, err := build(rng)
	if err != nil {
		return metrics.Metrics{}, zero, err
	}
	out, err := FitPersonalized(ctx, m, d, palGroups(h, o), tc, fc, seed, rng)
	if err != nil {
		return metrics.Metrics{}, zero, err
	}
	out.ParamsPerUser, out.FrozenParams = k, o.EmbeddingParams
	return out, m, nil
}

// palGroups is the authors' parameter groups (PAL.md §2): the MLPs, the prototypes and seen
// users' weights, and the logit scale (no weight decay), which only angle and dist_logistic
// train (a fixed scale sits in groupFixed, which no group lists).
func palGroups(h HeadConfig, o PALOptim) map[string]GroupHyper {
	return map[string]GroupHyper{
		GroupMLP:   {LR: o.LR, WeightDecay: o.WeightDecay},
		GroupUser:  {LR: o.LRUser, WeightDecay: o.WeightDecayUser},
		groupScale: {LR: h.LRScale},
	}
}

// Personalized is a model with a per-user part on the K-simplex (a UserTable) and a shared
// part: what FitPersonalized and FitUnseenUsers need. PAL-A and PAL-B implement it; so can a
// baseline (a mixture of K rewards), which then trains, adapts new users and is measured by
// the same code.
type Personalized interface {
	// Objective's parameters are all of the model's; the optimiser groups decide which move:
	// GroupMLP and GroupUser in shared training, GroupUnseen in few-shot fitting.
	Objective
	Scorer
	Users() *UserTable
	// Freeze precomputes, in evaluation mode, whatever the unseen users' weights do not change
	// (mapped items, mapped prototypes), so few-shot fitting differentiates only those weights.
	Freeze()
	// FrozenObjective is the objective few-shot fitting trains after Freeze: its Params are the
	// unseen users' weights alone.
	FrozenObjective() Objective
	// PrepareEval refreshes what Margin needs after the last parameter change.
	PrepareEval()
	SharedParams() int
	TrainableParams() int
}

// FitPersonalized trains m's shared and seen-user parameters with Adam over groups (early
// stopping on val), then adapts the unseen users (FitUnseenUsers) and evaluates every split.
// rng is the run's random source (it shuffles and drops out); seed seeds the few-shot fits.
func FitPersonalized(ctx context.Context, m Personalized, d *datasets.Data, groups map[string]GroupHyper, tc *TrainConfig, fc *FewShotConfig, seed uint64, rng *rand.Rand) (metrics.Metrics, error) {
	train := d.Splits[datasets.Train]
	m.Users().SetImportance(train)
	opt := NewAdam(m.Params(), groups)
	tr, err := Train(ctx, m, opt, train, d.Splits[datasets.Val], *tc, rng)
	if err != nil {
		return metrics.Metrics{}, err
	}
	if err := CheckFinite(m.Params()); err != nil {
		return metrics.Metrics{}, err
	}
	m.Freeze()
	fewShot, err := FitUnseenUsers(ctx, m, d, fc, seed)
	if err != nil {
		return metrics.Metrics{}, err
	}
	m.PrepareEval()
	out, err := Evaluate(m, d)
	if err != nil {
		return metrics.Metrics{}, err
	}
	out.FewShot = fewShot
	FillTraining(&out, tr, m.TrainableParams())
	out.SharedParams = m.SharedParams()
	return out, nil
}

// Users, Freeze, FrozenObjective and PrepareEval implement Personalized.
func (m *PALA) Users() *UserTable          { return m.UserTable }
func (m *PALB) Users() *UserTable          { return m.UserTable }
func (m *PALA) Freeze()                    { m.freeze() }
func (m *PALB) Freeze()                    { m.freeze() }
func (m *PALA) PrepareEval()               { m.prepareEval() }
func (m *PALB) PrepareEval()               { m.prepareEval() }
func (m *PALA) FrozenObjective() Objective { return frozenPALA{m} }
func (m *PALB) FrozenObjective() Objective { return frozenPALB{m} }

// frozenPALA and frozenPALB expose only the unseen users' weights to the training loop:
// everything shared is fixed and comes from the frozen caches.
type frozenPALA struct{ *PALA }

func (f frozenPALA) Params() []*Param { return []*Param{f.unseenW} }

type frozenPALB struct{ *PALB }

func (f frozenPALB) Params() []*Param { return []*Param{f.unseenW} }

// FitUnseenUsers fits the unseen users' K weights from the uniform mixture, once per few-shot
// size (on the first n pairs of each user in unseen_train, early stopping on unseen_val), then
// on all of unseen_train, leaving that last fit in place. The test split is never looked at.
// m must be frozen (Personalized.Freeze).
func FitUnseenUsers(ctx context.Context, m Personalized, d *datasets.Data, fc *FewShotConfig, seed uint64) ([]metrics.FewShotPoint, error) {
	pool := d.Splits[datasets.UnseenTrain]
	if len(d.UnseenUsers()) == 0 || len(pool) == 0 {
		return nil, nil
	}
	ut := m.Users()
	tc := TrainConfig{Epochs: fc.Epochs, BatchSize: fc.BatchSize, Patience: fc.Patience, MinDelta: 1e-4}
	fit := func(pairs []datasets.Pair, stream uint64) (TrainResult, error) {
		clear(ut.unseenW.Value)
		ut.SetImportance(pairs)
		obj := m.FrozenObjective()
		opt := NewAdam(obj.Params(), map[string]GroupHyper{GroupUnseen: {LR: fc.LR}})
		res, err := Train(ctx, obj, opt, pairs, d.Splits[datasets.UnseenVal], tc, NewRand(seed, stream))
		for _, p := range m.Params() { // frozen parameters accumulated unused gradients
			clear(p.Grad)
		}
		if err != nil {
			return res, fmt.Errorf("few-shot fit: %w", err)
		}
		return res, CheckFinite(obj.Params())
	}
	var points []metrics.FewShotPoint
	sizes := slices.Clone(fc.PairsPerUser)
	slices.Sort(sizes)
	for _, n := range slices.Compact(sizes) {
		res, err := fit(datasets.FirstPairsPerUser(pool, n), seeds.FewShotSize.Index(n))
		if err != nil {
			return nil, fmt.Errorf("%d pairs per user: %w", n, err)
		}
		m.PrepareEval()
		s, err := EvaluateSplit(m, string(datasets.UnseenTest), d.Splits[datasets.UnseenTest])
		if err != nil {
			return nil, fmt.Errorf("%d pairs per user: %w", n, err)
		}
		points = append(points, metrics.FewShotPoint{PairsPerUser: n, Accuracy: s.Accuracy, Loss: s.Loss, Pairs: s.Pairs, Epochs: res.Epochs})
	}
	if _, err := fit(pool, seeds.FewShotAll); err != nil {
		return nil, fmt.Errorf("all unseen_train pairs: %w", err)
	}
	return points, nil
}

// FillTraining records a training summary and parameter count in out.
func FillTraining(out *metrics.Metrics, tr TrainResult, params int) {
	out.TrainableParams = params
	out.Epochs, out.BestEpoch = tr.Epochs, tr.BestEpoch
	out.FinalTrainLoss = tr.TrainLoss
	out.Curve = tr.History
	if !math.IsNaN(tr.ValLoss) {
		v := tr.ValLoss
		out.FinalValLoss = &v
	}
}

// CheckFinite reports a diverged parameter: an error wrapping ErrDiverged that names it.
func CheckFinite(ps []*Param) error {
	for _, p := range ps {
		for _, v := range p.Value {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: parameter %s is %v (try a smaller learning rate)", ErrDiverged, p.Name, v)
			}
		}
	}
	return nil
}

// NewObjective implements Trainable.
func (c *PALAConfig) NewObjective(d *datasets.Data, rng *rand.Rand) (Objective, map[string]GroupHyper, error) {
	m, err := NewPALA(c, d, rng)
	return m, palGroups(c.HeadConfig, c.PALOptim), err
}

// NewObjective implements Trainable.
func (c *PALBConfig) NewObjective(d *datasets.Data, rng *rand.Rand) (Objective, map[string]GroupHyper, error) {
	m, err := NewPALB(c, d, rng)
	return m, palGroups(c.HeadConfig, c.PALOptim), err
}
