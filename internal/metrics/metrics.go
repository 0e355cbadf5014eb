package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
)

// SplitNames are the split names of the interchange format in report order (datasets.AllSplits
// as strings; a test in models keeps the two equal). The record does not import datasets so that
// readers of the run store (reports, other tools) do not link the dataset loaders.
var SplitNames = []string{"train", "val", "test", "unseen_train", "unseen_val", "unseen_test"}

// Split holds what one split measured. Loss is the model's own training loss on the split
// (without regularisers), so it is comparable across epochs but not across model kinds.
type Split struct {
	Accuracy float64 `json:"accuracy"`
	Loss     float64 `json:"loss"`
	Pairs    int     `json:"pairs"`
}

// FewShotPoint is the unseen-user result of fitting only the new users' weights on the first
// PairsPerUser pairs of each unseen user in unseen_train, evaluated on unseen_test.
type FewShotPoint struct {
	PairsPerUser int     `json:"pairs_per_user"`
	Accuracy     float64 `json:"accuracy"`
	Loss         float64 `json:"loss"`
	Pairs        int     `json:"pairs"`
	Epochs       int     `json:"epochs"`
}

// Metrics is everything a run measured. Maps are keyed by split name, user ID and group number
// (as a string) so that result.json stays readable.
type Metrics struct {
	Splits   map[string]Split              `json:"splits"`
	PerUser  map[string]map[string]float64 `json:"per_user_accuracy,omitempty"`
	PerGroup map[string]map[string]float64 `json:"per_group_accuracy,omitempty"`
	FewShot  []FewShotPoint                `json:"few_shot,omitempty"`

	BayesAccuracy         map[string]float64 `json:"bayes_accuracy,omitempty"`
	ExpectedBayesAccuracy map[string]float64 `json:"expected_bayes_accuracy,omitempty"`

	TrainableParams int `json:"trainable_params"`
	// SharedParams is the part of TrainableParams every user shares (for PAL: the maps f and
	// g_k, the prototypes, a learned logit scale): what stays fixed when a new user is adapted.
	SharedParams int `json:"shared_params"`
	// ParamsPerUser is what one more user costs: K mixture weights for PAL, 0 for a model that
	// ignores who the user is.
	ParamsPerUser int `json:"params_per_user"`
	// FrozenParams counts parameters the model relies on but never trained: the frozen
	// foundation model that made the embeddings, as the spec declares it (embedding_params;
	// pal only ever sees its outputs), or what the spec declares for an imported score.
	FrozenParams   int      `json:"frozen_params"`
	Epochs         int      `json:"epochs"`     // epochs trained
	BestEpoch      int      `json:"best_epoch"` // epoch whose parameters were kept (early stopping)
	FinalTrainLoss float64  `json:"final_train_loss"`
	FinalValLoss   *float64 `json:"final_val_loss,omitempty"` // nil without a val split
	// Curve is the loss of every epoch of training (models.FillTraining). It is kept in the
	// run's analysis record (Analysis.Curve, AnalysisFile), not in result.json.
	Curve []EpochLoss `json:"-"`
}

// Column is one named scalar of a run, for runs.csv.
type Column struct {
	Name  string
	Value float64
}

// Columns flattens the scalar metrics in a fixed order: accuracy and loss per split (all six
// splits, so every row of runs.csv has the same columns), the few-shot curve, Bayes accuracies,
// parameter count and epochs. Missing values are NaN (written as empty cells).
func (m *Metrics) Columns(fewShotSizes []int) []Column {
	var cols []Column
	nan := math.NaN
	for _, sp := range SplitNames {
		v, ok := m.Splits[sp]
		acc, loss := nan(), nan()
		if ok {
			acc, loss = v.Accuracy, v.Loss
		}
		cols = append(cols, Column{"acc_" + sp, acc}, Column{"loss_" + sp, loss})
	}
	fs := map[int]float64{}
	for _, p := range m.FewShot {
		fs[p.PairsPerUser] = p.Accuracy
	}
	sizes := append([]int(nil), fewShotSizes...)
	sort.Ints(sizes)
	for _, n := range sizes {
		v, ok := fs[n]
		if !ok {
			v = nan()
		}
		cols = append(cols, Column{"fewshot_acc_" + strconv.Itoa(n), v})
	}
	for _, sp := range []string{"test", "unseen_test"} {
		v, ok := m.BayesAccuracy[sp]
		if !ok {
			v = nan()
		}
		cols = append(cols, Column{"bayes_acc_" + sp, v})
	}
	cols = append(cols,
		Column{"trainable_params", float64(m.TrainableParams)},
		Column{"shared_params", float64(m.SharedParams)},
		Column{"params_per_user", float64(m.ParamsPerUser)},
		Column{"frozen_params", float64(m.FrozenParams)},
		Column{"epochs", float64(m.Epochs)},
		Column{"best_epoch", float64(m.BestEpoch)},
		Column{"final_train_loss", m.FinalTrainLoss},
	)
	val := math.NaN()
	if m.FinalValLoss != nil {
		val = *m.FinalValLoss
	}
	cols = append(cols, Column{"final_val_loss", val})
	return cols
}

// NonFinite names the first non-finite value in m ("splits.train.loss = NaN"), or "" when all
// are finite. Such a run diverged, and result.json (JSON has no NaN) could not even store it.
func (m *Metrics) NonFinite() string {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	show := func(path string, x float64) string { return fmt.Sprintf("%s = %v", path, x) }
	for _, k := range slices.Sorted(maps.Keys(m.Splits)) {
		s := m.Splits[k]
		if bad(s.Accuracy) {
			return show("splits."+k+".accuracy", s.Accuracy)
		}
		if bad(s.Loss) {
			return show("splits."+k+".loss", s.Loss)
		}
	}
	for _, p := range m.FewShot {
		if bad(p.Accuracy) {
			return show(fmt.Sprintf("few_shot[%d].accuracy", p.PairsPerUser), p.Accuracy)
		}
		if bad(p.Loss) {
			return show(fmt.Sprintf("few_shot[%d].loss", p.PairsPerUser), p.Loss)
		}
	}
	if bad(m.FinalTrainLoss) {
		return show("final_train_loss", m.FinalTrainLoss)
	}
	if m.FinalValLoss != nil && bad(*m.FinalValLoss) {
		return show("final_val_loss", *m.FinalValLoss)
	}
	for _, g := range []struct {
		name string
		m    map[string]map[string]float64
	}{{"per_user_accuracy", m.PerUser}, {"per_group_accuracy", m.PerGroup}} {
		for _, sp := range slices.Sorted(maps.Keys(g.m)) {
			for _, k := range slices.Sorted(maps.Keys(g.m[sp])) {
				if bad(g.m[sp][k]) {
					return show(g.name+"."+sp+"."+k, g.m[sp][k])
				}
			}
		}
	}
	for _, g := range []struct {
		name string
		m    map[string]float64
	}{{"bayes_accuracy", m.BayesAccuracy}, {"expected_bayes_accuracy", m.ExpectedBayesAccuracy}} {
		for _, k := range slices.Sorted(maps.Keys(g.m)) {
			if bad(g.m[k]) {
				return show(g.name+"."+k, g.m[k])
			}
		}
	}
	return ""
}
