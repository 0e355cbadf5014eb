package datasets

import (
	"math"
	"testing"

	"github.com/pal-harness/pal/internal/seeds"
)

// TestGammaMoments checks the Marsaglia-Tsang sampler, including the shape < 1 boost, against
// the Gamma(a, 1) mean a and variance a. With n draws the standard error of the mean is
// sqrt(a/n) and that of the variance about sqrt((2a^2 + 6a)/n); allow 5 of each.
func TestGammaMoments(t *testing.T) {
	const n = 40000
	for _, a := range []float64{0.1, 0.5, 1, 2.5, 10} {
		r := seeds.Stream(99, "gamma-test", uint64(a*1000))
		var s, ss float64
		for range n {
			x := math.Exp(logGamma(r, a))
			if !(x >= 0) || math.IsInf(x, 0) {
				t.Fatalf("shape %g: draw %v", a, x)
			}
			s += x
			ss += x * x
		}
		mean := s / n
		variance := ss/n - mean*mean
		if tol := 5 * math.Sqrt(a/n); math.Abs(mean-a) > tol {
			t.Errorf("shape %g: mean %v, want %v ± %v", a, mean, a, tol)
		}
		if tol := 5 * math.Sqrt((2*a*a+6*a)/n); math.Abs(variance-a) > tol {
			t.Errorf("shape %g: variance %v, want %v ± %v", a, variance, a, tol)
		}
	}
}

func TestDirichlet(t *testing.T) {
	const n, k = 20000, 3
	for _, alpha := range []float64{0.001, 0.5, 2} {
		r := seeds.Stream(1, "dirichlet-test", 0)
		mean := make([]float64, k)
		w := make([]float64, k)
		for range n {
			dirichlet(r, alpha, w)
			var sum float64
			for j, v := range w {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("alpha %g: weight %v", alpha, v)
				}
				sum += v
				mean[j] += v / n
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Fatalf("alpha %g: weights sum to %v", alpha, sum)
			}
		}
		// Symmetric Dirichlet: every weight has mean 1/k; variance (k-1)/(k^2 (k alpha + 1)).
		sd := math.Sqrt(float64(k-1) / float64(k*k) / (float64(k)*alpha + 1) / n)
		for j, m := range mean {
			if math.Abs(m-1.0/k) > 5*sd {
				t.Errorf("alpha %g: weight %d mean %v, want %v ± %v", alpha, j, m, 1.0/k, 5*sd)
			}
		}
	}
}

func TestSigmoidExtremes(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{{0, 0.5}, {800, 1}, {-800, 0}, {math.Inf(1), 1}, {math.Inf(-1), 0}} {
		if got := sigmoid(c.x); got != c.want {
			t.Errorf("sigmoid(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}
