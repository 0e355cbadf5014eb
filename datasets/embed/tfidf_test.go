package embed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestTokens(t *testing.T) {
	got := tokens("I'd NOT say that -- 'ever', 42 times!")
	want := []string{"i'd", "not", "say", "that", "ever", "42", "times"}
	if !slices.Equal(got, want) {
		t.Errorf("tokens = %q, want %q", got, want)
	}
	c := terms("not good not")
	if c["not"] != 2 || c["not good"] != 1 || c["good not"] != 1 || len(c) != 4 {
		t.Errorf("terms = %v", c)
	}
}

// corpus makes texts on a few topics with a stance word, like persona statements.
func corpus(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	topics := [][]string{
		{"music", "songs", "concerts", "melody", "guitar"},
		{"power", "control", "influence", "authority", "dominance"},
		{"honesty", "truth", "lies", "trust", "integrity"},
		{"science", "experiments", "theories", "evidence", "research"},
	}
	stance := []string{"I love", "I really enjoy", "I do not like", "I never want"}
	out := make([]string, n)
	for i := range out {
		tp := topics[i%len(topics)]
		out[i] = fmt.Sprintf("%s %s and %s, more than %s", stance[r.IntN(len(stance))], tp[r.IntN(5)], tp[r.IntN(5)], tp[r.IntN(5)])
	}
	return out
}

func TestTFIDFSVDDeterministicAndScaled(t *testing.T) {
	texts := corpus(200, 1)
	e, err := NewTFIDFSVD(8)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "tfidf-svd(dim=8)" || e.Dim() != 8 {
		t.Errorf("name %q dim %d", e.Name(), e.Dim())
	}
	a, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.Embed(context.Background(), texts)
	if !slices.Equal(a, b) {
		t.Error("two fits on the same texts differ")
	}
	if len(a) != len(texts)*8 {
		t.Fatalf("%d values, want %d", len(a), len(texts)*8)
	}
	var ss float64
	for _, v := range a {
		ss += v * v
	}
	if got := ss / float64(len(texts)); math.Abs(got-8) > 1e-9 {
		t.Errorf("mean squared norm %g, want 8", got)
	}
	// Texts on one topic are nearer each other than texts on another.
	dist := func(i, j int) float64 {
		var s float64
		for c := range 8 {
			d := a[i*8+c] - a[j*8+c]
			s += d * d
		}
		return s
	}
	var same, other float64
	for i := range 40 {
		same += dist(i, i+4)  // same topic (i mod 4)
		other += dist(i, i+1) // next topic
	}
	if same >= other {
		t.Errorf("mean distance within topics %g >= across topics %g", same/40, other/40)
	}
}

// The randomized SVD must agree with an exact dense SVD: the column norms of A V_k are the top
// singular values of A. These corpora have a flat spectrum (hard for a range finder); 4 power
// iterations still give the values to about 1e-5.
func TestTruncatedSVDMatchesExact(t *testing.T) {
	for _, c := range []struct{ n, k int }{{30, 5}, {400, 6}} {
		texts := corpus(c.n, 7)
		a := tfidf(texts, 2)
		got, err := truncatedSVD(context.Background(), a, c.k, 99)
		if err != nil {
			t.Fatal(err)
		}
		dense := mat.NewDense(a.rows, a.cols, nil)
		for i := range a.rows {
			for p := a.ptr[i]; p < a.ptr[i+1]; p++ {
				dense.Set(i, a.idx[p], a.val[p])
			}
		}
		var svd mat.SVD
		if !svd.Factorize(dense, mat.SVDThin) {
			t.Fatal("exact SVD failed")
		}
		sv := svd.Values(nil)
		for j := range c.k {
			var s float64
			for i := range a.rows {
				s += got[i*c.k+j] * got[i*c.k+j]
			}
			if rel := math.Abs(math.Sqrt(s)-sv[j]) / sv[j]; rel > 1e-3 {
				t.Errorf("n=%d component %d: norm %g, exact singular value %g (rel. error %g)", c.n, j, math.Sqrt(s), sv[j], rel)
			}
		}
	}
}

func TestTFIDFSVDDegenerateInputs(t *testing.T) {
	e, _ := NewTFIDFSVD(4)
	if v, err := e.Embed(context.Background(), nil); err != nil || len(v) != 0 {
		t.Errorf("no texts: %v, %v", v, err)
	}
	// No term in two texts: an empty vocabulary gives zero vectors, not an error.
	v, err := e.Embed(context.Background(), []string{"alpha", "beta", "gamma"})
	if err != nil || len(v) != 12 {
		t.Fatalf("got %d values, %v", len(v), err)
	}
	for _, x := range v {
		if x != 0 {
			t.Fatal("want zero vectors")
		}
	}
	// Fewer texts than dimensions: the extra dimensions are zero.
	v, err = e.Embed(context.Background(), []string{"a b", "a c"})
	if err != nil || len(v) != 8 {
		t.Fatalf("got %d values, %v", len(v), err)
	}
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatal("non-finite value")
		}
	}
	if _, err := NewTFIDFSVD(0); err == nil {
		t.Error("dimension 0 accepted")
	}
}

func BenchmarkTFIDFSVD(b *testing.B) {
	texts := corpus(2000, 3)
	e, _ := NewTFIDFSVD(64)
	for b.Loop() {
		if _, err := e.Embed(context.Background(), texts); err != nil {
			b.Fatal(err)
		}
	}
}
