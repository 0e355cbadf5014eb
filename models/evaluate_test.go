package models

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
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
	m, err := Evaluate(fixedScorer{}, d)
	if err != nil {
		t.Fatal(err)
	}
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

// nanScorer gives one pair a NaN margin, as a diverged model would.
type nanScorer struct{ fixedScorer }

func (nanScorer) Margin(p datasets.Pair) float64 {
	if p.Left == 4 {
		return math.NaN()
	}
	return 1
}

// A NaN margin is a failure, never a counted prediction (issue 16, defect 1).
func TestEvaluateRefusesNonFiniteMargins(t *testing.T) {
	d := &datasets.Data{
		Users:  []datasets.User{{ID: "a", Seen: true, Group: -1}},
		Splits: map[datasets.Split][]datasets.Pair{datasets.Test: {{User: 0, Left: 2, Right: 3}, {User: 0, Left: 4, Right: 5}}},
	}
	if _, err := Evaluate(nanScorer{}, d); !errors.Is(err, ErrDiverged) {
		t.Errorf("Evaluate with a NaN margin: %v, want ErrDiverged", err)
	}
	if Correct(math.NaN(), false) != 0 || Correct(math.NaN(), true) != 0 {
		t.Error("a NaN margin must never count as right")
	}
}

// The hinge of a NaN margin is NaN (so training stops as diverged), not the zero loss of a
// satisfied margin.
func TestLossesPropagateNaN(t *testing.T) {
	for _, kind := range []string{"hinge", "smooth_hinge", "logistic", "cross_entropy"} {
		for _, left := range []bool{true, false} {
			if l, _ := PairLoss(kind, math.NaN(), left); !math.IsNaN(l) {
				t.Errorf("%s loss of a NaN margin = %v, want NaN", kind, l)
			}
		}
	}
}

// The record's split names (internal/metrics, which must not import datasets) are the data's.
func TestSplitNamesMatchDatasets(t *testing.T) {
	var names []string
	for _, s := range datasets.AllSplits {
		names = append(names, string(s))
	}
	if !slices.Equal(names, metrics.SplitNames) {
		t.Errorf("metrics.SplitNames %v, datasets.AllSplits %v", metrics.SplitNames, names)
	}
}
