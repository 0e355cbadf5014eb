package embed

import (
	"context"
	"math"
	"testing"
)

// The length feature counts code points, as Python's len() in the authors' labelling, not
// bytes: "héllo" is 5 long, "日本" 2.
func TestLengthCountsCodePoints(t *testing.T) {
	e, err := New(Config{Embedder: "length"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.Dim() != 1 || e.Name() != "length(ln1p-codepoints)" {
		t.Fatalf("dim %d name %q", e.Dim(), e.Name())
	}
	got, err := e.Embed(context.Background(), []string{"", "hello", "héllo", "日本"})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []float64{0, 5, 5, 2} {
		if want := math.Log1p(n); got[i] != want {
			t.Errorf("text %d: %v, want ln(1 + %v) = %v", i, got[i], n, want)
		}
	}
}
