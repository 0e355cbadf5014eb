package models

import (
	"math"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
)

// UserTable holds every user's K raw mixture weights W and turns them into the weights a
// batch needs: w = softmax(W/tau), or at evaluation with partition the one-hot argmax (the
// authors' UserLearner.get_hardmax_w, used when is_partition and the learner is in eval mode).
// Seen and unseen users live in separate parameters so that shared training moves only the seen
// ones and few-shot adaptation (FitUnseenUsers) only the unseen ones. PAL-A and PAL-B use it,
// and so can any personalized model whose user is a point on the K-simplex (a mixture of K
// rewards, a low-rank reward basis): it is the per-user part such a model shares.
type UserTable struct {
	k         int
	tau       float64
	partition bool
	seenW     *Param // seen users x K
	unseenW   *Param // unseen users x K
	userRow   []int  // user index -> row in seenW or unseenW
	userSeen  []bool
	// importance is 1/(training pairs) of each user in the pairs of the current fit (0 for a
	// user with none), for user weighting; set by setImportance.
	importance []float64
}

// NewUserTable draws seen users' W ~ N(0, 0.1^2) from rng and sets unseen users' W = 0 (the
// uniform mixture, the population's centre, until few-shot fitting moves them). Its parameters
// are "W" (group "user") and "W_unseen" (group "unseen"), the names model files use.
func NewUserTable(users []datasets.User, k int, tau float64, partition bool, rng *rand.Rand) *UserTable {
	t := &UserTable{k: k, tau: tau, partition: partition}
	seen, unseen := 0, 0
	for _, u := range users {
		t.userSeen = append(t.userSeen, u.Seen)
		if u.Seen {
			t.userRow = append(t.userRow, seen)
			seen++
		} else {
			t.userRow = append(t.userRow, unseen)
			unseen++
		}
	}
	t.seenW = NewParam("W", GroupUser, seen*k)
	for i := range t.seenW.Value {
		t.seenW.Value[i] = 0.1 * rng.NormFloat64()
	}
	t.unseenW = NewParam("W_unseen", GroupUnseen, unseen*k)
	return t
}

// K is the number of mixture weights per user.
func (t *UserTable) K() int { return t.k }

// Seen is the parameter of the seen users' raw weights (users x K, in user order).
func (t *UserTable) Seen() *Param { return t.seenW }

// Unseen is the parameter of the unseen users' raw weights (users x K, in user order).
func (t *UserTable) Unseen() *Param { return t.unseenW }

// Importance is each user's weight in the current fit (SetImportance): 1/(its pairs), 0 for a
// user without pairs.
func (t *UserTable) Importance() []float64 { return t.importance }

// UserW returns user u's raw weight row and its gradient row.
func (t *UserTable) UserW(u int) (w, g []float64) {
	p := t.unseenW
	if t.userSeen[u] {
		p = t.seenW
	}
	r := t.userRow[u] * t.k
	return p.Value[r : r+t.k], p.Grad[r : r+t.k]
}

// WeightsInto writes user u's mixture weights into out: softmax(W_u/tau), or the one-hot
// argmax when eval and partition.
func (t *UserTable) WeightsInto(u int, eval bool, out []float64) {
	w, _ := t.UserW(u)
	if eval && t.partition {
		clear(out)
		best := 0
		for k, v := range w {
			if v > w[best] {
				best = k
			}
		}
		out[best] = 1
		return
	}
	softmaxTau(w, t.tau, out)
}

// Weights returns user u's mixture weights softmax(W_u/tau) (training form).
func (t *UserTable) Weights(u int) []float64 {
	out := make([]float64, t.k)
	t.WeightsInto(u, false, out)
	return out
}

// MixWeights returns the B x K matrix of each pair's user's weights.
func (t *UserTable) MixWeights(pairs []datasets.Pair, eval bool) Matrix {
	wb := NewMatrix(len(pairs), t.k)
	t.MixWeightsInto(pairs, eval, wb)
	return wb
}

// MixWeightsInto writes each pair's user's weights into the rows of wb (len(pairs) x K).
func (t *UserTable) MixWeightsInto(pairs []datasets.Pair, eval bool, wb Matrix) {
	for i, p := range pairs {
		t.WeightsInto(p.User, eval, wb.Row(i))
	}
}

// SoftmaxBackward accumulates into W's gradient the softmax backward of gW (B x K, the gradient
// with respect to each pair's weights wb): dW = (1/tau) * w ⊙ (dw - <w, dw>).
func (t *UserTable) SoftmaxBackward(pairs []datasets.Pair, wb, gW Matrix) {
	for i, p := range pairs {
		w, gw := wb.Row(i), gW.Row(i)
		var dot float64
		for k := range w {
			dot += w[k] * gw[k]
		}
		_, grad := t.UserW(p.User)
		for k := range w {
			grad[k] += w[k] * (gw[k] - dot) / t.tau
		}
	}
}

// SetImportance counts each user's pairs in the pairs of a fit: the authors' count_user_samples
// over the training loader, importance 1/count.
func (t *UserTable) SetImportance(pairs []datasets.Pair) {
	counts := make([]int, len(t.userRow))
	for _, p := range pairs {
		counts[p.User]++
	}
	t.importance = make([]float64, len(counts))
	for u, c := range counts {
		if c > 0 {
			t.importance[u] = 1 / float64(c)
		}
	}
}

// softmaxTau writes softmax(w / tau) into out.
func softmaxTau(w []float64, tau float64, out []float64) {
	mx := math.Inf(-1)
	for _, v := range w {
		mx = math.Max(mx, v/tau)
	}
	var s float64
	for i, v := range w {
		out[i] = math.Exp(v/tau - mx)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
}
