package hetero

import (
	"math"
)

// contingency counts the pairs (a[i], b[i]) for labels >= 0 (a negative label, an unknown
// group, leaves the element out): the table, its row and column sums and the total.
func contingency(a, b []int) (tab map[[2]int]float64, rows, cols map[int]float64, n float64) {
	tab, rows, cols = map[[2]int]float64{}, map[int]float64{}, map[int]float64{}
	for i := range a {
		if a[i] < 0 || b[i] < 0 {
			continue
		}
		tab[[2]int{a[i], b[i]}]++
		rows[a[i]]++
		cols[b[i]]++
		n++
	}
	return tab, rows, cols, n
}

func choose2(x float64) float64 { return x * (x - 1) / 2 }

// ARI is the adjusted Rand index of two labellings of the same elements (Hubert and Arabie
// 1985): 1 for identical partitions (up to renaming), about 0 for independent ones. Elements
// with a negative label in either are left out. Two trivial partitions (every element in one
// cluster, or every element alone) that agree give 1; NaN for fewer than two elements.
func ARI(a, b []int) float64 {
	tab, rows, cols, n := contingency(a, b)
	if n < 2 {
		return math.NaN()
	}
	var sumTab, sumRows, sumCols float64
	for _, v := range tab {
		sumTab += choose2(v)
	}
	for _, v := range rows {
		sumRows += choose2(v)
	}
	for _, v := range cols {
		sumCols += choose2(v)
	}
	expected := sumRows * sumCols / choose2(n)
	maxIndex := (sumRows + sumCols) / 2
	if maxIndex == expected { // both partitions trivial in the same way
		return 1
	}
	return (sumTab - expected) / (maxIndex - expected)
}

// NMI is the normalised mutual information of two labellings, I(A;B) / ((H(A)+H(B))/2) (the
// arithmetic normalisation, scikit-learn's default): 1 for identical partitions, 0 for
// independent ones. When both have a single cluster it is 1; when only one does, 0. Elements
// with a negative label in either are left out; NaN for none.
func NMI(a, b []int) float64 {
	tab, rows, cols, n := contingency(a, b)
	if n == 0 {
		return math.NaN()
	}
	h := func(m map[int]float64) float64 {
		var s float64
		for _, v := range m {
			p := v / n
			s -= p * math.Log(p)
		}
		return s
	}
	ha, hb := h(rows), h(cols)
	if ha == 0 && hb == 0 {
		return 1
	}
	var mi float64
	for k, v := range tab {
		mi += v / n * math.Log(v*n/(rows[k[0]]*cols[k[1]]))
	}
	return math.Max(0, mi/((ha+hb)/2))
}

// Hungarian returns the assignment of rows to columns of cost (n x m, n <= m) that minimises
// the total cost: assign[i] is row i's column. Exact, by trying every assignment with
// branch-and-bound pruning; meant for the small matrices of prototypes against groups (it
// refuses n > 10).
func Hungarian(cost [][]float64) []int {
	n := len(cost)
	if n == 0 {
		return nil
	}
	m := len(cost[0])
	if n > m || n > 10 {
		panic("hetero.Hungarian: needs rows <= columns and rows <= 10")
	}
	best, bestCost := make([]int, n), math.Inf(1)
	cur, used := make([]int, n), make([]bool, m)
	var walk func(i int, sum float64)
	walk = func(i int, sum float64) {
		if sum >= bestCost {
			return
		}
		if i == n {
			bestCost = sum
			copy(best, cur)
			return
		}
		for j := range m {
			if !used[j] {
				used[j], cur[i] = true, j
				walk(i+1, sum+cost[i][j])
				used[j] = false
			}
		}
	}
	walk(0, 0)
	return best
}

// Argmax is the index of the largest value (the first of equal ones).
func Argmax(xs []float64) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}

// Entropy is -sum p log p (natural log) of a probability vector; zero entries count 0.
func Entropy(p []float64) float64 {
	var s float64
	for _, x := range p {
		if x > 0 {
			s -= x * math.Log(x)
		}
	}
	return s
}

// EffectiveNumber is exp(Entropy(p)): how many equally used components p is worth (1 for a
// one-hot p, K for the uniform one).
func EffectiveNumber(p []float64) float64 { return math.Exp(Entropy(p)) }

// MeanVector is the element-wise mean of equal-length rows.
func MeanVector(rows [][]float64) []float64 {
	if len(rows) == 0 {
		return nil
	}
	out := make([]float64, len(rows[0]))
	for _, r := range rows {
		for k, v := range r {
			out[k] += v
		}
	}
	for k := range out {
		out[k] /= float64(len(rows))
	}
	return out
}

// TV is the total-variation distance between two probability vectors, half their L1
// distance: 0 for equal vectors, 1 for disjoint supports.
func TV(p, q []float64) float64 {
	var s float64
	for k := range p {
		s += math.Abs(p[k] - q[k])
	}
	return s / 2
}

// MatchPrototypes matches learned prototypes (columns of learned, users x K) to true groups
// (columns of truth, users x G, G <= K): the assignment of every true component to a distinct
// prototype that maximises the summed agreement sum_u learned[u][proto] * truth[u][group]
// (Hungarian). match[g] is the prototype of true component g.
func MatchPrototypes(learned, truth [][]float64) []int {
	if len(truth) == 0 {
		return nil
	}
	G, K := len(truth[0]), len(learned[0])
	if G > K {
		return nil
	}
	cost := make([][]float64, G)
	for g := range cost {
		cost[g] = make([]float64, K)
		for u := range truth {
			for k := range K {
				cost[g][k] -= learned[u][k] * truth[u][g]
			}
		}
	}
	return Hungarian(cost)
}

// MatchedTV is the mean over users of the total-variation distance between the true weights
// and the learned weights folded onto the true components by match (MatchPrototypes):
// learned weight on prototypes no component is matched to counts as mass in the wrong place.
func MatchedTV(learned, truth [][]float64, match []int) float64 {
	var s float64
	for u := range truth {
		var d float64
		matched := 0.0
		for g, k := range match {
			d += math.Abs(learned[u][k] - truth[u][g])
			matched += learned[u][k]
		}
		d += math.Max(0, 1-matched) // the mass on unmatched prototypes
		s += d / 2
	}
	return s / float64(len(truth))
}
