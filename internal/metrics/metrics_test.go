package metrics

import (
	"math"
	"testing"
)

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

func TestNonFiniteNamesTheValue(t *testing.T) {
	v := math.Inf(1)
	m := Metrics{Splits: map[string]Split{"test": {Accuracy: 0.8}, "train": {Loss: math.NaN()}}, FinalValLoss: &v}
	if got := m.NonFinite(); got != "splits.train.loss = NaN" {
		t.Errorf("NonFinite() = %q", got)
	}
	m.Splits["train"] = Split{}
	if got := m.NonFinite(); got != "final_val_loss = +Inf" {
		t.Errorf("NonFinite() = %q", got)
	}
	m.FinalValLoss = nil
	if got := m.NonFinite(); got != "" {
		t.Errorf("finite metrics: NonFinite() = %q", got)
	}
}
