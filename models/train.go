package models

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
)

// Objective is what the training loop needs from a model: its parameters and a mean pair loss
// over a batch, with gradients accumulated when backward is set and dropout on when rng is
// non-nil. PAL-A, PAL-B and the BTL baseline implement it, so they train by the same loop.
type Objective interface {
	Params() []*Param
	BatchLoss(pairs []datasets.Pair, rng *rand.Rand, backward bool) float64
}

// BatchLoss implements Objective. With backward it is the training objective; without, the
// evaluation loss the loop measures on val (partition weights, no prototype-norm bound: the
// authors' validation_step logs the loss without the bound).
func (m *PALA) BatchLoss(pairs []datasets.Pair, rng *rand.Rand, backward bool) float64 {
	return m.batch(pairs, rng, backward, !backward)
}

// TrainResult summarises one call of Train.
type TrainResult struct {
	Epochs    int     // epochs run
	BestEpoch int     // epoch whose parameters were kept (1-based; the last one without val data)
	TrainLoss float64 // mean training loss of the kept epoch (averaged over its mini-batches)
	ValLoss   float64 // val loss of the kept parameters (NaN without val data)
	// History is the training (and val) loss of every epoch run: the training curve.
	History []metrics.EpochLoss
}

// ErrDiverged is wrapped by Train's error when a loss or parameter becomes NaN or infinite.
var ErrDiverged = fmt.Errorf("training diverged")

// Train runs mini-batch Adam over trainPairs: each epoch shuffles the pairs with rng, steps once
// per batch, then measures the loss on valPairs in evaluation mode. With Patience > 0 it stops
// after Patience epochs without an improvement of MinDelta and restores the best epoch's
// parameters (early stopping on val loss). It checks ctx between batches.
func Train(ctx context.Context, obj Objective, opt *Adam, trainPairs, valPairs []datasets.Pair, cfg TrainConfig, rng *rand.Rand) (TrainResult, error) {
	res := TrainResult{ValLoss: math.NaN()}
	if len(trainPairs) == 0 {
		return res, fmt.Errorf("no training pairs")
	}
	ps := obj.Params()
	order := make([]datasets.Pair, len(trainPairs))
	copy(order, trainPairs)
	best := math.Inf(1)
	var bestSnap [][]float64
	stale := 0
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var sum float64
		for s := 0; s < len(order); s += cfg.BatchSize {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			b := order[s:min(s+cfg.BatchSize, len(order))]
			zeroGrads(ps)
			loss := obj.BatchLoss(b, rng, true)
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return res, fmt.Errorf("%w: epoch %d, batch %d: loss %v (try a smaller learning rate)", ErrDiverged, epoch, s/cfg.BatchSize+1, loss)
			}
			sum += loss * float64(len(b))
			opt.Step()
		}
		res.Epochs = epoch
		trainLoss := sum / float64(len(order))
		res.History = append(res.History, metrics.EpochLoss{Epoch: epoch, Train: trainLoss})
		if len(valPairs) == 0 {
			res.BestEpoch, res.TrainLoss = epoch, trainLoss
			continue
		}
		val := EvalLoss(obj, valPairs)
		if math.IsNaN(val) || math.IsInf(val, 0) {
			return res, fmt.Errorf("%w: epoch %d: val loss %v (try a smaller learning rate)", ErrDiverged, epoch, val)
		}
		res.History[len(res.History)-1].Val = &val
		if val < best-cfg.MinDelta || bestSnap == nil {
			best, stale = val, 0
			res.BestEpoch, res.TrainLoss, res.ValLoss = epoch, trainLoss, val
			bestSnap = snapshot(ps)
		} else {
			stale++
		}
		if cfg.Patience > 0 && stale >= cfg.Patience {
			break
		}
	}
	if bestSnap != nil {
		restore(ps, bestSnap)
	}
	return res, nil
}

// EvalLoss is the mean loss over pairs in evaluation mode (no dropout, no gradients), computed
// in chunks so large splits need bounded memory.
func EvalLoss(obj Objective, pairs []datasets.Pair) float64 {
	const chunk = 2048
	var sum float64
	for s := 0; s < len(pairs); s += chunk {
		b := pairs[s:min(s+chunk, len(pairs))]
		sum += obj.BatchLoss(b, nil, false) * float64(len(b))
	}
	return sum / float64(len(pairs))
}
