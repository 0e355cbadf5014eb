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

// individualReward is r(x) of a user's reward with parameters theta: [B (h x D, row-major),
// c (h), a (h)], or theta (D) when h = 0. z receives the hidden pre-activations (h values).
func individualReward(D, h int, theta, x, z []float64) float64 {
	var r float64
	if h == 0 {
		for j := range theta {
			r += theta[j] * x[j]
		}
		return r
	}
	B, c, a := theta[:h*D], theta[h*D:h*D+h], theta[h*D+h:]
	for i := range h {
		z[i] = c[i]
		for j := range D {
			z[i] += B[i*D+j] * x[j]
		}
		r += a[i] * max(z[i], 0)
	}
	return r
}

// individualLoss is the logistic loss at margin r(x_left) - r(x_right) of the user's reward
// (individualReward).
func individualLoss(D, h int) itemPairLoss {
	return func(xL, xR, theta []float64, left bool, gL, gR, gu []float64) (loss, margin float64) {
		zL, zR := make([]float64, h), make([]float64, h)
		margin = individualReward(D, h, theta, xL, zL) - individualReward(D, h, theta, xR, zR)
		loss, dm := models.PairLoss("logistic", margin, left)
		if gu == nil {
			return loss, margin
		}
		if h == 0 {
			for j := range theta {
				gu[j] = dm * (xL[j] - xR[j])
			}
			return loss, margin
		}
		a := theta[h*D+h:]
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
		return loss, margin
	}
}

// individualModel is the fitted model: the itemModel of the users' rewards, saved with each
// user's full parameters (start plus offset) so that a served user needs nothing else.
type individualModel struct {
	*itemModel
	D, h int
}

// ModelFile implements models.Saveable: every user's reward parameters, W [seen users, P] and
// W_unseen [unseen users, P] (P = hidden*(D+2), or D for hidden = 0).
func (m *individualModel) ModelFile() models.ModelFile {
	P := m.users.K()
	theta := func(p *models.Param, seen bool) []float64 {
		out := make([]float64, 0, len(p.Value))
		for u, usr := range m.d.Users {
			if usr.Seen == seen {
				w := make([]float64, P)
				m.userRow(u, w)
				out = append(out, w...)
			}
		}
		return out
	}
	seen, unseen := theta(m.users.Seen(), true), theta(m.users.Unseen(), false)
	ts := map[string]models.Tensor{
		m.users.Seen().Name:   {Shape: []uint64{uint64(len(seen) / P), uint64(P)}, Data: seen},
		m.users.Unseen().Name: {Shape: []uint64{uint64(len(unseen) / P), uint64(P)}, Data: unseen},
	}
	return models.ModelFile{Kind: "individual", Data: m.d, K: P, Tensors: ts}
}

// NewServable implements models.Loadable: the users' rows hold their full parameters.
func (c *IndividualConfig) NewServable(d *datasets.Data) (models.Servable, error) {
	users := models.NewUserTable(d.Users, c.perUser(d.Dim), 1, false, models.NewRand(0, 0))
	return &individualModel{itemModel: newItemModel(d, nil, users, false, individualLoss(d.Dim, c.Hidden)), D: d.Dim, h: c.Hidden}, nil
}

// ParamCount implements models.Loadable: every user's reward.
func (c *IndividualConfig) ParamCount(d *datasets.Data) int64 {
	return int64(c.perUser(d.Dim)) * int64(len(d.Users))
}

// UsersAreFreeVectors implements models.FreeUsers: a user is its reward's parameters.
func (m *individualModel) UsersAreFreeVectors() {}

// ItemRewards implements models.Servable: r(x) of every row of items for the user whose
// reward's parameters are theta.
func (m *individualModel) ItemRewards(items models.Matrix, prompt, theta []float64) ([]float64, error) {
	if len(prompt) > 0 {
		return nil, fmt.Errorf("an individual model takes no prompt (it was given %d values)", len(prompt))
	}
	out, z := make([]float64, items.Rows), make([]float64, m.h)
	for i := range out {
		out[i] = individualReward(m.D, m.h, theta, items.Row(i), z)
	}
	return out, nil
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
	im := &individualModel{itemModel: m, D: in.Data.Dim, h: c.Hidden}
	return models.Fitted{Metrics: out, Model: im, Analysis: models.Analyze(im, in.Data, &out, "logistic")}, nil
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
