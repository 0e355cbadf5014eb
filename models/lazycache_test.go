package models_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

// At Pick-a-Pic size the evaluation cache of f over every item would double the memory of a
// run, so above EvalCacheBytes it computes the rows a chunk of pairs needs and starts over when
// full. Forced here on 10,000 items (the cache holds 4,096 rows, so evaluating the training
// split empties it many times): every metric of PAL-A and PAL-B fits (evaluation, the per-user
// and per-group breakdowns, few-shot fitting and its early stopping) is the same to the bit as
// with the whole cache, in both precisions. One exception: with OpenBLAS (-tags openblas) a
// float64 MLP's row depends in its last bits on how many rows its product had (OpenBLAS's
// kernels handle the edge rows of a block differently), so there the metrics agree to 1e-9
// (relative) instead: a changed prediction would move an accuracy by at least 1/1200.
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
		tol := 0.0
		if models.BLAS == "openblas" && strings.HasSuffix(name, models.Float64) {
			tol = 1e-9
		}
		if !sameJSON(t, whole, lazy, tol) {
			t.Errorf("%s: metrics differ with the lazy cache:\nwhole %s\nlazy  %s", name, whole, lazy)
		}
	}
}

// sameJSON compares two JSON documents, numbers within tol relative (exactly for tol = 0).
func sameJSON(t *testing.T, a, b string, tol float64) bool {
	t.Helper()
	if tol == 0 {
		return a == b
	}
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatal(err)
	}
	var eq func(x, y any) bool
	eq = func(x, y any) bool {
		switch xv := x.(type) {
		case map[string]any:
			yv, ok := y.(map[string]any)
			if !ok || len(xv) != len(yv) {
				return false
			}
			for k, v := range xv {
				if !eq(v, yv[k]) {
					return false
				}
			}
			return true
		case []any:
			yv, ok := y.([]any)
			if !ok || len(xv) != len(yv) {
				return false
			}
			for i := range xv {
				if !eq(xv[i], yv[i]) {
					return false
				}
			}
			return true
		case float64:
			yv, ok := y.(float64)
			return ok && math.Abs(xv-yv) <= tol*math.Max(math.Abs(xv), math.Abs(yv))
		}
		return x == y
	}
	return eq(x, y)
}
