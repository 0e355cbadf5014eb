package reports

import (
	"fmt"
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(want) {
		if !math.IsNaN(got) {
			t.Errorf("%s = %v, want NaN", what, got)
		}
		return
	}
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.9g, want %.9g (±%g)", what, got, want, tol)
	}
}

// Values from a printed t table (two-sided 95%: the 0.975 quantile).
func TestTQuantileMatchesTable(t *testing.T) {
	for _, c := range []struct{ p, df, want float64 }{
		{0.975, 1, 12.706},
		{0.975, 2, 4.303},
		{0.975, 4, 2.776},
		{0.975, 9, 2.262},
		{0.975, 30, 2.042},
		{0.95, 10, 1.812},
		{0.995, 5, 4.032},
	} {
		near(t, fmt.Sprintf("t(%g, df=%g)", c.p, c.df), TQuantile(c.p, c.df), c.want, 0.0006)
	}
}

func TestSummarize(t *testing.T) {
	// 1..5: mean 3, s² = (4+1+0+1+4)/4 = 2.5, s = 1.5811388; half width t(0.975,4)·s/√5 =
	// 2.7764451·0.7071068 = 1.9632432.
	s := Summarize([]float64{1, 2, 3, 4, 5}, 0.95)
	near(t, "mean", s.Mean, 3, 1e-12)
	near(t, "std", s.Std, 1.5811388, 1e-7)
	near(t, "lo", s.Lo, 3-1.9632432, 1e-6)
	near(t, "hi", s.Hi, 3+1.9632432, 1e-6)
	if s.N != 5 || s.Level != 0.95 {
		t.Errorf("N, Level = %d, %g", s.N, s.Level)
	}

	one := Summarize([]float64{0.7}, 0.95)
	near(t, "mean of one", one.Mean, 0.7, 0)
	near(t, "std of one", one.Std, math.NaN(), 0)
	near(t, "lo of one", one.Lo, math.NaN(), 0)

	none := Summarize(nil, 0.95)
	near(t, "mean of none", none.Mean, math.NaN(), 0)
	if none.N != 0 {
		t.Errorf("N of none = %d", none.N)
	}
}

func TestPairedTTest(t *testing.T) {
	// Differences 1, 2, 3: mean 2, s = 1, se = 1/√3, t = 2√3 = 3.4641016 with 2 df. For 2 df the
	// t CDF has a closed form, F(t) = 1/2 + t/(2√(2+t²)), so p = 1 - t/√(2+t²) = 1 - √12/√14.
	pt, err := PairedTTest([]float64{11, 12, 13}, []float64{10, 10, 10}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "mean diff", pt.Diff.Mean, 2, 1e-12)
	near(t, "std diff", pt.Diff.Std, 1, 1e-12)
	near(t, "t", pt.T, 2*math.Sqrt(3), 1e-9)
	near(t, "p", pt.P, 1-math.Sqrt(12.0/14.0), 1e-9)
	// Interval: 2 ± t(0.975, 2)/√3 = 2 ± 4.3026527/1.7320508 = 2 ± 2.4841377.
	near(t, "lo", pt.Diff.Lo, 2-2.4841377, 1e-6)
	near(t, "hi", pt.Diff.Hi, 2+2.4841377, 1e-6)

	// The sign of the difference follows the argument order.
	rev, _ := PairedTTest([]float64{10, 10, 10}, []float64{11, 12, 13}, 0.95)
	near(t, "reversed t", rev.T, -2*math.Sqrt(3), 1e-9)
	near(t, "reversed p", rev.P, pt.P, 1e-12)
}

func TestPairedTTestEdgeCases(t *testing.T) {
	if _, err := PairedTTest([]float64{1, 2}, []float64{1}, 0.95); err == nil {
		t.Error("unequal lengths: no error")
	}
	if _, err := PairedTTest(nil, nil, 0.95); err == nil {
		t.Error("no pairs: no error")
	}
	one, err := PairedTTest([]float64{2}, []float64{1}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "one pair: mean", one.Diff.Mean, 1, 0)
	near(t, "one pair: p", one.P, math.NaN(), 0)

	same, _ := PairedTTest([]float64{1, 2, 3}, []float64{1, 2, 3}, 0.95)
	near(t, "no difference: t", same.T, 0, 0)
	near(t, "no difference: p", same.P, 1, 0)

	shift, _ := PairedTTest([]float64{2, 3, 4}, []float64{1, 2, 3}, 0.95)
	if !math.IsInf(shift.T, 1) || shift.P != 0 {
		t.Errorf("constant shift: t, p = %v, %v; want +Inf, 0", shift.T, shift.P)
	}
}

func ExamplePairedTTest() {
	// Seen-user test accuracy of two models on the same three seeds.
	palA := []float64{0.80, 0.82, 0.81}
	btl := []float64{0.70, 0.72, 0.74}
	pt, _ := PairedTTest(palA, btl, 0.95)
	fmt.Printf("difference %.2f pp, 95%% CI [%.2f, %.2f], p = %.3f\n",
		100*pt.Diff.Mean, 100*pt.Diff.Lo, 100*pt.Diff.Hi, pt.P)
	// Output: difference 9.00 pp, 95% CI [4.70, 13.30], p = 0.012
}

// Quartiles as R's quantile(type = 7) and NumPy's percentile give them, worked out by hand:
// for 1..4 the 25% point sits at position 0.75 between 1 and 2, and so on.
func TestBoxOf(t *testing.T) {
	b := boxOf([]float64{4, 1, 3, 2})
	if b.N != 4 || b.Q1 != 1.75 || b.Median != 2.5 || b.Q3 != 3.25 || b.Lo != 1 || b.Hi != 4 {
		t.Errorf("boxOf(1..4) = %+v, want quartiles 1.75, 2.5, 3.25 and whiskers 1 to 4", b)
	}
	// IQR = 70 - 66 = 4, so the whiskers reach values within [60, 76]: 40 is beyond them.
	b = boxOf([]float64{72, 40, 67, 66, 70})
	if b.Q1 != 66 || b.Median != 67 || b.Q3 != 70 || b.Lo != 66 || b.Hi != 72 {
		t.Errorf("boxOf with an outlier = %+v, want quartiles 66, 67, 70 and whiskers 66 to 72", b)
	}
	b = boxOf([]float64{5})
	if b.Q1 != 5 || b.Median != 5 || b.Q3 != 5 || b.Lo != 5 || b.Hi != 5 {
		t.Errorf("boxOf(5) = %+v, want everything at 5", b)
	}
	if b := boxOf(nil); b.N != 0 || !math.IsNaN(b.Median) || !math.IsNaN(b.Lo) {
		t.Errorf("boxOf(nil) = %+v, want NaN", b)
	}
}
