package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
)

// Parameter groups of PAL-A and PAL-B (and of any Personalized model): the shared maps (f,
// g_k), the prototypes and seen users' weights, and the weights of unseen users (trained only
// in few-shot adaptation). An optimiser moves the parameters of the groups it is given.
const (
	GroupMLP    = "mlp"
	GroupUser   = "user"
	GroupUnseen = "unseen"
)

// PALA is PAL-A: item x scores by how close f(x) is to user i's ideal point u_i, with
// w_i = softmax(W_i / tau) and prototypes P (authors' src/pal_rm_a/userLearner.py):
// "f(Pw)": u_i = f(w_i^T P), P (K x D) in the item embedding space (UserLearner_FPw);
// "f(P)w": u_i = sum_k w_ik f(p_k), P (K x D) (UserLearner_FP_w);
// "Pw": u_i = w_i^T P, P (K x d) already in the mapped space (UserLearner_Pw).
// How closeness becomes a margin and a loss is the head (head.go).
type PALA struct {
	cfg  PALAConfig
	ds   *datasets.Data
	f    *MLP
	P    *Param // K x D, or K x d for "Pw"
	head *head
	*UserTable

	// Frozen mode (few-shot): f(items) and f(P) precomputed in evaluation mode, so only
	// the new users' weights are differentiated.
	itemCache  *rowCache
	protoCache *Matrix
	// Evaluation mode: ideal point of every user, valid after prepareEval.
	idealCache *Matrix

	work palaWork
}

// palaWork holds the buffers of one batch, reused by the next (see Tape): after the first
// batch of the largest size a training step allocates nothing.
type palaWork struct {
	wb, z, gOut, L, R, U, gU, gW Matrix
	tape                         Tape
}

// NewPALA initialises PAL-A for d: prototypes rows N(0, I) normalised to unit norm (as the
// authors' TensorInitializer without expectation normalisation), MLP like torch.nn.Linear, seen
// users' W ~ N(0, 0.1^2) and unseen users' W = 0.
func NewPALA(cfg *PALAConfig, d *datasets.Data, rng *rand.Rand) (*PALA, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f, err := NewMLP("f", GroupMLP, d.Dim, cfg.MLPConfig, rng)
	if err != nil {
		return nil, err
	}
	pDim := d.Dim
	if cfg.IdealPoint == "Pw" {
		pDim = f.Out
	}
	m := &PALA{cfg: *cfg, ds: d, f: f, P: NewParam("P", GroupUser, cfg.K*pDim), head: newHead(cfg.HeadConfig)}
	for k := 0; k < cfg.K; k++ {
		row := m.P.Value[k*pDim : (k+1)*pDim]
		var norm float64
		for j := range row {
			row[j] = rng.NormFloat64()
			norm += row[j] * row[j]
		}
		norm = math.Sqrt(norm)
		for j := range row {
			row[j] /= norm
		}
	}
	m.UserTable = NewUserTable(d.Users, cfg.K, cfg.Tau, cfg.Partition, rng)
	return m, nil
}

// Params lists every parameter; the optimiser's groups decide which of them move.
func (m *PALA) Params() []*Param {
	return append(append(m.f.Params(), m.P, m.seenW, m.unseenW), m.head.params()...)
}

// TrainableParams counts what shared training learns: f, P, the logit scale when it is learned
// and the seen users' weights.
func (m *PALA) TrainableParams() int {
	return m.SharedParams() + len(m.seenW.Value)
}

// SharedParams counts the parameters every user shares (f, P, a learned logit scale): those
// held fixed when a new user is adapted.
func (m *PALA) SharedParams() int {
	return CountParams(m.f.Params()) + len(m.P.Value) + m.head.trainable()
}

// pDim is the width of a prototype row.
func (m *PALA) pDim() int { return len(m.P.Value) / m.cfg.K }

// batch returns the objective over pairs (see head.loss). With backward it also accumulates its
// gradients into every parameter's Grad. Dropout is on when rng is non-nil; eval selects the
// evaluation form (partition weights, no bound).
func (m *PALA) batch(pairs []datasets.Pair, rng *rand.Rand, backward, eval bool) float64 {
	B, K, D := len(pairs), m.cfg.K, m.ds.Dim
	P := Matrix{K, m.pDim(), m.P.Value}
	w := &m.work
	wb := resize(&w.wb, B, K)
	m.MixWeightsInto(pairs, eval, wb)
	mode := m.cfg.IdealPoint
	fPw := mode == "f(Pw)"
	cached := m.itemCache != nil

	// Forward: one pass of f over every row that needs it, stacked so the MLP runs as GEMMs.
	var in Matrix
	var z Matrix // B x D mixed prototypes, for f(Pw)
	if fPw {
		z = resize(&w.z, B, D)
		gemm(false, false, 1, wb, P, 0, z)
	}
	extra := 0 // rows of in after the 2B items: the rows whose input gradient reaches P
	switch {
	case cached && fPw:
		in = z
	case cached:
		// f(P)w and Pw with everything shared frozen: no pass through f at all.
	default:
		switch mode {
		case "f(Pw)":
			extra = B
		case "f(P)w":
			extra = K
		}
		in := m.f.Input(&w.tape, 2*B+extra, D)
		in.SetPairItems(m.ds, pairs)
		switch mode {
		case "f(Pw)":
			in.SetRows64(2*B, z.Data)
		case "f(P)w":
			in.SetRows64(2*B, P.Data)
		}
	}
	var out Matrix
	switch {
	case !cached:
		out = m.f.ForwardInput(&w.tape, rng)
	case in.Rows > 0:
		out = m.f.ForwardTape(&w.tape, in, rng)
	}
	dOut := m.f.Out
	gOut := resize(&w.gOut, out.Rows, out.Cols) // gradient w.r.t. f's outputs
	clearSplit(gOut.Data)

	var L, R, gL, gR Matrix // B x d mapped items and their gradients (none when cached)
	if cached {
		L, R = resize(&w.L, B, dOut), resize(&w.R, B, dOut)
		m.itemCache.pairsInto(L, R, pairs)
	} else {
		L, R = Matrix{B, dOut, out.Data[:B*dOut]}, Matrix{B, dOut, out.Data[B*dOut : 2*B*dOut]}
		gL, gR = Matrix{B, dOut, gOut.Data[:B*dOut]}, Matrix{B, dOut, gOut.Data[B*dOut : 2*B*dOut]}
	}
	var U, gU Matrix // B x d ideal points and their gradient
	var F Matrix     // K x d mapped prototypes, for f(P)w
	switch {
	case fPw && cached:
		U, gU = out, gOut
	case fPw:
		U, gU = Matrix{B, dOut, out.Data[2*B*dOut:]}, Matrix{B, dOut, gOut.Data[2*B*dOut:]}
	default:
		if mode == "f(P)w" {
			if cached {
				F = *m.protoCache
			} else {
				F = Matrix{K, dOut, out.Data[2*B*dOut:]}
			}
		} else { // Pw
			F = P
		}
		U, gU = resize(&w.U, B, dOut), resize(&w.gU, B, dOut)
		clear(gU.Data)
		gemm(false, false, 1, wb, F, 0, U)
	}

	total := m.head.loss(pairs, L, R, U, m.importance, eval, backward, gL, gR, gU)
	if !backward {
		return total
	}

	gW := resize(&w.gW, B, K) // gradient w.r.t. the softmax weights of each pair (set by a GEMM with beta 0)
	switch mode {
	case "f(Pw)":
		// Only the z rows of f's input need an input gradient (the items are data).
		gz := m.f.BackwardRows(&w.tape, gOut, B)
		gemm(true, false, 1, wb, gz, 1, Matrix{K, D, m.P.Grad}) // dP += Wb^T dZ
		gemm(false, true, 1, gz, P, 0, gW)                      // dWb = dZ P^T
	case "f(P)w":
		gemm(false, true, 1, gU, F, 0, gW) // dWb = dU F^T
		if !cached {
			gF := Matrix{K, dOut, gOut.Data[2*B*dOut:]}
			gemm(true, false, 1, wb, gU, 1, gF) // dF = Wb^T dU
			gIn := m.f.BackwardRows(&w.tape, gOut, K)
			for j, v := range gIn.Data {
				m.P.Grad[j] += v
			}
		}
	default: // Pw
		gemm(false, true, 1, gU, P, 0, gW) // dWb = dU P^T
		if !cached {
			gemm(true, false, 1, wb, gU, 1, Matrix{K, dOut, m.P.Grad}) // dP += Wb^T dU
			m.f.BackwardRows(&w.tape, gOut, 0)
		}
	}
	m.SoftmaxBackward(pairs, wb, gW)
	return total
}

// distEps guards the derivative of a Euclidean norm at zero, where it is undefined; there the
// subgradient 0 is used.
const distEps = 1e-12

// dist is the Euclidean distance, summed in four interleaved partial sums (as dot).
func dist(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0, d1, d2, d3 := a[i]-b[i], a[i+1]-b[i+1], a[i+2]-b[i+2], a[i+3]-b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return math.Sqrt((s0 + s1) + (s2 + s3))
}

// freeze precomputes f(items) and f(P) in evaluation mode for few-shot fitting.
func (m *PALA) freeze() {
	m.itemCache = mapItemsCache(m.f, m.ds.NumItems(), m.ds.Dim, m.ds.Items)
	if m.cfg.IdealPoint != "Pw" {
		protos := m.mapAll(Matrix{m.cfg.K, m.ds.Dim, m.P.Value})
		m.protoCache = &protos
	}
}

// mapAll applies f in evaluation mode, in chunks so memory stays bounded.
func (m *PALA) mapAll(x Matrix) Matrix { return mapRows(m.f, x) }

// mapRows applies f in evaluation mode to the rows of x, in chunks so memory stays bounded.
// Each output row depends only on its input row (the GEMM kernels sum every dot product in the
// same order whatever the number of rows), so mapping one item alone gives the bits of
// mapping it with all the others: the reward API relies on it.
func mapRows(f *MLP, x Matrix) Matrix {
	const chunk = 4096
	out := NewMatrix(x.Rows, f.Out)
	for s := 0; s < x.Rows; s += chunk {
		e := min(s+chunk, x.Rows)
		y, _ := f.Forward(Matrix{e - s, x.Cols, x.Data[s*x.Cols : e*x.Cols]}, nil)
		copy(out.Data[s*f.Out:], y.Data)
	}
	return out
}

// mapItems is mapRows over rows x cols float32 values (items, prompts): each chunk goes into
// f's input in f's precision, so the data is never widened as a whole.
func mapItems(f *MLP, rows, cols int, x []float32) Matrix {
	const chunk = 4096
	out := NewMatrix(rows, f.Out)
	var t Tape
	for s := 0; s < rows; s += chunk {
		e := min(s+chunk, rows)
		f.Input(&t, e-s, cols).SetRows32(0, x[s*cols:e*cols])
		y := f.ForwardInput(&t, nil)
		copy(out.Data[s*f.Out:], y.Data)
	}
	return out
}

// rowCache holds f(x) of every item in evaluation mode: as float32 when f computes in float32
// (its outputs are float32 values, so nothing is lost, and a million 1024-wide rows take 4 GB
// instead of 8), as float64 otherwise.
type rowCache struct {
	cols int
	f32  []float32
	f64  []float64
}

// rowInto writes row i into dst as float64.
func (c *rowCache) rowInto(dst []float64, i int) {
	if c.f32 != nil {
		widen(dst, c.f32[i*c.cols:(i+1)*c.cols])
		return
	}
	copy(dst, c.f64[i*c.cols:(i+1)*c.cols])
}

// pairsInto writes the rows of each pair's left and right items into L and R (row i for
// pairs[i]): the mapped items of a frozen model's batch.
func (c *rowCache) pairsInto(L, R Matrix, pairs []datasets.Pair) {
	for i, p := range pairs {
		c.rowInto(L.Row(i), p.Left)
		c.rowInto(R.Row(i), p.Right)
	}
}

// mapItemsCache is mapItems into a rowCache.
func mapItemsCache(f *MLP, rows, cols int, x []float32) *rowCache {
	const chunk = 4096
	c := &rowCache{cols: f.Out}
	if f.single {
		c.f32 = make([]float32, rows*f.Out)
	} else {
		c.f64 = make([]float64, rows*f.Out)
	}
	var t Tape
	for s := 0; s < rows; s += chunk {
		e := min(s+chunk, rows)
		f.Input(&t, e-s, cols).SetRows32(0, x[s*cols:e*cols])
		y := f.ForwardInput(&t, nil)
		if c.f32 != nil {
			narrow(c.f32[s*f.Out:], y.Data) // exact: y holds float32 values
		} else {
			copy(c.f64[s*f.Out:], y.Data)
		}
	}
	return c
}

// prepareEval computes, in evaluation mode, f of every item and every user's ideal point, so
// Margin is two distances.
func (m *PALA) prepareEval() {
	m.freeze()
	all := make([]datasets.Pair, len(m.ds.Users))
	for u := range all {
		all[u].User = u
	}
	ideal := m.idealPoints(m.MixWeights(all, true))
	m.idealCache = &ideal
}

// idealPoints maps rows of mixture weights (n x K) to ideal points (n x d) in evaluation mode.
// It needs freeze for f(P)w.
func (m *PALA) idealPoints(wb Matrix) Matrix {
	switch m.cfg.IdealPoint {
	case "f(Pw)":
		z := NewMatrix(wb.Rows, m.ds.Dim)
		gemm(false, false, 1, wb, Matrix{m.cfg.K, m.ds.Dim, m.P.Value}, 0, z)
		return m.mapAll(z)
	case "f(P)w":
		ideal := NewMatrix(wb.Rows, m.f.Out)
		gemm(false, false, 1, wb, *m.protoCache, 0, ideal)
		return ideal
	default: // Pw
		ideal := NewMatrix(wb.Rows, m.f.Out)
		gemm(false, false, 1, wb, Matrix{m.cfg.K, m.f.Out, m.P.Value}, 0, ideal)
		return ideal
	}
}

// Margin is r(left) - r(right) (for the default score ||f(right) - u|| - ||f(left) - u||):
// positive predicts the left item. It needs prepareEval after the last parameter change.
func (m *PALA) Margin(p datasets.Pair) float64 {
	l, r := make([]float64, m.f.Out), make([]float64, m.f.Out)
	m.itemCache.rowInto(l, p.Left)
	m.itemCache.rowInto(r, p.Right)
	return m.head.margin(l, r, m.idealCache.Row(p.User))
}

// PairLoss is the training loss of one pair (unweighted, without the bound).
func (m *PALA) PairLoss(p datasets.Pair) float64 {
	l, _ := pairLoss(m.cfg.Loss, m.Margin(p), target(p.LeftPreferred))
	return l
}

func (m *PALA) String() string {
	return fmt.Sprintf("PAL-A K=%d %s %s %s", m.cfg.K, m.cfg.IdealPoint, m.cfg.Score, m.cfg.Loss)
}
