package models

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
)

// ErrNoPrompts is wrapped by the error NewPALB returns for data without prompt embeddings.
var ErrNoPrompts = errors.New("pal-b needs prompt embeddings")

// PALB is PAL-B (authors' src/pal_rm_b and src/pal_rm_b_t2i): items are mapped by f, the
// prompt (context) embedding c by K mappings g_k, and user i's ideal point for that prompt is
// u_i(c) = sum_k w_ik g_k(c) with w_i = softmax(W_i / tau) (UserLearner.forward). f and every
// g_k are "mlpL" MLPs of the same shape (the authors build them from one proj_arch). The
// default score is the scaled cosine s*cos(f(x), u_i(c)) with the two items' scores as the
// logits of a 2-way cross-entropy; every head option of PAL-A applies (head.go).
type PALB struct {
	cfg  PALBConfig
	ds   *datasets.Data
	f    *MLP
	g    []*MLP
	head *head
	*UserTable

	// Evaluation and frozen (few-shot) mode: f of every item, and g_0(c) .. g_{K-1}(c) of every
	// prompt side by side in one row of K*d values, computed without dropout.
	itemCache   *rowCache
	promptCache *Matrix
	// evalW holds every user's evaluation weights (users x K), valid after prepareEval.
	evalW *Matrix

	work palbWork
}

// palbWork holds the buffers of one batch, reused by the next (see Tape).
type palbWork struct {
	wb, gOut, L, R, U, gU, gW, gG Matrix
	G, cachedG                    []Matrix
	fTape                         Tape
	gTapes                        []Tape
}

// NewPALB initialises PAL-B for d, which must carry prompt embeddings: f, then g_0 .. g_{K-1}
// like torch.nn.Linear, seen users' W ~ N(0, 0.1^2), unseen users' W = 0, theta = log(1/0.07).
func NewPALB(cfg *PALBConfig, d *datasets.Data, rng *rand.Rand) (*PALB, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkPrompts(d); err != nil {
		return nil, err
	}
	return newPALB(cfg, d, rng)
}

// checkPrompts requires a prompt embedding for every pair of d.
func checkPrompts(d *datasets.Data) error {
	if d.PromptDim == 0 || d.NumPrompts() == 0 {
		return fmt.Errorf("%w, and data %q has none: for bring-your-own data add prompts.npy (one prompt embedding per row) and a \"prompt\" column (its row index) to pairs.csv; for synthetic data set prompts = N > 0 (and prompt_dim) in [dataset]; or use kind = \"pal-a\"", ErrNoPrompts, d.Name)
	}
	for _, split := range datasets.AllSplits {
		for _, p := range d.Splits[split] {
			if p.Prompt < 0 {
				return fmt.Errorf("%w: a pair of user %q in split %s has no prompt: give every line of pairs.csv a prompt index", ErrNoPrompts, d.Users[p.User].ID, split)
			}
		}
	}
	return nil
}

// newPALB builds PAL-B for items of d.Dim and prompts of d.PromptDim dimensions and d's users,
// without looking at d's pairs (LoadModel builds it on a data set with no pairs).
func newPALB(cfg *PALBConfig, d *datasets.Data, rng *rand.Rand) (*PALB, error) {
	f, err := NewMLP("f", GroupMLP, d.Dim, cfg.MLPConfig, rng)
	if err != nil {
		return nil, fmt.Errorf("f: %w", err)
	}
	m := &PALB{cfg: *cfg, ds: d, f: f, head: newHead(cfg.HeadConfig)}
	for k := 0; k < cfg.K; k++ {
		g, err := NewMLP(fmt.Sprintf("g%d", k), GroupMLP, d.PromptDim, cfg.MLPConfig, rng)
		if err != nil {
			return nil, fmt.Errorf("g_%d (on the %d-dimensional prompts): %w", k, d.PromptDim, err)
		}
		m.g = append(m.g, g)
	}
	m.UserTable = NewUserTable(d.Users, cfg.K, cfg.Tau, cfg.Partition, rng)
	return m, nil
}

// Params lists every parameter; the optimiser's groups decide which of them move.
func (m *PALB) Params() []*Param {
	ps := m.f.Params()
	for _, g := range m.g {
		ps = append(ps, g.Params()...)
	}
	return append(append(ps, m.seenW, m.unseenW), m.head.params()...)
}

// SharedParams counts f, the g_k and a learned logit scale: what every user shares and what
// stays fixed when a new user is adapted.
func (m *PALB) SharedParams() int {
	n := CountParams(m.f.Params()) + m.head.trainable()
	for _, g := range m.g {
		n += CountParams(g.Params())
	}
	return n
}

// TrainableParams counts what shared training learns: the shared parameters and the seen
// users' weights.
func (m *PALB) TrainableParams() int { return m.SharedParams() + len(m.seenW.Value) }

// BatchLoss implements Objective (see PALA.BatchLoss for the two modes).
func (m *PALB) BatchLoss(pairs []datasets.Pair, rng *rand.Rand, backward bool) float64 {
	return m.batch(pairs, rng, backward, !backward)
}

// batch returns the objective over pairs and, with backward, accumulates its gradients. With
// the caches set (few-shot) nothing shared is recomputed or differentiated.
func (m *PALB) batch(pairs []datasets.Pair, rng *rand.Rand, backward, eval bool) float64 {
	B, K, D, d := len(pairs), m.cfg.K, m.ds.Dim, m.f.Out
	w := &m.work
	wb := resize(&w.wb, B, K)
	m.MixWeightsInto(pairs, eval, wb)
	cached := m.itemCache != nil
	if len(w.G) != K {
		w.G, w.cachedG, w.gTapes = make([]Matrix, K), make([]Matrix, K), make([]Tape, K)
	}

	var L, R, gL, gR, gOut Matrix
	if cached {
		L, R = resize(&w.L, B, d), resize(&w.R, B, d)
		m.itemCache.pairsInto(L, R, pairs)
	} else {
		in := m.f.Input(&w.fTape, 2*B, D)
		in.SetPairItems(m.ds, pairs)
		out := m.f.ForwardInput(&w.fTape, rng)
		gOut = resize(&w.gOut, 2*B, d)
		clearSplit(gOut.Data)
		L, R = Matrix{B, d, out.Data[:B*d]}, Matrix{B, d, out.Data[B*d:]}
		gL, gR = Matrix{B, d, gOut.Data[:B*d]}, Matrix{B, d, gOut.Data[B*d:]}
	}

	G := w.G // g_k(c) of each pair's prompt, B x d
	if cached {
		for k := range G {
			G[k] = resize(&w.cachedG[k], B, d)
			for i, p := range pairs {
				copy(G[k].Row(i), m.promptCache.Row(p.Prompt)[k*d:(k+1)*d])
			}
		}
	} else {
		for k, g := range m.g {
			in := g.Input(&w.gTapes[k], B, m.ds.PromptDim)
			for i, p := range pairs {
				in.SetRows32(i, m.ds.Prompt(p.Prompt))
			}
			G[k] = g.ForwardInput(&w.gTapes[k], rng)
		}
	}
	U := resize(&w.U, B, d)
	for i := range pairs {
		mixRows(wb.Row(i), func(k int) []float64 { return G[k].Row(i) }, U.Row(i))
	}
	gU := resize(&w.gU, B, d)
	clear(gU.Data)
	total := m.head.loss(pairs, L, R, U, m.importance, eval, backward, gL, gR, gU)
	if !backward {
		return total
	}

	// u_i = sum_k w_ik G_k[i]: dG_k[i] = w_ik dU[i], dw_ik = <dU[i], G_k[i]>.
	gW := resize(&w.gW, B, K)
	for k := range G {
		gG := resize(&w.gG, B, d)
		for i := range pairs {
			wk, gu, gg := wb.Row(i)[k], gU.Row(i), gG.Row(i)
			for j := range gu {
				gg[j] = wk * gu[j]
			}
			gW.Row(i)[k] = dot(gu, G[k].Row(i))
		}
		if !cached {
			m.g[k].BackwardRows(&w.gTapes[k], gG, 0) // the prompts are data: no input gradient
		}
	}
	if !cached {
		m.f.BackwardRows(&w.fTape, gOut, 0)
	}
	m.SoftmaxBackward(pairs, wb, gW)
	return total
}

// mixRows writes sum_k w[k] * row(k) into out, summing over k in order: training, evaluation
// and the reward API all mix through it so they agree to the bit.
func mixRows(w []float64, row func(k int) []float64, out []float64) {
	clear(out)
	for k, wk := range w {
		for j, v := range row(k) {
			out[j] += wk * v
		}
	}
}

// freeze computes the evaluation-mode caches of f over every item and of every g_k over every
// prompt, so few-shot fitting differentiates only the new users' weights.
func (m *PALB) freeze() {
	m.work = palbWork{} // the training batches' workspace (see PALA.freeze)
	m.itemCache = mapItemsCache(m.f, m.ds.NumItems(), m.ds.Dim, m.ds.Items)
	d, np := m.f.Out, m.ds.NumPrompts()
	cache := NewMatrix(np, m.cfg.K*d)
	for k, g := range m.g {
		gk := mapItems(g, np, m.ds.PromptDim, m.ds.Prompts)
		for c := 0; c < np; c++ {
			copy(cache.Row(c)[k*d:(k+1)*d], gk.Row(c))
		}
	}
	m.promptCache = &cache
}

// prepareEval refreshes the caches and every user's evaluation weights for Margin.
func (m *PALB) prepareEval() {
	m.freeze()
	w := NewMatrix(len(m.ds.Users), m.cfg.K)
	for u := range m.ds.Users {
		m.WeightsInto(u, true, w.Row(u))
	}
	m.evalW = &w
}

// Margin is r(left) - r(right) for the pair's user and prompt (positive predicts the left
// item). It needs prepareEval after the last parameter change.
func (m *PALB) Margin(p datasets.Pair) float64 {
	d := m.f.Out
	buf := getScratch(3 * d)
	defer putScratch(buf)
	u, l, r := (*buf)[:d], (*buf)[d:2*d], (*buf)[2*d:]
	row := m.promptCache.Row(p.Prompt)
	mixRows(m.evalW.Row(p.User), func(k int) []float64 { return row[k*d : (k+1)*d] }, u)
	m.itemCache.rowInto(l, p.Left)
	m.itemCache.rowInto(r, p.Right)
	return m.head.margin(l, r, u)
}

// Prefetch implements Prefetcher: the rows of the pairs' items in a lazy evaluation cache.
func (m *PALB) Prefetch(pairs []datasets.Pair) {
	if m.itemCache != nil {
		m.itemCache.ensurePairs(pairs)
	}
}

// PairLoss is the training loss of one pair (unweighted, without the bound).
func (m *PALB) PairLoss(p datasets.Pair) float64 {
	l, _ := pairLoss(m.cfg.Loss, m.Margin(p), target(p.LeftPreferred))
	return l
}

// Scale is the logit scale s = min(exp(theta), 100) (1 for scores without one).
func (m *PALB) Scale() float64 {
	s, _ := m.head.scale()
	return s
}

func (m *PALB) String() string {
	return fmt.Sprintf("PAL-B K=%d %s %s", m.cfg.K, m.cfg.Score, m.cfg.Loss)
}
