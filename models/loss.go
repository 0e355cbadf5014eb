package models

import "math"

// Pair losses are written on the margin m, which is positive when the model prefers the left
// item, and the target t = +1 (left preferred) or -1 (right preferred). The authors' code uses
// y = -t and the score s = -m, so max(0, 1 - y*s) is the same hinge.

// smoothHingeGamma is the gamma of the authors' quadratically smoothed hinge
// (src/loss_function.py, hinge_loss_smooth: gamma = 5, margin 1).
const smoothHingeGamma = 5.0

// pairLoss returns the loss and its derivative with respect to m. The kinds follow the
// authors' src/loss_function.py:
//   - hinge: max(0, 1 - z) with z = t*m (hinge_loss);
//   - smooth_hinge: (1/(2 gamma)) max(0, 1 - z)^2 for z >= 1 - gamma, else 1 - gamma/2 - z
//     (hinge_loss_smooth, gamma = 5): the hinge with its corner rounded off;
//   - logistic: log(1 + exp(-z)) (nll_logistic_loss);
//   - cross_entropy: the 2-way cross-entropy over the logits (a_left, a_right) of the
//     preferred item, which equals log(1 + exp(-z)) with m = a_left - a_right; it is a separate
//     kind because it belongs to the two-logit scores (see HeadConfig.Validate).
func pairLoss(kind string, m, t float64) (loss, dm float64) {
	z := t * m
	switch kind {
	case "logistic", "cross_entropy":
		// softplus(-z) = log(1 + exp(-z)), written to avoid overflow for large |z|.
		if z > 0 {
			loss = math.Log1p(math.Exp(-z))
		} else {
			loss = -z + math.Log1p(math.Exp(z))
		}
		return loss, -t * sigmoid(-z)
	case "smooth_hinge":
		const g = smoothHingeGamma
		if z >= 1-g {
			h := math.Max(0, 1-z)
			return 0.5 / g * h * h, -t * h / g
		}
		return 1 - 0.5*g - z, -t
	default: // hinge
		if z >= 1 {
			return 0, 0
		}
		// z < 1, or z is NaN: a NaN margin must give a NaN loss (which stops training as
		// diverged), never the zero loss and gradient of a satisfied margin.
		return 1 - z, -t
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

// PairLoss is the loss of kind ("hinge", "smooth_hinge", "logistic" or "cross_entropy") at margin m for a pair whose left item
// is preferred when leftPreferred, with its derivative with respect to m.
func PairLoss(kind string, m float64, leftPreferred bool) (loss, dm float64) {
	return pairLoss(kind, m, target(leftPreferred))
}
