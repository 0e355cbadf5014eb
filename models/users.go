package models

import (
	"math"
	"math/rand/v2"

	"github.com/pal-harness/pal/datasets"
)

// userTable holds every user's K raw mixture weights W and turns them into the weights a
// batch needs: w = softmax(W/tau), or at evaluation with partition the one-hot argmax (the
// authors' UserLearner.get_hardmax_w, used when is_partition and the learner is in eval mode).
// Seen and unseen users live in separate parameters so that shared training moves only the seen
// ones and few-shot adaptation only the unseen ones. PAL-A and PAL-B share it.
type userTable struct {
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

// newUserTable draws seen users' W ~ N(0, 0.1^2) from rng and sets unseen users' W = 0 (the
// uniform mixture, the population's centre, until few-shot fitting moves them).
func newUserTable(users []datasets.User, k int, tau float64, partition bool, rng *rand.Rand) *userTable {
	t := &userTable{k: k, tau: tau, partition: partition}
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
	t.seenW = newParam("W", groupUser, seen*k)
	for i := range t.seenW.Value {
		t.seenW.Value[i] = 0.1 * rng.NormFloat64()
	}
	t.unseenW = newParam("W_unseen", groupUnseen, unseen*k)
	return t
}

// userW returns user u's raw weight row and its gradient row.
func (t *userTable) userW(u int) (w, g []float64) {
	p := t.unseenW
	if t.userSeen[u] {
		p = t.seenW
	}
	r := t.userRow[u] * t.k
	return p.Value[r : r+t.k], p.Grad[r : r+t.k]
}

// weightsInto writes user u's mixture weights into out: softmax(W_u/tau), or the one-hot
// argmax when eval and partition.
func (t *userTable) weightsInto(u int, eval bool, out []float64) {
	w, _ := t.userW(u)
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

// mixWeights returns the B x K matrix of each pair's user's weights.
func (t *userTable) mixWeights(pairs []datasets.Pair, eval bool) Matrix {
	wb := NewMatrix(len(pairs), t.k)
	t.mixWeightsInto(pairs, eval, wb)
	return wb
}

// mixWeightsInto writes each pair's user's weights into the rows of wb (len(pairs) x K).
func (t *userTable) mixWeightsInto(pairs []datasets.Pair, eval bool, wb Matrix) {
	for i, p := range pairs {
		t.weightsInto(p.User, eval, wb.Row(i))
	}
}

// softmaxBackward accumulates into W's gradient the softmax backward of gW (B x K, the gradient
// with respect to each pair's weights wb): dW = (1/tau) * w ⊙ (dw - <w, dw>).
func (t *userTable) softmaxBackward(pairs []datasets.Pair, wb, gW Matrix) {
	for i, p := range pairs {
		w, gw := wb.Row(i), gW.Row(i)
		var dot float64
		for k := range w {
			dot += w[k] * gw[k]
		}
		_, grad := t.userW(p.User)
		for k := range w {
			grad[k] += w[k] * (gw[k] - dot) / t.tau
		}
	}
}

// setImportance counts each user's pairs in the pairs of a fit: the authors' count_user_samples
// over the training loader, importance 1/count.
func (t *userTable) setImportance(pairs []datasets.Pair) {
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
