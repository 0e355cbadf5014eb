package models

import (
	"math"

	"github.com/pal-harness/pal/datasets"
)

// MemoryEstimator is implemented by model kinds that can tell, from the shape of a data set and
// the training settings, about how many bytes a fit takes at its peak. Preflight adds it to the
// data's estimate and refuses a run that would not fit in the machine's memory, before
// anything is allocated.
type MemoryEstimator interface {
	EstimateBytes(s datasets.Shape, tc *TrainConfig) int64
}

// evalChunk is the most pairs EvalLoss pushes through a model at once.
const evalChunk = 2048

// mlpParams counts an MLP's weights and biases: a Linear(in -> W), then L-1 more Linear(W -> W)
// blocks and the final Linear(W -> W) when L > 0.
func mlpParams(in int, c MLPConfig) int64 {
	W := int64(c.Width)
	if c.Layers == 0 {
		return int64(in)*W + W
	}
	return int64(in)*W + W + int64(c.Layers)*(W*W+W)
}

// mlpRowBytes is what one row through an MLP keeps for its backward pass: the input and each
// layer's pre-activation and output, at the MLP's precision, doubled for the gradients.
func mlpRowBytes(in int, c MLPConfig) int64 {
	bytes := int64(8)
	if c.Precision != Float64 {
		bytes = 4
	}
	return 2 * bytes * (int64(in) + 2*int64(c.Layers+1)*int64(c.Width))
}

// paramBytes is what n trained parameters cost: value, gradient, Adam's two moments and the
// early-stopping snapshot, in float64.
func paramBytes(n int64) int64 { return 5 * 8 * n }

// cacheBytes is the evaluation cache of f over the items (float32 for a float32 MLP): every
// item's row, or a lazy cache's worth where those would take more than EvalCacheBytes (plus its
// index, 4 bytes an item).
func cacheBytes(items int, c MLPConfig) int64 {
	row := int64(4)
	if c.Precision == Float64 {
		row = 8
	}
	row *= int64(c.Width)
	if whole := int64(items) * row; whole <= EvalCacheBytes {
		return whole
	}
	return min(int64(lazyRows(row)), int64(items))*row + 4*int64(items)
}

// EstimateBytes implements MemoryEstimator: f, P and the user weights; a batch of 3 rows a
// pair through f (left, right, ideal point) for the largest of a training batch and an
// evaluation chunk; f of every item and every user's ideal point for evaluation.
func (c *PALAConfig) EstimateBytes(s datasets.Shape, tc *TrainConfig) int64 {
	params := mlpParams(s.Dim, c.MLPConfig) + int64(c.K)*int64(s.Dim) + int64(s.Users)*int64(c.K)
	rows := 3 * int64(max(tc.BatchSize, evalChunk))
	return paramBytes(params) + rows*mlpRowBytes(s.Dim, c.MLPConfig) +
		cacheBytes(s.Items, c.MLPConfig) + 8*int64(s.Users)*int64(c.Width)
}

// EstimateBytes implements MemoryEstimator: f, the K maps g_k and the user weights; a batch of
// 2 rows a pair through f and one through each g_k; f of every item and g_k of every prompt.
func (c *PALBConfig) EstimateBytes(s datasets.Shape, tc *TrainConfig) int64 {
	params := mlpParams(s.Dim, c.MLPConfig) + int64(c.K)*mlpParams(s.PromptDim, c.MLPConfig) + int64(s.Users)*int64(c.K)
	b := int64(max(tc.BatchSize, evalChunk))
	return paramBytes(params) + 2*b*mlpRowBytes(s.Dim, c.MLPConfig) + int64(c.K)*b*mlpRowBytes(s.PromptDim, c.MLPConfig) +
		cacheBytes(s.Items, c.MLPConfig) + 8*int64(s.Prompts)*int64(c.K)*int64(c.Width)
}

// EstimateMLP is the bytes an MLP from in dimensions takes in a fit with rows rows a batch: its
// trained parameters and what the rows keep for the backward pass. Baselines built from MLPs
// add their parts with it.
func EstimateMLP(in int, c MLPConfig, rows int) int64 {
	return paramBytes(mlpParams(in, c)) + int64(rows)*mlpRowBytes(in, c)
}

// mlpRowFlops is the multiply-add flops of one row through an MLP from in dimensions.
func mlpRowFlops(in int, c MLPConfig) float64 {
	W := float64(c.Width)
	return 2 * (float64(in)*W + float64(c.Layers)*W*W)
}

// ForwardFlopsPerPair implements FlopCounter: three rows through f (left item, right item,
// mixed prototype w^T P) after the 1 x K by K x D product w^T P.
func (c *PALAConfig) ForwardFlopsPerPair(s datasets.Shape) float64 {
	return 3*mlpRowFlops(s.Dim, c.MLPConfig) + 2*float64(c.K*s.Dim)
}

// ForwardFlopsPerPair implements FlopCounter: two rows through f and one prompt row through
// each of the K maps g_k.
func (c *PALBConfig) ForwardFlopsPerPair(s datasets.Shape) float64 {
	return 2*mlpRowFlops(s.Dim, c.MLPConfig) + float64(c.K)*mlpRowFlops(s.PromptDim, c.MLPConfig)
}

// MLPRowFlops is the forward flops of one row through an MLP (for baselines' FlopCounter).
func MLPRowFlops(in int, c MLPConfig) float64 { return mlpRowFlops(in, c) }

// MLPParamCount is the weights and biases of an MLP from in dimensions (mlpParams), saturating
// at math.MaxInt64 for the sizes a damaged model file may claim.
func MLPParamCount(in int, c MLPConfig) int64 {
	W := int64(c.Width)
	n := satAdd(satMul(int64(in), W), W)
	for range c.Layers {
		n = satAdd(n, satMul(W, W), W)
	}
	return n
}

// satAdd adds non-negative counts, saturating at math.MaxInt64.
func satAdd(xs ...int64) int64 {
	var s int64
	for _, x := range xs {
		if x < 0 || s > math.MaxInt64-x {
			return math.MaxInt64
		}
		s += x
	}
	return s
}

// satMul multiplies non-negative counts, saturating at math.MaxInt64.
func satMul(a, b int64) int64 {
	if a < 0 || b < 0 || (a != 0 && b > math.MaxInt64/a) {
		return math.MaxInt64
	}
	return a * b
}
