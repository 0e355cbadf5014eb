package models

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/pal-harness/pal/datasets"
)

// torchValues is testdata/torch_values.json: values PyTorch computed with the authors' formulas
// (testdata/torch_values.py says how and regenerates it). The gradient checks show that pal's
// hand-written gradients match pal's own losses; these show that the losses, scores and the
// optimiser are the authors' and PyTorch's in the first place.
type torchValues struct {
	Torch    string `json:"torch"`
	PairLoss []struct {
		Kind          string  `json:"kind"`
		M             float64 `json:"m"`
		LeftPreferred bool    `json:"left_preferred"`
		Loss          float64 `json:"loss"`
		DM            float64 `json:"dm"`
	} `json:"pair_loss"`
	Batches []struct {
		Score         string      `json:"score"`
		Loss          string      `json:"loss"`
		UserWeighting bool        `json:"user_weighting"`
		Bound         bool        `json:"bound"`
		Theta         float64     `json:"theta"`
		L, R, U       [][]float64 `json:"-"`
		Users         []int       `json:"users"`
		Imp           []float64   `json:"imp"`
		LeftPreferred []bool      `json:"left_preferred"`
		Total         float64     `json:"total"`
		GL, GR, GU    [][]float64 `json:"-"`
		GTheta        float64     `json:"gtheta"`
	} `json:"batches"`
	AdamW struct {
		Groups []struct {
			Name        string  `json:"name"`
			LR          float64 `json:"lr"`
			WeightDecay float64 `json:"weight_decay"`
		} `json:"groups"`
		MLP0  []float64 `json:"mlp0"`
		User0 []float64 `json:"user0"`
		Steps []struct {
			GradMLP  []float64 `json:"grad_mlp"`
			GradUser []float64 `json:"grad_user"`
			MLP      []float64 `json:"mlp"`
			User     []float64 `json:"user"`
		} `json:"steps"`
	} `json:"adamw"`
}

func loadTorchValues(t *testing.T) torchValues {
	t.Helper()
	b, err := os.ReadFile("testdata/torch_values.json")
	if err != nil {
		t.Fatal(err)
	}
	var v torchValues
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	// The matrices have upper-case JSON keys that clash with Go's case-insensitive matching of
	// "l"/"L"; read them explicitly.
	var raw struct {
		Batches []map[string]json.RawMessage `json:"batches"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for i, m := range raw.Batches {
		bt := &v.Batches[i]
		for key, dst := range map[string]*[][]float64{"L": &bt.L, "R": &bt.R, "U": &bt.U, "gL": &bt.GL, "gR": &bt.GR, "gU": &bt.GU} {
			if err := json.Unmarshal(m[key], dst); err != nil {
				t.Fatalf("batch %d key %s: %v", i, key, err)
			}
		}
	}
	if len(v.PairLoss) == 0 || len(v.Batches) == 0 || len(v.AdamW.Steps) == 0 {
		t.Fatal("testdata/torch_values.json is incomplete")
	}
	return v
}

// close reports whether got is within 1e-12 of want, relative to max(1, |want|): float64 code
// that orders its sums differently from PyTorch differs in the last bits only.
func closeTo(got, want float64) bool {
	return math.Abs(got-want) <= 1e-12*math.Max(1, math.Abs(want))
}

// TestPairLossesMatchPyTorch: every loss and its derivative at margins across every branch
// (both sides of the hinge corner, the smooth hinge's quadratic and linear pieces and their
// join at z = 1 - gamma, large |m| where a naive softplus overflows).
func TestPairLossesMatchPyTorch(t *testing.T) {
	v := loadTorchValues(t)
	for _, c := range v.PairLoss {
		loss, dm := PairLoss(c.Kind, c.M, c.LeftPreferred)
		if !closeTo(loss, c.Loss) {
			t.Errorf("%s m=%g left=%v: loss %.17g, PyTorch %.17g", c.Kind, c.M, c.LeftPreferred, loss, c.Loss)
		}
		z := c.M
		if !c.LeftPreferred {
			z = -z
		}
		if c.Kind == "hinge" && z == 1 {
			// At the corner every value in [-t, 0] is a subgradient: pal takes 0 (the satisfied
			// side), torch.clamp the other end. Only the value must agree.
			continue
		}
		if !closeTo(dm, c.DM) {
			t.Errorf("%s m=%g left=%v: dloss/dm %.17g, PyTorch %.17g", c.Kind, c.M, c.LeftPreferred, dm, c.DM)
		}
	}
}

// TestHeadLossMatchesPyTorch: the batch objective of every score with the losses it takes, with
// and without user weighting and the norm bound, at the initial logit scale, another, and one
// where the clamp at 100 is active; its value and gradient with respect to the mapped items,
// the ideal points and theta.
func TestHeadLossMatchesPyTorch(t *testing.T) {
	v := loadTorchValues(t)
	for _, c := range v.Batches {
		name := c.Score + "/" + c.Loss
		if c.UserWeighting {
			name += "/weighted"
		}
		if c.Bound {
			name += "/bound"
		}
		cfg := defaultHead(c.Score, c.Loss)
		cfg.UserWeighting, cfg.Bound = c.UserWeighting, c.Bound
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		h := newHead(cfg)
		if h.theta != nil {
			h.theta.Value[0] = c.Theta
		}
		B, d := len(c.L), len(c.L[0])
		L, R, U := fromRows(c.L), fromRows(c.R), fromRows(c.U)
		gL, gR, gU := NewMatrix(B, d), NewMatrix(B, d), NewMatrix(B, d)
		pairs := make([]datasets.Pair, B)
		for i := range pairs {
			pairs[i] = datasets.Pair{User: c.Users[i], LeftPreferred: c.LeftPreferred[i], Prompt: -1}
		}
		total := h.loss(pairs, L, R, U, c.Imp, false, true, gL, gR, gU)
		if !closeTo(total, c.Total) {
			t.Errorf("%s: loss %.17g, PyTorch %.17g", name, total, c.Total)
		}
		for _, g := range []struct {
			what      string
			got, want Matrix
		}{{"dL", gL, fromRows(c.GL)}, {"dR", gR, fromRows(c.GR)}, {"dU", gU, fromRows(c.GU)}} {
			for j := range g.want.Data {
				if !closeTo(g.got.Data[j], g.want.Data[j]) {
					t.Errorf("%s: %s[%d] %.17g, PyTorch %.17g", name, g.what, j, g.got.Data[j], g.want.Data[j])
				}
			}
		}
		var gTheta float64
		if h.theta != nil && h.theta.Group == groupScale {
			gTheta = h.theta.Grad[0]
		}
		if c.Score == "angle_hinge" {
			c.GTheta = 0 // a fixed scale: PyTorch computes its gradient, nobody applies it
		}
		if !closeTo(gTheta, c.GTheta) {
			t.Errorf("%s: dtheta %.17g, PyTorch %.17g", name, gTheta, c.GTheta)
		}
	}
}

// TestAdamWMatchesPyTorch: torch.optim.AdamW with two parameter groups (decay on one) over seven
// steps, so the bias corrections of early steps and the decoupled decay are both exercised.
func TestAdamWMatchesPyTorch(t *testing.T) {
	v := loadTorchValues(t)
	a := v.AdamW
	mlp := NewParam("mlp", "mlp", len(a.MLP0))
	user := NewParam("user", "user", len(a.User0))
	copy(mlp.Value, a.MLP0)
	copy(user.Value, a.User0)
	groups := map[string]GroupHyper{}
	for _, g := range a.Groups {
		groups[g.Name] = GroupHyper{LR: g.LR, WeightDecay: g.WeightDecay}
	}
	opt := NewAdam([]*Param{mlp, user}, groups)
	for s, st := range a.Steps {
		copy(mlp.Grad, st.GradMLP)
		copy(user.Grad, st.GradUser)
		opt.Step()
		for j := range st.MLP {
			if !closeTo(mlp.Value[j], st.MLP[j]) {
				t.Errorf("step %d: mlp[%d] %.17g, PyTorch %.17g", s+1, j, mlp.Value[j], st.MLP[j])
			}
		}
		for j := range st.User {
			if !closeTo(user.Value[j], st.User[j]) {
				t.Errorf("step %d: user[%d] %.17g, PyTorch %.17g", s+1, j, user.Value[j], st.User[j])
			}
		}
	}
}

func fromRows(rows [][]float64) Matrix {
	m := NewMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		copy(m.Row(i), r)
	}
	return m
}
