package baselines

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
)

// IndividualConfig configures individual reward models (kind = "individual"): every user u
// its own small reward r_u on the frozen embedding, fitted on u's pairs alone, P(u prefers
// left) = sigmoid(r_u(left) - r_u(right)). With hidden = 0 the reward is linear,
// r_u(x) = theta_u . x; with hidden = h it is one hidden layer of h ReLU units,
// r_u(x) = a_u . relu(B_u x + c_u) (no output bias: it cancels in a difference). Nothing is
// shared, so it is the personalisation a user's own data buys, and its cost: every user's
// parameters and no help from anybody else's pairs. It is the "individual reward modelling"
// baseline of Dong et al. 2025 ("When Personalization Meets Reality: A Multi-Faceted Analysis
// of Personalized Preference Learning", arXiv 2502.19158), which trains one reward model per
// user on that user's data.
//
// Where pal's version differs: the rewards are tiny networks on the frozen embedding, not one
// fine-tuned language model per user; all seen users are trained in one loop (their parameters
// do not interact, but early stopping on val is one decision for all of them). A user's
// parameters are a fixed random starting point (N(0, 1/D) for B, N(0, 1/h) for a, c = 0; all 0
// for hidden = 0) plus a trained offset, so that an unseen user, whose offset few-shot fitting
// starts at zero, starts from a random network like a seen one; the offset is fitted on the new
// user's few-shot pairs alone (models.FitUnseenUsers, early stopping on unseen_val).
type IndividualConfig struct {
	Hidden      int     `toml:"hidden" help:"hidden ReLU units of each user's reward (0: linear in the embedding)" min:"0" max:"4096"`
	LR          float64 `toml:"lr" help:"Adam learning rate of the seen users' rewards" gt:"0"`
	WeightDecay float64 `toml:"weight_decay" help:"decoupled weight decay of the seen users' rewards (towards their starting point)" min:"0"`
	// EmbeddingParams is as for PAL-A: the frozen model behind the embeddings.
	EmbeddingParams int `toml:"embedding_params" help:"parameters of the frozen model that made the embeddings, recorded as frozen_params" min:"0" max:"1000000000000000"`
}

// DefaultIndividual is one hidden layer of 8 units per user, trained at lr 3e-2.
func DefaultIndividual() *IndividualConfig { return &IndividualConfig{Hidden: 8, LR: 3e-2} }

// Validate has nothing to check across fields.
func (c *IndividualConfig) Validate() error { return nil }

// perUser is the number of parameters of one user's reward on D inputs.
func (c *IndividualConfig) perUser(D int) int {
	if c.Hidden == 0 {
		return D
	}
	return c.Hidden*D + 2*c.Hidden
}

func (c *IndividualConfig) newModel(d *datasets.Data, rng *rand.Rand) *itemModel {
	P, D, h := c.perUser(d.Dim), d.Dim, c.Hidden
	users := models.NewUserTable(d.Users, P, 1, false, rng)
	clear(users.Seen().Value) // the random start is the base below, for seen and unseen users alike
	m := newItemModel(d, nil, users, false, individualLoss(D, h))
	if h > 0 {
		m.base = make([]float64, len(d.Users)*P)
		for u := range d.Users {
			row := m.base[u*P : (u+1)*P]
			for i := range h * D {
				row[i] = rng.NormFloat64() / math.Sqrt(float64(D))
			}
			for i := range h {
				row[h*D+h+i] = rng.NormFloat64() / math.Sqrt(float64(h))
			}
		}
	}
	return m
}

// individualLoss is the logistic loss at margin r(x_left) - r(x_right) of the user's reward,
// whose parameters theta are [B (h x D, row-major), c (h), a (h)], or theta (D) when h = 0.
func individualLoss(D, h int) itemPairLoss {
	return func(xL, xR, theta []float64, left bool, gL, gR, gu []float64) (loss, margin float64) {
		if h == 0 {
			for j := range theta {
				margin += theta[j] * (xL[j] - xR[j])
			}
			loss, dm := models.PairLoss("logistic", margin, left)
			if gu != nil {
				for j := range theta {
					gu[j] = dm * (xL[j] - xR[j])
				}
			}
			return loss, margin
		}
		B, c, a := theta[:h*D], theta[h*D:h*D+h], theta[h*D+h:]
		zL, zR := make([]float64, h), make([]float64, h)
		for i := range h {
			zL[i], zR[i] = c[i], c[i]
			for j := range D {
				zL[i] += B[i*D+j] * xL[j]
				zR[i] += B[i*D+j] * xR[j]
			}
			margin += a[i] * (max(zL[i], 0) - max(zR[i], 0))
		}
		loss, dm := models.PairLoss("logistic", margin, left)
		if gu != nil {
			gB, gc, ga := gu[:h*D], gu[h*D:h*D+h], gu[h*D+h:]
			for i := range h {
				ga[i] = dm * (max(zL[i], 0) - max(zR[i], 0))
				var dl, dr float64
				if zL[i] > 0 {
					dl = dm * a[i]
				}
				if zR[i] > 0 {
					dr = dm * a[i]
				}
				gc[i] = dl - dr
				for j := range D {
					gB[i*D+j] = dl*xL[j] - dr*xR[j]
				}
			}
		}
		return loss, margin
	}
}

func (c *IndividualConfig) groups() map[string]models.GroupHyper {
	return map[string]models.GroupHyper{models.GroupUser: {LR: c.LR, WeightDecay: c.WeightDecay}}
}

// Fit implements models.Kind; a user costs D parameters and nothing is shared.
func (c *IndividualConfig) Fit(ctx context.Context, in models.FitInput) (models.Fitted, error) {
	rng := models.NewRand(in.Seed, seeds.FitStream)
	m := c.newModel(in.Data, rng)
	out, err := models.FitPersonalized(ctx, m, in.Data, c.groups(), in.Train, in.FewShot, in.Seed, rng)
	if err != nil {
		return models.Fitted{}, err
	}
	out.ParamsPerUser, out.FrozenParams = c.perUser(in.Data.Dim), c.EmbeddingParams
	return models.Fitted{Metrics: out}, nil
}

// NewObjective implements models.Trainable.
func (c *IndividualConfig) NewObjective(d *datasets.Data, rng *rand.Rand) (models.Objective, map[string]models.GroupHyper, error) {
	return c.newModel(d, rng), c.groups(), nil
}

// EstimateBytes implements models.MemoryEstimator: every user's parameters (with their fixed
// start, gradient and Adam state).
func (c *IndividualConfig) EstimateBytes(s datasets.Shape, tc *models.TrainConfig) int64 {
	return 6 * 8 * int64(c.perUser(s.Dim)) * int64(s.Users)
}

// ForwardFlopsPerPair implements models.FlopCounter: the user's reward of both items.
func (c *IndividualConfig) ForwardFlopsPerPair(s datasets.Shape) float64 {
	return 4 * float64(c.perUser(s.Dim))
}
