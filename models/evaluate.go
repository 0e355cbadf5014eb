package models

import (
	"fmt"
	"math"
	"strconv"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
)

// Scorer is what evaluation needs from a fitted model: Margin > 0 predicts that the user
// prefers Left, < 0 Right; 0 is a tie and counts as half right. PairLoss is the model's
// per-pair loss. Every model kind (PAL, the baselines, imported scores) is evaluated through
// it, by the same code.
type Scorer interface {
	Margin(p datasets.Pair) float64
	PairLoss(p datasets.Pair) float64
}

// Correct is 1 when margin agrees with the label, 0 when it disagrees and 0.5 on a tie. A
// non-finite margin is never right (Evaluate refuses it before counting).
func Correct(margin float64, leftPreferred bool) float64 {
	switch {
	case math.IsNaN(margin):
		return 0
	case margin == 0:
		return 0.5
	case (margin > 0) == leftPreferred:
		return 1
	default:
		return 0
	}
}

// nonFiniteError says which pair of which split got a NaN or infinite margin or loss: the model
// diverged, and an accuracy computed from such margins would be a number nobody measured.
func nonFiniteError(split string, j int, what string, v float64) error {
	return fmt.Errorf("%w: %s of pair %d of split %s is %v (try a smaller learning rate)", ErrDiverged, what, j, split, v)
}

// Prefetcher is implemented by a scorer whose Margin reads a cache it fills on demand (PAL's
// lazy cache of f over the items, at sizes where every item's row would not fit beside the
// items): Prefetch readies the pairs' rows in one pass of f. Loops over many pairs call it for
// each chunk (ForEachChunk) before asking for their margins.
type Prefetcher interface {
	Prefetch(pairs []datasets.Pair)
}

// ForEachChunk calls fn for each chunk of at most evalChunk pairs, in order, after s's
// Prefetch of the chunk when s has one.
func ForEachChunk(s Scorer, pairs []datasets.Pair, fn func(offset int, chunk []datasets.Pair)) {
	pf, _ := s.(Prefetcher)
	for o := 0; o < len(pairs); o += evalChunk {
		chunk := pairs[o:min(o+evalChunk, len(pairs))]
		if pf != nil {
			pf.Prefetch(chunk)
		}
		fn(o, chunk)
	}
}

// EvaluateSplit computes accuracy and mean loss of s on pairs (named split in errors). A
// non-finite margin or loss is an error wrapping ErrDiverged.
func EvaluateSplit(s Scorer, split string, pairs []datasets.Pair) (metrics.Split, error) {
	var acc, loss float64
	var err error
	ForEachChunk(s, pairs, func(o int, chunk []datasets.Pair) {
		if err == nil {
			acc, loss, err = scoreChunk(s, split, o, chunk, acc, loss)
		}
	})
	if err != nil {
		return metrics.Split{}, err
	}
	if len(pairs) == 0 {
		return metrics.Split{Pairs: 0}, nil
	}
	n := float64(len(pairs))
	return metrics.Split{Accuracy: acc / n, Loss: loss / n, Pairs: len(pairs)}, nil
}

// scoreChunk adds the chunk's correct predictions and losses (pairs from offset o on) to acc and
// loss, in pair order.
func scoreChunk(s Scorer, split string, o int, pairs []datasets.Pair, acc, loss float64) (float64, float64, error) {
	for jj, p := range pairs {
		j := o + jj
		m := s.Margin(p)
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return acc, loss, nonFiniteError(split, j, "the margin", m)
		}
		l := s.PairLoss(p)
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return acc, loss, nonFiniteError(split, j, "the loss", l)
		}
		acc += Correct(m, p.LeftPreferred)
		loss += l
	}
	return acc, loss, nil
}

// Evaluate fills Splits for every non-empty split of d, PerUser and PerGroup for test and
// unseen_test, and the Bayes accuracies. The other fields are left for the caller. For unseen
// users the figures are those of whatever fit of their weights the scorer holds (the models fit
// them on all of unseen_train before evaluating; the few-shot curve has the smaller fits).
func Evaluate(s Scorer, d *datasets.Data) (metrics.Metrics, error) {
	m := metrics.Metrics{
		Splits:   map[string]metrics.Split{},
		PerUser:  map[string]map[string]float64{},
		PerGroup: map[string]map[string]float64{},
	}
	for _, sp := range datasets.AllSplits {
		pairs := d.Splits[sp]
		if len(pairs) == 0 {
			continue
		}
		res, err := EvaluateSplit(s, string(sp), pairs)
		if err != nil {
			return metrics.Metrics{}, err
		}
		m.Splits[string(sp)] = res
		if sp == datasets.Test || sp == datasets.UnseenTest {
			m.PerUser[string(sp)], m.PerGroup[string(sp)] = breakdown(s, d, pairs)
		}
	}
	if len(m.PerGroup) == 0 {
		m.PerGroup = nil
	}
	m.BayesAccuracy = splitMap(d.BayesAccuracy)
	m.ExpectedBayesAccuracy = splitMap(d.ExpectedBayesAccuracy)
	return m, nil
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
	ForEachChunk(s, pairs, func(_ int, chunk []datasets.Pair) {
		for _, p := range chunk {
			c := Correct(s.Margin(p), p.LeftPreferred)
			u := d.Users[p.User]
			add(users, u.ID, c)
			if u.Group >= 0 {
				add(groups, strconv.Itoa(u.Group), c)
			}
		}
	})
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

// SameForEveryUser fills the few-shot curve of a model that ignores who the user is (BTL, an
// imported score): every point is its unseen_test accuracy, since no pair of the new users
// changes it. The points are there so charts draw such a model beside the personalized ones.
func SameForEveryUser(out *metrics.Metrics, fc *FewShotConfig) {
	s, ok := out.Splits[string(datasets.UnseenTest)]
	if !ok || fc == nil {
		return
	}
	for _, n := range fc.PairsPerUser {
		out.FewShot = append(out.FewShot, metrics.FewShotPoint{PairsPerUser: n, Accuracy: s.Accuracy, Loss: s.Loss, Pairs: s.Pairs})
	}
}
