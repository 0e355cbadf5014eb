package models

import "math"

// Pair losses are written on the margin m, which is positive when the model prefers the left
// item, and the target t = +1 (left preferred) or -1 (right preferred). The authors' code uses
// y = -t and the score s = -m, so max(0, 1 - y*s) is the same hinge.

// pairLoss returns the loss and its derivative with respect to m.
func pairLoss(kind string, m, t float64) (loss, dm float64) {
	z := t * m
	switch kind {
	case "logistic":
		// softplus(-z) = log(1 + exp(-z)), written to avoid overflow for large |z|.
		if z > 0 {
			loss = math.Log1p(math.Exp(-z))
		} else {
			loss = -z + math.Log1p(math.Exp(z))
		}
		return loss, -t * sigmoid(-z)
	default: // hinge
		if z < 1 {
			return 1 - z, -t
		}
		return 0, 0
	}
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func target(leftPreferred bool) float64 {
	if leftPreferred {
		return 1
	}
	return -1
}

// PairLoss is the loss of kind ("hinge" or "logistic") at margin m for a pair whose left item
// is preferred when leftPreferred, with its derivative with respect to m.
func PairLoss(kind string, m float64, leftPreferred bool) (loss, dm float64) {
	return pairLoss(kind, m, target(leftPreferred))
}
