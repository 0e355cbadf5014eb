package metrics

import (
	"bytes"
	"reflect"
	"testing"
)

func TestNewReliability(t *testing.T) {
	// 0.05 -> bin 0; 0.15 and 0.12 -> bin 1 (mean 0.135, one of two went left); 1.0 -> the last
	// bin, which includes 1.
	r := NewReliability("logistic", []float64{0.05, 0.15, 0.12, 1.0}, []bool{true, false, true, true})
	if len(r.Bins) != ReliabilityBins || r.Link != "logistic" {
		t.Fatalf("%d bins, link %q", len(r.Bins), r.Link)
	}
	want := map[int]ReliabilityBin{
		0: {Lo: 0, Hi: 0.1, N: 1, MeanProb: 0.05, FracLeft: 1},
		1: {Lo: 0.1, Hi: 0.2, N: 2, MeanProb: 0.135, FracLeft: 0.5},
		9: {Lo: 0.9, Hi: 1, N: 1, MeanProb: 1, FracLeft: 1},
	}
	for b, got := range r.Bins {
		w, ok := want[b]
		if !ok {
			w = ReliabilityBin{Lo: float64(b) / 10, Hi: float64(b+1) / 10}
		}
		if got != w {
			t.Errorf("bin %d = %+v, want %+v", b, got, w)
		}
	}
}

func TestAnalysisRoundTripAndDeterminism(t *testing.T) {
	val := 0.5
	a := &Analysis{
		UserIDs: []string{"a", "b"}, Seen: []bool{true, false}, Groups: []int{0, 1}, GroupNames: []string{"x", "y"},
		TrueWeights: [][]float64{{1, 0}, {0, 1}}, PairCounts: map[string][]int{"train": {3, 0}, "unseen_train": {0, 2}},
		K: 2, Weights: [][]float64{{0.9, 0.1}, {0.2, 0.8}}, PrototypeDistances: [][]float64{{0, 1.5}, {1.5, 0}},
		Curve:       []EpochLoss{{Epoch: 1, Train: 0.7, Val: &val}},
		Calibration: map[string]Reliability{"test": NewReliability("hinge", []float64{0.3}, []bool{true})},
	}
	b1, err := EncodeAnalysis(a)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := EncodeAnalysis(a)
	if !bytes.Equal(b1, b2) {
		t.Error("the same record encodes to different bytes")
	}
	back, err := DecodeAnalysis(b1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, back) {
		t.Errorf("round trip changed the record:\n%+v\n%+v", a, back)
	}
	if _, err := DecodeAnalysis([]byte("not gzip")); err == nil {
		t.Error("garbage decoded")
	}
}

func TestRound4(t *testing.T) {
	if got := Round4(0.123456); got != 0.1235 {
		t.Errorf("Round4(0.123456) = %v", got)
	}
}
