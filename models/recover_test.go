package models_test

import (
	"context"
	"testing"

	"github.com/pal-harness/pal/baselines"
	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

// TestPALARecoversPlantedGroups fits PAL-A on two-group partition data and checks what the
// paper claims PAL does: it beats a homogeneous reward by a wide margin, comes close to the
// oracle, and its learned mixture weights put users of one true group on one prototype.
func TestPALARecoversPlantedGroups(t *testing.T) {
	dc := datasets.DefaultSynthetic()
	dc.KTrue, dc.SeenUsers, dc.UnseenUsers, dc.PairsPerUser = 2, 30, 6, 120
	d, err := datasets.GenerateSynthetic(dc, 7)
	if err != nil {
		t.Fatal(err)
	}
	tc := models.DefaultTrain()
	fc := &models.FewShotConfig{PairsPerUser: []int{1, 40}, Epochs: 100, LR: 5e-2, BatchSize: 64, Patience: 10}
	pc := models.DefaultPALA()
	pc.K, pc.Layers, pc.LR, pc.LRUser = 2, 0, 3e-3, 1e-2
	pal, fitted, err := models.FitPALAModel(context.Background(), d, pc, tc, fc, 1)
	if err != nil {
		t.Fatal(err)
	}
	bc := baselines.DefaultBTL()
	bc.LR = 3e-3
	btl, err := baselines.FitBTL(context.Background(), d, bc, tc, fc, 1)
	if err != nil {
		t.Fatal(err)
	}
	bayes := d.BayesAccuracy[datasets.Test]
	palAcc, btlAcc := pal.Splits["test"].Accuracy, btl.Splits["test"].Accuracy
	t.Logf("test accuracy: PAL-A %.3f, BTL %.3f, oracle %.3f", palAcc, btlAcc, bayes)
	if palAcc < btlAcc+0.05 {
		t.Errorf("PAL-A K=2 (%.3f) should beat BTL (%.3f) by more than 5 points on two-group data", palAcc, btlAcc)
	}
	if palAcc < bayes-0.05 {
		t.Errorf("PAL-A K=2 (%.3f) is more than 5 points below the oracle (%.3f)", palAcc, bayes)
	}

	// Each seen user's dominant prototype must agree with its true group, up to relabelling.
	agree := 0
	seen := d.SeenUsers()
	for _, u := range seen {
		w := fitted.Weights(u)
		dominant := 0
		if w[1] > w[0] {
			dominant = 1
		}
		if dominant == d.Users[u].Group {
			agree++
		}
	}
	match := max(agree, len(seen)-agree)
	t.Logf("dominant prototype matches the true group for %d of %d seen users", match, len(seen))
	if match < len(seen)*9/10 {
		t.Errorf("dominant prototype matches the true group for only %d of %d users", match, len(seen))
	}

	// Few-shot: 40 pairs per unseen user must do clearly better than 1.
	if fs := pal.FewShot; len(fs) != 2 || fs[1].Accuracy < fs[0].Accuracy+0.03 {
		t.Errorf("few-shot accuracy should rise with pairs per user: %+v", fs)
	}
}

// TestPALBRecoversPromptDependentGroups is the PAL-B check of the issue on one seed (the
// 5-seed version is paper/synthetic_prompts.toml): when two groups' ideal points move with the
// prompt, PAL-B with K = 2 beats PAL-B with K = 1 and BTL by a wide margin.
func TestPALBRecoversPromptDependentGroups(t *testing.T) {
	dc := datasets.DefaultSynthetic()
	dc.KTrue, dc.SeenUsers, dc.UnseenUsers, dc.PairsPerUser = 2, 20, 4, 150
	dc.Prompts, dc.PromptDim = 30, 8
	d, err := datasets.GenerateSynthetic(dc, 3)
	if err != nil {
		t.Fatal(err)
	}
	tc := models.DefaultTrain()
	fc := &models.FewShotConfig{PairsPerUser: []int{20}, Epochs: 50, LR: 5e-2, BatchSize: 64, Patience: 10}
	acc := map[int]float64{}
	for _, k := range []int{1, 2} {
		pc := models.DefaultPALB()
		pc.K, pc.Layers, pc.LR, pc.LRUser = k, 0, 3e-3, 1e-2
		m, err := models.FitPALB(context.Background(), d, pc, tc, fc, 1)
		if err != nil {
			t.Fatal(err)
		}
		acc[k] = m.Splits["test"].Accuracy
	}
	bc := baselines.DefaultBTL()
	bc.LR = 3e-3
	btl, err := baselines.FitBTL(context.Background(), d, bc, tc, fc, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test accuracy: PAL-B K=2 %.3f, K=1 %.3f, BTL %.3f, oracle %.3f", acc[2], acc[1], btl.Splits["test"].Accuracy, d.BayesAccuracy[datasets.Test])
	if acc[2] < acc[1]+0.05 || acc[2] < btl.Splits["test"].Accuracy+0.05 {
		t.Errorf("PAL-B K=2 (%.3f) should beat K=1 (%.3f) and BTL (%.3f) by more than 5 points", acc[2], acc[1], btl.Splits["test"].Accuracy)
	}
}
