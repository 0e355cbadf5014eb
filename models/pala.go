package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
)

// Parameter groups of PAL-A: the shared map f, the prototypes and seen users' weights, and the
// weights of unseen users (trained only in few-shot adaptation).
const (
	groupMLP    = "mlp"
	groupUser   = "user"
	groupUnseen = "unseen"
)

// PALA is PAL-A: item x scores by its distance to user i's ideal point in the space f maps to.
// Ideal point "f(Pw)": u_i = f(w_i^T P); "f(P)w": u_i = sum_k w_ik f(p_k); with
// w_i = softmax(W_i / tau) and prototypes P (K x D) in the item embedding space.
type PALA struct {
	cfg      PALAConfig
	ds       *datasets.Data
	f        *MLP
	P        *Param // K x D
	seenW    *Param // seen users x K
	unseenW  *Param // unseen users x K
	userRow  []int  // user index -> row in seenW or unseenW
	userSeen []bool

	// Frozen mode (few-shot): f(items) and f(P) precomputed in evaluation mode, so only
	// the new users' weights are differentiated.
	itemCache  *Matrix
	protoCache *Matrix
	// Evaluation mode: ideal point of every user, valid after prepareEval.
	idealCache *Matrix
}

// NewPALA initialises PAL-A for d: prototypes rows N(0, I) normalised to unit norm (as the
// authors do), MLP like torch.nn.Linear, seen users' W ~ N(0, 0.1^2) and unseen users' W = 0
// (the uniform mixture, the population's centre, until few-shot fitting moves them).
func NewPALA(cfg *PALAConfig, d *datasets.Data, rng *rand.Rand) (*PALA, error) {
	f, err := NewMLP("f", groupMLP, d.Dim, cfg.MLPConfig, rng)
	if err != nil {
		return nil, err
	}
	m := &PALA{cfg: *cfg, ds: d, f: f, P: newParam("P", groupUser, cfg.K*d.Dim)}
	for k := 0; k < cfg.K; k++ {
		row := m.P.Value[k*d.Dim : (k+1)*d.Dim]
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
	seen, unseen := 0, 0
	for _, u := range d.Users {
		m.userSeen = append(m.userSeen, u.Seen)
		if u.Seen {
			m.userRow = append(m.userRow, seen)
			seen++
		} else {
			m.userRow = append(m.userRow, unseen)
			unseen++
		}
	}
	m.seenW = newParam("W", groupUser, seen*cfg.K)
	for i := range m.seenW.Value {
		m.seenW.Value[i] = 0.1 * rng.NormFloat64()
	}
	m.unseenW = newParam("W_unseen", groupUnseen, unseen*cfg.K)
	return m, nil
}

// Params lists every parameter; the optimiser's groups decide which of them move.
func (m *PALA) Params() []*Param {
	return append(m.f.Params(), m.P, m.seenW, m.unseenW)
}

// TrainableParams counts what shared training learns: f, P and the seen users' weights.
func (m *PALA) TrainableParams() int {
	return CountParams(m.f.Params()) + len(m.P.Value) + len(m.seenW.Value)
}

// userW returns user u's raw weight row and its gradient row.
func (m *PALA) userW(u int) (w, g []float64) {
	p := m.unseenW
	if m.userSeen[u] {
		p = m.seenW
	}
	r := m.userRow[u] * m.cfg.K
	return p.Value[r : r+m.cfg.K], p.Grad[r : r+m.cfg.K]
}

// softmaxTau writes softmax(w / tau) into out.
func softmaxTau(w []float64, tau float64, out []float64) {
	mx := math.Inf(-1)
	for _, v := range w {
		mx = math.Max(mx, v/tau)
	}
	var s float64
	for i, v := range w {
		out[i] = math.Exp(v/tau - mx)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
}

// mixWeights returns the B x K matrix of softmax weights of each pair's user.
func (m *PALA) mixWeights(pairs []datasets.Pair) Matrix {
	wb := NewMatrix(len(pairs), m.cfg.K)
	for i, p := range pairs {
		w, _ := m.userW(p.User)
		softmaxTau(w, m.cfg.Tau, wb.Row(i))
	}
	return wb
}

// batch returns the mean loss over pairs. With backward it also accumulates the gradients of
// that mean into every parameter's Grad. Dropout is on when rng is non-nil.
func (m *PALA) batch(pairs []datasets.Pair, rng *rand.Rand, backward bool) float64 {
	B, K, D := len(pairs), m.cfg.K, m.ds.Dim
	P := Matrix{K, D, m.P.Value}
	wb := m.mixWeights(pairs)

	// Forward: one pass of f over every row that needs it, stacked so the MLP runs as GEMMs.
	var in Matrix
	fPw := m.cfg.IdealPoint == "f(Pw)"
	cached := m.itemCache != nil
	var z Matrix // B x D mixed prototypes, for f(Pw)
	if fPw {
		z = NewMatrix(B, D)
		gemm(false, false, 1, wb, P, 0, z)
	}
	switch {
	case cached && fPw:
		in = z
	case cached:
		// f(P)w with everything shared frozen: no pass through f at all.
	default:
		extra := K
		if fPw {
			extra = B
		}
		in = NewMatrix(2*B+extra, D)
		for i, p := range pairs {
			copy(in.Row(i), m.ds.Item(p.Left))
			copy(in.Row(B+i), m.ds.Item(p.Right))
		}
		if fPw {
			copy(in.Data[2*B*D:], z.Data)
		} else {
			copy(in.Data[2*B*D:], P.Data)
		}
	}
	var out Matrix
	var tape *Tape
	if in.Rows > 0 {
		out, tape = m.f.Forward(in, rng)
	}
	dOut := m.f.Out
	aL := func(i int) []float64 {
		if cached {
			return m.itemCache.Row(pairs[i].Left)
		}
		return out.Row(i)
	}
	aR := func(i int) []float64 {
		if cached {
			return m.itemCache.Row(pairs[i].Right)
		}
		return out.Row(B + i)
	}
	var U Matrix // B x d ideal points
	var F Matrix // K x d mapped prototypes, for f(P)w
	switch {
	case fPw && cached:
		U = out
	case fPw:
		U = Matrix{B, dOut, out.Data[2*B*dOut:]}
	default:
		if cached {
			F = *m.protoCache
		} else {
			F = Matrix{K, dOut, out.Data[2*B*dOut:]}
		}
		U = NewMatrix(B, dOut)
		gemm(false, false, 1, wb, F, 0, U)
	}

	var total float64
	gOut := NewMatrix(out.Rows, out.Cols) // gradient w.r.t. f's outputs
	gU := NewMatrix(B, dOut)
	for i, p := range pairs {
		u, l, r := U.Row(i), aL(i), aR(i)
		dl, dr := dist(l, u), dist(r, u)
		loss, dm := pairLoss(m.cfg.Loss, dr-dl, target(p.LeftPreferred))
		total += loss
		if !backward || dm == 0 {
			continue
		}
		g := dm / float64(B)
		// margin = ||r-u|| - ||l-u||: d/dr = (r-u)/dr, d/dl = -(l-u)/dl, d/du = the negated sum.
		gu := gU.Row(i)
		if dr > distEps {
			for j := range u {
				v := g * (r[j] - u[j]) / dr
				gu[j] -= v
				if !cached {
					gOut.Row(B + i)[j] += v
				}
			}
		}
		if dl > distEps {
			for j := range u {
				v := -g * (l[j] - u[j]) / dl
				gu[j] -= v
				if !cached {
					gOut.Row(i)[j] += v
				}
			}
		}
	}
	if !backward {
		return total / float64(B)
	}

	gW := NewMatrix(B, K) // gradient w.r.t. the softmax weights of each pair
	if fPw {
		if cached {
			copy(gOut.Data, gU.Data)
		} else {
			copy(gOut.Data[2*B*dOut:], gU.Data)
		}
		gIn := m.f.Backward(tape, gOut)
		gz := Matrix{B, D, gIn.Data[len(gIn.Data)-B*D:]}
		gemm(true, false, 1, wb, gz, 1, Matrix{K, D, m.P.Grad}) // dP += Wb^T dZ
		gemm(false, true, 1, gz, P, 0, gW)                      // dWb = dZ P^T
	} else {
		gemm(false, true, 1, gU, F, 0, gW) // dWb = dU F^T
		if !cached {
			gF := Matrix{K, dOut, gOut.Data[2*B*dOut:]}
			gemm(true, false, 1, wb, gU, 1, gF) // dF = Wb^T dU
			gIn := m.f.Backward(tape, gOut)
			for j, v := range gIn.Data[2*B*D:] {
				m.P.Grad[j] += v
			}
		}
	}
	// Softmax backward: dW = (1/tau) * w ⊙ (dw - <w, dw>).
	for i, p := range pairs {
		w, gw := wb.Row(i), gW.Row(i)
		var dot float64
		for k := range w {
			dot += w[k] * gw[k]
		}
		_, grad := m.userW(p.User)
		for k := range w {
			grad[k] += w[k] * (gw[k] - dot) / m.cfg.Tau
		}
	}
	return total / float64(B)
}

// distEps guards the derivative of a Euclidean norm at zero, where it is undefined; there the
// subgradient 0 is used.
const distEps = 1e-12

func dist(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}

// freeze precomputes f(items) and f(P) in evaluation mode for few-shot fitting.
func (m *PALA) freeze() {
	items := m.mapAll(Matrix{m.ds.NumItems(), m.ds.Dim, m.ds.Items})
	m.itemCache = &items
	protos := m.mapAll(Matrix{m.cfg.K, m.ds.Dim, m.P.Value})
	m.protoCache = &protos
}

// mapAll applies f in evaluation mode, in chunks so memory stays bounded.
func (m *PALA) mapAll(x Matrix) Matrix {
	const chunk = 4096
	out := NewMatrix(x.Rows, m.f.Out)
	for s := 0; s < x.Rows; s += chunk {
		e := min(s+chunk, x.Rows)
		y, _ := m.f.Forward(Matrix{e - s, x.Cols, x.Data[s*x.Cols : e*x.Cols]}, nil)
		copy(out.Data[s*m.f.Out:], y.Data)
	}
	return out
}

// prepareEval computes, in evaluation mode, f of every item and every user's ideal point, so
// Margin is two distances.
func (m *PALA) prepareEval() {
	m.freeze()
	all := make([]datasets.Pair, len(m.ds.Users))
	for u := range all {
		all[u].User = u
	}
	wb := m.mixWeights(all)
	var ideal Matrix
	if m.cfg.IdealPoint == "f(Pw)" {
		z := NewMatrix(len(all), m.ds.Dim)
		gemm(false, false, 1, wb, Matrix{m.cfg.K, m.ds.Dim, m.P.Value}, 0, z)
		ideal = m.mapAll(z)
	} else {
		ideal = NewMatrix(len(all), m.f.Out)
		gemm(false, false, 1, wb, *m.protoCache, 0, ideal)
	}
	m.idealCache = &ideal
}

// Margin is ||f(right) - u|| - ||f(left) - u||: positive predicts the left item. It needs
// prepareEval after the last parameter change.
func (m *PALA) Margin(p datasets.Pair) float64 {
	u := m.idealCache.Row(p.User)
	return dist(m.itemCache.Row(p.Right), u) - dist(m.itemCache.Row(p.Left), u)
}

// PairLoss is the training loss of one pair.
func (m *PALA) PairLoss(p datasets.Pair) float64 {
	l, _ := pairLoss(m.cfg.Loss, m.Margin(p), target(p.LeftPreferred))
	return l
}

// Weights returns user u's mixture weights softmax(W_u / tau).
func (m *PALA) Weights(u int) []float64 {
	w, _ := m.userW(u)
	out := make([]float64, len(w))
	softmaxTau(w, m.cfg.Tau, out)
	return out
}

func (m *PALA) String() string {
	return fmt.Sprintf("PAL-A K=%d %s %s", m.cfg.K, m.cfg.IdealPoint, m.cfg.Loss)
}
