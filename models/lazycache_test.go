package models_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

// At Pick-a-Pic size the evaluation cache of f over every item would double the memory of a
// run, so above EvalCacheBytes it computes the rows a chunk of pairs needs and starts over when
// full. Forced here on 10,000 items (the cache holds 4,096 rows, so evaluating the training
// split empties it many times): every metric of PAL-A and PAL-B fits (evaluation, the per-user
// and per-group breakdowns, few-shot fitting and its early stopping) is the same to the bit as
// with the whole cache, in both precisions.
func TestLazyEvalCacheGivesTheSameMetrics(t *testing.T) {
	ctx := context.Background()
	dc := datasets.DefaultSynthetic()
	dc.KTrue, dc.SeenUsers, dc.UnseenUsers, dc.PairsPerUser, dc.Items = 2, 12, 4, 500, 10000
	dc.Prompts, dc.PromptDependence, dc.PromptDim = 20, true, dc.Dim
	d, err := datasets.GenerateSynthetic(dc, 5)
	if err != nil {
		t.Fatal(err)
	}
	tc := &models.TrainConfig{Epochs: 3, BatchSize: 64, Patience: 2}
	fc := &models.FewShotConfig{PairsPerUser: []int{2, 10}, Epochs: 4, LR: 5e-2, BatchSize: 16, Patience: 2}
	fits := map[string]func() (any, error){}
	for _, precision := range []string{models.Float32, models.Float64} {
		for _, ideal := range []string{"f(Pw)", "f(P)w", "Pw"} {
			fits["pal-a "+ideal+" "+precision] = func() (any, error) {
				c := models.DefaultPALA()
				c.LR, c.LRUser, c.Width, c.IdealPoint, c.Precision = 3e-3, 1e-2, 8, ideal, precision
				return models.FitPALA(ctx, d, c, tc, fc, 3)
			}
		}
		fits["pal-b "+precision] = func() (any, error) {
			c := models.DefaultPALB()
			c.LR, c.LRUser, c.Width, c.Precision = 3e-3, 1e-2, 8, precision
			return models.FitPALB(ctx, d, c, tc, fc, 3)
		}
	}
	run := func(name string, fit func() (any, error)) string {
		m, err := fit()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	saved := models.EvalCacheBytes
	defer func() { models.EvalCacheBytes = saved }()
	for name, fit := range fits {
		models.EvalCacheBytes = saved
		whole := run(name, fit)
		models.EvalCacheBytes = 1
		lazy := run(name, fit)
		if whole != lazy {
			t.Errorf("%s: metrics differ with the lazy cache:\nwhole %s\nlazy  %s", name, whole, lazy)
		}
	}
}
