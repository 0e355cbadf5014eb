package baselines

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
)

// VPLConfig configures variational preference learning (kind = "vpl"; Poddar et al. 2024,
// "Personalizing Reinforcement Learning from Human Feedback with Variational Preference
// Learning", NeurIPS 2024, arXiv 2408.10075; code WEIRDLabUW/vpl_llm,
// hidden_context/vae_utils.py): a user is a latent z inferred from a few of its labelled pairs
// (its context), and the reward is conditioned on it,
//
//	q(z | context) = N(mu, diag(exp(logvar))),  (mu, logvar) = head(mean_c enc(x_chosen ⊕ x_rejected)),
//	P(u prefers left) = sigmoid(r(left ⊕ z) - r(right ⊕ z)),
//
// trained on the ELBO: the pairs' logistic loss with z drawn by reparameterisation plus
// kl * KL(q || N(0, I)). A new user is encoded from its pairs, without gradient steps: its few-shot
// points encode the first n pairs of each unseen user and score unseen_test with z = mu.
//
// Where pal's version differs: the authors' pair encoder is an MLP with LeakyReLU(0.2) and
// their set encoder a self-attention layer before the mean; pal's encoder is PAL's MLP
// (ReLU or GELU) followed by the mean over the context, the Deep Sets form. The authors clamp
// mu and logvar to [-1, 1] and rescale a sampled z to norm sqrt(latent); pal does neither. A
// training context is context_pairs pairs drawn from the user's other training pairs at every
// step (theirs are fixed per example); evaluation encodes every training pair of a seen user.
// The reward and the encoder are MLPs on frozen embeddings, not language models.
type VPLConfig struct {
	Latent int `toml:"latent" help:"dimension of the user latent z" min:"1" max:"4096"`
	PeerNet
	EncoderLayers int     `toml:"encoder_layers" help:"hidden blocks of the pair encoder MLP" min:"0" max:"16"`
	EncoderWidth  int     `toml:"encoder_width" help:"width of the pair encoder MLP" min:"1" max:"65536"`
	ContextPairs  int     `toml:"context_pairs" help:"pairs of a user encoded into its latent at each training step" min:"1" max:"100000"`
	KL            float64 `toml:"kl" help:"weight of the KL term of the ELBO (the authors' kl_loss_weight)" min:"0"`
	LR            float64 `toml:"lr" help:"Adam learning rate" gt:"0"`
	WeightDecay   float64 `toml:"weight_decay" help:"decoupled weight decay" min:"0"`
	// EmbeddingParams is as for PAL-A: the frozen model behind the embeddings.
	EmbeddingParams int `toml:"embedding_params" help:"parameters of the frozen model that made the embeddings, recorded as frozen_params" min:"0" max:"1000000000000000"`
}

// DefaultVPL is a latent of 8 dimensions, contexts of 16 pairs and the authors' KL weight 0.01.
func DefaultVPL() *VPLConfig {
	return &VPLConfig{Latent: 8, PeerNet: PeerNet{Map: "mlp", MLPConfig: models.DefaultMLP()}, EncoderLayers: 1, EncoderWidth: 32, ContextPairs: 16, KL: 0.01, LR: 1e-3}
}

// Validate has nothing to check across fields.
func (c *VPLConfig) Validate() error { return nil }

// vpl is the fitted model.
type vpl struct {
	cfg  VPLConfig
	d    *datasets.Data
	enc  *models.MLP // pair encoder, 2D -> encoder_width
	head *models.MLP // pooled encoding -> (mu, logvar), 2 * latent
	dec  *condNet    // r(x ⊕ z)

	train   map[int][]datasets.Pair // each seen user's training pairs (its evaluation context)
	context map[int][]datasets.Pair // the pairs each user is encoded from at evaluation
	z       map[int][]float64       // each user's evaluation latent (mu), after encodeAll
	margins map[comparison]float64
	users   *models.UserTable // the latents of a model read from a file (servedVPL)
	chunk   int               // encoder rows an evaluation pass maps at once (encodeChunk)

	et, ht models.Tape
}

func (c *VPLConfig) newModel(d *datasets.Data, rng *rand.Rand) (*vpl, error) {
	prec := c.Precision
	enc, err := models.NewMLP("enc", models.GroupMLP, 2*d.Dim, models.MLPConfig{Layers: c.EncoderLayers, Width: c.EncoderWidth, Activation: c.Activation, Precision: prec}, rng)
	if err != nil {
		return nil, err
	}
	head, err := models.NewMLP("enc_head", models.GroupMLP, c.EncoderWidth, models.MLPConfig{Width: 2 * c.Latent, Activation: "relu", Precision: prec}, rng)
	if err != nil {
		return nil, err
	}
	dec, err := newRewardNet("r", models.GroupMLP, d.Dim+c.Latent, 1, c.PeerNet, rng)
	if err != nil {
		return nil, err
	}
	m := &vpl{cfg: *c, d: d, enc: enc, head: head, dec: &condNet{rewardNet: dec, D: d.Dim, E: c.Latent}, train: map[int][]datasets.Pair{}, chunk: encodeChunk}
	for _, p := range d.Splits[datasets.Train] {
		m.train[p.User] = append(m.train[p.User], p)
	}
	return m, nil
}

// Params implements models.Objective.
func (m *vpl) Params() []*models.Param {
	return append(append(m.enc.Params(), m.head.Params()...), m.dec.params()...)
}

// encoded is the posterior of a batch's users: mu and logvar per user, and what backward needs.
type encoded struct {
	users  []int       // distinct users in order of first appearance
	row    map[int]int // user -> index in users
	sizes  []int       // context pairs per user
	mu, lv models.Matrix
}

// encodeChunk is the most encoder rows an evaluation pass maps at once (training passes, which
// keep their tape for backward, map their contexts in one pass: at most context_pairs rows per
// user of the batch).
const encodeChunk = 4096

// encode runs the encoder over each user's context (contexts[i] for users[i]): pair rows
// (x_chosen ⊕ x_rejected), the mean over a user's rows, then the head. With tape it maps all
// rows in one pass and keeps what backwardEncode needs; without, it maps them in chunks of
// encodeChunk rows, so that encoding every training pair of many users takes bounded memory.
func (m *vpl) encode(users []int, contexts [][]datasets.Pair, tape bool) encoded {
	D, Z := m.d.Dim, m.cfg.Latent
	e := encoded{users: users, row: map[int]int{}}
	type ctxRow struct {
		user int // index in users
		p    datasets.Pair
	}
	var rows []ctxRow
	for i, u := range users {
		e.row[u] = i
		e.sizes = append(e.sizes, len(contexts[i]))
		for _, p := range contexts[i] {
			rows = append(rows, ctxRow{i, p})
		}
	}
	e.mu, e.lv = models.NewMatrix(len(users), Z), models.NewMatrix(len(users), Z)
	if len(rows) == 0 { // nobody has pairs: the prior's mean for all
		return e
	}
	chunk := m.chunk
	if tape {
		chunk = len(rows)
	}
	pooled := models.NewMatrix(len(users), m.enc.Out)
	buf := make([]float32, 2*D)
	for s := 0; s < len(rows); s += chunk {
		part := rows[s:min(s+chunk, len(rows))]
		in := m.enc.Input(&m.et, len(part), 2*D)
		for r, cr := range part {
			c, x := cr.p.Left, cr.p.Right
			if !cr.p.LeftPreferred {
				c, x = x, c
			}
			copy(buf, m.d.Item(c))
			copy(buf[D:], m.d.Item(x))
			in.SetRows32(r, buf)
		}
		h := m.enc.ForwardInput(&m.et, nil)
		for r, cr := range part {
			for j, v := range h.Row(r) {
				pooled.Row(cr.user)[j] += v
			}
		}
	}
	for i, n := range e.sizes {
		if n > 0 {
			for j := range pooled.Row(i) {
				pooled.Row(i)[j] /= float64(n)
			}
		}
	}
	out := m.head.ForwardTape(&m.ht, pooled, nil)
	for i := range users {
		if e.sizes[i] == 0 { // nothing to encode: the prior's mean
			continue
		}
		copy(e.mu.Row(i), out.Row(i)[:Z])
		copy(e.lv.Row(i), out.Row(i)[Z:])
	}
	return e
}

// backwardEncode accumulates the encoder's gradients given those of mu and logvar.
func (m *vpl) backwardEncode(e encoded, dmu, dlv models.Matrix) {
	Z, total := m.cfg.Latent, 0
	for _, n := range e.sizes {
		total += n
	}
	if total == 0 {
		return
	}
	dout := models.NewMatrix(len(e.users), 2*Z)
	for i := range e.users {
		if e.sizes[i] == 0 {
			continue
		}
		copy(dout.Row(i)[:Z], dmu.Row(i))
		copy(dout.Row(i)[Z:], dlv.Row(i))
	}
	dp := m.head.BackwardRows(&m.ht, dout, dout.Rows)
	dh := models.NewMatrix(total, dp.Cols)
	r := 0
	for i, n := range e.sizes {
		for range n {
			for j, v := range dp.Row(i) {
				dh.Row(r)[j] = v / float64(n)
			}
			r++
		}
	}
	m.enc.BackwardRows(&m.et, dh, 0)
}

// contexts draws each user's training context: context_pairs of its training pairs not in the
// batch (all of them when rng is nil, evaluation), or, if it has no others, its batch pairs.
func (m *vpl) contexts(users []int, batch []datasets.Pair, rng *rand.Rand) [][]datasets.Pair {
	inBatch := map[datasets.Pair]bool{}
	for _, p := range batch {
		inBatch[p] = true
	}
	out := make([][]datasets.Pair, len(users))
	for i, u := range users {
		var pool []datasets.Pair
		for _, p := range m.train[u] {
			if !inBatch[p] {
				pool = append(pool, p)
			}
		}
		if len(pool) == 0 {
			for _, p := range batch {
				if p.User == u {
					pool = append(pool, p)
				}
			}
		}
		if rng == nil || len(pool) <= m.cfg.ContextPairs {
			out[i] = pool
			continue
		}
		idx := rng.Perm(len(pool))[:m.cfg.ContextPairs]
		for _, j := range idx {
			out[i] = append(out[i], pool[j])
		}
	}
	return out
}

// BatchLoss implements models.Objective: the negative ELBO per pair. In training (rng set)
// each user's context is drawn and z sampled by reparameterisation; in evaluation (rng nil)
// the context is all of the user's training pairs and z = mu.
func (m *vpl) BatchLoss(pairs []datasets.Pair, rng *rand.Rand, backward bool) float64 {
	n, Z := len(pairs), m.cfg.Latent
	var users []int
	seen := map[int]bool{}
	for _, p := range pairs {
		if !seen[p.User] {
			seen[p.User] = true
			users = append(users, p.User)
		}
	}
	e := m.encode(users, m.contexts(users, pairs, rng), backward)
	z, eps := models.NewMatrix(len(users), Z), models.NewMatrix(len(users), Z)
	for i := range users {
		for k := range Z {
			if rng != nil {
				eps.Row(i)[k] = rng.NormFloat64()
			}
			z.Row(i)[k] = e.mu.Row(i)[k] + math.Exp(0.5*e.lv.Row(i)[k])*eps.Row(i)[k]
		}
	}
	r := m.dec.forwardPairs(m.d, pairs, func(i int) []float64 { return z.Row(e.row[pairs[i].User]) }, rng)
	dr := models.NewMatrix(2*n, 1)
	count := make([]float64, len(users))
	var total float64
	for i, p := range pairs {
		loss, dm := models.PairLoss("logistic", r.Data[i]-r.Data[n+i], p.LeftPreferred)
		total += loss
		dr.Data[i], dr.Data[n+i] = dm/float64(n), -dm/float64(n)
		count[e.row[p.User]]++
	}
	// KL(q || N(0, I)) of each pair's user, averaged over the pairs.
	beta := m.cfg.KL
	for i := range users {
		var kl float64
		for k := range Z {
			mu, lv := e.mu.Row(i)[k], e.lv.Row(i)[k]
			kl += -0.5 * (1 + lv - mu*mu - math.Exp(lv))
		}
		total += beta * count[i] * kl
	}
	if !backward {
		return total / float64(n)
	}
	din := m.dec.backward(dr, true)
	dmu, dlv := models.NewMatrix(len(users), Z), models.NewMatrix(len(users), Z)
	for i, p := range pairs {
		u := e.row[p.User]
		for _, row := range [2][]float64{din.Row(i), din.Row(n + i)} {
			for k, v := range row[m.dec.D:] {
				dmu.Row(u)[k] += v
			}
		}
	}
	for i := range users {
		w := beta * count[i] / float64(n)
		for k := range Z {
			dz, mu, lv := dmu.Row(i)[k], e.mu.Row(i)[k], e.lv.Row(i)[k]
			dlv.Row(i)[k] = dz*eps.Row(i)[k]*0.5*math.Exp(0.5*lv) + w*0.5*(math.Exp(lv)-1)
			dmu.Row(i)[k] = dz + w*mu
		}
	}
	m.backwardEncode(e, dmu, dlv)
	return total / float64(n)
}

// encodeAll sets every user's evaluation latent z = mu from its context (m.context), the
// prior's mean for a user without pairs, and the margins of every pair.
func (m *vpl) encodeAll() {
	var users []int
	var ctxs [][]datasets.Pair
	for u := range m.d.Users {
		users = append(users, u)
		ctxs = append(ctxs, m.context[u])
	}
	m.z = map[int][]float64{}
	const chunk = 256 // users per encoder pass
	for s := 0; s < len(users); s += chunk {
		e := m.encode(users[s:min(s+chunk, len(users))], ctxs[s:min(s+chunk, len(users))], false)
		for i, u := range e.users {
			m.z[u] = append([]float64(nil), e.mu.Row(i)...)
		}
	}
	m.margins = marginCache(m.d, func(pairs []datasets.Pair) []float64 {
		return m.dec.margins(m.d, pairs, func(u int) []float64 { return m.z[u] })
	})
}

// Margin implements models.Scorer (after encodeAll).
func (m *vpl) Margin(p datasets.Pair) float64 { return m.margins[comparisonOf(p)] }

// PairLoss implements models.Scorer: the logistic loss of the margin.
func (m *vpl) PairLoss(p datasets.Pair) float64 {
	l, _ := models.PairLoss("logistic", m.Margin(p), p.LeftPreferred)
	return l
}

// setContext makes the evaluation context of each seen user its training pairs and of each
// unseen user its pairs in unseen.
func (m *vpl) setContext(unseen []datasets.Pair) {
	m.context = map[int][]datasets.Pair{}
	for u, ps := range m.train {
		m.context[u] = ps
	}
	for _, p := range unseen {
		m.context[p.User] = append(m.context[p.User], p)
	}
}

// FitVPL trains VPL on d's train split (early stopping on val), then encodes the unseen users
// from the first n of their unseen_train pairs for each few-shot size (no gradient steps, so
// nothing to stop early), and finally from all of unseen_train, and measures every split.
func FitVPL(ctx context.Context, d *datasets.Data, c *VPLConfig, tc *models.TrainConfig, fc *models.FewShotConfig, seed uint64) (metrics.Metrics, *vpl, error) {
	rng := models.NewRand(seed, seeds.FitStream)
	m, err := c.newModel(d, rng)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	opt := models.NewAdam(m.Params(), map[string]models.GroupHyper{models.GroupMLP: {LR: c.LR, WeightDecay: c.WeightDecay}})
	tr, err := models.Train(ctx, m, opt, d.Splits[datasets.Train], d.Splits[datasets.Val], *tc, rng)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	if err := models.CheckFinite(m.Params()); err != nil {
		return metrics.Metrics{}, nil, err
	}
	var fewShot []metrics.FewShotPoint
	pool := d.Splits[datasets.UnseenTrain]
	if fc != nil && len(pool) > 0 {
		for _, n := range fc.PairsPerUser {
			if err := ctx.Err(); err != nil {
				return metrics.Metrics{}, nil, err
			}
			m.setContext(datasets.FirstPairsPerUser(pool, n))
			m.encodeAll()
			s, err := models.EvaluateSplit(m, string(datasets.UnseenTest), d.Splits[datasets.UnseenTest])
			if err != nil {
				return metrics.Metrics{}, nil, fmt.Errorf("%d pairs per user: %w", n, err)
			}
			fewShot = append(fewShot, metrics.FewShotPoint{PairsPerUser: n, Accuracy: s.Accuracy, Loss: s.Loss, Pairs: s.Pairs})
		}
	}
	m.setContext(pool)
	m.encodeAll()
	out, err := models.Evaluate(m, d)
	if err != nil {
		return metrics.Metrics{}, nil, err
	}
	out.FewShot = fewShot
	models.FillTraining(&out, tr, models.CountParams(m.Params()))
	out.SharedParams, out.FrozenParams = out.TrainableParams, c.EmbeddingParams
	return out, m, nil
}

// Fit implements models.Kind. A user costs no trained parameter: its latent is inferred.
func (c *VPLConfig) Fit(ctx context.Context, in models.FitInput) (models.Fitted, error) {
	out, m, err := FitVPL(ctx, in.Data, c, in.Train, in.FewShot, in.Seed)
	if err != nil {
		return models.Fitted{}, err
	}
	return models.Fitted{Metrics: out, Model: m, Analysis: models.Analyze(m, in.Data, &out, "logistic")}, nil
}

// NewObjective implements models.Trainable.
func (c *VPLConfig) NewObjective(d *datasets.Data, rng *rand.Rand) (models.Objective, map[string]models.GroupHyper, error) {
	m, err := c.newModel(d, rng)
	return m, map[string]models.GroupHyper{models.GroupMLP: {LR: c.LR, WeightDecay: c.WeightDecay}}, err
}

// EstimateBytes implements models.MemoryEstimator: the decoder with a batch of 2 rows a pair,
// the encoder with a batch's contexts or an evaluation chunk as its rows, and the margin of
// every pair.
func (c *VPLConfig) EstimateBytes(s datasets.Shape, tc *models.TrainConfig) int64 {
	rows := 2 * max(tc.BatchSize, 2048)
	encRows := max(tc.BatchSize*c.ContextPairs, encodeChunk)
	enc := models.EstimateMLP(2*s.Dim, models.MLPConfig{Layers: c.EncoderLayers, Width: c.EncoderWidth, Precision: c.Precision}, encRows)
	return c.estimateBytes(s.Dim+c.Latent, 1, rows) + enc + 48*int64(s.Pairs)
}

// ForwardFlopsPerPair implements models.FlopCounter: two decoder rows and context_pairs
// encoder rows (shared by the user's pairs in a batch; counted in full, an upper bound).
func (c *VPLConfig) ForwardFlopsPerPair(s datasets.Shape) float64 {
	enc := models.MLPRowFlops(2*s.Dim, models.MLPConfig{Layers: c.EncoderLayers, Width: c.EncoderWidth})
	return 2*c.flops(s.Dim+c.Latent, 1) + float64(c.ContextPairs)*enc
}

// ModelFile implements models.Saveable: the encoder (enc, enc_head), the reward network and
// every user's latent z = mu as inferred at the end of the fit (seen users from their training
// pairs, unseen users from all of unseen_train), as W and W_unseen [users, latent]: the
// per-user reward r(x ⊕ z) that `pal score` serves. The encoder is kept so that the file holds
// the whole model, though serving does not run it.
func (m *vpl) ModelFile() models.ModelFile {
	users := m.latentTable()
	ts := map[string]models.Tensor{}
	models.MLPTensors(m.enc, ts)
	models.MLPTensors(m.head, ts)
	if m.dec.f != nil {
		models.MLPTensors(m.dec.f, ts)
	}
	models.MLPTensors(m.dec.head, ts)
	users.Tensors(ts)
	return models.ModelFile{Kind: "vpl", Data: m.d, K: m.cfg.Latent, Tensors: ts}
}

// latentTable is the users' latents as a models.UserTable of free vectors.
func (m *vpl) latentTable() *models.UserTable {
	if m.users != nil {
		return m.users
	}
	t := models.NewUserTable(m.d.Users, m.cfg.Latent, 1, false, models.NewRand(0, 0))
	for u := range m.d.Users {
		w, _ := t.UserW(u)
		copy(w, m.z[u]) // nil (no latent): zeros, the prior's mean
	}
	return t
}

// NewServable implements models.Loadable.
func (c *VPLConfig) NewServable(d *datasets.Data) (models.Servable, error) {
	m, err := c.newModel(d, models.NewRand(0, 0)) // initial values are overwritten by the file's
	if err != nil {
		return nil, err
	}
	m.users = models.NewUserTable(d.Users, c.Latent, 1, false, models.NewRand(0, 0))
	return &servedVPL{m}, nil
}

// ParamCount implements models.Loadable: encoder, reward network and the users' latents.
func (c *VPLConfig) ParamCount(d *datasets.Data) int64 {
	enc := models.MLPParamCount(2*d.Dim, models.MLPConfig{Layers: c.EncoderLayers, Width: c.EncoderWidth})
	head := models.MLPParamCount(c.EncoderWidth, models.MLPConfig{Width: 2 * c.Latent})
	return enc + head + c.paramCount(d.Dim+c.Latent, 1) + int64(c.Latent)*int64(len(d.Users))
}

// servedVPL is a VPL model read from a file: its users are their latents.
type servedVPL struct{ *vpl }

// Params implements models.Servable: the networks, then the users' latents.
func (s *servedVPL) Params() []*models.Param {
	return append(s.vpl.Params(), s.users.Seen(), s.users.Unseen())
}

// Users implements models.Servable.
func (s *servedVPL) Users() *models.UserTable { return s.users }

// UsersAreFreeVectors implements models.FreeUsers: a user is its latent z (`pal score
// --weights` takes a new user's latent; zeros is the prior's mean).
func (s *servedVPL) UsersAreFreeVectors() {}

// ItemRewards implements models.Servable: r(x ⊕ z) of every row of items for the user with
// latent z.
func (s *servedVPL) ItemRewards(items models.Matrix, prompt, z []float64) ([]float64, error) {
	if len(prompt) > 0 {
		return nil, fmt.Errorf("a vpl model takes no prompt (it was given %d values)", len(prompt))
	}
	D, Z := s.dec.D, s.dec.E
	rows := models.NewMatrix(items.Rows, D+Z)
	for i := range items.Rows {
		copy(rows.Row(i), items.Row(i))
		copy(rows.Row(i)[D:], z)
	}
	return s.dec.apply(rows).Data, nil
}
