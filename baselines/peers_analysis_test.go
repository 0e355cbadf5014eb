package baselines

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/models"
)

// Every peer kind leaves the analysis record the report's heterogeneity sections read
// (analysis.json.gz): users, pair counts, the training curve and the test splits' reliability.
// Mixture weights are stored only where a user is a mixture (mix-btl's class weights, LoRe's
// simplex weights), never for free user vectors, which the simplex and group-recovery analyses
// would misread; DPL's reliability uses its own link, Phi(z).
func TestPeerKindsFillAnalysis(t *testing.T) {
	d := peerData(t, 40)
	tc := &models.TrainConfig{Epochs: 5, BatchSize: 32, Patience: 2}
	fc := &models.FewShotConfig{PairsPerUser: []int{5}, Epochs: 5, LR: 5e-2, BatchSize: 32, Patience: 2}
	for _, c := range []struct {
		name    string
		kind    models.Kind
		weights bool
	}{
		{"mix-btl", DefaultMixBTL(), true},
		{"lore", DefaultLoRe(), true},
		{"user-id", DefaultUserID(), false},
		{"individual", DefaultIndividual(), false},
		{"dpl", DefaultDPL(), false},
		{"vpl", DefaultVPL(), false},
	} {
		f, err := c.kind.Fit(context.Background(), models.FitInput{Data: d, Train: tc, FewShot: fc, Seed: 3})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		a := f.Analysis
		if a == nil {
			t.Errorf("%s: no analysis record", c.name)
			continue
		}
		if len(a.UserIDs) != len(d.Users) || len(a.Groups) != len(d.Users) || len(a.Curve) == 0 {
			t.Errorf("%s: %d user ids, %d groups, %d curve points; want %d users and a curve", c.name, len(a.UserIDs), len(a.Groups), len(a.Curve), len(d.Users))
		}
		for _, sp := range []string{"test", "unseen_test"} {
			n := 0
			for _, b := range a.Calibration[sp].Bins {
				n += b.N
			}
			if n != len(d.Splits[datasets.Split(sp)]) {
				t.Errorf("%s: reliability of %s counts %d pairs, the split has %d", c.name, sp, n, len(d.Splits[datasets.Split(sp)]))
			}
		}
		if got := a.Weights != nil; got != c.weights {
			t.Errorf("%s: weights stored %v, want %v", c.name, got, c.weights)
		}
		for u, w := range a.Weights {
			s := 0.0
			for _, v := range w {
				s += v
			}
			if len(w) != a.K || math.Abs(s-1) > 1e-3 {
				t.Errorf("%s: user %d's weights %v (K %d) are not a point of the simplex", c.name, u, w, a.K)
				break
			}
		}
		if dpl, ok := f.Model.(*DPL); ok {
			pairs := d.Splits[datasets.Test]
			probs, left := make([]float64, len(pairs)), make([]bool, len(pairs))
			for i, p := range pairs {
				probs[i], left[i] = 0.5*math.Erfc(-dpl.Margin(p)/math.Sqrt2), p.LeftPreferred
			}
			if want := metrics.NewReliability("probit", probs, left); !reflect.DeepEqual(a.Calibration["test"], want) {
				t.Errorf("dpl: test reliability %+v, want Phi(z)'s %+v", a.Calibration["test"], want)
			}
		}
	}
}
