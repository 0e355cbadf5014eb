package models

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// linear is y = x*W + b with W stored in x out (row-major) so a batch needs one GEMM.
type linear struct {
	in, out int
	w, b    *Param
}

// newLinear initialises like torch.nn.Linear: W and b ~ U(-1/sqrt(in), 1/sqrt(in)).
func newLinear(name, group string, in, out int, rng *rand.Rand) *linear {
	l := &linear{in: in, out: out, w: newParam(name+".weight", group, in*out), b: newParam(name+".bias", group, out)}
	bound := 1 / math.Sqrt(float64(in))
	for i := range l.w.Value {
		l.w.Value[i] = (2*rng.Float64() - 1) * bound
	}
	for i := range l.b.Value {
		l.b.Value[i] = (2*rng.Float64() - 1) * bound
	}
	return l
}

func (l *linear) weight() Matrix { return Matrix{l.in, l.out, l.w.Value} }

func (l *linear) forward(x Matrix) Matrix {
	y := NewMatrix(x.Rows, l.out)
	for i := 0; i < y.Rows; i++ {
		copy(y.Row(i), l.b.Value)
	}
	gemm(false, false, 1, x, l.weight(), 1, y)
	return y
}

// backward accumulates dW = x^T dy and db = sum of dy's rows, and returns dx = dy W^T.
func (l *linear) backward(x, dy Matrix) Matrix {
	gemm(true, false, 1, x, dy, 1, Matrix{l.in, l.out, l.w.Grad})
	for i := 0; i < dy.Rows; i++ {
		for j, g := range dy.Row(i) {
			l.b.Grad[j] += g
		}
	}
	dx := NewMatrix(dy.Rows, l.in)
	gemm(false, true, 1, dy, l.weight(), 0, dx)
	return dx
}

// MLP is the authors' "mlpL": Layers blocks of Linear -> Dropout -> activation, then a final
// Linear, optionally with a residual connection around the whole stack.
type MLP struct {
	cfg     MLPConfig
	In, Out int
	layers  []*linear
}

// NewMLP builds an MLP from in to cfg.Width dimensions; its parameters join group.
func NewMLP(name, group string, in int, cfg MLPConfig, rng *rand.Rand) (*MLP, error) {
	if cfg.Residual && in != cfg.Width {
		return nil, fmt.Errorf("residual = true needs width == input dimension (width %d, input %d): set width = %d or residual = false", cfg.Width, in, in)
	}
	if cfg.Activation != "relu" && cfg.Activation != "gelu" {
		return nil, fmt.Errorf("activation %q: want relu or gelu", cfg.Activation)
	}
	m := &MLP{cfg: cfg, In: in, Out: cfg.Width}
	d := in
	for i := 0; i <= cfg.Layers; i++ {
		m.layers = append(m.layers, newLinear(fmt.Sprintf("%s.%d", name, i), group, d, cfg.Width, rng))
		d = cfg.Width
	}
	return m, nil
}

// Params lists the MLP's parameters.
func (m *MLP) Params() []*Param {
	var ps []*Param
	for _, l := range m.layers {
		ps = append(ps, l.w, l.b)
	}
	return ps
}

// Tape keeps what backward needs from one forward call.
type Tape struct {
	inputs []Matrix    // input of each linear layer
	pre    []Matrix    // dropped-out pre-activation of each hidden block
	masks  [][]float64 // dropout multipliers (0 or 1/(1-p)); nil when dropout is off
}

// Forward maps the rows of x. Dropout is applied only when rng is non-nil (training mode).
func (m *MLP) Forward(x Matrix, rng *rand.Rand) (Matrix, *Tape) {
	t := &Tape{}
	h := x
	for i, l := range m.layers {
		t.inputs = append(t.inputs, h)
		z := l.forward(h)
		if i == len(m.layers)-1 {
			h = z
			break
		}
		var mask []float64
		if rng != nil && m.cfg.Dropout > 0 {
			mask = make([]float64, len(z.Data))
			keep := 1 / (1 - m.cfg.Dropout)
			for j := range mask {
				if rng.Float64() >= m.cfg.Dropout {
					mask[j] = keep
				}
			}
			for j := range z.Data {
				z.Data[j] *= mask[j]
			}
		}
		t.pre = append(t.pre, z)
		t.masks = append(t.masks, mask)
		a := NewMatrix(z.Rows, z.Cols)
		for j, v := range z.Data {
			a.Data[j] = activate(m.cfg.Activation, v)
		}
		h = a
	}
	if m.cfg.Residual {
		for j := range h.Data {
			h.Data[j] += x.Data[j]
		}
	}
	return h, t
}

// Backward accumulates parameter gradients for the forward call recorded in t and returns the
// gradient with respect to its input.
func (m *MLP) Backward(t *Tape, dout Matrix) Matrix {
	d := dout
	for i := len(m.layers) - 1; i >= 0; i-- {
		if i < len(m.layers)-1 {
			z, mask := t.pre[i], t.masks[i]
			dz := NewMatrix(d.Rows, d.Cols)
			for j, v := range z.Data {
				g := d.Data[j] * activateGrad(m.cfg.Activation, v)
				if mask != nil {
					g *= mask[j]
				}
				dz.Data[j] = g
			}
			d = dz
		}
		d = m.layers[i].backward(t.inputs[i], d)
	}
	if m.cfg.Residual {
		for j := range d.Data {
			d.Data[j] += dout.Data[j]
		}
	}
	return d
}

func activate(kind string, x float64) float64 {
	if kind == "gelu" {
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	}
	return math.Max(0, x)
}

// activateGrad is the derivative of activate; ReLU takes 0 at 0, as PyTorch does.
func activateGrad(kind string, x float64) float64 {
	if kind == "gelu" {
		cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
		pdf := math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi)
		return cdf + x*pdf
	}
	if x > 0 {
		return 1
	}
	return 0
}
