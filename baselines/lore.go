package baselines

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
)

// LoReConfig configures LoRe (kind = "lore"), low-rank reward modelling (Bose et al. 2025,
// "LoRe: Personalizing LLMs via Low-Rank Reward Modeling", arXiv 2504.14439; code
// facebookresearch/LoRe, utils.py): K basis rewards V phi(x) shared by everybody and each user
// a point w_u = softmax(W_u) on the K-simplex,
//
//	r_u(x) = w_u^T V phi(x),  P(u prefers left) = sigmoid(r_u(left) - r_u(right)).
//
// The authors' phi is the frozen embedding itself (V is a linear map, class LoRe and
// LoRe_regularized), V and W are learned jointly by full-batch Adam (lr 0.5, 1000 iterations,
// logits divided by 100, V and W initialised N(0, 1)), and a new user fits only w (class
// PersonalizeBatch: 500 iterations of Adam at lr 0.1, V fixed).
//
// Where pal's version differs: V is a linear head (map = "linear", the authors' form) or a
// linear head on an MLP phi (map = "mlp"); training is pal's mini-batch loop with early
// stopping on val, the head initialised as torch.nn.Linear, no 1/100 logit scale (with Adam it
// only rescales the initial logits) and no regularisation of V towards a reference reward
// (their alpha, 0 in the Reddit TL;DR script). New users fit only w (models.FitUnseenUsers,
// early stopping on unseen_val). The model is PAL-A's sibling with a linear reward instead of an
// ideal-point distance: it can be saved and served by `pal score` with the same --weights.
type LoReConfig struct {
	K int `toml:"k" help:"rank: number of basis rewards" min:"1" max:"1024"`
	PeerNet
	LR          float64 `toml:"lr" help:"Adam learning rate of V (and phi)" gt:"0"`
	WeightDecay float64 `toml:"weight_decay" help:"decoupled weight decay of V (and phi)" min:"0"`
	LRUser      float64 `toml:"lr_user" help:"Adam learning rate of the seen users' logits W" gt:"0"`
	// EmbeddingParams is as for PAL-A: the frozen model behind the embeddings.
	EmbeddingParams int `toml:"embedding_params" help:"parameters of the frozen model that made the embeddings, recorded as frozen_params" min:"0" max:"1000000000000000"`
}

// DefaultLoRe is the authors' form: a linear basis of rank 2 on the embedding.
func DefaultLoRe() *LoReConfig {
	return &LoReConfig{K: 2, PeerNet: PeerNet{Map: "linear", MLPConfig: models.DefaultMLP()}, LR: 1e-3, LRUser: 1e-2}
}

// Validate has nothing to check across fields.
func (c *LoReConfig) Validate() error { return nil }

// lore is the fitted model: an itemModel whose outputs are the K basis rewards.
type lore struct {
	*itemModel
	cfg   LoReConfig
	basis *rewardNet // V phi, the itemModel's network
}

func (c *LoReConfig) newModel(d *datasets.Data, rng *rand.Rand) (*lore, error) {
	net, err := newRewardNet("V", models.GroupMLP, d.Dim, c.K, c.PeerNet, rng)
	if err != nil {
		return nil, err
	}
	users := models.NewUserTable(d.Users, c.K, 1, false, rng)
	return &lore{itemModel: newItemModel(d, net, users, true, loreLoss), cfg: *c, basis: net}, nil
}

// loreLoss is the logistic loss at margin r_u(left) - r_u(right), r_u = w^T o (summed as
// ItemRewards sums it, so a served model gives the margins of the evaluation bit for bit).
func loreLoss(oL, oR, w []float64, left bool, gL, gR, gu []float64) (loss, margin float64) {
	var rL, rR float64
	for k := range w {
		rL += w[k] * oL[k]
		rR += w[k] * oR[k]
	}
	margin = rL - rR
	loss, dm := models.PairLoss("logistic", margin, left)
	if gu != nil {
		for k := range w {
			gL[k] += dm * w[k]
			gR[k] -= dm * w[k]
			gu[k] = dm * (oL[k] - oR[k])
		}
		softmaxGrad(w, gu)
	}
	return loss, margin
}

func (c *LoReConfig) groups() map[string]models.GroupHyper {
	return map[string]models.GroupHyper{models.GroupMLP: {LR: c.LR, WeightDecay: c.WeightDecay}, models.GroupUser: {LR: c.LRUser}}
}

// Fit implements models.Kind; a user costs K logits.
func (c *LoReConfig) Fit(ctx context.Context, in models.FitInput) (models.Fitted, error) {
	rng := models.NewRand(in.Seed, seeds.FitStream)
	m, err := c.newModel(in.Data, rng)
	if err != nil {
		return models.Fitted{}, err
	}
	out, err := models.FitPersonalized(ctx, m, in.Data, c.groups(), in.Train, in.FewShot, in.Seed, rng)
	if err != nil {
		return models.Fitted{}, err
	}
	out.ParamsPerUser, out.FrozenParams = c.K, c.EmbeddingParams
	return models.Fitted{Metrics: out, Model: m, Analysis: models.Analyze(m, in.Data, &out, "logistic")}, nil
}

// NewObjective implements models.Trainable.
func (c *LoReConfig) NewObjective(d *datasets.Data, rng *rand.Rand) (models.Objective, map[string]models.GroupHyper, error) {
	m, err := c.newModel(d, rng)
	return m, c.groups(), err
}

// EstimateBytes implements models.MemoryEstimator: the network with a batch of 2 rows a pair,
// the K outputs of every item, and the users' logits.
func (c *LoReConfig) EstimateBytes(s datasets.Shape, tc *models.TrainConfig) int64 {
	rows := 2 * max(tc.BatchSize, 2048)
	return c.estimateBytes(s.Dim, c.K, rows) + 8*int64(c.K)*(int64(s.Items)+5*int64(s.Users))
}

// ForwardFlopsPerPair implements models.FlopCounter.
func (c *LoReConfig) ForwardFlopsPerPair(s datasets.Shape) float64 { return 2 * c.flops(s.Dim, c.K) }

// ModelFile implements models.Saveable: phi (map = "mlp"), the basis V and the users' logits.
func (m *lore) ModelFile() models.ModelFile {
	ts := map[string]models.Tensor{}
	if m.basis.f != nil {
		models.MLPTensors(m.basis.f, ts)
	}
	models.MLPTensors(m.basis.head, ts)
	m.users.Tensors(ts)
	return models.ModelFile{Kind: "lore", Data: m.d, K: m.cfg.K, Tensors: ts}
}

// NewServable implements models.Loadable.
func (c *LoReConfig) NewServable(d *datasets.Data) (models.Servable, error) {
	return c.newModel(d, models.NewRand(0, 0)) // initial values are overwritten by the file's
}

// ParamCount implements models.Loadable: the network and the users' logits.
func (c *LoReConfig) ParamCount(d *datasets.Data) int64 {
	return c.paramCount(d.Dim, c.K) + int64(c.K)*int64(len(d.Users))
}

// ItemRewards implements models.Servable: w^T V phi(x) of every row of items.
func (m *lore) ItemRewards(items models.Matrix, prompt, w []float64) ([]float64, error) {
	if len(prompt) > 0 {
		return nil, fmt.Errorf("a lore model takes no prompt (it was given %d values)", len(prompt))
	}
	o := m.basis.apply(items)
	out := make([]float64, items.Rows)
	for i := range out {
		for k, wk := range w {
			out[i] += wk * o.Row(i)[k]
		}
	}
	return out, nil
}
