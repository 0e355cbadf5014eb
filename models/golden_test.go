package models_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pal-harness/pal/baselines"
	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/models"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden_metrics.json from the current code")

// goldenCase is one small fixed fit whose metrics are pinned bit for bit.
type goldenCase struct {
	name string
	fit  func(d *datasets.Data) (metrics.Metrics, error)
}

// TestMetricsUnchanged is the "no accuracy change" check of the speed work (issue 5): small
// fixed fits of PAL-A (every ideal point, dropout, bound, user weighting), PAL-B and BTL must
// give exactly the metrics recorded in testdata/golden_metrics.json, which were written by the
// code before the training step was rewritten for speed (workspaces, batched kernels). Every
// metric is compared through its JSON encoding (Go writes the shortest text that reads back
// to the same float64), so a change in the last bit of any accuracy or loss fails. Regenerate
// with -update only for a deliberate change of the numerics, and say so in the commit.
func TestMetricsUnchanged(t *testing.T) {
	if models.BLAS != "gonum" {
		t.Skipf("the golden metrics were recorded with gonum's BLAS; this build multiplies with %s, whose last bits differ", models.BLAS)
	}
	ctx := context.Background()
	dc := datasets.DefaultSynthetic()
	dc.KTrue, dc.SeenUsers, dc.UnseenUsers, dc.PairsPerUser, dc.Items = 2, 12, 4, 40, 200
	dc.Prompts, dc.PromptDependence, dc.PromptDim = 20, true, dc.Dim
	d, err := datasets.GenerateSynthetic(dc, 11)
	if err != nil {
		t.Fatal(err)
	}
	tc := &models.TrainConfig{Epochs: 6, BatchSize: 32, Patience: 3, MinDelta: 1e-4}
	fc := &models.FewShotConfig{PairsPerUser: []int{2, 10}, Epochs: 8, LR: 5e-2, BatchSize: 16, Patience: 3}
	pala := func(edit func(c *models.PALAConfig)) func(d *datasets.Data) (metrics.Metrics, error) {
		return func(d *datasets.Data) (metrics.Metrics, error) {
			c := models.DefaultPALA()
			c.LR, c.LRUser, c.Width = 3e-3, 1e-2, 8
			edit(c)
			return models.FitPALA(ctx, d, c, tc, fc, 3)
		}
	}
	palb := func(edit func(c *models.PALBConfig)) func(d *datasets.Data) (metrics.Metrics, error) {
		return func(d *datasets.Data) (metrics.Metrics, error) {
			c := models.DefaultPALB()
			c.LR, c.LRUser, c.Width = 3e-3, 1e-2, 8
			edit(c)
			return models.FitPALB(ctx, d, c, tc, fc, 3)
		}
	}
	cases := []goldenCase{
		{"pal-a f(Pw)", pala(func(c *models.PALAConfig) {})},
		{"pal-a f(Pw) dropout gelu layers 2", pala(func(c *models.PALAConfig) { c.Dropout, c.Activation, c.Layers = 0.2, "gelu", 2 })},
		{"pal-a f(P)w bound weighting", pala(func(c *models.PALAConfig) {
			c.IdealPoint, c.Bound, c.BoundB, c.UserWeighting, c.K = "f(P)w", true, 0.5, true, 3
		})},
		{"pal-a Pw logistic partition", pala(func(c *models.PALAConfig) { c.IdealPoint, c.Loss, c.Partition = "Pw", "logistic", true })},
		{"pal-a dist_normalization smooth_hinge", pala(func(c *models.PALAConfig) { c.Score, c.Loss = "dist_normalization", "smooth_hinge" })},
		{"pal-a dist_logistic", pala(func(c *models.PALAConfig) { c.Score, c.Loss = "dist_logistic", "cross_entropy" })},
		{"pal-b angle", palb(func(c *models.PALBConfig) {})},
		{"pal-b dist hinge bound weighting tau", palb(func(c *models.PALBConfig) {
			c.Score, c.Loss, c.Bound, c.BoundB, c.UserWeighting, c.Tau, c.K = "dist", "hinge", true, 0.5, true, 0.5, 3
		})},
		{"pal-b angle_hinge dropout residual", palb(func(c *models.PALBConfig) {
			c.Score, c.Loss, c.Dropout, c.Width, c.Residual = "angle_hinge", "logistic", 0.1, d.Dim, true
		})},
		{"btl mlp", func(d *datasets.Data) (metrics.Metrics, error) {
			c := baselines.DefaultBTL()
			c.LR = 3e-3
			return baselines.FitBTL(ctx, d, c, tc, fc, 3)
		}},
	}
	got := map[string]string{}
	for _, c := range cases {
		m, err := c.fit(d)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got[c.name] = fmt.Sprintf("%x test_acc=%v", sha256.Sum256(b), m.Splits["test"].Accuracy)
	}
	path := filepath.Join("testdata", "golden_metrics.json")
	if *updateGolden {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with go test ./models -run MetricsUnchanged -update)", err)
	}
	var want map[string]string
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if got[c.name] != want[c.name] {
			t.Errorf("%s: metrics changed:\n got  %s\n want %s", c.name, got[c.name], want[c.name])
		}
	}
}
