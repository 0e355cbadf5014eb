package models

import (
	"fmt"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
)

// PrototypeGeometry is implemented by a fitted model whose prototypes are points in a learned
// space: the K x K distances between them, and a note saying which distance it is.
type PrototypeGeometry interface {
	PrototypeDistances() (dist [][]float64, note string)
}

// ProbabilityModel is implemented by a scorer whose margin is not the log-odds of "left
// preferred" (DPL's standardised difference z): ProbLeft is that probability, for the
// reliability histogram; without it the margin's sigmoid is used.
type ProbabilityModel interface {
	ProbLeft(margin float64) float64
}

// Analyze is the analysis record of a fitted, evaluated model s on d (metrics.Analysis): the
// users (ids, seen, true groups and weights when d knows them, pairs per split), the training
// curve out.Curve, the reliability histogram of sigmoid(margin) on the test splits (link is the
// loss the margins were trained with), and, when s has them, the users' mixture weights (a
// UserTable) and the prototypes' distances (PrototypeGeometry). Every model kind can call it
// and put the result in Fitted.Analysis; the runner stores it as metrics.AnalysisFile.
func Analyze(s Scorer, d *datasets.Data, out *metrics.Metrics, link string) *metrics.Analysis {
	a := &metrics.Analysis{Curve: out.Curve, PairCounts: map[string][]int{}}
	known := false
	for _, usr := range d.Users {
		a.UserIDs = append(a.UserIDs, usr.ID)
		a.Seen = append(a.Seen, usr.Seen)
		known = known || usr.Group >= 0
	}
	if known {
		a.Groups = make([]int, len(d.Users))
		for u, usr := range d.Users {
			a.Groups[u] = usr.Group
		}
		a.GroupNames = d.GroupNames
	}
	if len(d.Users) > 0 && len(d.Users[0].TrueWeights) > 0 {
		a.TrueWeights = make([][]float64, len(d.Users))
		for u, usr := range d.Users {
			a.TrueWeights[u] = roundAll(usr.TrueWeights)
		}
	}
	for _, sp := range datasets.AllSplits {
		pairs := d.Splits[sp]
		if len(pairs) == 0 {
			continue
		}
		counts := make([]int, len(d.Users))
		for _, p := range pairs {
			counts[p.User]++
		}
		a.PairCounts[string(sp)] = counts
	}
	if link == "cross_entropy" {
		link = "logistic"
	}
	for _, sp := range []datasets.Split{datasets.Test, datasets.UnseenTest} {
		pairs := d.Splits[sp]
		if len(pairs) == 0 {
			continue
		}
		prob := sigmoid
		if pm, ok := s.(ProbabilityModel); ok {
			prob = pm.ProbLeft
		}
		probs, left := make([]float64, len(pairs)), make([]bool, len(pairs))
		ForEachChunk(s, pairs, func(o int, chunk []datasets.Pair) {
			for i, p := range chunk {
				probs[o+i], left[o+i] = prob(s.Margin(p)), p.LeftPreferred
			}
		})
		if a.Calibration == nil {
			a.Calibration = map[string]metrics.Reliability{}
		}
		a.Calibration[string(sp)] = metrics.NewReliability(link, probs, left)
	}
	// Free user vectors (a user-ID embedding, a user's own reward) are not mixture weights: the
	// simplex, group-recovery and prototype analyses would read them as such, so they are left
	// out.
	_, free := s.(FreeUsers)
	if p, ok := s.(interface{ Users() *UserTable }); ok && p.Users() != nil && !free {
		t := p.Users()
		a.K = t.K()
		a.Weights = make([][]float64, len(d.Users))
		for u := range d.Users {
			a.Weights[u] = roundAll(t.Weights(u))
		}
	}
	if g, ok := s.(PrototypeGeometry); ok {
		a.PrototypeDistances, a.DistanceNote = g.PrototypeDistances()
		for _, row := range a.PrototypeDistances {
			copy(row, roundAll(row))
		}
	}
	return a
}

func roundAll(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = metrics.Round4(x)
	}
	return out
}

// distanceMatrix is the K x K Euclidean distances between the rows of p.
func distanceMatrix(p Matrix) [][]float64 {
	out := make([][]float64, p.Rows)
	for i := range out {
		out[i] = make([]float64, p.Rows)
		for j := range out[i] {
			out[i][j] = dist(p.Row(i), p.Row(j))
		}
	}
	return out
}

// PrototypeDistances implements PrototypeGeometry: the Euclidean distances between the K
// prototypes' ideal points in the mapped space (the ideal point of a user whose weight is all
// on one prototype). It needs prepareEval (done at the end of a fit).
func (m *PALA) PrototypeDistances() ([][]float64, string) {
	K := m.cfg.K
	eye := NewMatrix(K, K)
	for k := range K {
		eye.Row(k)[k] = 1
	}
	return distanceMatrix(m.idealPoints(eye)), fmt.Sprintf("Euclidean distance between the prototypes' ideal points in the learned space (ideal point %s)", m.cfg.IdealPoint)
}

// maxGeometryPrompts is the most prompts PAL-B's prototype distances are averaged over.
const maxGeometryPrompts = 10000

// PrototypeDistances implements PrototypeGeometry for PAL-B: the prototypes of prompt c are
// g_k(c); their Euclidean distances are averaged over every prompt of the data.
func (m *PALB) PrototypeDistances() ([][]float64, string) {
	K, d, np := m.cfg.K, m.f.Out, m.ds.NumPrompts()
	out := make([][]float64, K)
	for i := range out {
		out[i] = make([]float64, K)
	}
	// Every prompt up to maxGeometryPrompts, else that many evenly spaced: a million prompts
	// would cost seconds for a figure that a sample of them draws alike.
	step := max(1, (np+maxGeometryPrompts-1)/maxGeometryPrompts)
	n := 0
	for c := 0; c < np; c += step {
		row := m.promptCache.Row(c)
		for i := range K {
			for j := i + 1; j < K; j++ {
				v := dist(row[i*d:(i+1)*d], row[j*d:(j+1)*d])
				out[i][j] += v
				out[j][i] += v
			}
		}
		n++
	}
	for i := range out {
		for j := range out[i] {
			out[i][j] /= float64(max(n, 1))
		}
	}
	if n < np {
		return out, fmt.Sprintf("Euclidean distance between the prototypes g_k(c) in the learned space, averaged over %d evenly spaced prompts of %d", n, np)
	}
	return out, fmt.Sprintf("Euclidean distance between the prototypes g_k(c) in the learned space, averaged over the %d prompts", np)
}
