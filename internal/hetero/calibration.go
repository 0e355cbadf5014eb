package hetero

import "math"

// Bin is one bin of a reliability diagram: how many predictions fell in it, their mean
// predicted probability and the observed frequency of the event among them.
type Bin struct {
	N        int
	MeanProb float64
	Freq     float64
}

// ECE is the expected calibration error of a reliability histogram: sum over bins of
// (n_b / n) |freq_b - meanprob_b|, in probability units (0 for a perfectly calibrated model).
// NaN when no bin holds a prediction.
func ECE(bins []Bin) float64 {
	var n, s float64
	for _, b := range bins {
		n += float64(b.N)
		s += float64(b.N) * math.Abs(b.Freq-b.MeanProb)
	}
	if n == 0 {
		return math.NaN()
	}
	return s / n
}

// MergeBins adds up histograms of the same bins (several seeds): counts add, and the means
// are weighted by the counts.
func MergeBins(hs ...[]Bin) []Bin {
	if len(hs) == 0 {
		return nil
	}
	out := make([]Bin, len(hs[0]))
	for _, h := range hs {
		for i, b := range h {
			if i >= len(out) || b.N == 0 {
				continue
			}
			n := float64(out[i].N + b.N)
			out[i].MeanProb = (out[i].MeanProb*float64(out[i].N) + b.MeanProb*float64(b.N)) / n
			out[i].Freq = (out[i].Freq*float64(out[i].N) + b.Freq*float64(b.N)) / n
			out[i].N += b.N
		}
	}
	return out
}

// ChooseK is the one-standard-error rule on validation accuracy: given, per candidate K (in
// ascending order), the mean val accuracy over seeds and its standard error, the smallest K
// whose mean is within one standard error (of the best K's mean) of the best. ok is false
// when there are no candidates.
func ChooseK(ks []int, mean, se []float64) (k int, ok bool) {
	if len(ks) == 0 {
		return 0, false
	}
	best := 0
	for i := range ks {
		if mean[i] > mean[best] {
			best = i
		}
	}
	threshold := mean[best] - se[best]
	if math.IsNaN(threshold) {
		threshold = mean[best]
	}
	for i := range ks {
		if mean[i] >= threshold {
			return ks[i], true
		}
	}
	return ks[best], true
}
