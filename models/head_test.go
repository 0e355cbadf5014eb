package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
)

// validHeads lists every score with every loss the authors' code pairs it with.
func validHeads() []HeadConfig {
	var out []HeadConfig
	for _, score := range []string{"dist", "dist_normalization", "angle_hinge"} {
		for _, loss := range []string{"hinge", "smooth_hinge", "logistic"} {
			out = append(out, HeadConfig{Score: score, Loss: loss})
		}
	}
	for _, score := range []string{"angle", "dist_logistic"} {
		out = append(out, HeadConfig{Score: score, Loss: "cross_entropy"})
	}
	return out
}

// tinyPromptData is tinyData with prompt embeddings: every pair gets one of 5 prompts.
func tinyPromptData(rng *rand.Rand, dim, promptDim int) *datasets.Data {
	d := tinyData(rng, dim)
	const prompts = 5
	d.PromptDim = promptDim
	d.Prompts = make([]float32, prompts*promptDim)
	for i := range d.Prompts {
		d.Prompts[i] = float32(rng.NormFloat64())
	}
	for _, split := range datasets.AllSplits {
		for i := range d.Splits[split] {
			d.Splits[split][i].Prompt = rng.IntN(prompts)
		}
	}
	return d
}

// variant is one combination of the options a gradient check covers besides the score.
type variant struct {
	weighting, bound bool
	tau              float64
	mlp              MLPConfig
}

func (v variant) String() string {
	return fmt.Sprintf("w=%v/bound=%v/tau=%g/L=%d/drop=%g", v.weighting, v.bound, v.tau, v.mlp.Layers, v.mlp.Dropout)
}

func variants() []variant {
	return []variant{
		{tau: 1, mlp: MLPConfig{Layers: 1, Width: 5, Activation: "gelu", Precision: Float64}},
		{weighting: true, bound: true, tau: 0.5, mlp: MLPConfig{Layers: 2, Width: 4, Activation: "relu", Residual: true, Dropout: 0.2, Precision: Float64}},
	}
}

// prepareForCheck moves the parameters a fresh model leaves at special values so every
// gradient path is exercised: unseen weights off zero, random importances, and a bound B small
// enough that some ideal points exceed it.
func prepareForCheck(ut *UserTable, h *head, rng *rand.Rand) {
	for i := range ut.unseenW.Value {
		ut.unseenW.Value[i] = rng.NormFloat64()
	}
	ut.importance = make([]float64, len(ut.userRow))
	for i := range ut.importance {
		ut.importance[i] = 0.1 + rng.Float64()
	}
	h.cfg.BoundB = 0.3
	h.cfg.BoundLambda = 0.7
	if h.theta != nil {
		h.theta.Value[0] = 0.5 // scale e^0.5, inside the clamp
	}
}

func dropSource(mlp MLPConfig) func() *rand.Rand {
	return func() *rand.Rand {
		if mlp.Dropout == 0 {
			return nil
		}
		return rand.New(rand.NewPCG(5, 5))
	}
}

// palModel is what a gradient check needs of PAL-A and PAL-B: the batch loss with its
// backward pass, and the few-shot (frozen) mode.
type palModel interface {
	Params() []*Param
	Users() *UserTable
	batch(pairs []datasets.Pair, rng *rand.Rand, backward, eval bool) float64
	freeze()
}

// checkPALGrads checks every gradient of m (head h) on the training and unseen-training pairs
// of d, then the unseen users' weights alone after freeze: the two modes every PAL variant
// trains in.
func checkPALGrads(t *testing.T, name string, m palModel, h *head, d *datasets.Data, v variant, rng *rand.Rand) {
	t.Helper()
	prepareForCheck(m.Users(), h, rng)
	pairs := append(append([]datasets.Pair(nil), d.Splits[datasets.Train]...), d.Splits[datasets.UnseenTrain]...)
	drop := dropSource(v.mlp)
	checkGrads(t, name, m.Params(),
		func() float64 { return m.batch(pairs, drop(), false, false) },
		func() { m.batch(pairs, drop(), true, false) })

	m.freeze()
	unseen := d.Splits[datasets.UnseenTrain]
	checkGrads(t, name+"/frozen", []*Param{m.Users().unseenW},
		func() float64 { return m.batch(unseen, nil, false, false) },
		func() { m.batch(unseen, nil, true, false) })
}

// TestPALAHeadGradients checks every score and loss with every user map, with and without user
// weighting, the norm bound, a softmax temperature, dropout and a residual MLP, in shared
// training and in few-shot (frozen) mode.
func TestPALAHeadGradients(t *testing.T) {
	for _, ideal := range []string{"f(Pw)", "f(P)w", "Pw"} {
		for _, hc := range validHeads() {
			for _, v := range variants() {
				name := fmt.Sprintf("pal-a/%s/%s/%s/%s", ideal, hc.Score, hc.Loss, v)
				rng := rand.New(rand.NewPCG(3, 4))
				dim := 4
				d := tinyData(rng, dim)
				hc.UserWeighting, hc.Bound, hc.LRScale = v.weighting, v.bound, 0.1
				cfg := &PALAConfig{K: 3, IdealPoint: ideal, HeadConfig: hc, MLPConfig: v.mlp, PALOptim: PALOptim{Tau: v.tau}}
				m, err := NewPALA(cfg, d, rng)
				if err != nil {
					t.Fatal(err)
				}
				checkPALGrads(t, name, m, m.head, d, v, rng)
			}
		}
	}
}

// TestPALBGradients checks PAL-B (f, every g_k, W, the logit scale) with every score and loss.
func TestPALBGradients(t *testing.T) {
	for _, hc := range validHeads() {
		for _, v := range variants() {
			name := fmt.Sprintf("pal-b/%s/%s/%s", hc.Score, hc.Loss, v)
			rng := rand.New(rand.NewPCG(7, 8))
			dim := 4
			if v.mlp.Residual {
				dim = v.mlp.Width
			}
			d := tinyPromptData(rng, dim, dim)
			hc.UserWeighting, hc.Bound, hc.LRScale = v.weighting, v.bound, 0.1
			cfg := &PALBConfig{K: 2, HeadConfig: hc, MLPConfig: v.mlp, PALOptim: PALOptim{Tau: v.tau}}
			m, err := NewPALB(cfg, d, rng)
			if err != nil {
				t.Fatal(err)
			}
			checkPALGrads(t, name, m, m.head, d, v, rng)
		}
	}
}

// TestLogitScaleClamp checks the clamp of the authors' code: above exp(theta) = 100 the scale
// stays 100 and theta gets no gradient; below it the gradient matches finite differences
// (covered by the checks above at theta = 0.5).
func TestLogitScaleClamp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	d := tinyPromptData(rng, 3, 2)
	cfg := DefaultPALB()
	cfg.MLPConfig = MLPConfig{Layers: 0, Width: 3, Activation: "relu", Precision: Float64}
	m, err := NewPALB(cfg, d, rng)
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Scale(); math.Abs(s-1/0.07) > 1e-12 {
		t.Fatalf("initial scale %g, want 1/0.07", s)
	}
	m.head.theta.Value[0] = math.Log(150)
	if s := m.Scale(); s != 100 {
		t.Fatalf("scale at exp(theta) = 150: %g, want the clamp 100", s)
	}
	zeroGrads(m.Params())
	m.batch(d.Splits[datasets.Train], nil, true, false)
	if g := m.head.theta.Grad[0]; g != 0 {
		t.Fatalf("clamped logit scale has gradient %g, want 0", g)
	}
}

// TestPartitionAtEvaluation checks that partition = true scores each user with its argmax
// prototype alone at evaluation, while training still uses the softmax.
func TestPartitionAtEvaluation(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	d := tinyData(rng, 3)
	cfg := &PALAConfig{K: 3, IdealPoint: "f(P)w", HeadConfig: HeadConfig{Score: "dist", Loss: "hinge", Partition: true}, MLPConfig: MLPConfig{Width: 3, Activation: "relu", Precision: Float64}, PALOptim: PALOptim{Tau: 1}}
	m, err := NewPALA(cfg, d, rng)
	if err != nil {
		t.Fatal(err)
	}
	pairs := d.Splits[datasets.Train]
	w := m.MixWeights(pairs, true)
	for i, p := range pairs {
		raw, _ := m.UserW(p.User)
		best := 0
		for k := range raw {
			if raw[k] > raw[best] {
				best = k
			}
		}
		for k, v := range w.Row(i) {
			if want := map[bool]float64{true: 1, false: 0}[k == best]; v != want {
				t.Fatalf("pair %d: evaluation weight %d = %g, want one-hot on %d", i, k, v, best)
			}
		}
	}
	soft := m.MixWeights(pairs, false)
	if soft.Row(0)[0] == 0 || soft.Row(0)[0] == 1 {
		t.Fatalf("training weights %v should be a softmax", soft.Row(0))
	}
	// The evaluation loss (BatchLoss without backward) uses the one-hot weights: it equals the
	// mean pair loss of the evaluation margins.
	m.prepareEval()
	var want float64
	for _, p := range pairs {
		want += m.PairLoss(p)
	}
	want /= float64(len(pairs))
	m.itemCache, m.protoCache = nil, nil
	if got := m.BatchLoss(pairs, nil, false); math.Abs(got-want) > 1e-12 {
		t.Fatalf("evaluation loss %g, want the one-hot loss %g", got, want)
	}
}

// TestUserWeightingBalancesUsers checks the authors' importance weighting: a user with many
// pairs counts as much as a user with few.
func TestUserWeightingBalancesUsers(t *testing.T) {
	h := newHead(HeadConfig{Score: "dist", Loss: "hinge", UserWeighting: true})
	// User 0 has three pairs with loss 2 each, user 1 one pair with loss 0.
	pairs := []datasets.Pair{{User: 0, LeftPreferred: true}, {User: 0, LeftPreferred: true}, {User: 0, LeftPreferred: true}, {User: 1, LeftPreferred: true}}
	ut := &UserTable{userRow: []int{0, 1}}
	ut.SetImportance(pairs)
	L := Matrix{4, 1, []float64{1, 1, 1, 0}}  // left items
	R := Matrix{4, 1, []float64{0, 0, 0, 10}} // right items
	U := Matrix{4, 1, []float64{0, 0, 0, 0}}  // ideal points: margins -1, -1, -1, +10
	got := h.loss(pairs, L, R, U, ut.importance, false, false, Matrix{}, Matrix{}, Matrix{})
	if math.Abs(got-1) > 1e-12 { // (2+2+2)/3 weighted 1/2, 0 weighted 1/2
		t.Fatalf("weighted loss %g, want 1 (each user's mean loss, averaged over users)", got)
	}
	h.cfg.UserWeighting = false
	if got := h.loss(pairs, L, R, U, ut.importance, false, false, Matrix{}, Matrix{}, Matrix{}); math.Abs(got-1.5) > 1e-12 {
		t.Fatalf("unweighted loss %g, want 1.5", got)
	}
}

// TestIncompatibleHeadsFailValidation checks that a score and a loss the authors never combine
// are rejected with a message naming both and saying why.
func TestIncompatibleHeadsFailValidation(t *testing.T) {
	for _, c := range []struct{ score, loss, want string }{
		{"angle", "hinge", "two logits"},
		{"dist_logistic", "logistic", "two logits"},
		{"dist", "cross_entropy", "one score difference"},
		{"angle_hinge", "cross_entropy", "one score difference"},
	} {
		cfg := DefaultPALB()
		cfg.Score, cfg.Loss = c.score, c.loss
		err := cfg.Validate()
		if err == nil {
			t.Fatalf("score %s with loss %s validated", c.score, c.loss)
		}
		for _, w := range []string{c.score, c.loss, c.want} {
			if !contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	}
	for _, hc := range validHeads() {
		if err := hc.Validate(); err != nil {
			t.Errorf("%s with %s: %v", hc.Score, hc.Loss, err)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestPALBRejectsDataWithoutPrompts checks the error names the fix.
func TestPALBRejectsDataWithoutPrompts(t *testing.T) {
	d := tinyData(rand.New(rand.NewPCG(1, 1)), 3)
	_, err := NewPALB(DefaultPALB(), d, rand.New(rand.NewPCG(1, 2)))
	if err == nil {
		t.Fatal("PAL-B accepted data without prompts")
	}
	for _, w := range []string{"prompts.npy", "prompt", "prompts = N"} {
		if !contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}
