package metrics

import (
	"math"
	"sort"
	"strconv"

	"github.com/pal-harness/pal/datasets"
)

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
}

// Scorer is what evaluation needs from a fitted model: Margin > 0 predicts that the user
// prefers Left, < 0 Right; 0 is a tie and counts as half right. Loss is the model's per-pair loss.
type Scorer interface {
	Margin(p datasets.Pair) float64
	PairLoss(p datasets.Pair) float64
}

// Correct is 1 when margin agrees with the label, 0 when it disagrees and 0.5 on a tie.
func Correct(margin float64, leftPreferred bool) float64 {
	switch {
	case margin == 0:
		return 0.5
	case (margin > 0) == leftPreferred:
		return 1
	default:
		return 0
	}
}

// EvaluateSplit computes accuracy and mean loss of s on pairs.
func EvaluateSplit(s Scorer, pairs []datasets.Pair) Split {
	var acc, loss float64
	for _, p := range pairs {
		acc += Correct(s.Margin(p), p.LeftPreferred)
		loss += s.PairLoss(p)
	}
	if len(pairs) == 0 {
		return Split{Pairs: 0}
	}
	n := float64(len(pairs))
	return Split{Accuracy: acc / n, Loss: loss / n, Pairs: len(pairs)}
}

// Evaluate fills Splits for every non-empty split of d, PerUser and PerGroup for test and
// unseen_test, and the Bayes accuracies. The other fields are left for the caller. For unseen
// users the figures are those of whatever fit of their weights the scorer holds (the models fit
// them on all of unseen_train before evaluating; the few-shot curve has the smaller fits).
func Evaluate(s Scorer, d *datasets.Data) Metrics {
	m := Metrics{
		Splits:   map[string]Split{},
		PerUser:  map[string]map[string]float64{},
		PerGroup: map[string]map[string]float64{},
	}
	for _, sp := range datasets.AllSplits {
		pairs := d.Splits[sp]
		if len(pairs) == 0 {
			continue
		}
		m.Splits[string(sp)] = EvaluateSplit(s, pairs)
		if sp == datasets.Test || sp == datasets.UnseenTest {
			m.PerUser[string(sp)], m.PerGroup[string(sp)] = breakdown(s, d, pairs)
		}
	}
	if len(m.PerGroup) == 0 {
		m.PerGroup = nil
	}
	m.BayesAccuracy = splitMap(d.BayesAccuracy)
	m.ExpectedBayesAccuracy = splitMap(d.ExpectedBayesAccuracy)
	return m
}

func breakdown(s Scorer, d *datasets.Data, pairs []datasets.Pair) (perUser, perGroup map[string]float64) {
	type tally struct{ right, n float64 }
	users, groups := map[string]*tally{}, map[string]*tally{}
	add := func(m map[string]*tally, k string, c float64) {
		t := m[k]
		if t == nil {
			t = &tally{}
			m[k] = t
		}
		t.right += c
		t.n++
	}
	for _, p := range pairs {
		c := Correct(s.Margin(p), p.LeftPreferred)
		u := d.Users[p.User]
		add(users, u.ID, c)
		if u.Group >= 0 {
			add(groups, strconv.Itoa(u.Group), c)
		}
	}
	perUser = map[string]float64{}
	for k, t := range users {
		perUser[k] = t.right / t.n
	}
	if len(groups) > 0 {
		perGroup = map[string]float64{}
		for k, t := range groups {
			perGroup[k] = t.right / t.n
		}
	}
	return perUser, perGroup
}

func splitMap(in map[datasets.Split]float64) map[string]float64 {
	if len(in) == 0 {
		return nil
	}
	out := map[string]float64{}
	for k, v := range in {
		out[string(k)] = v
	}
	return out
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
	for _, sp := range datasets.AllSplits {
		v, ok := m.Splits[string(sp)]
		acc, loss := nan(), nan()
		if ok {
			acc, loss = v.Accuracy, v.Loss
		}
		cols = append(cols, Column{"acc_" + string(sp), acc}, Column{"loss_" + string(sp), loss})
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
	for _, sp := range []datasets.Split{datasets.Test, datasets.UnseenTest} {
		v, ok := m.BayesAccuracy[string(sp)]
		if !ok {
			v = nan()
		}
		cols = append(cols, Column{"bayes_acc_" + string(sp), v})
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
