package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

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

// freeze precomputes f(items) and f(P) in evaluation mode for few-shot fitting. The training
// batches' workspace is released first: at batch 4,096 through 1024-wide layers it is a
// gigabyte that evaluation and few-shot fitting (small batches, cached rows) do not need.
func (m *PALA) freeze() {
	m.work = palaWork{}
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

// rowCache holds f(x) of the items in evaluation mode: as float32 when f computes in float32
// (its outputs are float32 values, so nothing is lost, and a million 1024-wide rows take 4 GB
// instead of 8), as float64 otherwise. A small data set's cache holds every item, computed once.
// Where every item's row would take more than EvalCacheBytes (Pick-a-Pic: 1 M items × 1024 is
// 4 GB, as much again as the items), the cache is lazy: it computes the rows of the items a batch
// or a chunk of evaluated pairs needs (ensure), and starts over when it is full, so evaluation
// and few-shot fitting stay within the training memory. A row is the same bits either way: f
// maps each row on its own, whatever the other rows of its batch (in float32, and in float64 on
// gonum; OpenBLAS's float64 kernels treat a block's edge rows differently, so there a lazily
// computed row may differ from the whole cache's in its last bits; a run is still the same bits
// every time, since which rows a chunk computes depends only on the data and the settings).
// A lazy cache changes as it is read, so it is for one goroutine at a time.
type rowCache struct {
	cols int
	f32  []float32
	f64  []float64

	// Lazy mode: slot[i] is item i's row in f32/f64, or -1; used rows are filled.
	lazy  bool
	f     *MLP
	dim   int
	items []float32
	slot  []int32
	used  int
	cap   int
	buf   []float32
	tape  Tape
}

// EvalCacheBytes is the most memory the evaluation cache of f over every item may take before
// it computes rows on demand instead (a variable so tests can force the lazy mode).
var EvalCacheBytes int64 = 512 << 20

// lazyRows is the size of a lazy cache in rows: EvalCacheBytes worth, and at least two chunks of
// evaluated pairs (which needs up to 2 × evalChunk rows at once; a larger batch grows it).
func lazyRows(rowBytes int64) int {
	return int(max(EvalCacheBytes/rowBytes, 2*evalChunk))
}

// rowInto writes row i into dst as float64.
func (c *rowCache) rowInto(dst []float64, i int) {
	if c.lazy {
		if c.slot[i] < 0 {
			c.ensure([]int{i}) // one row: slow; callers prefetch (ensurePairs) their chunk first
		}
		i = int(c.slot[i])
	}
	if c.f32 != nil {
		widen(dst, c.f32[i*c.cols:(i+1)*c.cols])
		return
	}
	copy(dst, c.f64[i*c.cols:(i+1)*c.cols])
}

// pairsInto writes the rows of each pair's left and right items into L and R (row i for
// pairs[i]): the mapped items of a frozen model's batch.
func (c *rowCache) pairsInto(L, R Matrix, pairs []datasets.Pair) {
	c.ensurePairs(pairs)
	for i, p := range pairs {
		c.rowInto(L.Row(i), p.Left)
		c.rowInto(R.Row(i), p.Right)
	}
}

// ensurePairs makes the rows of the pairs' items resident (a lazy cache; nothing otherwise).
func (c *rowCache) ensurePairs(pairs []datasets.Pair) {
	if !c.lazy {
		return
	}
	need := make([]int, 0, 2*len(pairs))
	for _, p := range pairs {
		need = append(need, p.Left, p.Right)
	}
	c.ensure(need)
}

// ensure makes the rows of the items in need resident. When the missing ones do not fit beside
// the resident rows, the cache starts over with exactly need's items, so every row a batch or
// chunk reads stays resident while it is read.
func (c *rowCache) ensure(need []int) {
	missing := 0
	for _, i := range need {
		if c.slot[i] < 0 {
			missing++
		}
	}
	if missing == 0 {
		return
	}
	if c.used+missing > c.cap {
		for i := range c.slot {
			c.slot[i] = -1
		}
		c.used = 0
	}
	var todo []int
	for _, i := range need {
		if c.slot[i] == -1 {
			c.slot[i] = -2 // queued
			todo = append(todo, i)
		}
	}
	if c.used+len(todo) > c.cap { // a batch larger than the cache: grow it
		c.grow(c.used + len(todo))
	}
	const chunk = 4096
	for s := 0; s < len(todo); s += chunk {
		e := min(s+chunk, len(todo))
		c.buf = slices.Grow(c.buf[:0], (e-s)*c.dim)[:(e-s)*c.dim]
		for r, i := range todo[s:e] {
			copy(c.buf[r*c.dim:(r+1)*c.dim], c.items[i*c.dim:(i+1)*c.dim])
		}
		c.f.Input(&c.tape, e-s, c.dim).SetRows32(0, c.buf)
		y := c.f.ForwardInput(&c.tape, nil)
		if c.f32 != nil {
			narrow(c.f32[c.used*c.cols:], y.Data) // exact: y holds float32 values
		} else {
			copy(c.f64[c.used*c.cols:], y.Data)
		}
		for r, i := range todo[s:e] {
			c.slot[i] = int32(c.used + r)
		}
		c.used += e - s
	}
}

// grow makes room for rows rows, keeping the resident ones.
func (c *rowCache) grow(rows int) {
	c.cap = rows
	if c.f32 != nil {
		c.f32 = append(c.f32, make([]float32, rows*c.cols-len(c.f32))...)
	} else {
		c.f64 = append(c.f64, make([]float64, rows*c.cols-len(c.f64))...)
	}
}

// mapItemsCache is mapItems into a rowCache: every item's row, or a lazy cache where those
// would take more than EvalCacheBytes.
func mapItemsCache(f *MLP, rows, cols int, x []float32) *rowCache {
	const chunk = 4096
	c := &rowCache{cols: f.Out}
	elem := int64(8)
	if f.single {
		elem = 4
	}
	if rowBytes := int64(f.Out) * elem; int64(rows)*rowBytes > EvalCacheBytes && rows > 0 {
		c.lazy, c.f, c.dim, c.items = true, f, cols, x
		c.slot = make([]int32, rows)
		for i := range c.slot {
			c.slot[i] = -1
		}
		c.cap = min(lazyRows(rowBytes), rows)
		if f.single {
			c.f32 = make([]float32, c.cap*c.cols)
		} else {
			c.f64 = make([]float64, c.cap*c.cols)
		}
		return c
	}
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
	buf := getScratch(2 * m.f.Out)
	defer putScratch(buf)
	l, r := (*buf)[:m.f.Out], (*buf)[m.f.Out:]
	m.itemCache.rowInto(l, p.Left)
	m.itemCache.rowInto(r, p.Right)
	return m.head.margin(l, r, m.idealCache.Row(p.User))
}

// scratch recycles Margin's row buffers: evaluating a million pairs of 1024-wide rows would
// otherwise allocate 16 KB a pair, and the garbage alone doubled the heap of a Pick-a-Pic-sized
// evaluation. A pool, not a field, so that Margin stays safe to call from several goroutines
// where the cache holds every item (a lazy cache fills itself and is not: pal evaluates a model
// from one goroutine).
var scratch sync.Pool

func getScratch(n int) *[]float64 {
	if b, ok := scratch.Get().(*[]float64); ok && cap(*b) >= n {
		*b = (*b)[:n]
		return b
	}
	b := make([]float64, n)
	return &b
}

func putScratch(b *[]float64) { scratch.Put(b) }

// Prefetch implements Prefetcher: the rows of the pairs' items in a lazy evaluation cache.
func (m *PALA) Prefetch(pairs []datasets.Pair) {
	if m.itemCache != nil {
		m.itemCache.ensurePairs(pairs)
	}
}

// PairLoss is the training loss of one pair (unweighted, without the bound).
func (m *PALA) PairLoss(p datasets.Pair) float64 {
	l, _ := pairLoss(m.cfg.Loss, m.Margin(p), target(p.LeftPreferred))
	return l
}

func (m *PALA) String() string {
	return fmt.Sprintf("PAL-A K=%d %s %s %s", m.cfg.K, m.cfg.IdealPoint, m.cfg.Score, m.cfg.Loss)
}
