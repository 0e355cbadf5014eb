package baselines

import (
	"math"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

// The pieces the peer methods (mixture of BTL rewards, LoRe, the user-ID-conditioned reward,
// individual reward models, DPL, VPL) share: a reward network from item features to a few
// outputs, a personalized model whose pair loss reads per-item outputs and a user's row of a
// models.UserTable, and the margins of models that condition on the user inside the network.

// PeerNet is the network every peer method puts on the frozen item embeddings: an MLP f
// (map = "mlp") or nothing (map = "linear"), then a linear head to the method's outputs.
type PeerNet struct {
	Map string `toml:"map" help:"the network on the item embedding: a linear head on the embedding (linear) or on an MLP of it (mlp)" enum:"linear|mlp"`
	models.MLPConfig
}

// rewardNet is PeerNet built: f (nil for map = "linear") and a linear head to out outputs.
type rewardNet struct {
	in, out int
	f       *models.MLP
	head    *models.MLP
	ft, ht  models.Tape
}

// newRewardNet builds the network from in inputs; its parameters are named name.f.<l> and
// name.head.<l> and join group.
func newRewardNet(name, group string, in, out int, c PeerNet, rng *rand.Rand) (*rewardNet, error) {
	n := &rewardNet{in: in, out: out}
	hin := in
	if c.Map == "mlp" {
		f, err := models.NewMLP(name+".f", group, in, c.MLPConfig, rng)
		if err != nil {
			return nil, err
		}
		n.f, hin = f, f.Out
	}
	head, err := models.NewMLP(name+".head", group, hin, models.MLPConfig{Width: out, Activation: "relu", Precision: c.Precision}, rng)
	if err != nil {
		return nil, err
	}
	n.head = head
	return n, nil
}

func (n *rewardNet) params() []*models.Param {
	ps := n.head.Params()
	if n.f != nil {
		ps = append(n.f.Params(), ps...)
	}
	return ps
}

func (n *rewardNet) first() (*models.MLP, *models.Tape) {
	if n.f != nil {
		return n.f, &n.ft
	}
	return n.head, &n.ht
}

// input is the batch of rows x in the next forward pass reads.
func (n *rewardNet) input(rows int) *models.Input {
	m, t := n.first()
	return m.Input(t, rows, n.in)
}

// forward maps the rows filled through input to rows x out (dropout when rng is non-nil).
func (n *rewardNet) forward(rng *rand.Rand) models.Matrix {
	m, t := n.first()
	h := m.ForwardInput(t, rng)
	if n.f != nil {
		h = n.head.ForwardTape(&n.ht, h, rng)
	}
	return h
}

// backward accumulates the parameter gradients of the last forward pass given dout; with
// inputGrad it returns the gradient with respect to the input rows.
func (n *rewardNet) backward(dout models.Matrix, inputGrad bool) models.Matrix {
	rows := 0
	if inputGrad {
		rows = dout.Rows
	}
	if n.f == nil {
		return n.head.BackwardRows(&n.ht, dout, rows)
	}
	dh := n.head.BackwardRows(&n.ht, dout, dout.Rows)
	return n.f.BackwardRows(&n.ft, dh, rows)
}

// apply maps every row of x (rows x in, float64) in evaluation mode, in chunks.
func (n *rewardNet) apply(x models.Matrix) models.Matrix {
	const chunk = 4096
	out := models.NewMatrix(x.Rows, n.out)
	for s := 0; s < x.Rows; s += chunk {
		e := min(s+chunk, x.Rows)
		n.input(e-s).SetRows64(0, x.Data[s*x.Cols:e*x.Cols])
		copy(out.Data[s*n.out:], n.forward(nil).Data)
	}
	return out
}

// items maps every item of d in evaluation mode (NumItems x out).
func (n *rewardNet) items(d *datasets.Data) models.Matrix {
	const chunk = 4096
	N := d.NumItems()
	out := models.NewMatrix(N, n.out)
	for s := 0; s < N; s += chunk {
		e := min(s+chunk, N)
		n.input(e-s).SetRows32(0, d.Items[s*d.Dim:e*d.Dim])
		copy(out.Data[s*n.out:], n.forward(nil).Data)
	}
	return out
}

// pairOutputs maps the left items of pairs to rows [0, n) and the right items to [n, 2n).
func (n *rewardNet) pairOutputs(d *datasets.Data, pairs []datasets.Pair, rng *rand.Rand) models.Matrix {
	n.input(2*len(pairs)).SetPairItems(d, pairs)
	return n.forward(rng)
}

func (n *rewardNet) backwardData(dout models.Matrix) { n.backward(dout, false) }
func (n *rewardNet) outputs() int                    { return n.out }

// itemNet maps items to a few outputs: one rewardNet, or several side by side (rewardNets).
type itemNet interface {
	pairOutputs(d *datasets.Data, pairs []datasets.Pair, rng *rand.Rand) models.Matrix
	backwardData(dout models.Matrix) // parameter gradients only: the items are data
	items(d *datasets.Data) models.Matrix
	params() []*models.Param
	outputs() int
}

// rewardNets are separate networks whose outputs stand side by side (the K rewards of a
// mixture of BTL models): output k is the first output of network k.
type rewardNets struct {
	nets []*rewardNet
	o    models.Matrix
	dk   models.Matrix
}

func (s *rewardNets) outputs() int { return len(s.nets) }

func (s *rewardNets) params() []*models.Param {
	var ps []*models.Param
	for _, n := range s.nets {
		ps = append(ps, n.params()...)
	}
	return ps
}

func (s *rewardNets) pairOutputs(d *datasets.Data, pairs []datasets.Pair, rng *rand.Rand) models.Matrix {
	K := len(s.nets)
	o := resize(&s.o, 2*len(pairs), K)
	for k, n := range s.nets {
		ok := n.pairOutputs(d, pairs, rng)
		for i := range o.Rows {
			o.Data[i*K+k] = ok.Data[i]
		}
	}
	return o
}

func (s *rewardNets) backwardData(dout models.Matrix) {
	K := len(s.nets)
	dk := resize(&s.dk, dout.Rows, 1)
	for k, n := range s.nets {
		for i := range dout.Rows {
			dk.Data[i] = dout.Data[i*K+k]
		}
		n.backwardData(dk)
	}
}

func (s *rewardNets) items(d *datasets.Data) models.Matrix {
	K := len(s.nets)
	out := models.NewMatrix(d.NumItems(), K)
	for k, n := range s.nets {
		ok := n.items(d)
		for i := range out.Rows {
			out.Data[i*K+k] = ok.Data[i]
		}
	}
	return out
}

// paramCount is the weights and biases of the network (for Loadable.ParamCount).
func (c PeerNet) paramCount(in, out int) int64 {
	hin, f := in, int64(0)
	if c.Map == "mlp" {
		f, hin = models.MLPParamCount(in, c.MLPConfig), c.Width
	}
	return f + models.MLPParamCount(hin, models.MLPConfig{Width: out})
}

// estimateBytes is the memory of the network in a fit with batches of rows rows.
func (c PeerNet) estimateBytes(in, out, rows int) int64 {
	hin, f := in, int64(0)
	if c.Map == "mlp" {
		f, hin = models.EstimateMLP(in, c.MLPConfig, rows), c.Width
	}
	return f + models.EstimateMLP(hin, models.MLPConfig{Width: out, Precision: c.Precision}, rows)
}

// flops is the forward flops of one row through the network.
func (c PeerNet) flops(in, out int) float64 {
	hin, f := in, 0.0
	if c.Map == "mlp" {
		f, hin = models.MLPRowFlops(in, c.MLPConfig), c.Width
	}
	return f + 2*float64(hin*out)
}

// softmaxInto writes softmax(w) into out.
func softmaxInto(w, out []float64) {
	mx := math.Inf(-1)
	for _, v := range w {
		mx = math.Max(mx, v)
	}
	var s float64
	for i, v := range w {
		out[i] = math.Exp(v - mx)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
}

// softmaxGrad turns gw, a gradient with respect to w = softmax(W), into the gradient with
// respect to W, in place: dW_j = w_j (gw_j - <w, gw>).
func softmaxGrad(w, gw []float64) {
	var dot float64
	for k := range w {
		dot += w[k] * gw[k]
	}
	for k := range w {
		gw[k] = w[k] * (gw[k] - dot)
	}
}

// logSigmoid is log sigmoid(x), without overflow.
func logSigmoid(x float64) float64 {
	if x >= 0 {
		return -math.Log1p(math.Exp(-x))
	}
	return x - math.Log1p(math.Exp(x))
}

// itemPairLoss is the pair loss of a model whose user is a row of a models.UserTable and whose
// items are rows of per-item outputs o. Given the left and right outputs, the user's row
// (softmax-ed when the model's users are on the simplex, raw otherwise) and the label, it returns
// the loss and the margin (positive: left preferred), and, when gL is non-nil, adds the
// gradients of the loss with respect to oL, oR and the user's raw row into gL, gR and gu (all
// three are nil, or none is).
type itemPairLoss func(oL, oR, w []float64, leftPreferred bool, gL, gR, gu []float64) (loss, margin float64)

// itemModel is a models.Personalized whose pair loss depends only on per-item outputs
// o(x) = net(x) (or the embedding itself when net is nil) and the user's row of users: the
// mixture of BTL rewards, LoRe and the individual reward models. After Freeze (and for
// evaluation) the outputs of every item are computed once, so few-shot fitting costs only the
// users' rows.
type itemModel struct {
	d       *datasets.Data
	net     itemNet // nil: o(x) = x
	out     int
	users   *models.UserTable
	simplex bool
	loss    itemPairLoss
	frozen  bool
	cache   models.Matrix // o of every item (valid when frozen, or after PrepareEval)
	extra   []*models.Param
	// base, when set, is a fixed row per user (users x K) added to the user's trainable row:
	// the random initial point of a per-user network, so that a new user's row, which
	// few-shot fitting starts at zero, starts the network at a random point too.
	base []float64

	do models.Matrix // reused output-gradient buffer
}

func newItemModel(d *datasets.Data, net itemNet, users *models.UserTable, simplex bool, loss itemPairLoss) *itemModel {
	m := &itemModel{d: d, net: net, users: users, simplex: simplex, loss: loss, out: d.Dim}
	if net != nil {
		m.out = net.outputs()
	}
	return m
}

// userRow writes the row of user u the pair loss reads into w.
func (m *itemModel) userRow(u int, w []float64) {
	raw, _ := m.users.UserW(u)
	switch {
	case m.simplex:
		softmaxInto(raw, w)
	case m.base != nil:
		for k, b := range m.base[u*len(w) : (u+1)*len(w)] {
			w[k] = b + raw[k]
		}
	default:
		copy(w, raw)
	}
}

func (m *itemModel) item(i int, dst []float64) []float64 {
	if m.net == nil {
		for j, v := range m.d.Item(i) {
			dst[j] = float64(v)
		}
		return dst
	}
	return m.cache.Row(i)
}

// BatchLoss implements models.Objective.
func (m *itemModel) BatchLoss(pairs []datasets.Pair, rng *rand.Rand, backward bool) float64 {
	n, O, K := len(pairs), m.out, m.users.K()
	useNet := m.net != nil && !m.frozen
	var o models.Matrix
	if useNet {
		o = m.net.pairOutputs(m.d, pairs, rng)
	}
	var do models.Matrix
	if backward && useNet {
		do = resize(&m.do, 2*n, O)
		clear(do.Data)
	}
	w, gu := make([]float64, K), make([]float64, K)
	bl, br := make([]float64, O), make([]float64, O)
	sl, sr := make([]float64, O), make([]float64, O) // item gradients nobody reads (no network)
	var total float64
	for i, p := range pairs {
		m.userRow(p.User, w)
		var oL, oR []float64
		if useNet {
			oL, oR = o.Row(i), o.Row(n+i)
		} else {
			oL, oR = m.item(p.Left, bl), m.item(p.Right, br)
		}
		if !backward {
			l, _ := m.loss(oL, oR, w, p.LeftPreferred, nil, nil, nil)
			total += l
			continue
		}
		clear(gu)
		gL, gR := sl, sr
		if useNet {
			gL, gR = do.Row(i), do.Row(n+i)
		}
		l, _ := m.loss(oL, oR, w, p.LeftPreferred, gL, gR, gu)
		total += l
		_, g := m.users.UserW(p.User)
		for k := range gu {
			g[k] += gu[k] / float64(n)
		}
	}
	if backward && useNet {
		for j := range do.Data {
			do.Data[j] /= float64(n)
		}
		m.net.backwardData(do)
	}
	return total / float64(n)
}

// Margin implements models.Scorer (after PrepareEval).
func (m *itemModel) Margin(p datasets.Pair) float64 {
	_, mg := m.evalPair(p)
	return mg
}

// PairLoss implements models.Scorer (after PrepareEval).
func (m *itemModel) PairLoss(p datasets.Pair) float64 {
	l, _ := m.evalPair(p)
	return l
}

func (m *itemModel) evalPair(p datasets.Pair) (loss, margin float64) {
	w := make([]float64, m.users.K())
	m.userRow(p.User, w)
	bl, br := make([]float64, m.out), make([]float64, m.out)
	return m.loss(m.item(p.Left, bl), m.item(p.Right, br), w, p.LeftPreferred, nil, nil, nil)
}

// Params implements models.Objective: the network, any extra shared parameters, the users.
func (m *itemModel) Params() []*models.Param {
	var ps []*models.Param
	if m.net != nil {
		ps = m.net.params()
	}
	ps = append(ps, m.extra...)
	return append(ps, m.users.Seen(), m.users.Unseen())
}

// Users, Freeze, FrozenObjective, PrepareEval, SharedParams and TrainableParams implement
// models.Personalized.
func (m *itemModel) Users() *models.UserTable { return m.users }
func (m *itemModel) Freeze()                  { m.PrepareEval(); m.frozen = true }
func (m *itemModel) FrozenObjective() models.Objective {
	return frozenItemModel{m}
}
func (m *itemModel) PrepareEval() {
	if m.net != nil {
		m.cache = m.net.items(m.d)
	}
}
func (m *itemModel) SharedParams() int {
	n := models.CountParams(m.extra)
	if m.net != nil {
		n += models.CountParams(m.net.params())
	}
	return n
}
func (m *itemModel) TrainableParams() int { return m.SharedParams() + len(m.users.Seen().Value) }

// frozenItemModel trains only the unseen users' rows (few-shot adaptation).
type frozenItemModel struct{ *itemModel }

func (f frozenItemModel) Params() []*models.Param { return []*models.Param{f.users.Unseen()} }

// condNet is a reward network on an item and a per-user vector side by side, r(x ⊕ c_u): the
// user-ID-conditioned reward (c = the user's embedding) and VPL's decoder (c = the user's
// latent). Its input rows are built in float64 and rounded once for a float32 network.
type condNet struct {
	*rewardNet
	D, E int
	rows []float64
}

// forwardPairs returns r of every pair's left item (rows [0, n)) and right item ([n, 2n)),
// each beside cond(pair index).
func (c *condNet) forwardPairs(d *datasets.Data, pairs []datasets.Pair, cond func(i int) []float64, rng *rand.Rand) models.Matrix {
	n, W := len(pairs), c.D+c.E
	if cap(c.rows) < 2*n*W {
		c.rows = make([]float64, 2*n*W)
	}
	rows := c.rows[:2*n*W]
	for i, p := range pairs {
		e := cond(i)
		for s, item := range [2]int{p.Left, p.Right} {
			row := rows[(s*n+i)*W : (s*n+i+1)*W]
			for j, v := range d.Item(item) {
				row[j] = float64(v)
			}
			copy(row[c.D:], e)
		}
	}
	c.input(2*n).SetRows64(0, rows)
	return c.forward(rng)
}

// margins returns r(left ⊕ c) - r(right ⊕ c) of every pair in evaluation mode, in chunks.
func (c *condNet) margins(d *datasets.Data, pairs []datasets.Pair, cond func(u int) []float64) []float64 {
	const chunk = 2048
	out := make([]float64, len(pairs))
	for s := 0; s < len(pairs); s += chunk {
		b := pairs[s:min(s+chunk, len(pairs))]
		r := c.forwardPairs(d, b, func(i int) []float64 { return cond(b[i].User) }, nil)
		for i := range b {
			out[s+i] = r.Data[i] - r.Data[len(b)+i]
		}
	}
	return out
}

// comparison identifies a pair by user and items, whatever its label.
type comparison struct{ user, left, right int }

func comparisonOf(p datasets.Pair) comparison { return comparison{p.User, p.Left, p.Right} }

// marginCache holds the margin of every pair of every split of d, computed by margins: the
// scores of a model whose reward depends on the user inside the network, where a per-item cache
// cannot serve.
func marginCache(d *datasets.Data, margins func(pairs []datasets.Pair) []float64) map[comparison]float64 {
	out := map[comparison]float64{}
	for _, sp := range datasets.AllSplits {
		ps := d.Splits[sp]
		for i, m := range margins(ps) {
			out[comparisonOf(ps[i])] = m
		}
	}
	return out
}
