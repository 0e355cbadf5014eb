package baselines

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
)

// DPLConfig configures distributional preference learning (kind = "dpl"), the mean-and-variance
// model of Siththaranjan, Laidlaw and Hadfield-Menell 2024 ("Distributional Preference
// Learning: Understanding and Accounting for Hidden Context in RLHF", ICLR 2024, arXiv
// 2312.08358; code cassidylaidlaw/hidden-context, MeanAndVarianceRewardTrainer): every item a
// normal reward distribution N(mu(x), sigma(x)^2) from one network with two outputs,
// sigma = softplus(second output), no user identity, and
//
//	P(left preferred) = Phi((mu(left) - mu(right)) / sqrt(sigma(left)^2 + sigma(right)^2)).
//
// It says how much of the annotators' disagreement a model can explain without knowing who
// they are: on a pair the users dispute, the best it can do is a margin near zero, which it
// gets with a large variance. Every user is scored alike, so its few-shot points are its
// unseen_test accuracy (as BTL's).
//
// link = "probit" is the formula above; link = "logistic" is the authors' code, which replaces
// log Phi(z) by -softplus(-sqrt(2 pi) z). Where pal's version differs: the network is an MLP on
// frozen embeddings, not a language model with a two-output head; the authors' variance
// penalty (0 in their runs) is left out. The margin pal evaluates is the standardised z, whose
// sign is the prediction.
type DPLConfig struct {
	PeerNet
	Link        string  `toml:"link" help:"probit: Phi(z), the paper's formula; logistic: sigmoid(sqrt(2 pi) z), the authors' code" enum:"probit|logistic"`
	LR          float64 `toml:"lr" help:"Adam learning rate" gt:"0"`
	WeightDecay float64 `toml:"weight_decay" help:"decoupled weight decay" min:"0"`
	// EmbeddingParams is as for PAL-A: the frozen model behind the embeddings.
	EmbeddingParams int `toml:"embedding_params" help:"parameters of the frozen model that made the embeddings, recorded as frozen_params" min:"0" max:"1000000000000000"`
}

// DefaultDPL is PAL's default MLP with the probit link.
func DefaultDPL() *DPLConfig {
	return &DPLConfig{PeerNet: PeerNet{Map: "mlp", MLPConfig: models.DefaultMLP()}, Link: "probit", LR: 1e-3}
}

// Validate has nothing to check across fields.
func (c *DPLConfig) Validate() error { return nil }

// DPL is the fitted model.
type DPL struct {
	cfg   DPLConfig
	d     *datasets.Data
	net   *rewardNet
	items models.Matrix // mu and the raw second output of every item, after prepareEval
	dout  models.Matrix
}

func (c *DPLConfig) newModel(d *datasets.Data, rng *rand.Rand) (*DPL, error) {
	net, err := newRewardNet("r", models.GroupMLP, d.Dim, 2, c.PeerNet, rng)
	if err != nil {
		return nil, err
	}
	return &DPL{cfg: *c, d: d, net: net}, nil
}

// softplus is log(1 + e^x), without overflow.
func softplus(x float64) float64 { return -logSigmoid(-x) }

// logPhi is log Phi(z) and its derivative phi(z)/Phi(z), accurate in the far left tail (where
// Phi underflows) by the asymptotic series of the Mills ratio.
func logPhi(z float64) (v, d float64) {
	if z > -30 {
		p := 0.5 * math.Erfc(-z/math.Sqrt2)
		return math.Log(p), math.Exp(-0.5*z*z) / math.Sqrt(2*math.Pi) / p
	}
	// Phi(z) ~ phi(z)/(-z) (1 - 1/z^2 + 3/z^4): log and d/dz of that.
	z2 := z * z
	s := 1 - 1/z2 + 3/(z2*z2)
	v = -0.5*z2 - math.Log(-z) - 0.5*math.Log(2*math.Pi) + math.Log(s)
	ds := 2/(z2*z) - 12/(z2*z2*z)
	return v, -z - 1/z + ds/s
}

// pair is the loss of one pair from the two items' outputs (mu, raw sigma), its margin z, and
// the loss's gradients with respect to the outputs.
func (m *DPL) pair(oL, oR []float64, left bool) (loss, z float64, gL, gR [2]float64) {
	sL, sR := softplus(oL[1]), softplus(oR[1])
	s := math.Sqrt(sL*sL + sR*sR)
	dmu := oL[0] - oR[0]
	z = dmu / s
	t := 1.0
	if !left {
		t = -1
	}
	var dz float64 // d loss / d z
	if m.cfg.Link == "logistic" {
		a := math.Sqrt(2 * math.Pi)
		l, dm := models.PairLoss("logistic", a*z, left)
		loss, dz = l, a*dm
	} else {
		lp, dl := logPhi(t * z)
		loss, dz = -lp, -t*dl
	}
	// z = dmu / s: dz/dmu_L = 1/s, dz/dsigma_L = -dmu sigma_L / s^3, dsigma/draw = sigmoid(raw).
	gL[0], gR[0] = dz/s, -dz/s
	gL[1] = -dz * dmu * sL / (s * s * s) * math.Exp(logSigmoid(oL[1]))
	gR[1] = -dz * dmu * sR / (s * s * s) * math.Exp(logSigmoid(oR[1]))
	return loss, z, gL, gR
}

// BatchLoss implements models.Objective.
func (m *DPL) BatchLoss(pairs []datasets.Pair, rng *rand.Rand, backward bool) float64 {
	n := len(pairs)
	o := m.net.pairOutputs(m.d, pairs, rng)
	dout := resize(&m.dout, 2*n, 2)
	var total float64
	for i, p := range pairs {
		loss, _, gL, gR := m.pair(o.Row(i), o.Row(n+i), p.LeftPreferred)
		total += loss
		for k := range 2 {
			dout.Row(i)[k], dout.Row(n + i)[k] = gL[k]/float64(n), gR[k]/float64(n)
		}
	}
	if backward {
		m.net.backwardData(dout)
	}
	return total / float64(n)
}

// Params implements models.Objective.
func (m *DPL) Params() []*models.Param { return m.net.params() }

func (m *DPL) prepareEval() { m.items = m.net.items(m.d) }

// Margin implements models.Scorer: z, after prepareEval.
func (m *DPL) Margin(p datasets.Pair) float64 {
	_, z, _, _ := m.pair(m.items.Row(p.Left), m.items.Row(p.Right), p.LeftPreferred)
	return z
}

// PairLoss implements models.Scorer.
func (m *DPL) PairLoss(p datasets.Pair) float64 {
	l, _, _, _ := m.pair(m.items.Row(p.Left), m.items.Row(p.Right), p.LeftPreferred)
	return l
}

// Std is sigma(x) of item i, after the fit.
func (m *DPL) Std(i int) float64 { return softplus(m.items.Row(i)[1]) }

// Mean is mu(x) of item i, after the fit.
func (m *DPL) Mean(i int) float64 { return m.items.Row(i)[0] }

// FitDPL trains DPL on d's train split (early stopping on val) and measures it; its few-shot
// points are its unseen_test accuracy, as BTL's.
func FitDPL(ctx context.Context, d *datasets.Data, c *DPLConfig, tc *models.TrainConfig, fc *models.FewShotConfig, seed uint64) (metrics.Metrics, *DPL, error) {
	rng := models.NewRand(seed, seeds.FitStream)
	m, err := c.newModel(d, rng)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	opt := models.NewAdam(m.Params(), map[string]models.GroupHyper{models.GroupMLP: {LR: c.LR, WeightDecay: c.WeightDecay}})
	tr, err := models.Train(ctx, m, opt, d.Splits[datasets.Train], d.Splits[datasets.Val], *tc, rng)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	if err := models.CheckFinite(m.Params()); err != nil {
		return metrics.Metrics{}, nil, err
	}
	m.prepareEval()
	out, err := models.Evaluate(m, d)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	models.SameForEveryUser(&out, fc)
	models.FillTraining(&out, tr, models.CountParams(m.Params()))
	out.SharedParams, out.FrozenParams = out.TrainableParams, c.EmbeddingParams
	return out, m, nil
}

// Fit implements models.Kind.
func (c *DPLConfig) Fit(ctx context.Context, in models.FitInput) (models.Fitted, error) {
	out, m, err := FitDPL(ctx, in.Data, c, in.Train, in.FewShot, in.Seed)
	if err != nil {
		return models.Fitted{}, err
	}
	return models.Fitted{Metrics: out, Model: m, Analysis: models.Analyze(m, in.Data, &out, c.Link)}, nil
}

// NewObjective implements models.Trainable.
func (c *DPLConfig) NewObjective(d *datasets.Data, rng *rand.Rand) (models.Objective, map[string]models.GroupHyper, error) {
	m, err := c.newModel(d, rng)
	return m, map[string]models.GroupHyper{models.GroupMLP: {LR: c.LR, WeightDecay: c.WeightDecay}}, err
}

// EstimateBytes implements models.MemoryEstimator: the network with a batch of 2 rows a pair
// and both outputs of every item.
func (c *DPLConfig) EstimateBytes(s datasets.Shape, tc *models.TrainConfig) int64 {
	return c.estimateBytes(s.Dim, 2, 2*max(tc.BatchSize, 2048)) + 16*int64(s.Items)
}

// ForwardFlopsPerPair implements models.FlopCounter.
func (c *DPLConfig) ForwardFlopsPerPair(s datasets.Shape) float64 { return 2 * c.flops(s.Dim, 2) }

// ModelFile implements models.Saveable: the network; no user weights (K = 0).
func (m *DPL) ModelFile() models.ModelFile {
	ts := map[string]models.Tensor{}
	if m.net.f != nil {
		models.MLPTensors(m.net.f, ts)
	}
	models.MLPTensors(m.net.head, ts)
	return models.ModelFile{Kind: "dpl", Data: m.d, Tensors: ts}
}

// NewServable implements models.Loadable.
func (c *DPLConfig) NewServable(d *datasets.Data) (models.Servable, error) {
	return c.newModel(d, models.NewRand(0, 0)) // initial values are overwritten by the file's
}

// ParamCount implements models.Loadable.
func (c *DPLConfig) ParamCount(d *datasets.Data) int64 { return c.paramCount(d.Dim, 2) }

// ProbLeft implements models.ProbabilityModel: P(left) from the margin z, Phi(z) (probit) or
// sigmoid(sqrt(2 pi) z) (logistic), as the loss reads it.
func (m *DPL) ProbLeft(z float64) float64 {
	if m.cfg.Link == "logistic" {
		return 1 / (1 + math.Exp(-math.Sqrt(2*math.Pi)*z))
	}
	return 0.5 * math.Erfc(-z/math.Sqrt2)
}

// Users implements models.Servable: DPL does not know the user.
func (m *DPL) Users() *models.UserTable { return nil }

// ItemRewards implements models.Servable: the mean reward mu(x) of every row of items. The
// model's margin is the standardised difference z, whose sign is that of the difference of
// the means; the variances are not served.
func (m *DPL) ItemRewards(items models.Matrix, prompt, w []float64) ([]float64, error) {
	if len(prompt) > 0 {
		return nil, fmt.Errorf("a dpl model takes no prompt (it was given %d values)", len(prompt))
	}
	o := m.net.apply(items)
	out := make([]float64, items.Rows)
	for i := range out {
		out[i] = o.Row(i)[0]
	}
	return out, nil
}
