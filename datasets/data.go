package datasets

import (
	"fmt"
	"math"
)

// Split names one part of a data set. Seen users have train/val/test; users held out of the
// shared training (unseen users) have unseen_train (few-shot fitting), unseen_val (early stopping
// of that fit) and unseen_test (evaluation).
type Split string

// The splits of the interchange format, in the order reports list them.
const (
	Train       Split = "train"
	Val         Split = "val"
	Test        Split = "test"
	UnseenTrain Split = "unseen_train"
	UnseenVal   Split = "unseen_val"
	UnseenTest  Split = "unseen_test"
)

// AllSplits lists every split in report order.
var AllSplits = []Split{Train, Val, Test, UnseenTrain, UnseenVal, UnseenTest}

// ParseSplit maps a split name to a Split; ok is false for a name that is not a split.
func ParseSplit(s string) (Split, bool) {
	for _, sp := range AllSplits {
		if string(sp) == s {
			return sp, true
		}
	}
	return "", false
}

// Pair is one comparison: user User saw items Left and Right (row indices into Data.Items) and
// preferred Left when LeftPreferred is true.
type Pair struct {
	User          int
	Left, Right   int
	Prompt        int // row into Data.Prompts; -1 when the data has no prompts
	LeftPreferred bool
}

// User describes one annotator. Group and TrueWeights are ground truth, known only for
// synthetic and semi-synthetic data (Group -1 and nil weights otherwise).
type User struct {
	ID          string
	Seen        bool
	Group       int
	TrueWeights []float64
}

// Data is a preference data set: item embeddings stored once, users, and pairs per split.
//
// Embeddings are stored as float32, once, and pairs refer to them by row index: a
// Pick-a-Pic-sized set (1,000,000 items of dimension 1024) is 4 GB as float32 and would be
// 8 GB as float64. Models copy the rows of a mini-batch into their MLPs' input (float32 by
// default, widened for float64 MLPs).
type Data struct {
	Name  string
	Dim   int       // item embedding dimension D
	Items []float32 // row-major, NumItems() x Dim; may be a read-only memory mapping (ItemsMapped)

	PromptDim int       // 0 when there are no prompts
	Prompts   []float32 // row-major, len/PromptDim x PromptDim

	// ItemsMapped is informational: true when Items is a read-only memory mapping of
	// items.npy (LoadFiles of a little-endian float32 file), whose elements must not be
	// written (the process would crash with a fault).
	ItemsMapped bool

	Users  []User
	Splits map[Split][]Pair

	// NumGroups is the number of ground-truth groups (0 when unknown).
	NumGroups int
	// GroupNames names the groups 0..NumGroups-1 (nil when unknown). LoadFiles takes them from
	// users.csv in order of first appearance; the synthetic generator names them g0, g1, ...
	GroupNames []string
	// BayesAccuracy is, per split, the fraction of pairs whose label agrees with the noise-free
	// preference of the true model: the accuracy an oracle would measure on these very labels.
	// Nil when the truth is unknown.
	BayesAccuracy map[Split]float64
	// ExpectedBayesAccuracy is, per split, the mean over pairs of max(p, 1-p) where p is the true
	// probability that Left is preferred: the oracle's accuracy in expectation over label noise.
	ExpectedBayesAccuracy map[Split]float64

	// Fingerprint identifies the inputs (sha256 of generator parameters or of the files read).
	Fingerprint string

	// Truth is the generating model of synthetic data (nil for data read from files): what a
	// test or a report needs to compare a fitted model with the planted structure.
	Truth *GroundTruth

	// Dir is the folder the data was read from (bring-your-own data), "" for generated data:
	// files that refer to its pairs.csv by line (per-pair imported scores) live beside it.
	Dir string
	// Notes are caveats a report must show with results on this data, e.g. that text
	// embeddings are an offline stand-in for foundation-model features.
	Notes []string
}

// NumItems is the number of item rows.
func (d *Data) NumItems() int {
	if d.Dim == 0 {
		return 0
	}
	return len(d.Items) / d.Dim
}

// Item returns row i of the item embeddings (a view, not a copy).
func (d *Data) Item(i int) []float32 { return d.Items[i*d.Dim : (i+1)*d.Dim] }

// NumPrompts is the number of prompt rows.
func (d *Data) NumPrompts() int {
	if d.PromptDim == 0 {
		return 0
	}
	return len(d.Prompts) / d.PromptDim
}

// Prompt returns row i of the prompt embeddings (a view).
func (d *Data) Prompt(i int) []float32 { return d.Prompts[i*d.PromptDim : (i+1)*d.PromptDim] }

// SeenUsers and UnseenUsers return the indices of users by kind, in index order.
func (d *Data) SeenUsers() []int   { return d.usersWhere(true) }
func (d *Data) UnseenUsers() []int { return d.usersWhere(false) }

func (d *Data) usersWhere(seen bool) []int {
	var out []int
	for i, u := range d.Users {
		if u.Seen == seen {
			out = append(out, i)
		}
	}
	return out
}

// FirstPairsPerUser keeps, for each user, the first n of its pairs in the given order. It is how
// few-shot runs take "n pairs per unseen user" from unseen_train; generators and loaders store
// pairs in a random order so the first n are a random sample.
func FirstPairsPerUser(pairs []Pair, n int) []Pair {
	count := map[int]int{}
	var out []Pair
	for _, p := range pairs {
		if count[p.User] < n {
			out = append(out, p)
			count[p.User]++
		}
	}
	return out
}

// Validate checks internal consistency: indices in range, finite embeddings, seen users only in
// seen splits and unseen users only in unseen ones.
func (d *Data) Validate() error {
	if d.Dim <= 0 {
		return fmt.Errorf("data %q: item dimension %d, want > 0", d.Name, d.Dim)
	}
	if len(d.Items)%d.Dim != 0 {
		return fmt.Errorf("data %q: %d item values is not a multiple of dimension %d", d.Name, len(d.Items), d.Dim)
	}
	for i, v := range d.Items {
		if x := float64(v); math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("data %q: item %d has a non-finite value %v", d.Name, i/d.Dim, v)
		}
	}
	n, np := d.NumItems(), d.NumPrompts()
	for split, pairs := range d.Splits {
		unseen := split == UnseenTrain || split == UnseenVal || split == UnseenTest
		for j, p := range pairs {
			if p.User < 0 || p.User >= len(d.Users) {
				return fmt.Errorf("data %q: split %s pair %d: user %d out of range [0,%d)", d.Name, split, j, p.User, len(d.Users))
			}
			if p.Left < 0 || p.Left >= n || p.Right < 0 || p.Right >= n {
				return fmt.Errorf("data %q: split %s pair %d: item (%d,%d) out of range [0,%d)", d.Name, split, j, p.Left, p.Right, n)
			}
			if np > 0 && (p.Prompt < 0 || p.Prompt >= np) {
				return fmt.Errorf("data %q: split %s pair %d: prompt %d out of range [0,%d)", d.Name, split, j, p.Prompt, np)
			}
			if d.Users[p.User].Seen == unseen {
				return fmt.Errorf("data %q: split %s pair %d: user %q is %s but the split is for %s users",
					d.Name, split, j, d.Users[p.User].ID, seenWord(d.Users[p.User].Seen), seenWord(!unseen))
			}
		}
	}
	return nil
}

func seenWord(seen bool) string {
	if seen {
		return "seen"
	}
	return "unseen"
}

// ReadMatrixNPY reads a 2-D float32 or float64 .npy array in C order (as items.npy and
// prompts.npy are read) and returns it as row-major float64 values, exactly as stored (a
// float32 file widened, a float64 file as is). Errors name the file and the fix.
func ReadMatrixNPY(path string) (rows, cols int, data []float64, err error) {
	m, err := readMatrixNPY(path, false)
	if err != nil {
		return 0, 0, nil, err
	}
	return m.rows, m.cols, m.float64s(), nil
}

// Float32s returns v rounded to float32, the precision Data stores embeddings in: how a
// producer that computes in float64 (an embedder, a generator) fills Data.Items and
// Data.Prompts.
func Float32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
