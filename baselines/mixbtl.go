package baselines

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
)

// MixBTLConfig configures the mixture of BTL rewards (kind = "mix-btl"), the latent-class
// Bradley-Terry model: K reward networks r_k shared by everybody and, for each user, mixture
// weights pi_u = softmax(W_u) on the K-simplex, with
//
//	P(u prefers left) = sum_k pi_uk sigmoid(r_k(left) - r_k(right)).
//
// Each user's pairs come from one of K homogeneous BTL populations, not known which: the
// reward-learning half of MaxMin-RLHF (Chakraborty et al. 2024, "MaxMin-RLHF: Towards
// Equitable Alignment of Large Language Models with Diverse Human Preferences", arXiv
// 2402.08925, §4: a mixture of K reward models learned by EM over users) and the classical
// latent-class BT model (Zeileis, Hornik and Strobl; R's psychomix::btmix).
//
// Where pal's version differs: the authors fit the mixture by EM with hard assignments of
// users to clusters; pal maximises the same marginal likelihood by gradient (Adam on the
// reward networks and on the users' softmax logits W, mini-batches of pairs, early stopping on
// val), which keeps soft responsibilities and shares PAL's training loop. Rewards are MLPs on
// frozen embeddings, not fine-tuned language models. A new user starts from the uniform mixture
// and fits only pi_u on its pairs (models.FitUnseenUsers: early stopping on unseen_val).
type MixBTLConfig struct {
	K int `toml:"k" help:"number of reward models (latent classes)" min:"1" max:"64"`
	PeerNet
	LR          float64 `toml:"lr" help:"Adam learning rate of the reward networks" gt:"0"`
	WeightDecay float64 `toml:"weight_decay" help:"decoupled weight decay of the reward networks" min:"0"`
	LRUser      float64 `toml:"lr_user" help:"Adam learning rate of the seen users' mixture logits" gt:"0"`
	// EmbeddingParams is as for PAL-A: the frozen model behind the embeddings.
	EmbeddingParams int `toml:"embedding_params" help:"parameters of the frozen model that made the embeddings, recorded as frozen_params" min:"0" max:"1000000000000000"`
}

// DefaultMixBTL is two reward MLPs of PAL's default shape.
func DefaultMixBTL() *MixBTLConfig {
	return &MixBTLConfig{K: 2, PeerNet: PeerNet{Map: "mlp", MLPConfig: models.DefaultMLP()}, LR: 1e-3, LRUser: 1e-2}
}

// Validate has nothing to check across fields.
func (c *MixBTLConfig) Validate() error { return nil }

// newModel builds the mixture for d from rng: K networks (r0, r1, ...), then the user table.
func (c *MixBTLConfig) newModel(d *datasets.Data, rng *rand.Rand) (*itemModel, error) {
	nets := &rewardNets{}
	for k := range c.K {
		n, err := newRewardNet(fmt.Sprintf("r%d", k), models.GroupMLP, d.Dim, 1, c.PeerNet, rng)
		if err != nil {
			return nil, err
		}
		nets.nets = append(nets.nets, n)
	}
	users := models.NewUserTable(d.Users, c.K, 1, false, rng)
	return newItemModel(d, nets, users, true, mixBTLLoss), nil
}

// mixBTLLoss is -log P(observed label) of the mixture, computed in log space
// (log P = logsumexp_k(log pi_k + log sigmoid(t m_k)), t = +1 for left, -1 for right); the
// margin is the log-odds of left, log P(left) - log P(right). The gradients: with the
// responsibilities rho_k = pi_k sigmoid(t m_k) / P (the E-step's posterior of class k),
// d/dm_k = -t rho_k (1 - sigmoid(t m_k)), and with respect to the softmax logits W_k,
// pi_k - rho_k.
func mixBTLLoss(oL, oR, w []float64, left bool, gL, gR, gu []float64) (loss, margin float64) {
	K := len(w)
	t := 1.0
	if !left {
		t = -1
	}
	lp, lpl, lpr := make([]float64, K), make([]float64, K), make([]float64, K)
	for k := range K {
		m, lw := oL[k]-oR[k], math.Log(w[k])
		lpl[k], lpr[k] = lw+logSigmoid(m), lw+logSigmoid(-m)
		if left {
			lp[k] = lpl[k]
		} else {
			lp[k] = lpr[k]
		}
	}
	logP := logSumExp(lp)
	margin = logSumExp(lpl) - logSumExp(lpr)
	if gu != nil {
		for k := range K {
			rho := math.Exp(lp[k] - logP)
			d := -t * rho * (1 - math.Exp(logSigmoid(t*(oL[k]-oR[k]))))
			gL[k] += d
			gR[k] -= d
			gu[k] += w[k] - rho
		}
	}
	return -logP, margin
}

// logSumExp is log sum_i exp(x_i), with -Inf entries (zero weights) allowed.
func logSumExp(x []float64) float64 {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = math.Max(mx, v)
	}
	if math.IsInf(mx, -1) {
		return mx
	}
	var s float64
	for _, v := range x {
		s += math.Exp(v - mx)
	}
	return mx + math.Log(s)
}

// Fit implements models.Kind: models.FitPersonalized with the reward networks at lr and the
// seen users' logits at lr_user; a user costs K logits.
func (c *MixBTLConfig) Fit(ctx context.Context, in models.FitInput) (models.Fitted, error) {
	rng := models.NewRand(in.Seed, seeds.FitStream)
	m, err := c.newModel(in.Data, rng)
	if err != nil {
		return models.Fitted{}, err
	}
	groups := map[string]models.GroupHyper{models.GroupMLP: {LR: c.LR, WeightDecay: c.WeightDecay}, models.GroupUser: {LR: c.LRUser}}
	out, err := models.FitPersonalized(ctx, m, in.Data, groups, in.Train, in.FewShot, in.Seed, rng)
	if err != nil {
		return models.Fitted{}, err
	}
	out.ParamsPerUser, out.FrozenParams = c.K, c.EmbeddingParams
	return models.Fitted{Metrics: out, Analysis: models.Analyze(m, in.Data, &out, "logistic")}, nil
}

// NewObjective implements models.Trainable.
func (c *MixBTLConfig) NewObjective(d *datasets.Data, rng *rand.Rand) (models.Objective, map[string]models.GroupHyper, error) {
	m, err := c.newModel(d, rng)
	return m, map[string]models.GroupHyper{models.GroupMLP: {LR: c.LR, WeightDecay: c.WeightDecay}, models.GroupUser: {LR: c.LRUser}}, err
}

// EstimateBytes implements models.MemoryEstimator: K reward networks with a batch of 2 rows a
// pair, the outputs of every item, and the users' logits.
func (c *MixBTLConfig) EstimateBytes(s datasets.Shape, tc *models.TrainConfig) int64 {
	rows := 2 * max(tc.BatchSize, 2048)
	return int64(c.K)*c.estimateBytes(s.Dim, 1, rows) + 8*int64(c.K)*(int64(s.Items)+5*int64(s.Users))
}

// ForwardFlopsPerPair implements models.FlopCounter.
func (c *MixBTLConfig) ForwardFlopsPerPair(s datasets.Shape) float64 {
	return 2 * float64(c.K) * c.flops(s.Dim, 1)
}
