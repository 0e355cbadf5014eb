package reports

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Summary describes a sample of replicate measurements (one per seed): its size, mean, sample
// standard deviation and a Student-t confidence interval for the mean. Std and the interval are
// NaN when N < 2, because one seed says nothing about the spread.
type Summary struct {
	N     int
	Mean  float64
	Std   float64 // sample standard deviation (divisor N-1)
	Lo    float64 // lower end of the confidence interval for the mean
	Hi    float64 // upper end
	Level float64 // confidence level of [Lo, Hi], e.g. 0.95
	// Clipped is set when [Lo, Hi] was cut to the range the quantity can take (an accuracy's
	// [0, 1]): the t interval's symmetric ends can pass it with few, spread seeds.
	Clipped bool
}

var nan = math.NaN()

// Mean is the arithmetic mean of xs, NaN for an empty sample.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	return stat.Mean(xs, nil)
}

// StdDev is the sample standard deviation of xs (divisor n-1, the unbiased variance), NaN when
// n < 2. We use the sample rather than the population form because seeds are a sample of the
// replicates one could have run.
func StdDev(xs []float64) float64 {
	if len(xs) < 2 {
		return math.NaN()
	}
	return stat.StdDev(xs, nil)
}

// TQuantile is the p-quantile of Student's t distribution with df degrees of freedom.
func TQuantile(p, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
}

// Summarize computes the Summary of xs with a two-sided confidence interval at level
// (0.95 gives the usual 95% interval): mean ± t_{(1+level)/2, n-1} · s/√n.
//
// The t interval assumes the per-seed values are roughly normal; with the 3 to 10 seeds a sweep
// affords, no distribution-free interval (a bootstrap or the median's order statistics, which
// benchstat prefers for benchmark timings) has useful coverage, while accuracies averaged over
// hundreds of test pairs are close to normal. Small n is paid for honestly by the wide t quantile.
func Summarize(xs []float64, level float64) Summary {
	s := Summary{N: len(xs), Mean: Mean(xs), Std: StdDev(xs), Lo: math.NaN(), Hi: math.NaN(), Level: level}
	if s.N >= 2 {
		half := TQuantile((1+level)/2, float64(s.N-1)) * s.Std / math.Sqrt(float64(s.N))
		s.Lo, s.Hi = s.Mean-half, s.Mean+half
	}
	return s
}

// SummarizeAccuracy is Summarize for a fraction in [0, 1]: the t interval is clipped to [0, 1].
//
// Why clipping rather than a Wilson or bootstrap interval: the replicates are per-seed
// accuracies, each already a mean over hundreds of test pairs, so the quantity is a mean of a
// few roughly normal values, not a binomial proportion of n trials (Wilson's setting); and with
// 2 to 10 seeds a bootstrap has no useful coverage. The t interval stays the honest width; only
// its impossible part (above 100% or below 0%, as two spread seeds give: 0.60 and 0.95 give
// [-1.45, 3.00]) is cut off, and Clipped tells the reader it was.
func SummarizeAccuracy(xs []float64, level float64) Summary { return SummarizeIn(xs, level, 0, 1) }

// SummarizeIn is Summarize for a quantity that lies in [lo, hi] (an index that is at most 1, an
// error that is at least 0): the t interval's impossible part is cut off and Clipped is set, as
// for an accuracy.
func SummarizeIn(xs []float64, level, lo, hi float64) Summary {
	s := Summarize(xs, level)
	if s.N >= 2 {
		if s.Lo < lo {
			s.Lo, s.Clipped = lo, true
		}
		if s.Hi > hi {
			s.Hi, s.Clipped = hi, true
		}
	}
	return s
}

// Holm adjusts a family of p-values for multiple comparisons by Holm's step-down method (Holm
// 1979, "A simple sequentially rejective multiple test procedure"): the i-th smallest of m
// p-values is multiplied by m-i+1, the results are made non-decreasing in that order and capped
// at 1. It controls the family-wise error rate under any dependence between the tests. NaN
// p-values (tests that could not be computed) stay NaN and do not count in m.
func Holm(ps []float64) []float64 {
	out := make([]float64, len(ps))
	var idx []int
	for i, p := range ps {
		out[i] = math.NaN()
		if !math.IsNaN(p) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return ps[idx[a]] < ps[idx[b]] })
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		adj := math.Min(1, float64(m-rank)*ps[i])
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}

// PairedTest is the result of a paired t-test of a against b: the per-pair differences a_i - b_i,
// their mean, a confidence interval for it, the t statistic and the two-sided p-value for the
// null hypothesis that the mean difference is zero.
type PairedTest struct {
	Diff Summary // summary of the differences a_i - b_i
	T    float64 // t statistic, NaN when N < 2
	P    float64 // two-sided p-value, NaN when N < 2
}

// PairedTTest compares a and b element by element (a[i] and b[i] come from the same seed, so
// the same data: pairing removes the seed-to-seed variation of the data from the comparison).
// With all differences equal, the spread is zero: T is ±Inf and P is 0 when the difference is
// non-zero, T is 0 and P is 1 when it is zero, the limits of the test as the spread vanishes.
func PairedTTest(a, b []float64, level float64) (PairedTest, error) {
	if len(a) != len(b) {
		return PairedTest{}, fmt.Errorf("paired t-test: %d values against %d: the samples must pair up", len(a), len(b))
	}
	if len(a) == 0 {
		return PairedTest{}, errors.New("paired t-test: no pairs")
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	pt := PairedTest{Diff: Summarize(d, level), T: math.NaN(), P: math.NaN()}
	n := pt.Diff.N
	if n < 2 {
		return pt, nil
	}
	switch se := pt.Diff.Std / math.Sqrt(float64(n)); {
	case se > 0:
		pt.T = pt.Diff.Mean / se
		dist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}
		// Survival rather than 1-CDF keeps precision for small p.
		pt.P = math.Min(1, 2*dist.Survival(math.Abs(pt.T)))
	case pt.Diff.Mean == 0:
		pt.T, pt.P = 0, 1
	default:
		pt.T, pt.P = math.Inf(int(math.Copysign(1, pt.Diff.Mean))), 0
	}
	return pt, nil
}

// boxStats is what a box plot draws of a sample.
type boxStats struct {
	N              int
	Q1, Median, Q3 float64
	Lo, Hi         float64 // whisker ends: the furthest values within 1.5 IQR of the box
}

// boxOf summarises xs for a box plot. Quartiles interpolate linearly between order statistics
// (Hyndman and Fan's definition 7, the default of R and NumPy, so the numbers can be checked
// there); whiskers follow Tukey, reaching the most extreme values within 1.5 interquartile
// ranges of the box. Values beyond them are not marked apart: the strip shows every value.
func boxOf(xs []float64) boxStats {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	b := boxStats{N: len(s), Q1: quantile7(s, 0.25), Median: quantile7(s, 0.5), Q3: quantile7(s, 0.75)}
	if b.N == 0 {
		b.Lo, b.Hi = math.NaN(), math.NaN()
		return b
	}
	reach := 1.5 * (b.Q3 - b.Q1)
	b.Lo, b.Hi = b.Q1, b.Q3
	for _, x := range s {
		if x >= b.Q1-reach {
			b.Lo = math.Min(b.Lo, x)
			break
		}
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] <= b.Q3+reach {
			b.Hi = math.Max(b.Hi, s[i])
			break
		}
	}
	return b
}

// quantile7 is the p-quantile of the sorted sample s by linear interpolation between the order
// statistics at (n-1)·p; NaN for an empty sample.
func quantile7(s []float64, p float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	h := float64(len(s)-1) * p
	i := int(math.Floor(h))
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-float64(i))*(s[i+1]-s[i])
}
