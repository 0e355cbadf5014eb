package metrics

import (
	"math"
	"testing"

	"github.com/pal-harness/pal/datasets"
)

// fixedScorer predicts "left" for every pair whose left index is even.
type fixedScorer struct{}

func (fixedScorer) Margin(p datasets.Pair) float64 {
	if p.Left == p.Right+100 { // a tie, for the half-credit rule
		return 0
	}
	if p.Left%2 == 0 {
		return 1
	}
	return -1
}
func (fixedScorer) PairLoss(p datasets.Pair) float64 { return float64(p.Left) }

func TestEvaluateCountsPerSplitUserAndGroup(t *testing.T) {
	d := &datasets.Data{
		Users: []datasets.User{{ID: "a", Seen: true, Group: 0}, {ID: "b", Seen: true, Group: 1}, {ID: "c", Seen: false, Group: 1}},
		Splits: map[datasets.Split][]datasets.Pair{
			datasets.Test: {
				{User: 0, Left: 2, Right: 3, LeftPreferred: true},  // right
				{User: 0, Left: 4, Right: 5, LeftPreferred: false}, // wrong
				{User: 1, Left: 1, Right: 2, LeftPreferred: false}, // right
				{User: 1, Left: 3, Right: 4, LeftPreferred: false}, // right
			},
			datasets.UnseenTest:  {{User: 2, Left: 101, Right: 1, LeftPreferred: true}}, // tie: half
			datasets.UnseenTrain: {{User: 2, Left: 0, Right: 1, LeftPreferred: true}},   // right
		},
		BayesAccuracy: map[datasets.Split]float64{datasets.Test: 0.9},
	}
	m := Evaluate(fixedScorer{}, d)
	if got := m.Splits["test"]; got.Accuracy != 0.75 || got.Pairs != 4 || got.Loss != 2.5 {
		t.Errorf("test split: %+v, want accuracy 0.75 over 4 pairs, loss 2.5", got)
	}
	if got := m.Splits["unseen_test"].Accuracy; got != 0.5 {
		t.Errorf("a tie must count half: unseen_test accuracy %g", got)
	}
	if got := m.Splits["unseen_train"]; got.Accuracy != 1 || got.Pairs != 1 {
		t.Errorf("unseen_train: %+v, want accuracy 1 over 1 pair", got)
	}
	if _, ok := m.Splits["val"]; ok {
		t.Error("an empty split must be left out")
	}
	if m.PerUser["test"]["a"] != 0.5 || m.PerUser["test"]["b"] != 1 {
		t.Errorf("per-user accuracy: %v", m.PerUser["test"])
	}
	if m.PerGroup["test"]["0"] != 0.5 || m.PerGroup["test"]["1"] != 1 {
		t.Errorf("per-group accuracy: %v", m.PerGroup["test"])
	}
	if m.BayesAccuracy["test"] != 0.9 {
		t.Errorf("Bayes accuracy not carried over: %v", m.BayesAccuracy)
	}
}

func TestColumnsHaveFixedNamesAndNaNForMissing(t *testing.T) {
	m := Metrics{Splits: map[string]Split{"test": {Accuracy: 0.8}}, FewShot: []FewShotPoint{{PairsPerUser: 5, Accuracy: 0.7}}}
	cols := m.Columns([]int{10, 5})
	byName := map[string]float64{}
	var names []string
	for _, c := range cols {
		byName[c.Name] = c.Value
		names = append(names, c.Name)
	}
	if byName["acc_test"] != 0.8 || byName["fewshot_acc_5"] != 0.7 {
		t.Errorf("columns: %v", byName)
	}
	for _, missing := range []string{"acc_train", "fewshot_acc_10", "final_val_loss", "bayes_acc_test"} {
		if v, ok := byName[missing]; !ok || !math.IsNaN(v) {
			t.Errorf("column %s = %v (present %v), want NaN", missing, v, ok)
		}
	}
	if names[0] != "acc_train" {
		t.Errorf("first column %q, want acc_train", names[0])
	}
}
