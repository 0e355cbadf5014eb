package metrics

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// AnalysisFile is the name of a run's analysis record in its folder (beside result.json).
const AnalysisFile = "analysis.json.gz"

// Analysis is what a run keeps for the report's heterogeneity analyses besides result.json:
// who the users are (true group when the data has one, pairs per split), what the model learned
// about them (mixture weights on the K-simplex), the prototypes' geometry, the training curve
// and the reliability of its predicted probabilities. Every model kind may fill the parts it
// has (models.Analyze); per-user slices are in the data's user order (UserIDs).
//
// It is written gzipped (EncodeAnalysis): a 5,000-user run stays well under a megabyte.
type Analysis struct {
	UserIDs []string `json:"user_ids"`
	Seen    []bool   `json:"seen"`
	// Groups is each user's ground-truth group (-1 for a user without one); nil when the data
	// knows no groups. GroupNames names groups 0..n-1.
	Groups     []int    `json:"groups,omitempty"`
	GroupNames []string `json:"group_names,omitempty"`
	// TrueWeights is each user's true mixture weights (synthetic data); nil when unknown.
	TrueWeights [][]float64 `json:"true_weights,omitempty"`
	// PairCounts is, per split name, each user's number of pairs.
	PairCounts map[string][]int `json:"pair_counts,omitempty"`

	// K is the number of mixture weights per user (0 for a model without them).
	K int `json:"k,omitempty"`
	// Weights is each user's learned mixture weights softmax(W_u/tau) (unseen users after their
	// few-shot fit on all of unseen_train), rounded to 4 decimals.
	Weights [][]float64 `json:"weights,omitempty"`
	// PrototypeDistances is the K x K matrix of distances between the prototypes' ideal points
	// in the model's learned space; DistanceNote says which distance (and, for prompt-dependent
	// prototypes, over how many prompts it is averaged).
	PrototypeDistances [][]float64 `json:"prototype_distances,omitempty"`
	DistanceNote       string      `json:"distance_note,omitempty"`

	// Curve is the training and validation loss of every epoch of the shared training.
	Curve []EpochLoss `json:"curve,omitempty"`
	// Calibration is, per evaluated split (test, unseen_test), the reliability histogram of
	// the predicted probability that the left item is preferred.
	Calibration map[string]Reliability `json:"calibration,omitempty"`
}

// EpochLoss is one epoch of training: the mean training loss over its mini-batches and the
// val loss after it (nil without val pairs).
type EpochLoss struct {
	Epoch int      `json:"epoch"`
	Train float64  `json:"train"`
	Val   *float64 `json:"val,omitempty"`
}

// Reliability is a reliability histogram: the predicted probability that the left item is
// preferred, sigmoid(margin), in equal-width bins over [0, 1].
type Reliability struct {
	// Link says what the probability is: "logistic" when the model was trained with a logistic
	// (or two-way cross-entropy) loss, so sigmoid(margin) is its own probability; otherwise
	// the loss's name, whose margins are scores and not log-odds.
	Link string           `json:"link"`
	Bins []ReliabilityBin `json:"bins"`
}

// ReliabilityBin is one bin [Lo, Hi) of predicted probabilities (the last bin includes 1).
type ReliabilityBin struct {
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
	N        int     `json:"n"`
	MeanProb float64 `json:"mean_prob"` // mean predicted probability of the bin's pairs
	FracLeft float64 `json:"frac_left"` // fraction of them whose left item was preferred
}

// ReliabilityBins is the number of bins of Reliability.
const ReliabilityBins = 10

// NewReliability bins predicted probabilities probs with their outcomes (left preferred).
func NewReliability(link string, probs []float64, left []bool) Reliability {
	r := Reliability{Link: link, Bins: make([]ReliabilityBin, ReliabilityBins)}
	sumP, sumY := make([]float64, ReliabilityBins), make([]float64, ReliabilityBins)
	for i, p := range probs {
		b := min(int(p*ReliabilityBins), ReliabilityBins-1)
		b = max(b, 0)
		r.Bins[b].N++
		sumP[b] += p
		if left[i] {
			sumY[b]++
		}
	}
	for b := range r.Bins {
		r.Bins[b].Lo, r.Bins[b].Hi = float64(b)/ReliabilityBins, float64(b+1)/ReliabilityBins
		if n := float64(r.Bins[b].N); n > 0 {
			r.Bins[b].MeanProb, r.Bins[b].FracLeft = Round4(sumP[b]/n), Round4(sumY[b]/n)
		}
	}
	return r
}

// Round4 rounds x to 4 decimals: plenty for weights and probabilities, and it keeps the file
// small.
func Round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// EncodeAnalysis writes a as gzipped JSON, the same bytes for the same record (no time or name
// in the gzip header).
func EncodeAnalysis(a *Analysis) ([]byte, error) {
	js, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encoding the analysis record: %w", err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(js); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodeAnalysis reads what EncodeAnalysis wrote.
func DecodeAnalysis(b []byte) (*Analysis, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	js, err := io.ReadAll(io.LimitReader(zr, 1<<30))
	if err != nil {
		return nil, err
	}
	var a Analysis
	if err := json.Unmarshal(js, &a); err != nil {
		return nil, err
	}
	return &a, nil
}
