package hetero

import (
	"math"
	"slices"
	"testing"
)

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

// The expected values are worked out by hand in the comments.
func TestARI(t *testing.T) {
	// Table (0,0):2 (1,1):1 (1,2):1: sum C(n_ij,2) = 1; rows 2,2: 2; columns 2,1,1: 1;
	// expected 2*1/C(4,2) = 1/3; max (2+1)/2 = 3/2; ARI = (1-1/3)/(3/2-1/3) = 4/7.
	near(t, "ARI(split one group)", ARI([]int{0, 0, 1, 1}, []int{0, 0, 1, 2}), 4.0/7)
	near(t, "ARI(renamed)", ARI([]int{0, 0, 1, 1}, []int{1, 1, 0, 0}), 1)
	// Every cell 1: index 0; rows and columns 2 each: expected 4/6; max 2: (0-2/3)/(4/3) = -1/2.
	near(t, "ARI(crossed)", ARI([]int{0, 0, 1, 1}, []int{0, 1, 0, 1}), -0.5)
	near(t, "ARI(one cluster each)", ARI([]int{0, 0, 0}, []int{2, 2, 2}), 1)
	// Unknown labels (-1) leave the element out: this is the renamed case again.
	near(t, "ARI(unknown left out)", ARI([]int{0, 0, 1, 1, -1}, []int{1, 1, 0, 0, 0}), 1)
	if !math.IsNaN(ARI([]int{0}, []int{0})) {
		t.Error("ARI of one element is not NaN")
	}
}

func TestNMI(t *testing.T) {
	// H(A) = ln 2, H(B) = 1.5 ln 2, I = 0.5 ln 2 + 0.25 ln 2 + 0.25 ln 2 = ln 2:
	// NMI = ln 2 / (1.25 ln 2) = 0.8.
	near(t, "NMI(split one group)", NMI([]int{0, 0, 1, 1}, []int{0, 0, 1, 2}), 0.8)
	near(t, "NMI(renamed)", NMI([]int{0, 0, 1, 1}, []int{1, 1, 0, 0}), 1)
	near(t, "NMI(independent)", NMI([]int{0, 0, 1, 1}, []int{0, 1, 0, 1}), 0)
	near(t, "NMI(both one cluster)", NMI([]int{0, 0}, []int{3, 3}), 1)
	near(t, "NMI(one side one cluster)", NMI([]int{0, 0, 1, 1}, []int{3, 3, 3, 3}), 0)
}

func TestHungarian(t *testing.T) {
	// Rows 0,1,2 to columns 1,0,2: 1 + 2 + 2 = 5; every other assignment costs more
	// (e.g. 4+0+2 = 6, 1+5+3 = 9, 3+0+3... = 6).
	got := Hungarian([][]float64{{4, 1, 3}, {2, 0, 5}, {3, 2, 2}})
	if !slices.Equal(got, []int{1, 0, 2}) {
		t.Errorf("Hungarian = %v, want [1 0 2]", got)
	}
	// Fewer rows than columns: row 0 takes column 2 (cost 0), row 1 column 0 (1).
	got = Hungarian([][]float64{{5, 5, 0}, {1, 9, 0.5}})
	if !slices.Equal(got, []int{2, 0}) {
		t.Errorf("Hungarian(2x3) = %v, want [2 0]", got)
	}
}

func TestEntropyAndEffectiveNumber(t *testing.T) {
	near(t, "Entropy(1/2,1/2)", Entropy([]float64{0.5, 0.5}), math.Ln2)
	near(t, "EffectiveNumber(1/2,1/2)", EffectiveNumber([]float64{0.5, 0.5}), 2)
	near(t, "EffectiveNumber(one-hot)", EffectiveNumber([]float64{1, 0, 0}), 1)
	// H = 2 (1/4 ln 4) + 1/2 ln 2 = 1.5 ln 2, so exp(H) = 2^1.5.
	near(t, "EffectiveNumber(1/4,1/4,1/2)", EffectiveNumber([]float64{0.25, 0.25, 0.5}), math.Pow(2, 1.5))
	m := MeanVector([][]float64{{1, 0}, {0, 1}, {1, 0}, {0, 1}})
	near(t, "MeanVector[0]", m[0], 0.5)
}

func TestMatchedTV(t *testing.T) {
	learned := [][]float64{{0.1, 0.8, 0.1}, {0.7, 0.2, 0.1}}
	truth := [][]float64{{1, 0}, {0, 1}}
	match := MatchPrototypes(learned, truth)
	if !slices.Equal(match, []int{1, 0}) {
		t.Fatalf("MatchPrototypes = %v, want [1 0]", match)
	}
	// User 0: truth on prototype 1 = (0,1,0) against (0.1,0.8,0.1): (0.1+0.2+0.1)/2 = 0.2;
	// user 1: (1,0,0) against (0.7,0.2,0.1): (0.3+0.2+0.1)/2 = 0.3; mean 0.25.
	near(t, "MatchedTV", MatchedTV(learned, truth, match), 0.25)
	near(t, "TV", TV([]float64{0.5, 0.5, 0}, []float64{0, 0.5, 0.5}), 0.5)
}

func TestTernary(t *testing.T) {
	x, y := Ternary([]float64{1, 0, 0})
	near(t, "x(corner 1)", x, 0)
	near(t, "y(corner 1)", y, 0)
	x, y = Ternary([]float64{0, 0, 2}) // normalised to (0,0,1)
	near(t, "x(corner 3)", x, 0.5)
	near(t, "y(corner 3)", y, math.Sqrt(3)/2)
	x, y = Ternary([]float64{1.0 / 3, 1.0 / 3, 1.0 / 3})
	near(t, "x(centre)", x, 0.5)
	near(t, "y(centre)", y, math.Sqrt(3)/6)
}

func TestPCA2(t *testing.T) {
	// Points on the diagonal: centred (-1,-1), (0,0), (1,1); the first component is
	// (1,1)/sqrt 2 (sign: its largest loading positive), so the coordinates are -sqrt 2, 0,
	// sqrt 2 and it explains all of the variance.
	pts, ex := PCA2([][]float64{{0, 0}, {1, 1}, {2, 2}})
	near(t, "pc1[0]", pts[0][0], -math.Sqrt2)
	near(t, "pc1[1]", pts[1][0], 0)
	near(t, "pc1[2]", pts[2][0], math.Sqrt2)
	near(t, "pc2[2]", pts[2][1], 0)
	near(t, "explained[0]", ex[0], 1)
	// Variance 4 along x ((±2)), 1 along y ((±1)) for four points: shares 0.8 and 0.2.
	_, ex = PCA2([][]float64{{2, 0}, {-2, 0}, {0, 1}, {0, -1}})
	near(t, "explained[0] (4:1)", ex[0], 0.8)
	near(t, "explained[1] (4:1)", ex[1], 0.2)
}

func TestECE(t *testing.T) {
	// (2 |0.5-0.8| + 2 |0-0.2|) / 4 = (0.6 + 0.4) / 4 = 0.25.
	near(t, "ECE", ECE([]Bin{{2, 0.8, 0.5}, {2, 0.2, 0}, {0, 0, 0}}), 0.25)
	near(t, "ECE(calibrated)", ECE([]Bin{{5, 0.3, 0.3}}), 0)
	// One at 0.6 that happened, three at 0.8 that did not: mean prob (0.6+2.4)/4 = 0.75,
	// frequency 1/4.
	m := MergeBins([]Bin{{1, 0.6, 1}}, []Bin{{3, 0.8, 0}})
	near(t, "merged mean prob", m[0].MeanProb, 0.75)
	near(t, "merged freq", m[0].Freq, 0.25)
	if m[0].N != 4 {
		t.Errorf("merged n = %d, want 4", m[0].N)
	}
}

func TestChooseK(t *testing.T) {
	// Best is K=4 (0.91, se 0.02): the threshold 0.89 is first reached at K=3.
	k, ok := ChooseK([]int{1, 2, 3, 4, 5}, []float64{0.6, 0.8, 0.9, 0.91, 0.905}, []float64{0.01, 0.01, 0.02, 0.02, 0.02})
	if !ok || k != 3 {
		t.Errorf("ChooseK = %d, %v; want 3", k, ok)
	}
	// A standard error of zero (one seed): the best itself.
	k, _ = ChooseK([]int{1, 2, 3}, []float64{0.6, 0.9, 0.85}, []float64{0, 0, 0})
	if k != 2 {
		t.Errorf("ChooseK(se 0) = %d, want 2", k)
	}
	if _, ok := ChooseK(nil, nil, nil); ok {
		t.Error("ChooseK of nothing is ok")
	}
}
