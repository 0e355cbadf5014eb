package baselines

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

// TestZeroShotHandComputed checks the margins, accuracy and loss of the zero-shot kind against
// values computed by hand: prompt c = (1, 0); items (1, 0), (0, 2), (3, 3) have cosines 1, 0
// and 1/sqrt(2) with it (norms do not matter).
func TestZeroShotHandComputed(t *testing.T) {
	d := &datasets.Data{
		Name: "tiny", Dim: 2, Items: []float32{1, 0, 0, 2, 3, 3},
		PromptDim: 2, Prompts: []float32{1, 0},
		Users: []datasets.User{{ID: "a", Seen: true, Group: -1}},
		Splits: map[datasets.Split][]datasets.Pair{datasets.Test: {
			{Left: 0, Right: 1, Prompt: 0, LeftPreferred: true},  // margin 10(1 - 0) = 10: right
			{Left: 1, Right: 2, Prompt: 0, LeftPreferred: true},  // 10(0 - 0.7071) < 0: wrong
			{Left: 2, Right: 0, Prompt: 0, LeftPreferred: false}, // 10(0.7071 - 1) < 0: right
		}},
	}
	cfg := DefaultZeroShot()
	cfg.Scale, cfg.Splits = 10, []string{"test"}
	z := zeroShot{cfg.Scale, d}
	for i, want := range []float64{10, -10 / math.Sqrt2, 10/math.Sqrt2 - 10} {
		if got := z.Margin(d.Splits[datasets.Test][i]); math.Abs(got-want) > 1e-6 {
			t.Errorf("pair %d: margin %v, want %v", i, got, want)
		}
	}
	f, err := cfg.Fit(context.Background(), models.FitInput{Data: d})
	if err != nil {
		t.Fatal(err)
	}
	test := f.Metrics.Splits["test"]
	if math.Abs(test.Accuracy-2.0/3) > 1e-12 {
		t.Errorf("accuracy %v, want 2/3", test.Accuracy)
	}
	// Logistic losses log(1 + exp(-t m)) of the three margins with their labels' signs.
	want := (math.Log1p(math.Exp(-10)) + math.Log1p(math.Exp(10/math.Sqrt2)) + math.Log1p(math.Exp(10/math.Sqrt2-10))) / 3
	if math.Abs(test.Loss-want) > 1e-6 {
		t.Errorf("loss %v, want %v", test.Loss, want)
	}
	if f.Metrics.TrainableParams != 0 {
		t.Errorf("trainable params %d, want 0", f.Metrics.TrainableParams)
	}

	noPrompts := *d
	noPrompts.PromptDim, noPrompts.Prompts = 0, nil
	if err := cfg.CheckData(&noPrompts, datasets.Env{}); err == nil || !strings.Contains(err.Error(), "no prompts") {
		t.Errorf("no prompts: %v", err)
	}
	other := *d
	other.PromptDim, other.Prompts = 1, []float32{1}
	if err := cfg.CheckData(&other, datasets.Env{}); err == nil || !strings.Contains(err.Error(), "one embedding space") {
		t.Errorf("prompt dim 1, item dim 2: %v", err)
	}
}
