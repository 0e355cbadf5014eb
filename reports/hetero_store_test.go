package reports

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/sweeps/runstore"
)

// The fake store's users and analysis records (what the heterogeneity sections read), made by
// hand from a fakeRun so the expected numbers can be worked out: 9 seen and 3 unseen users,
// user i in true group i mod k_true with i*10+10 training pairs; a personalized run puts
// weight 0.7 (+0.05 per seed above 2) on prototype (group mod K) and spreads the rest evenly;
// BTL is 8 points better on group 0 than its mean and 8 worse on the others.
const fakeSeen, fakeUsers = 9, 12

func fakeUserID(u int) string { return fmt.Sprintf("u%02d", u) }

// fakeUserAcc is user u's test accuracy in run fr.
func fakeUserAcc(fr fakeRun, u int) float64 {
	off := float64((u*7)%5-2) * 0.02
	acc := fr.seen + off
	if fr.model == "btl" && fr.kTrue > 1 {
		if u%fr.kTrue == 0 {
			acc += 0.08
		} else {
			acc -= 0.08
		}
	}
	return math.Max(0, math.Min(1, acc))
}

// fakeMetrics adds per-user and per-group accuracies, val accuracy and epochs to m.
func fakeMetrics(fr fakeRun, m *metrics.Metrics) {
	m.PerUser = map[string]map[string]float64{"test": {}, "unseen_test": {}}
	m.PerGroup = map[string]map[string]float64{"test": {}, "unseen_test": {}}
	sums := map[string]map[int][2]float64{"test": {}, "unseen_test": {}}
	for u := range fakeUsers {
		sp := "test"
		if u >= fakeSeen {
			sp = "unseen_test"
		}
		acc := fakeUserAcc(fr, u)
		m.PerUser[sp][fakeUserID(u)] = acc
		s := sums[sp][u%fr.kTrue]
		sums[sp][u%fr.kTrue] = [2]float64{s[0] + acc, s[1] + 1}
	}
	for sp, gs := range sums {
		for g, s := range gs {
			m.PerGroup[sp][fmt.Sprint(g)] = s[0] / s[1]
		}
	}
	m.Splits["val"] = metrics.Split{Accuracy: fr.seen - 0.01, Loss: 0.41, Pairs: 100}
	m.Epochs, m.BestEpoch = 10+int(fr.seed), 5+int(fr.seed)
}

// fakeRecord is run fr's analysis record.
func fakeRecord(fr fakeRun) *metrics.Analysis {
	a := &metrics.Analysis{PairCounts: map[string][]int{"train": {}, "test": {}}}
	for u := range fakeUsers {
		g := u % fr.kTrue
		a.UserIDs = append(a.UserIDs, fakeUserID(u))
		a.Seen = append(a.Seen, u < fakeSeen)
		a.Groups = append(a.Groups, g)
		tw := make([]float64, fr.kTrue)
		tw[g] = 1
		a.TrueWeights = append(a.TrueWeights, tw)
		a.PairCounts["train"] = append(a.PairCounts["train"], 10*u+10)
		a.PairCounts["test"] = append(a.PairCounts["test"], 5)
	}
	for g := range fr.kTrue {
		a.GroupNames = append(a.GroupNames, fmt.Sprintf("g%d", g))
	}
	for e := 1; e <= 10+int(fr.seed); e++ {
		val := 0.7/float64(e) + 0.25
		a.Curve = append(a.Curve, metrics.EpochLoss{Epoch: e, Train: 0.7/float64(e) + 0.2, Val: &val})
	}
	link := "logistic"
	if fr.model != "btl" {
		link = "hinge"
	}
	var probs []float64
	var left []bool
	for i := range 200 { // predictions spread evenly; the outcomes run 3 points per seed above 2 off
		p := (float64(i) + 0.5) / 200
		probs = append(probs, p)
		left = append(left, float64(i%20)/20 < p+0.03*(float64(fr.seed)-2))
	}
	a.Calibration = map[string]metrics.Reliability{"test": metrics.NewReliability(link, probs, left)}
	if fr.k == 0 {
		return a
	}
	a.K = fr.k
	main := 0.7 + 0.05*(float64(fr.seed)-2)
	for u := range fakeUsers {
		w := make([]float64, fr.k)
		if fr.k == 1 {
			w[0] = 1
		} else {
			for k := range w {
				w[k] = (1 - main) / float64(fr.k-1)
			}
			w[(u%fr.kTrue)%fr.k] = main
		}
		a.Weights = append(a.Weights, w)
	}
	a.PrototypeDistances = make([][]float64, fr.k)
	for i := range fr.k {
		a.PrototypeDistances[i] = make([]float64, fr.k)
		for j := range fr.k {
			if i != j {
				a.PrototypeDistances[i][j] = (math.Abs(float64(i-j)) + 1) * (1 + 0.1*float64(fr.seed))
			}
		}
	}
	a.DistanceNote = "Euclidean distance (fake)"
	return a
}

// writeFakeRecord writes run fr's record into its folder and lists it in res.
func writeFakeRecord(t *testing.T, dir string, fr fakeRun, res *runstore.Result) {
	t.Helper()
	b, err := metrics.EncodeAnalysis(fakeRecord(fr))
	must(t, err)
	must(t, os.MkdirAll(filepath.Join(dir, res.RunID), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, res.RunID, metrics.AnalysisFile), b, 0o644))
	res.Files = []string{metrics.AnalysisFile}
	res.Config.Train = map[string]any{"epochs": 13}
}
