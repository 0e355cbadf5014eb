package models

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/pal-harness/pal/datasets"
)

// Servable is a model rebuilt from a model file, whose parameters LoadModel fills: it gives
// the reward of any item for a user described by K mixture weights.
type Servable interface {
	// Params lists the parameters, named as the file's tensors.
	Params() []*Param
	// Users is the per-user weight table; nil for a model that ignores the user.
	Users() *UserTable
	// ItemRewards returns one reward per row of items for a user with mixture weights w (K
	// values, or none when the model ignores the user) and, for a prompt-conditioned model,
	// the prompt embedding (nil otherwise). The reward is the per-item score whose difference
	// is the model's margin.
	ItemRewards(items Matrix, prompt, w []float64) ([]float64, error)
}

// FreeUsers is implemented by a Servable whose users are free vectors rather than mixture
// weights (a user embedding, a user's own reward parameters): a known user is served with its
// raw row of the user table, and a new user may be any K finite values.
type FreeUsers interface {
	UsersAreFreeVectors()
}

// Loadable is implemented by the config of a model kind whose fitted models can be read back
// (PAL-A, PAL-B, BTL): NewServable builds an untrained model of this config for the users and
// dimensions a model file describes (d holds them, without pairs). ParamCount is the number of
// values that model holds (saturating at math.MaxInt64), which LoadModel compares with the
// values the file holds before building anything: a file cannot make pal allocate more than
// its own size.
type Loadable interface {
	NewServable(d *datasets.Data) (Servable, error)
	ParamCount(d *datasets.Data) int64
}

// ConfigDecoder turns a model file's kind and config fields into a pointer to the kind's config
// struct, checked as a spec's would be: the registry provides it
// (internal/experiment.DecodeModelConfig).
type ConfigDecoder func(kind string, fields map[string]any) (any, error)

// Model is a fitted model read from a model file: it gives the reward of any item for a known
// user, or for a new user described by K mixture weights. It is what `pal score` uses and what
// a Go program embedding pal would use:
//
//	m, err := models.LoadModel("results/my-sweep/<run id>/model.safetensors", experiment.DecodeModelConfig)
//	w, err := m.UserWeights("u0007")          // or weights of a new user, summing to 1
//	r, err := m.Reward(items, prompt, w)      // items: n x m.Info.ItemDim, row-major
type Model struct {
	Info ModelInfo
	s    Servable
	user map[string]int // user ID -> index among Info.Users then Info.UnseenUsers
}

// LoadModel reads a model file written by SaveModel, with decode turning its config into the
// kind's config struct. Its parameters are restored bit for bit; a file with a non-finite
// parameter (a diverged model) is refused.
func LoadModel(path string, decode ConfigDecoder) (*Model, error) {
	info, ts, err := readModelFile(path)
	if err != nil {
		return nil, err
	}
	if info.ItemDim < 1 {
		return nil, fmt.Errorf("%s: item_dim %d, want >= 1", path, info.ItemDim)
	}
	stub := &datasets.Data{Name: filepath.Base(path), Dim: info.ItemDim, PromptDim: info.PromptDim}
	m := &Model{Info: info, user: map[string]int{}}
	for i, ids := range [][]string{info.Users, info.UnseenUsers} {
		for _, id := range ids {
			if _, dup := m.user[id]; dup {
				return nil, fmt.Errorf("%s: user %q is listed twice", path, id)
			}
			m.user[id] = len(stub.Users)
			stub.Users = append(stub.Users, datasets.User{ID: id, Seen: i == 0, Group: -1})
		}
	}
	cfg, err := decode(info.Kind, info.Config)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	l, ok := cfg.(Loadable)
	if !ok {
		return nil, fmt.Errorf("%s: model kind %q cannot be served by this pal", path, info.Kind)
	}
	if info.PromptDim < 0 {
		return nil, fmt.Errorf("%s: prompt_dim %d, want >= 0: the file is damaged", path, info.PromptDim)
	}
	var have int64
	for _, t := range ts {
		have += int64(len(t.Data))
	}
	if need := l.ParamCount(stub); need > have {
		return nil, fmt.Errorf("%s: its config and metadata (item_dim %d, prompt_dim %d, k %d, %d users) describe a model of %d parameters but the file holds %d values: the file is damaged or was edited",
			path, info.ItemDim, info.PromptDim, info.K, len(stub.Users), need, have)
	}
	if m.s, err = l.NewServable(stub); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k := 0
	if ut := m.s.Users(); ut != nil {
		k = ut.K()
	}
	if k != info.K {
		return nil, fmt.Errorf("%s: metadata k = %d but its config has k = %d", path, info.K, k)
	}
	if err := loadParams(path, m.s.Params(), ts); err != nil {
		return nil, err
	}
	if err := CheckFinite(m.s.Params()); err != nil {
		return nil, fmt.Errorf("%s holds a diverged model: %w; refit it (a smaller learning rate)", path, err)
	}
	return m, nil
}

// Params lists the model's parameters in a fixed order (for comparisons).
func (m *Model) Params() []*Param { return m.s.Params() }

// UserWeights returns the mixture weights a known user is scored with: softmax(W/tau), or the
// one-hot argmax for a model trained with partition = true (as its evaluation did); for a model
// whose users are free vectors (FreeUsers), the user's raw row. A model that ignores the user
// (K = 0) knows no users.
func (m *Model) UserWeights(id string) ([]float64, error) {
	u, ok := m.user[id]
	if !ok {
		if m.Info.K == 0 {
			return nil, fmt.Errorf("unknown user %q: this %s model gives every user the same reward; leave out --user and --weights", id, m.Info.Kind)
		}
		return nil, fmt.Errorf("unknown user %q: the model knows %d users, e.g. %s; or give --weights for a new user", id, len(m.user), m.someUsers(5))
	}
	w := make([]float64, m.Info.K)
	if _, free := m.s.(FreeUsers); free {
		raw, _ := m.s.Users().UserW(u)
		copy(w, raw)
		return w, nil
	}
	m.s.Users().WeightsInto(u, true, w)
	return w, nil
}

func (m *Model) someUsers(n int) string {
	ids := append(append([]string(nil), m.Info.Users...), m.Info.UnseenUsers...)
	if len(ids) > n {
		return strings.Join(ids[:n], ", ") + ", ..."
	}
	return strings.Join(ids, ", ")
}

// CheckWeights reports whether w can be a user's mixture weights: K finite, non-negative
// values summing to 1 (within 1e-6); K finite values for a model whose users are free vectors
// (FreeUsers); none for a model that ignores the user.
func (m *Model) CheckWeights(w []float64) error {
	if m.Info.K == 0 {
		if len(w) > 0 {
			return fmt.Errorf("%d weights given, but this %s model gives every user the same reward: leave out --weights", len(w), m.Info.Kind)
		}
		return nil
	}
	if _, free := m.s.(FreeUsers); free {
		if len(w) != m.Info.K {
			return fmt.Errorf("%d values given, a user of this %s model is %d values: give %d comma-separated values", len(w), m.Info.Kind, m.Info.K, m.Info.K)
		}
		for i, v := range w {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("value %d is %v: a user's values are finite", i+1, v)
			}
		}
		return nil
	}
	if len(w) != m.Info.K {
		return fmt.Errorf("%d weights given, the model has K = %d prototypes: give %d comma-separated weights", len(w), m.Info.K, m.Info.K)
	}
	var s float64
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("weight %d is %v: mixture weights are non-negative", i+1, v)
		}
		s += v
	}
	if math.Abs(s-1) > 1e-6 {
		return fmt.Errorf("the weights sum to %g: mixture weights lie on the simplex and sum to 1", s)
	}
	return nil
}

// Reward returns one reward per row of items (n x Info.ItemDim values, row-major) for a user
// with mixture weights w and, for a prompt-conditioned model, the prompt embedding prompt
// (Info.PromptDim values; nil otherwise). The reward is the per-item score whose difference is
// the model's margin: with the default scores minus the distance of f(x) to the user's ideal
// point for PAL-A, the scaled cosine s*cos(f(x), u(c)) for PAL-B, r(x) for BTL. For a known
// user it reproduces, bit for bit, the margins the model was evaluated with at training time.
// A non-finite reward (an item far outside the training data, say) is an error.
func (m *Model) Reward(items, prompt, w []float64) ([]float64, error) {
	D := m.Info.ItemDim
	if len(items) == 0 || len(items)%D != 0 {
		return nil, fmt.Errorf("items hold %d values, not a whole number of rows of the model's item dimension %d: embed the items with the model the training data used", len(items), D)
	}
	if err := m.CheckWeights(w); err != nil {
		return nil, err
	}
	for i, v := range items {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("item %d has a non-finite value %v", i/D, v)
		}
	}
	out, err := m.s.ItemRewards(Matrix{len(items) / D, D, items}, prompt, w)
	if err != nil {
		return nil, err
	}
	for j, r := range out {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("the reward of item %d is %v: the model cannot score it", j, r)
		}
	}
	return out, nil
}

// NewServable implements Loadable.
func (c *PALAConfig) NewServable(d *datasets.Data) (Servable, error) {
	return NewPALA(c, d, NewRand(0, 0)) // initial values are overwritten by the file's
}

// NewServable implements Loadable.
func (c *PALBConfig) NewServable(d *datasets.Data) (Servable, error) {
	if d.PromptDim < 1 {
		return nil, fmt.Errorf("a pal-b model with prompt_dim %d", d.PromptDim)
	}
	return newPALB(c, d, NewRand(0, 0))
}

// ItemRewards implements Servable.
func (m *PALA) ItemRewards(items Matrix, prompt, w []float64) ([]float64, error) {
	if len(prompt) > 0 {
		return nil, fmt.Errorf("a pal-a model takes no prompt (it was given %d values)", len(prompt))
	}
	if m.cfg.IdealPoint == "f(P)w" && m.protoCache == nil {
		protos := m.mapAll(Matrix{m.cfg.K, m.ds.Dim, m.P.Value})
		m.protoCache = &protos
	}
	u := m.idealPoints(Matrix{1, m.cfg.K, w}).Row(0)
	return itemScores(m.f, m.head, items, u), nil
}

// ItemRewards implements Servable.
func (m *PALB) ItemRewards(items Matrix, prompt, w []float64) ([]float64, error) {
	if len(prompt) != m.ds.PromptDim {
		return nil, fmt.Errorf("the prompt has %d values, the model's prompt dimension is %d", len(prompt), m.ds.PromptDim)
	}
	G := make([][]float64, len(m.g))
	for k, g := range m.g {
		G[k] = mapRows(g, Matrix{1, len(prompt), prompt}).Row(0)
	}
	u := make([]float64, m.f.Out)
	mixRows(w, func(k int) []float64 { return G[k] }, u)
	return itemScores(m.f, m.head, items, u), nil
}

// itemScores is the head's score of every mapped item against the ideal point u.
func itemScores(f *MLP, h *head, items Matrix, u []float64) []float64 {
	fx := mapRows(f, items)
	s, _ := h.scale()
	out := make([]float64, items.Rows)
	for j := range out {
		out[j] = h.itemScore(fx.Row(j), u, s)
	}
	return out
}

// ParamCount implements Loadable: f, P and the user weights (a learned logit scale is one more,
// not counted: the count is a lower bound the file must reach).
func (c *PALAConfig) ParamCount(d *datasets.Data) int64 {
	pDim := d.Dim
	if c.IdealPoint == "Pw" {
		pDim = c.Width
	}
	return satAdd(MLPParamCount(d.Dim, c.MLPConfig), satMul(int64(c.K), int64(pDim)), satMul(int64(len(d.Users)), int64(c.K)))
}

// ParamCount implements Loadable: f, the K maps g_k and the user weights.
func (c *PALBConfig) ParamCount(d *datasets.Data) int64 {
	return satAdd(MLPParamCount(d.Dim, c.MLPConfig), satMul(int64(c.K), MLPParamCount(d.PromptDim, c.MLPConfig)), satMul(int64(len(d.Users)), int64(c.K)))
}
