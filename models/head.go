package models

import (
	"math"

	"github.com/pal-harness/pal/datasets"
)

// Parameter groups of the logit scale: groupScale is trained (lr_scale, no weight decay, as
// the authors' logit_scale group); groupFixed is never given to an optimiser.
const (
	groupScale = "scale"
	groupFixed = "fixed"
)

// Logit scale constants of the authors' code (src/pal_rm_*/learner.py, after CLIP): theta
// starts at log(1/0.07) and the scale exp(theta) is clamped at 100.
const (
	scaleInit = 1 / 0.07
	scaleMax  = 100
)

// head turns the mapped items f(x_L), f(x_R) and a user's ideal point u into a margin and a
// loss: the part of PAL that PAL-A and PAL-B share. Every score is written as a per-item
// reward r(x) (what `pal score` prints) and the margin is r(x_L) - r(x_R), positive when the
// model prefers the left item, so a reward computed for one item at a time reproduces the
// margins of training and evaluation bit for bit. The scores, as in the authors'
// src/pal_rm_b/learner.py (PrefLearner_*), with s = min(exp(theta), 100):
//
//	dist                r(x) = -||f(x) - u||             (PrefLearner_dist)
//	dist_normalization  r(x) = -||f(x)/|f(x)| - u/|u|||  (PrefLearner_distNorm)
//	angle               r(x) = s cos(f(x), u)            (PrefLearner_angle; logits of a 2-way CE)
//	angle_hinge         r(x) = s cos(f(x), u), s fixed   (PrefLearner_angle_hinge)
//	dist_logistic       r(x) = -s ||f(x) - u||           (PrefLearner_dist_logistic, see below)
//
// theta is learned only for angle and dist_logistic: the authors' update_trainable_params adds
// logit_scale to the optimiser for those two alone, so angle_hinge keeps s = 1/0.07 (their text
// models; their text-to-image PrefLearner_angle_hinge drops the scale altogether).
// dist_logistic: the authors stack +s*||f(x) - u|| as the two logits, under which the
// cross-entropy prefers the item FARTHER from the ideal point, the opposite of every other
// score and of the ideal-point model; we take that for a sign slip and use -s*||f(x) - u||.
type head struct {
	cfg   HeadConfig
	theta *Param // log of the logit scale; nil for dist and dist_normalization
}

func newHead(cfg HeadConfig) *head {
	h := &head{cfg: cfg}
	switch cfg.Score {
	case "angle", "dist_logistic":
		h.theta = NewParam("logit_scale", groupScale, 1)
	case "angle_hinge":
		h.theta = NewParam("logit_scale", groupFixed, 1)
	}
	if h.theta != nil {
		h.theta.Value[0] = math.Log(scaleInit)
	}
	return h
}

// params lists the logit scale, if the score has one (fixed or not).
func (h *head) params() []*Param {
	if h.theta == nil {
		return nil
	}
	return []*Param{h.theta}
}

// trainable is the number of head parameters shared training learns.
func (h *head) trainable() int {
	if h.theta != nil && h.theta.Group == groupScale {
		return 1
	}
	return 0
}

// scale returns s = min(exp(theta), 100) and ds/dtheta, which is 0 where the clamp is active
// (torch.clamp passes the gradient only inside its range).
func (h *head) scale() (s, ds float64) {
	if h.theta == nil {
		return 1, 0
	}
	e := math.Exp(h.theta.Value[0])
	if e > scaleMax {
		return scaleMax, 0
	}
	return e, e
}

// itemScore is the reward r(x) of a mapped item x for ideal point u at scale s.
func (h *head) itemScore(x, u []float64, s float64) float64 {
	switch h.cfg.Score {
	case "dist_normalization":
		return -unitDist(x, u)
	case "angle", "angle_hinge":
		return s * cosine(x, u)
	case "dist_logistic":
		return -(s * dist(x, u))
	default: // dist
		return -dist(x, u)
	}
}

// margin is r(l) - r(r): positive when the left item is preferred.
func (h *head) margin(l, r, u []float64) float64 {
	s, _ := h.scale()
	var st pairStats
	return h.pairMargin(l, r, u, s, &st)
}

// pairStats keeps the norms, cosines and distances of one pair's margin for its gradient, so
// the backward pass does not compute them again.
type pairStats struct {
	nl, nr, nu float64 // |l|, |r|, |u| (angle scores)
	cl, cr     float64 // cos(l, u), cos(r, u) (angle scores)
	dl, dr     float64 // ||l-u||, ||r-u|| (dist scores)
}

// pairMargin is itemScore(l) - itemScore(r), the same arithmetic, recording what the gradient
// needs in st.
func (h *head) pairMargin(l, r, u []float64, s float64, st *pairStats) float64 {
	switch h.cfg.Score {
	case "angle", "angle_hinge":
		st.nl, st.nr, st.nu = norm(l), norm(r), norm(u)
		st.cl, st.cr = cosineNorms(l, u, st.nl, st.nu), cosineNorms(r, u, st.nr, st.nu)
		return s*st.cl - s*st.cr
	case "dist_logistic":
		st.dl, st.dr = dist(l, u), dist(r, u)
		return -(s * st.dl) - -(s * st.dr)
	case "dist":
		st.dl, st.dr = dist(l, u), dist(r, u)
		return -st.dl - -st.dr
	default:
		return h.itemScore(l, u, s) - h.itemScore(r, u, s)
	}
}

// loss is the objective over pairs whose mapped left items, right items and ideal points are
// the rows of L, R and U: the mean pair loss, or with user weighting the authors' weighted sum
// (each pair weighted by its user's importance imp[user] = 1/(training pairs), normalised to sum
// 1 over the batch; src/loss_function.py, LossFunction "*_w"); plus, outside evaluation, the
// prototype-norm bound. With backward it accumulates the gradient of that objective into the
// rows of gL and gR (skipped when they have no data), gU and the logit scale.
func (h *head) loss(pairs []datasets.Pair, L, R, U Matrix, imp []float64, eval, backward bool, gL, gR, gU Matrix) float64 {
	B := len(pairs)
	s, ds := h.scale()
	weighted := h.cfg.UserWeighting && imp != nil
	var wsum float64
	if weighted {
		for _, p := range pairs {
			wsum += imp[p.User]
		}
		weighted = wsum > 0 // a batch of users without training pairs falls back to the mean
	}
	var total, dTheta float64
	for i, p := range pairs {
		l, r, u := L.Row(i), R.Row(i), U.Row(i)
		var st pairStats
		m := h.pairMargin(l, r, u, s, &st)
		loss, dm := pairLoss(h.cfg.Loss, m, target(p.LeftPreferred))
		var g float64
		if weighted {
			w := imp[p.User] / wsum
			total += w * loss
			g = w * dm
		} else {
			total += loss
			g = dm / float64(B)
		}
		if !backward || dm == 0 {
			continue
		}
		dTheta += h.addGrad(l, r, u, &st, s, ds, g, rowOf(gL, i), rowOf(gR, i), gU.Row(i))
	}
	if !weighted {
		total /= float64(B)
	}
	if h.cfg.Bound && !eval {
		total += h.bound(U, backward, gU)
	}
	if backward && h.theta != nil {
		h.theta.Grad[0] += dTheta
	}
	return total
}

// bound is the authors' ProtoBoundLossFunction on the batch's ideal points (their
// return_user_ideal_points): lambda * sum_i max(0, ||u_i|| - B), a sum over the batch, not a
// mean. Only their text-to-image PAL-B adds it to the training loss; their text PAL-A computes
// it but the addition is commented out ("reduce performance", commit 7fe9e5a, two days after it
// was added) and their text PAL-B never adds it. Here it is on with bound = true.
func (h *head) bound(U Matrix, backward bool, gU Matrix) float64 {
	var total float64
	lambda, b := h.cfg.BoundLambda, h.cfg.BoundB
	for i := 0; i < U.Rows; i++ {
		u := U.Row(i)
		n := norm(u)
		if n <= b {
			continue
		}
		total += lambda * (n - b)
		if backward {
			gu := gU.Row(i)
			for j := range u {
				gu[j] += lambda * u[j] / n
			}
		}
	}
	return total
}

// addGrad accumulates g * d(margin)/d(l, r, u) into gl, gr (nil to skip) and gu, and returns
// g * d(margin)/d(theta). st is what pairMargin recorded for this pair.
func (h *head) addGrad(l, r, u []float64, st *pairStats, s, ds, g float64, gl, gr, gu []float64) float64 {
	switch h.cfg.Score {
	case "dist_normalization":
		unitDistGrad(l, r, u, g, gl, gr, gu)
		return 0
	case "angle", "angle_hinge":
		cosineGrad(l, u, st.nl, st.nu, st.cl, g*s, gl, gu)
		cosineGrad(r, u, st.nr, st.nu, st.cr, -g*s, gr, gu)
		return g * ds * (st.cl - st.cr)
	case "dist_logistic":
		distGrad(r, u, st.dr, g*s, gr, gu)
		distGrad(l, u, st.dl, -g*s, gl, gu)
		return g * ds * (st.dr - st.dl)
	default: // dist: margin = ||r-u|| - ||l-u||
		distGrad(r, u, st.dr, g, gr, gu)
		distGrad(l, u, st.dl, -g, gl, gu)
		return 0
	}
}

// distGrad adds c * d||x-u||/dx = c (x-u)/d to gx (when non-nil) and its negation to gu.
func distGrad(x, u []float64, d, c float64, gx, gu []float64) {
	if d <= distEps {
		return
	}
	k := c / d
	x, gu = x[:len(u)], gu[:len(u)]
	if gx == nil {
		for j, uj := range u {
			gu[j] -= k * (x[j] - uj)
		}
		return
	}
	gx = gx[:len(u)]
	for j, uj := range u {
		v := k * (x[j] - uj)
		gu[j] -= v
		gx[j] += v
	}
}

// cosine is <x,u>/(|x||u|); 0 when either vector is zero.
func cosine(x, u []float64) float64 { return cosineNorms(x, u, norm(x), norm(u)) }

// cosineNorms is cosine given nx = |x| and nu = |u|.
func cosineNorms(x, u []float64, nx, nu float64) float64 {
	if nx <= distEps || nu <= distEps {
		return 0
	}
	return dot(x, u) / (nx * nu)
}

// cosineGrad adds c * d cos/dx = c (u/|u| - cos x/|x|)/|x| to gx (when non-nil) and
// c * d cos/du = c (x/|x| - cos u/|u|)/|u| to gu, given nx = |x|, nu = |u| and cs = cos(x, u),
// as two scaled sums (reciprocals taken once, no division per element).
func cosineGrad(x, u []float64, nx, nu, cs, c float64, gx, gu []float64) {
	if nx <= distEps || nu <= distEps {
		return
	}
	ix, iu := 1/nx, 1/nu
	cxu := c * ix * iu
	if gx != nil {
		ax := c * cs * ix * ix
		gx = gx[:len(u)]
		for j, uj := range u {
			gx[j] += cxu*uj - ax*x[j]
		}
	}
	au := c * cs * iu * iu
	gu, x = gu[:len(u)], x[:len(u)]
	for j, uj := range u {
		gu[j] += cxu*x[j] - au*uj
	}
}

// unit returns x/|x| and |x| (x itself when |x| is 0).
func unit(x []float64) ([]float64, float64) {
	n := norm(x)
	out := make([]float64, len(x))
	if n <= distEps {
		copy(out, x)
		return out, n
	}
	for j, v := range x {
		out[j] = v / n
	}
	return out, n
}

// unitDist is ||x/|x| - u/|u|||.
func unitDist(x, u []float64) float64 {
	xh, _ := unit(x)
	uh, _ := unit(u)
	return dist(xh, uh)
}

// unitDistGrad accumulates g * d/d(l, r, u) of ||r^ - u^|| - ||l^ - u^|| (x^ = x/|x|): the
// distance gradients with respect to the unit vectors, carried back through the
// normalisation, whose Jacobian applied to v is (v - x^ <x^, v>)/|x|.
func unitDistGrad(l, r, u []float64, g float64, gl, gr, gu []float64) {
	lh, nl := unit(l)
	rh, nr := unit(r)
	uh, nu := unit(u)
	glh := make([]float64, len(u))
	grh := make([]float64, len(u))
	guh := make([]float64, len(u))
	distGrad(rh, uh, dist(rh, uh), g, grh, guh)
	distGrad(lh, uh, dist(lh, uh), -g, glh, guh)
	back := func(xh []float64, n float64, gxh, gx []float64) {
		if gx == nil || n <= distEps {
			return
		}
		d := dot(xh, gxh)
		for j := range gx {
			gx[j] += (gxh[j] - xh[j]*d) / n
		}
	}
	back(lh, nl, glh, gl)
	back(rh, nr, grh, gr)
	back(uh, nu, guh, gu)
}

// dot is the inner product, summed in four interleaved partial sums (one sum would wait on
// the latency of every addition).
func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func norm(a []float64) float64 { return math.Sqrt(dot(a, a)) }

// rowOf is row i of m, or nil when m holds no data (a gradient that is not wanted).
func rowOf(m Matrix, i int) []float64 {
	if m.Data == nil {
		return nil
	}
	return m.Row(i)
}
