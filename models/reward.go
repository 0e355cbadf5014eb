package models

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/pal-harness/pal/datasets"
)

// Model is a fitted PAL-A or PAL-B model read from a model file: it gives the reward of any
// item for a known user, or for a new user described by K mixture weights. It is what
// `pal score` uses and what a Go program embedding pal would use:
//
//	m, err := models.LoadModel("results/my-sweep/<run id>/model.safetensors")
//	w, err := m.UserWeights("u0007")          // or weights of a new user, summing to 1
//	r, err := m.Reward(items, prompt, w)      // items: n x m.Info.ItemDim, row-major
type Model struct {
	Info ModelInfo
	pala *PALA
	palb *PALB
	user map[string]int // user ID -> index among Info.Users then Info.UnseenUsers
}

// LoadModel reads a model file written by SaveModel. Its parameters are restored bit for bit.
func LoadModel(path string) (*Model, error) {
	info, ts, err := readModelFile(path)
	if err != nil {
		return nil, err
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
	if info.ItemDim < 1 {
		return nil, fmt.Errorf("%s: item_dim %d, want >= 1", path, info.ItemDim)
	}
	rng := NewRand(0, 0) // initial values are overwritten by the file's
	var ps []*Param
	var k int
	switch info.Kind {
	case "pal-a":
		cfg := &PALAConfig{}
		if err := setConfigFields(cfg, info.Config); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := checkConfigTags(cfg); err != nil {
			return nil, fmt.Errorf("%s: %w: the file is damaged or was edited", path, err)
		}
		if err := checkShape(path, info, cfg.MLPConfig, cfg.K, cfg.IdealPoint, ts); err != nil {
			return nil, err
		}
		a, err := NewPALA(cfg, stub, rng)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		m.pala, ps, k = a, a.Params(), cfg.K
	case "pal-b":
		cfg := &PALBConfig{}
		if err := setConfigFields(cfg, info.Config); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if info.PromptDim < 1 {
			return nil, fmt.Errorf("%s: a pal-b model with prompt_dim %d", path, info.PromptDim)
		}
		if err := checkConfigTags(cfg); err != nil {
			return nil, fmt.Errorf("%s: %w: the file is damaged or was edited", path, err)
		}
		if err := checkShape(path, info, cfg.MLPConfig, cfg.K, "", ts); err != nil {
			return nil, err
		}
		b, err := newPALB(cfg, stub, rng)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		m.palb, ps, k = b, b.Params(), cfg.K
	default:
		return nil, fmt.Errorf("%s: model kind %q; this pal knows pal-a and pal-b", path, info.Kind)
	}
	if k != info.K {
		return nil, fmt.Errorf("%s: metadata k = %d but its config has k = %d", path, info.K, k)
	}
	if err := loadParams(path, ps, ts); err != nil {
		return nil, err
	}
	if a := m.pala; a != nil && a.cfg.IdealPoint == "f(P)w" {
		protos := a.mapAll(Matrix{a.cfg.K, a.ds.Dim, a.P.Value})
		a.protoCache = &protos
	}
	return m, nil
}

// Params lists the model's parameters in a fixed order (for comparisons).
func (m *Model) Params() []*Param {
	if m.pala != nil {
		return m.pala.Params()
	}
	return m.palb.Params()
}

// UserWeights returns the mixture weights a known user is scored with: softmax(W/tau), or the
// one-hot argmax for a model trained with partition = true (as its evaluation did).
func (m *Model) UserWeights(id string) ([]float64, error) {
	u, ok := m.user[id]
	if !ok {
		return nil, fmt.Errorf("unknown user %q: the model knows %d users, e.g. %s; or give --weights for a new user", id, len(m.user), m.someUsers(5))
	}
	w := make([]float64, m.Info.K)
	m.users().weightsInto(u, true, w)
	return w, nil
}

func (m *Model) users() *userTable {
	if m.pala != nil {
		return m.pala.userTable
	}
	return m.palb.userTable
}

func (m *Model) someUsers(n int) string {
	ids := append(append([]string(nil), m.Info.Users...), m.Info.UnseenUsers...)
	if len(ids) > n {
		return strings.Join(ids[:n], ", ") + ", ..."
	}
	return strings.Join(ids, ", ")
}

// CheckWeights reports whether w can be a user's mixture weights: K finite, non-negative
// values summing to 1 (within 1e-6).
func (m *Model) CheckWeights(w []float64) error {
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
// with mixture weights w and, for PAL-B, the prompt embedding prompt (Info.PromptDim values;
// nil for PAL-A). The reward is the per-item score whose difference is the model's margin:
// with the default scores minus the distance of f(x) to the user's ideal point for PAL-A and
// the scaled cosine s*cos(f(x), u(c)) for PAL-B. For a known user it reproduces, bit for bit,
// the margins the model was evaluated with at training time.
func (m *Model) Reward(items, prompt, w []float64) ([]float64, error) {
	D := m.Info.ItemDim
	if len(items) == 0 || len(items)%D != 0 {
		return nil, fmt.Errorf("items hold %d values, not a whole number of rows of the model's item dimension %d: embed the items with the model the training data used", len(items), D)
	}
	if err := m.CheckWeights(w); err != nil {
		return nil, err
	}
	X := Matrix{len(items) / D, D, items}
	var f *MLP
	var h *head
	var u []float64
	if a := m.pala; a != nil {
		if len(prompt) > 0 {
			return nil, fmt.Errorf("a pal-a model takes no prompt (it was given %d values)", len(prompt))
		}
		f, h = a.f, a.head
		u = a.idealPoints(Matrix{1, m.Info.K, w}).Row(0)
	} else {
		b := m.palb
		if len(prompt) != m.Info.PromptDim {
			return nil, fmt.Errorf("the prompt has %d values, the model's prompt dimension is %d", len(prompt), m.Info.PromptDim)
		}
		f, h = b.f, b.head
		G := make([][]float64, len(b.g))
		for k, g := range b.g {
			G[k] = mapRows(g, Matrix{1, len(prompt), prompt}).Row(0)
		}
		u = make([]float64, f.Out)
		mixRows(w, func(k int) []float64 { return G[k] }, u)
	}
	fx := mapRows(f, X)
	s, _ := h.scale()
	out := make([]float64, X.Rows)
	for j := range out {
		out[j] = h.itemScore(fx.Row(j), u, s)
	}
	return out, nil
}
