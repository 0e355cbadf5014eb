package models

// Param is one trainable tensor, stored flat, with its gradient buffer and the optimiser group
// whose learning rate and weight decay apply to it.
type Param struct {
	Name  string
	Group string
	Value []float64
	Grad  []float64
}

// NewParam makes a parameter of n zeros in group (GroupMLP, GroupUser, ...).
func NewParam(name, group string, n int) *Param {
	return &Param{Name: name, Group: group, Value: make([]float64, n), Grad: make([]float64, n)}
}

// CountParams is the number of scalars in ps.
func CountParams(ps []*Param) int {
	n := 0
	for _, p := range ps {
		n += len(p.Value)
	}
	return n
}

// FiniteDifference is the central difference (loss(v+h) - loss(v-h)) / 2h of loss in
// p.Value[i] about its value v, which it restores: what a gradient check compares the analytic
// p.Grad[i] with, here and in a model kind written elsewhere (docs/extending.md).
func FiniteDifference(p *Param, i int, h float64, loss func() float64) float64 {
	v := p.Value[i]
	p.Value[i] = v + h
	up := loss()
	p.Value[i] = v - h
	down := loss()
	p.Value[i] = v
	return (up - down) / (2 * h)
}

func zeroGrads(ps []*Param) {
	for _, p := range ps {
		clearSplit(p.Grad)
	}
}

// snapshot copies parameter values, so early stopping can restore the best epoch.
func snapshot(ps []*Param) [][]float64 {
	out := make([][]float64, len(ps))
	for i, p := range ps {
		out[i] = append([]float64(nil), p.Value...)
	}
	return out
}

func restore(ps []*Param, snap [][]float64) {
	for i, p := range ps {
		copy(p.Value, snap[i])
	}
}
