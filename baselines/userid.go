package baselines

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
)

// UserIDConfig configures the user-ID-conditioned reward (kind = "user-id"), P-RLHF's
// individual user model (Li et al. 2024, "Personalized Language Modeling from Personalized
// Human Feedback", arXiv 2402.05133; code: prlhf/user_model.py, IndividualUserModel): every
// user a learned embedding e_u = e_0 + o_u, the generic user's e_0 plus the user's offset, and
// one reward network on the item and the embedding side by side,
//
//	r_u(x) = r(x ⊕ e_u),  P(u prefers left) = sigmoid(r_u(left) - r_u(right)).
//
// A new user is the generic user e_0 until few-shot fitting moves its offset o_u (the network
// and e_0 fixed; models.FitUnseenUsers, early stopping on unseen_val).
//
// Where pal's version differs: P-RLHF prepends the user embedding as soft tokens to a language
// model trained by P-DPO; pal conditions a reward MLP on frozen embeddings, the same reward
// form as the other kinds. The authors initialise the embedding table U(-0.5, 0.5) and also
// train e_0 on a fraction of pairs with the user withheld; pal draws e_0 from U(-0.5, 0.5) and
// the seen offsets from N(0, 0.1^2) and trains e_0 only through the seen users' e_u.
type UserIDConfig struct {
	Dim int `toml:"dim" help:"dimension of the user embedding" min:"1" max:"4096"`
	PeerNet
	LR          float64 `toml:"lr" help:"Adam learning rate of the reward network and e_0" gt:"0"`
	WeightDecay float64 `toml:"weight_decay" help:"decoupled weight decay of the reward network" min:"0"`
	LRUser      float64 `toml:"lr_user" help:"Adam learning rate of the seen users' offsets" gt:"0"`
	// EmbeddingParams is as for PAL-A: the frozen model behind the embeddings.
	EmbeddingParams int `toml:"embedding_params" help:"parameters of the frozen model that made the embeddings, recorded as frozen_params" min:"0" max:"1000000000000000"`
}

// DefaultUserID is an embedding of 4 dimensions beside the item, into PAL's default MLP.
func DefaultUserID() *UserIDConfig {
	return &UserIDConfig{Dim: 4, PeerNet: PeerNet{Map: "mlp", MLPConfig: models.DefaultMLP()}, LR: 1e-3, LRUser: 1e-2}
}

// Validate has nothing to check across fields.
func (c *UserIDConfig) Validate() error { return nil }

// userID is the fitted model (models.Personalized): the user table holds the offsets o_u.
type userID struct {
	d       *datasets.Data
	net     *condNet
	e0      *models.Param
	users   *models.UserTable
	margins map[comparison]float64 // after PrepareEval

	emb models.Matrix // the batch's e_u, one row per pair
	dr  models.Matrix
}

func (c *UserIDConfig) newModel(d *datasets.Data, rng *rand.Rand) (*userID, error) {
	net, err := newRewardNet("r", models.GroupMLP, d.Dim+c.Dim, 1, c.PeerNet, rng)
	if err != nil {
		return nil, err
	}
	m := &userID{d: d, net: &condNet{rewardNet: net, D: d.Dim, E: c.Dim}, e0: models.NewParam("e0", models.GroupMLP, c.Dim)}
	for i := range m.e0.Value {
		m.e0.Value[i] = rng.Float64() - 0.5
	}
	m.users = models.NewUserTable(d.Users, c.Dim, 1, false, rng)
	return m, nil
}

// embedding writes e_u = e_0 + o_u into out.
func (m *userID) embedding(u int, out []float64) {
	o, _ := m.users.UserW(u)
	for k := range out {
		out[k] = m.e0.Value[k] + o[k]
	}
}

// BatchLoss implements models.Objective: the logistic loss of r(left ⊕ e_u) - r(right ⊕ e_u),
// with the gradient reaching e_u (and so o_u and e_0) through the network's input.
func (m *userID) BatchLoss(pairs []datasets.Pair, rng *rand.Rand, backward bool) float64 {
	n, E := len(pairs), len(m.e0.Value)
	emb := resize(&m.emb, n, E)
	for i, p := range pairs {
		m.embedding(p.User, emb.Row(i))
	}
	r := m.net.forwardPairs(m.d, pairs, emb.Row, rng)
	dr := resize(&m.dr, 2*n, 1)
	var total float64
	for i, p := range pairs {
		loss, dm := models.PairLoss("logistic", r.Data[i]-r.Data[n+i], p.LeftPreferred)
		total += loss
		dr.Data[i], dr.Data[n+i] = dm/float64(n), -dm/float64(n)
	}
	if backward {
		din := m.net.backward(dr, true)
		D := m.net.D
		for i, p := range pairs {
			_, g := m.users.UserW(p.User)
			for _, row := range [2][]float64{din.Row(i), din.Row(n + i)} {
				for k, v := range row[D:] {
					g[k] += v
					m.e0.Grad[k] += v
				}
			}
		}
	}
	return total / float64(n)
}

// Margin implements models.Scorer (after PrepareEval).
func (m *userID) Margin(p datasets.Pair) float64 { return m.margins[comparisonOf(p)] }

// PairLoss implements models.Scorer (after PrepareEval).
func (m *userID) PairLoss(p datasets.Pair) float64 {
	l, _ := models.PairLoss("logistic", m.Margin(p), p.LeftPreferred)
	return l
}

// Params implements models.Objective.
func (m *userID) Params() []*models.Param {
	return append(m.net.params(), m.e0, m.users.Seen(), m.users.Unseen())
}

// Users, Freeze, FrozenObjective, PrepareEval, SharedParams and TrainableParams implement
// models.Personalized. Few-shot fitting runs the network (its gradient reaches the offsets
// through the input), so Freeze has nothing to precompute.
func (m *userID) Users() *models.UserTable { return m.users }
func (m *userID) Freeze()                  {}
func (m *userID) FrozenObjective() models.Objective {
	return frozenUserID{m}
}
func (m *userID) PrepareEval() {
	E := len(m.e0.Value)
	buf := make(map[int][]float64)
	m.margins = marginCache(m.d, func(pairs []datasets.Pair) []float64 {
		return m.net.margins(m.d, pairs, func(u int) []float64 {
			if e, ok := buf[u]; ok {
				return e
			}
			e := make([]float64, E)
			m.embedding(u, e)
			buf[u] = e
			return e
		})
	})
}
func (m *userID) SharedParams() int    { return models.CountParams(m.net.params()) + len(m.e0.Value) }
func (m *userID) TrainableParams() int { return m.SharedParams() + len(m.users.Seen().Value) }

// frozenUserID trains only the unseen users' offsets (few-shot adaptation).
type frozenUserID struct{ *userID }

func (f frozenUserID) Params() []*models.Param { return []*models.Param{f.users.Unseen()} }

func (c *UserIDConfig) groups() map[string]models.GroupHyper {
	return map[string]models.GroupHyper{models.GroupMLP: {LR: c.LR, WeightDecay: c.WeightDecay}, models.GroupUser: {LR: c.LRUser}}
}

// Fit implements models.Kind; a user costs dim offsets.
func (c *UserIDConfig) Fit(ctx context.Context, in models.FitInput) (models.Fitted, error) {
	rng := models.NewRand(in.Seed, seeds.FitStream)
	m, err := c.newModel(in.Data, rng)
	if err != nil {
		return models.Fitted{}, err
	}
	out, err := models.FitPersonalized(ctx, m, in.Data, c.groups(), in.Train, in.FewShot, in.Seed, rng)
	if err != nil {
		return models.Fitted{}, err
	}
	out.ParamsPerUser, out.FrozenParams = c.Dim, c.EmbeddingParams
	return models.Fitted{Metrics: out, Model: m, Analysis: models.Analyze(m, in.Data, &out, "logistic")}, nil
}

// NewObjective implements models.Trainable.
func (c *UserIDConfig) NewObjective(d *datasets.Data, rng *rand.Rand) (models.Objective, map[string]models.GroupHyper, error) {
	m, err := c.newModel(d, rng)
	return m, c.groups(), err
}

// EstimateBytes implements models.MemoryEstimator: the network with a batch of 2 rows a pair,
// the users' offsets, and the margin of every pair.
func (c *UserIDConfig) EstimateBytes(s datasets.Shape, tc *models.TrainConfig) int64 {
	rows := 2 * max(tc.BatchSize, 2048)
	return c.estimateBytes(s.Dim+c.Dim, 1, rows) + 5*8*int64(c.Dim)*int64(s.Users) + 48*int64(s.Pairs)
}

// ForwardFlopsPerPair implements models.FlopCounter.
func (c *UserIDConfig) ForwardFlopsPerPair(s datasets.Shape) float64 {
	return 2 * c.flops(s.Dim+c.Dim, 1)
}

// ModelFile implements models.Saveable: the reward network, e_0 and the users' offsets (W,
// W_unseen; a user is dim free values, not mixture weights).
func (m *userID) ModelFile() models.ModelFile {
	ts := map[string]models.Tensor{}
	if m.net.f != nil {
		models.MLPTensors(m.net.f, ts)
	}
	models.MLPTensors(m.net.head, ts)
	ts[m.e0.Name] = models.Tensor{Shape: []uint64{uint64(len(m.e0.Value))}, Data: m.e0.Value}
	m.users.Tensors(ts)
	return models.ModelFile{Kind: "user-id", Data: m.d, K: len(m.e0.Value), Tensors: ts}
}

// NewServable implements models.Loadable.
func (c *UserIDConfig) NewServable(d *datasets.Data) (models.Servable, error) {
	return c.newModel(d, models.NewRand(0, 0)) // initial values are overwritten by the file's
}

// ParamCount implements models.Loadable: the network, e_0 and the users' offsets.
func (c *UserIDConfig) ParamCount(d *datasets.Data) int64 {
	return c.paramCount(d.Dim+c.Dim, 1) + int64(c.Dim)*(1+int64(len(d.Users)))
}

// UsersAreFreeVectors implements models.FreeUsers: a user is its offset o_u (`pal score
// --weights` takes a new user's offset; all zeros is the generic user e_0).
func (m *userID) UsersAreFreeVectors() {}

// ItemRewards implements models.Servable: r(x ⊕ (e_0 + o)) of every row of items for the
// user with offset o.
func (m *userID) ItemRewards(items models.Matrix, prompt, o []float64) ([]float64, error) {
	if len(prompt) > 0 {
		return nil, fmt.Errorf("a user-id model takes no prompt (it was given %d values)", len(prompt))
	}
	D, E := m.net.D, m.net.E
	e := make([]float64, E)
	for k := range e {
		e[k] = m.e0.Value[k] + o[k]
	}
	rows := models.NewMatrix(items.Rows, D+E)
	for i := range items.Rows {
		copy(rows.Row(i), items.Row(i))
		copy(rows.Row(i)[D:], e)
	}
	return m.net.apply(rows).Data, nil
}
