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

// Step applies one update from the current gradients.
func (a *Adam) Step() {
	a.t++
	c1 := 1 - math.Pow(a.Beta1, float64(a.t))
	c2 := 1 - math.Pow(a.Beta2, float64(a.t))
	for i, p := range a.params {
		h := a.groups[p.Group]
		m, v := a.m[i], a.v[i]
		decay := 1 - h.LR*h.WeightDecay
		for j, g := range p.Grad {
			m[j] = a.Beta1*m[j] + (1-a.Beta1)*g
			v[j] = a.Beta2*v[j] + (1-a.Beta2)*g*g
			mh := m[j] / c1
			vh := v[j] / c2
			p.Value[j] = p.Value[j]*decay - h.LR*mh/(math.Sqrt(vh)+a.Eps)
		}
	}
}
