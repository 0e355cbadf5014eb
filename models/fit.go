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
	rng := NewRand(seed, 0)
	m, err := NewPALA(cfg, d, rng)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	out, err := fitPAL(ctx, palAdapter{m, frozenPALA{m}, m.freeze}, d, groupsOf(cfg.HeadConfig, cfg.LR, cfg.WeightDecay, cfg.LRUser, cfg.WeightDecayUser), tc, fc, seed, rng)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	out.ParamsPerUser, out.FrozenParams = cfg.K, cfg.EmbeddingParams
	return out, m, nil
}

// FitPALB is FitPALA for PAL-B: d must carry prompt embeddings.
func FitPALB(ctx context.Context, d *datasets.Data, cfg *PALBConfig, tc *TrainConfig, fc *FewShotConfig, seed uint64) (metrics.Metrics, error) {
	out, _, err := FitPALBModel(ctx, d, cfg, tc, fc, seed)
	return out, err
}

// FitPALBModel is FitPALB that also returns the fitted model.
func FitPALBModel(ctx context.Context, d *datasets.Data, cfg *PALBConfig, tc *TrainConfig, fc *FewShotConfig, seed uint64) (metrics.Metrics, *PALB, error) {
	rng := NewRand(seed, 0)
	m, err := NewPALB(cfg, d, rng)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	out, err := fitPAL(ctx, palAdapter{m, frozenPALB{m}, m.freeze}, d, groupsOf(cfg.HeadConfig, cfg.LR, cfg.WeightDecay, cfg.LRUser, cfg.WeightDecayUser), tc, fc, seed, rng)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	out.ParamsPerUser, out.FrozenParams = cfg.K, cfg.EmbeddingParams
	return out, m, nil
}

// groupsOf is the authors' parameter groups (PAL.md §2): the MLPs, the prototypes and seen
// users' weights, and the logit scale (no weight decay), which only angle and dist_logistic
// train (a fixed scale sits in groupFixed, which no group lists).
func groupsOf(h HeadConfig, lr, wd, lrUser, wdUser float64) map[string]GroupHyper {
	return map[string]GroupHyper{
		groupMLP:   {LR: lr, WeightDecay: wd},
		groupUser:  {LR: lrUser, WeightDecay: wdUser},
		groupScale: {LR: h.LRScale},
	}
}

// palModel is what fitting and few-shot adaptation need from PAL-A and PAL-B.
type palModel interface {
	Objective
	metrics.Scorer
	users() *userTable
	prepareEval()
	SharedParams() int
	TrainableParams() int
}

func (m *PALA) users() *userTable { return m.userTable }
func (m *PALB) users() *userTable { return m.userTable }

// palAdapter bundles a model with its frozen (few-shot) objective and the function that fills
// its frozen caches.
type palAdapter struct {
	palModel
	frozen Objective
	freeze func()
}

// fitPAL trains m's shared and seen-user parameters, then adapts the unseen users and
// evaluates every split.
func fitPAL(ctx context.Context, a palAdapter, d *datasets.Data, groups map[string]GroupHyper, tc *TrainConfig, fc *FewShotConfig, seed uint64, rng *rand.Rand) (metrics.Metrics, error) {
	train := d.Splits[datasets.Train]
	a.users().setImportance(train)
	opt := NewAdam(a.Params(), groups)
	tr, err := Train(ctx, a, opt, train, d.Splits[datasets.Val], *tc, rng)
	if err != nil {
		return metrics.Metrics{}, err
	}
	if err := checkFinite(a.Params()); err != nil {
		return metrics.Metrics{}, err
	}
	a.freeze()
	fewShot, err := fitUnseenUsers(ctx, a, d, fc, seed)
	if err != nil {
		return metrics.Metrics{}, err
	}
	a.prepareEval()
	out := metrics.Evaluate(a, d)
	out.FewShot = fewShot
	fillTraining(&out, tr, a.TrainableParams())
	out.SharedParams = a.SharedParams()
	return out, nil
}

// frozenPALA and frozenPALB expose only the unseen users' weights to the training loop:
// everything shared is fixed and comes from the frozen caches.
type frozenPALA struct{ *PALA }

func (f frozenPALA) Params() []*Param { return []*Param{f.unseenW} }

type frozenPALB struct{ *PALB }

func (f frozenPALB) Params() []*Param { return []*Param{f.unseenW} }

// fitUnseenUsers fits the unseen users' K weights from the uniform mixture, once per few-shot
// size (on the first n pairs of each user in unseen_train, early stopping on unseen_val), then
// on all of unseen_train, leaving that last fit in place. The test split is never looked at.
func fitUnseenUsers(ctx context.Context, a palAdapter, d *datasets.Data, fc *FewShotConfig, seed uint64) ([]metrics.FewShotPoint, error) {
	pool := d.Splits[datasets.UnseenTrain]
	if len(d.UnseenUsers()) == 0 || len(pool) == 0 {
		return nil, nil
	}
	ut := a.users()
	tc := TrainConfig{Epochs: fc.Epochs, BatchSize: fc.BatchSize, Patience: fc.Patience, MinDelta: 1e-4}
	fit := func(pairs []datasets.Pair, stream uint64) (TrainResult, error) {
		clear(ut.unseenW.Value)
		ut.setImportance(pairs)
		obj := a.frozen
		opt := NewAdam(obj.Params(), map[string]GroupHyper{groupUnseen: {LR: fc.LR}})
		res, err := Train(ctx, obj, opt, pairs, d.Splits[datasets.UnseenVal], tc, NewRand(seed, stream))
		for _, p := range a.Params() { // frozen parameters accumulated unused gradients
			clear(p.Grad)
		}
		if err != nil {
			return res, fmt.Errorf("few-shot fit: %w", err)
		}
		return res, checkFinite(obj.Params())
	}
	var points []metrics.FewShotPoint
	sizes := slices.Clone(fc.PairsPerUser)
	slices.Sort(sizes)
	for _, n := range slices.Compact(sizes) {
		res, err := fit(datasets.FirstPairsPerUser(pool, n), uint64(n)+1)
		if err != nil {
			return nil, fmt.Errorf("%d pairs per user: %w", n, err)
		}
		a.prepareEval()
		s := metrics.EvaluateSplit(a, d.Splits[datasets.UnseenTest])
		points = append(points, metrics.FewShotPoint{PairsPerUser: n, Accuracy: s.Accuracy, Loss: s.Loss, Pairs: s.Pairs, Epochs: res.Epochs})
	}
	if _, err := fit(pool, 0xfff); err != nil {
		return nil, fmt.Errorf("all unseen_train pairs: %w", err)
	}
	return points, nil
}

func fillTraining(out *metrics.Metrics, tr TrainResult, params int) {
	out.TrainableParams = params
	out.Epochs, out.BestEpoch = tr.Epochs, tr.BestEpoch
	out.FinalTrainLoss = tr.TrainLoss
	if !math.IsNaN(tr.ValLoss) {
		v := tr.ValLoss
		out.FinalValLoss = &v
	}
}

// FillTraining records a training summary and parameter count in out (for baselines).
func FillTraining(out *metrics.Metrics, tr TrainResult, params int) { fillTraining(out, tr, params) }

func checkFinite(ps []*Param) error {
	for _, p := range ps {
		for _, v := range p.Value {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: parameter %s is %v (try a smaller learning rate)", ErrDiverged, p.Name, v)
			}
		}
	}
	return nil
}

// CheckFinite reports a diverged parameter (for baselines).
func CheckFinite(ps []*Param) error { return checkFinite(ps) }
