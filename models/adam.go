package models

import "math"

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
		m, v := a.m[i], a.v[i]
		decay := 1 - h.LR*h.WeightDecay
		step := h.LR / c1
		value := p.Value[:len(p.Grad)]
		m, v = m[:len(p.Grad)], v[:len(p.Grad)]
		for j, g := range p.Grad {
			mj := b1*m[j] + g1*g
			vj := b2*v[j] + g2*g*g
			m[j], v[j] = mj, vj
			value[j] = value[j]*decay - step*mj/(math.Sqrt(vj)*rc2+a.Eps)
		}
	}
}
