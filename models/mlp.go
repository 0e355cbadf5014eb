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

// forwardInto writes x*W + b into y (x.Rows x out): the bias in every row, then one GEMM that
// adds x*W to it.
func (l *linear) forwardInto(x, y Matrix) {
	for i := 0; i < y.Rows; i++ {
		copy(y.Row(i), l.b.Value)
	}
	gemm(false, false, 1, x, l.weight(), 1, y)
}

// backwardParams accumulates dW = x^T dy and db = sum of dy's rows.
func (l *linear) backwardParams(x, dy Matrix) {
	gemm(true, false, 1, x, dy, 1, Matrix{l.in, l.out, l.w.Grad})
	for i := 0; i < dy.Rows; i++ {
		for j, g := range dy.Row(i) {
			l.b.Grad[j] += g
		}
	}
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

// Tape keeps what backward needs from one forward call, and the buffers of both passes. A
// Tape given to ForwardTape again is reused: its buffers grow to the largest batch seen and
// are then recycled, so the steady state of training allocates nothing. What a pass returns
// is a view into the tape, valid until the tape's next pass.
type Tape struct {
	x      Matrix      // the input of the MLP
	inputs []Matrix    // input of each linear layer
	pre    []Matrix    // dropped-out pre-activation of each hidden block, and the final output
	act    []Matrix    // activation of each hidden block
	masks  [][]float64 // dropout multipliers (0 or 1/(1-p)); nil when dropout is off
	grads  []Matrix    // backward buffers: the input gradient of each layer
	mbuf   [][]float64 // storage behind masks
}

// resize returns buf reshaped to rows x cols, reusing its storage when it is large enough.
// The contents are not cleared.
func resize(buf *Matrix, rows, cols int) Matrix {
	n := rows * cols
	if cap(buf.Data) < n {
		buf.Data = make([]float64, n)
	}
	*buf = Matrix{rows, cols, buf.Data[:n]}
	return *buf
}

func (t *Tape) ensure(layers int) {
	if len(t.inputs) != layers {
		t.inputs = make([]Matrix, layers)
		t.pre = make([]Matrix, layers)
		t.act = make([]Matrix, layers)
		t.masks = make([][]float64, layers)
		t.grads = make([]Matrix, layers)
		t.mbuf = make([][]float64, layers)
	}
}

// Forward maps the rows of x. Dropout is applied only when rng is non-nil (training mode).
// Every call allocates its own tape and output, so concurrent calls are safe.
func (m *MLP) Forward(x Matrix, rng *rand.Rand) (Matrix, *Tape) {
	t := &Tape{}
	return m.ForwardTape(t, x, rng), t
}

// ForwardTape is Forward that records into, and takes its buffers from, t (see Tape). x must
// stay unchanged until the matching backward pass.
func (m *MLP) ForwardTape(t *Tape, x Matrix, rng *rand.Rand) Matrix {
	n := len(m.layers)
	t.ensure(n)
	t.x = x
	h := x
	for i, l := range m.layers {
		t.inputs[i] = h
		z := resize(&t.pre[i], x.Rows, l.out)
		l.forwardInto(h, z)
		if i == n-1 {
			h = z
			break
		}
		t.masks[i] = nil
		if rng != nil && m.cfg.Dropout > 0 {
			if cap(t.mbuf[i]) < len(z.Data) {
				t.mbuf[i] = make([]float64, len(z.Data))
			}
			mask := t.mbuf[i][:len(z.Data)]
			keep := 1 / (1 - m.cfg.Dropout)
			for j := range mask {
				mask[j] = 0
				if rng.Float64() >= m.cfg.Dropout {
					mask[j] = keep
				}
			}
			for j := range z.Data {
				z.Data[j] *= mask[j]
			}
			t.masks[i] = mask
		}
		a := resize(&t.act[i], z.Rows, z.Cols)
		if m.cfg.Activation == "relu" {
			for j, v := range z.Data {
				a.Data[j] = max(0, v)
			}
		} else {
			for j, v := range z.Data {
				a.Data[j] = activate(m.cfg.Activation, v)
			}
		}
		h = a
	}
	if m.cfg.Residual {
		for j := range h.Data {
			h.Data[j] += x.Data[j]
		}
	}
	return h
}

// Backward accumulates parameter gradients for the forward call recorded in t and returns the
// gradient with respect to its input.
func (m *MLP) Backward(t *Tape, dout Matrix) Matrix { return m.BackwardRows(t, dout, dout.Rows) }

// BackwardRows is Backward that computes the input gradient only for the last rows rows of
// the input (0: none, when the input is data, not a parameter), skipping that part of the
// first layer's matrix product. Each row of an input gradient depends only on the same row of
// the output gradient, so the rows computed are bit for bit those Backward gives. The result
// is a view into t (valid until t's next pass).
func (m *MLP) BackwardRows(t *Tape, dout Matrix, rows int) Matrix {
	d := dout
	for i := len(m.layers) - 1; i >= 0; i-- {
		if i < len(m.layers)-1 {
			// d is the input gradient of layer i+1, a buffer of t: scale it in place.
			z, mask := t.pre[i], t.masks[i]
			switch {
			case m.cfg.Activation == "relu" && mask == nil:
				for j, v := range z.Data {
					if !(v > 0) {
						d.Data[j] *= 0 // as d*activateGrad: keeps the sign of zero and NaN
					}
				}
			default:
				for j, v := range z.Data {
					g := d.Data[j] * activateGrad(m.cfg.Activation, v)
					if mask != nil {
						g *= mask[j]
					}
					d.Data[j] = g
				}
			}
		}
		l := m.layers[i]
		l.backwardParams(t.inputs[i], d)
		if i == 0 && rows < d.Rows {
			if rows == 0 {
				return Matrix{}
			}
			if sameGemmPath(d.Rows, rows, l.in, l.out) {
				d = Matrix{rows, d.Cols, d.Data[(d.Rows-rows)*d.Cols:]}
			} else { // the full product, so the bits stay those of Backward
				dx := resize(&t.grads[i], d.Rows, l.in)
				gemm(false, true, 1, d, l.weight(), 0, dx)
				d = Matrix{rows, dx.Cols, dx.Data[(dx.Rows-rows)*dx.Cols:]}
				break
			}
		}
		dx := resize(&t.grads[i], d.Rows, l.in)
		gemm(false, true, 1, d, l.weight(), 0, dx)
		d = dx
	}
	if m.cfg.Residual {
		off := (dout.Rows - rows) * dout.Cols
		for j := range d.Data {
			d.Data[j] += dout.Data[off+j]
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
