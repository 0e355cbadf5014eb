package models_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

// The analysis record of a PAL-A fit describes the data and the fitted model exactly: user
// ids, seen flags and true groups in user order, pairs per split, weights that are the
// model's softmax weights on the simplex, a calibration histogram over every test pair, the
// training curve, and prototype distances that are symmetric with a zero diagonal.
func TestAnalyzePALA(t *testing.T) {
	dc := datasets.DefaultSynthetic()
	dc.KTrue, dc.SeenUsers, dc.UnseenUsers, dc.PairsPerUser, dc.Items = 2, 10, 4, 40, 200
	dc.UnseenTrain, dc.UnseenVal, dc.UnseenTest = 10, 4, 10
	d, err := datasets.GenerateSynthetic(dc, 3)
	if err != nil {
		t.Fatal(err)
	}
	pc := models.DefaultPALA()
	pc.K, pc.Layers = 3, 0
	tc := models.DefaultTrain()
	tc.Epochs = 8
	fc := &models.FewShotConfig{PairsPerUser: []int{2}, Epochs: 5, LR: 5e-2, BatchSize: 16, Patience: 2}
	f, err := pc.Fit(context.Background(), models.FitInput{Data: d, Train: tc, FewShot: fc, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	a := f.Analysis
	if a == nil {
		t.Fatal("PAL-A's fit kept no analysis record")
	}
	n := len(d.Users)
	if len(a.UserIDs) != n || len(a.Seen) != n || len(a.Groups) != n || len(a.Weights) != n || len(a.TrueWeights) != n || a.K != 3 {
		t.Fatalf("record sizes: %d ids, %d seen, %d groups, %d weights, %d true weights, K %d; %d users", len(a.UserIDs), len(a.Seen), len(a.Groups), len(a.Weights), len(a.TrueWeights), a.K, n)
	}
	pal := f.Model.(*models.PALA)
	for u, usr := range d.Users {
		if a.UserIDs[u] != usr.ID || a.Seen[u] != usr.Seen || a.Groups[u] != usr.Group {
			t.Errorf("user %d: record (%s %v %d), data (%s %v %d)", u, a.UserIDs[u], a.Seen[u], a.Groups[u], usr.ID, usr.Seen, usr.Group)
		}
		var sum float64
		for k, w := range a.Weights[u] {
			sum += w
			if want := pal.Weights(u)[k]; math.Abs(w-want) > 5e-5 {
				t.Errorf("user %d weight %d = %v, the model's is %v", u, k, w, want)
			}
		}
		if math.Abs(sum-1) > 1e-3 {
			t.Errorf("user %d's weights sum to %v", u, sum)
		}
	}
	for _, sp := range datasets.AllSplits {
		total := 0
		for _, c := range a.PairCounts[string(sp)] {
			total += c
		}
		if total != len(d.Splits[sp]) {
			t.Errorf("split %s: pair counts add to %d, the split has %d pairs", sp, total, len(d.Splits[sp]))
		}
	}
	cal, ok := a.Calibration["test"]
	if !ok || cal.Link != "hinge" {
		t.Fatalf("calibration: %+v (PAL-A's default loss is the hinge)", cal)
	}
	nb := 0
	for _, b := range cal.Bins {
		nb += b.N
	}
	if nb != len(d.Splits[datasets.Test]) {
		t.Errorf("reliability bins hold %d pairs; test has %d", nb, len(d.Splits[datasets.Test]))
	}
	if len(a.Curve) != f.Metrics.Epochs || a.Curve[0].Epoch != 1 || a.Curve[0].Val == nil {
		t.Errorf("curve: %d epochs (%d trained), first %+v", len(a.Curve), f.Metrics.Epochs, a.Curve[0])
	}
	if len(a.PrototypeDistances) != 3 {
		t.Fatalf("prototype distances: %v", a.PrototypeDistances)
	}
	for i := range 3 {
		if a.PrototypeDistances[i][i] != 0 {
			t.Errorf("distance of prototype %d to itself: %v", i, a.PrototypeDistances[i][i])
		}
		for j := range 3 {
			if a.PrototypeDistances[i][j] != a.PrototypeDistances[j][i] || (i != j && !(a.PrototypeDistances[i][j] > 0)) {
				t.Errorf("distances not symmetric and positive: %v", a.PrototypeDistances)
			}
		}
	}
}

// With ideal_point = "Pw" the prototypes live in the learned space already: the record's
// distances are the Euclidean distances between the rows of P, computed here directly.
func TestAnalyzePrototypeDistancesPw(t *testing.T) {
	dc := datasets.DefaultSynthetic()
	dc.KTrue, dc.SeenUsers, dc.UnseenUsers, dc.PairsPerUser, dc.Items = 2, 8, 2, 30, 100
	dc.UnseenTrain, dc.UnseenVal, dc.UnseenTest = 10, 4, 10
	d, err := datasets.GenerateSynthetic(dc, 4)
	if err != nil {
		t.Fatal(err)
	}
	pc := models.DefaultPALA()
	pc.K, pc.Layers, pc.IdealPoint = 3, 0, "Pw"
	tc := models.DefaultTrain()
	tc.Epochs = 3
	fc := &models.FewShotConfig{PairsPerUser: []int{2}, Epochs: 3, LR: 5e-2, BatchSize: 16, Patience: 2}
	f, err := pc.Fit(context.Background(), models.FitInput{Data: d, Train: tc, FewShot: fc, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	p := f.Model.(*models.PALA).P.Value
	w := len(p) / 3
	for i := range 3 {
		for j := range 3 {
			var s float64
			for c := range w {
				x := p[i*w+c] - p[j*w+c]
				s += x * x
			}
			if got := f.Analysis.PrototypeDistances[i][j]; math.Abs(got-math.Sqrt(s)) > 5e-5 {
				t.Errorf("distance %d-%d = %v, ||P_i - P_j|| = %v", i, j, got, math.Sqrt(s))
			}
		}
	}
}

// PAL-B's prototypes depend on the prompt: the record averages their distances over the
// data's prompts and says so.
func TestAnalyzePALB(t *testing.T) {
	dc := datasets.DefaultSynthetic()
	dc.KTrue, dc.SeenUsers, dc.UnseenUsers, dc.PairsPerUser, dc.Items = 2, 8, 2, 30, 100
	dc.UnseenTrain, dc.UnseenVal, dc.UnseenTest = 10, 4, 10
	dc.Prompts, dc.PromptDependence, dc.PromptDim = 12, true, dc.Dim
	d, err := datasets.GenerateSynthetic(dc, 5)
	if err != nil {
		t.Fatal(err)
	}
	pc := models.DefaultPALB()
	pc.K, pc.Layers = 2, 0
	tc := models.DefaultTrain()
	tc.Epochs = 3
	fc := &models.FewShotConfig{PairsPerUser: []int{2}, Epochs: 3, LR: 5e-2, BatchSize: 16, Patience: 2}
	f, err := pc.Fit(context.Background(), models.FitInput{Data: d, Train: tc, FewShot: fc, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	a := f.Analysis
	if len(a.PrototypeDistances) != 2 || a.PrototypeDistances[0][1] != a.PrototypeDistances[1][0] || !(a.PrototypeDistances[0][1] > 0) || a.PrototypeDistances[0][0] != 0 {
		t.Errorf("PAL-B distances: %v", a.PrototypeDistances)
	}
	if want := "averaged over the 12 prompts"; !strings.Contains(a.DistanceNote, want) {
		t.Errorf("note %q lacks %q", a.DistanceNote, want)
	}
	if a.K != 2 || len(a.Weights) != len(d.Users) {
		t.Errorf("PAL-B record: K %d, %d weights", a.K, len(a.Weights))
	}
}
