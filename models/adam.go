package models

import (
	"math"

	"github.com/pal-harness/pal/internal/par"
)

// GroupHyper is the learning rate and decoupled weight decay of one parameter group.
type GroupHyper struct {
	LR          float64
	WeightDecay float64
}

// Adam is AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization") with
// parameter groups, matching torch.optim.AdamW: p <- p - lr*wd*p, then the Adam step with
// bias correction. With weight decay 0 it is plain Adam. Parameters whose group has no entry
// are frozen (never updated).
type Adam struct {
	Beta1, Beta2, Eps float64
	groups            map[string]GroupHyper
	params            []*Param
	m, v              [][]float64
	t                 int
}

// NewAdam prepares Adam state for ps with the given groups and PyTorch's default betas and eps.
func NewAdam(ps []*Param, groups map[string]GroupHyper) *Adam {
	a := &Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, groups: groups}
	for _, p := range ps {
		if _, ok := groups[p.Group]; !ok {
			continue
		}
		a.params = append(a.params, p)
		a.m = append(a.m, make([]float64, len(p.Value)))
		a.v = append(a.v, make([]float64, len(p.Value)))
	}
	return a
}

// Step applies one update from the current gradients, in torch.optim.AdamW's form: the step
// size lr/(1-beta1^t) and the denominator sqrt(v)/sqrt(1-beta2^t) + eps, so an element costs one
// square root and one division.
func (a *Adam) Step() {
	a.t++
	c1 := 1 - math.Pow(a.Beta1, float64(a.t))
	c2 := 1 - math.Pow(a.Beta2, float64(a.t))
	b1, b2 := a.Beta1, a.Beta2
	g1, g2 := 1-b1, 1-b2
	rc2 := 1 / math.Sqrt(c2)
	for i, p := range a.params {
		h := a.groups[p.Group]
		u := adamUpdate{b1: b1, b2: b2, g1: g1, g2: g2, rc2: rc2, eps: a.Eps,
			decay: 1 - h.LR*h.WeightDecay, step: h.LR / c1}
		n := len(p.Grad)
		value, grad, m, v := p.Value[:n], p.Grad, a.m[i][:n], a.v[i][:n]
		if par.Parts(n, parGrain) == 1 {
			u.apply(value, grad, m, v)
			continue
		}
		par.For(n, parGrain, func(lo, hi int) { u.apply(value[lo:hi], grad[lo:hi], m[lo:hi], v[lo:hi]) })
	}
}

// adamUpdate is one parameter group's AdamW step constants (see Step).
type adamUpdate struct {
	b1, b2, g1, g2, rc2, eps, decay, step float64
}

// apply updates each element of value (and its moments m and v) from its gradient: element-wise,
// so large parameters are split over goroutines without changing a bit.
func (u adamUpdate) apply(value, grad, m, v []float64) {
	grad, m, v = grad[:len(value)], m[:len(value)], v[:len(value)]
	for j, g := range grad {
		mj := u.b1*m[j] + u.g1*g
		vj := u.b2*v[j] + u.g2*g*g
		m[j], v[j] = mj, vj
		value[j] = value[j]*u.decay - u.step*mj/(math.Sqrt(vj)*u.rc2+u.eps)
	}
}
