package datasets

import (
	"math"
	"math/rand/v2"
)

// logGamma draws the logarithm of a Gamma(shape, 1) variate by Marsaglia and Tsang's method
// ("A simple method for generating gamma variables", ACM TOMS 26(3), 2000). For shape < 1 it
// uses their boost Gamma(a) = Gamma(a+1) * U^(1/a), kept in log space: for a small shape
// U^(1/a) underflows to 0 in float64 (with a = 0.01, any U below 6e-4 does), and Dirichlet
// weights built from zeros would be 0/0. shape must be > 0 and finite.
func logGamma(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		u := 1 - r.Float64() // in (0, 1]: log is finite
		return logGamma(r, shape+1) + math.Log(u)/shape
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		// The squeeze accepts about 98% of draws without a logarithm.
		if u < 1-0.0331*x*x*x*x {
			return math.Log(d * v)
		}
		if u > 0 && math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return math.Log(d * v)
		}
	}
}

// dirichlet fills w with a draw from the symmetric Dirichlet(alpha) distribution: independent
// Gamma(alpha) variates normalised to sum to one. The normalisation is a softmax of the
// log-Gamma draws so that tiny alphas, whose Gamma draws underflow, still give a point on the
// simplex (nearly one-hot, as they should).
func dirichlet(r *rand.Rand, alpha float64, w []float64) {
	maxLog := math.Inf(-1)
	for k := range w {
		w[k] = logGamma(r, alpha)
		maxLog = math.Max(maxLog, w[k])
	}
	var sum float64
	for k := range w {
		w[k] = math.Exp(w[k] - maxLog)
		sum += w[k]
	}
	for k := range w {
		w[k] /= sum
	}
}

// sigmoid is the logistic function, written so that neither branch overflows.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
