package tldr

import (
	"crypto/sha256"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/seeds"
)

// BuilderVersion is part of every fingerprint: bump it when the same files and options start
// giving different data.
const BuilderVersion = 2 // 2: embeddings stored as float32

// CatalogName is the `pal data fetch` name of the comparison files.
const CatalogName = "reddit-tldr"

// AuthorsUnseenMajority are the unseen workers the PAL authors assign to the majority (prefer
// the longer summary); every other unseen worker is in the minority. The list is hard-coded in
// their code (src/summary_dataset_utils.py, preprocess_unseen_ds, commented "35 random users"
// though it holds 22): of the 31 unseen users of the real data, 22 are majority.
var AuthorsUnseenMajority = []string{
	"RMwrIV50cNusBthNvLs1wSNdqFpQAg", "M4bdOszgybjO2qg2Dth5I1GOYAvE7V",
	"gMlGeJl1vsMERrbmC7W717zpVevUh8", "OKFDIsAZl6Qa0m9x26f5Ao4S0uc7Ca",
	"uvzut5OK2bvei9zoCDdktcfLENYioY", "iL7GfrbN2PeB3KInidqSxUdxYcTZmG",
	"BYcMzzjuFgaA59QDKoAgY07PyyG0qC", "p7cM83bE3XsWlS9lTIvYCNfCVgOeTK",
	"rmgbTjW1stlproQnuHE2bUpK78Jxle", "FCzllSEpfOHCBBEJqq4VeHRQR5JdoX",
	"P2p07Up4eJyvxrrVYgwtb60krbFbxI", "qNGw27c8LHVPn31uJvjg3k0MZQcqQv",
	"thott7XepukYSbOL2QgSlyXd0rgHvr", "3AFaFd3w9NjDGnO51kupLyK1N44DQ2",
	"I2enBRrckFHw3KjJRSfKgsBwg4tmZy", "D8z53gLFLFqhZowaegbtxmSGa0jqv0",
	"a0nhcJKlk2aO06xuBTMkeHdx8MDY5w", "EeOYhWlpz7e45kXvg0RrfkjalZgkiz",
	"a7zXgbkuY6lk3vdt0q2Qf7SrZQgZ86", "9UQLCFxeYndGNfHEUP3yRt8XZhrrPr",
	"9YhRKOwkljIQ3NKf5CCV7BGjOcdPHu", "mjwVX7RHTcfOfLTYGdBvms3vy8LTtP",
}

// The paper's counts for the real files (PAL.md §3.5), for Stats to show beside ours.
const (
	PaperTrain          = 20969
	PaperVal            = 2330
	PaperTest           = 4921
	PaperUnseenUsers    = 31
	PaperUnseenMajority = 22
)

// Options are the construction's knobs; DefaultOptions is the authors' construction.
type Options struct {
	SeenUsers        int     // the most active workers of the kept train split (10)
	MinorityRanks    []int   // 0-based activity ranks that prefer the shorter summary ({3,4,5})
	ValFraction      float64 // of the seen users' train pool, stratified by user (0.1)
	MinUnseenPairs   int     // kept validation-split pairs an unseen worker needs (100)
	UnseenTrainPairs int     // per unseen user, the few-shot pool (100)
	UnseenValPairs   int     // per unseen user, for few-shot early stopping (0)
	SplitSeed        uint64  // draws of the stratified split and the unseen pools (42)
}

// DefaultOptions is the PAL authors' construction.
func DefaultOptions() Options {
	return Options{SeenUsers: 10, MinorityRanks: []int{3, 4, 5}, ValFraction: 0.1, MinUnseenPairs: 100,
		UnseenTrainPairs: 100, UnseenValPairs: 0, SplitSeed: 42}
}

// User is a worker of the constructed data set.
type User struct {
	ID       string
	Seen     bool
	Rank     int  // 0-based activity rank among seen users (by kept train pairs); -1 for unseen
	Minority bool // prefers the shorter summary
	Kept     int  // kept pairs that ranked the worker (train split for seen, validation for unseen)
}

// Pair is one labelled comparison: the post and the two summaries in the file's order.
type Pair struct {
	User          int
	Post          string
	Left, Right   string // summaries[0] and summaries[1]
	LeftPreferred bool
	Tie           bool // equal lengths: the rule gives the right summary (the authors' y = +1)
}

// Construction is the labelled, split data set before embedding.
type Construction struct {
	Users  []User
	Splits map[datasets.Split][]Pair
	Stats  Stats
	sum    []byte // digest of the files read and the options
}

// runeLen is the length Python's len() gives a str: the number of code points.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// label applies the length rule. In the authors' code (generate_dataset_wo_embed) a minority
// worker gets y = -1 (LEFT preferred) when len(left) < len(right) and y = +1 otherwise; a
// majority worker y = -1 when len(left) > len(right) and y = +1 otherwise. So equal lengths
// give y = +1, the RIGHT summary, for both. Here LeftPreferred is y == -1.
func label(left, right string, minority bool) (leftPreferred, tie bool) {
	l, r := runeLen(left), runeLen(right)
	if minority {
		return l < r, l == r
	}
	return l > r, l == r
}

// supervisedOnly is the authors' selection_predicate: both policies contain "sup" and neither
// contains "ppo".
func supervisedOnly(c *comparison) bool {
	for _, p := range c.policy {
		if !strings.Contains(p, "sup") || strings.Contains(p, "ppo") {
			return false
		}
	}
	return true
}

func (c *comparison) hasTexts() bool { return c.post != nil && c.text[0] != nil && c.text[1] != nil }

// rankWorkers counts the comparisons of each (non-null) worker and orders the workers by count,
// most first; equal counts keep the order of first appearance (the files in ComparisonFiles
// order, lines in order). pandas' value_counts, which the authors call, sorts by count with a
// sort that is not guaranteed stable: if two workers around a cut-off tie, the authors' choice
// could differ; Stats reports such ties.
func rankWorkers(cs []*comparison) (order []string, count map[string]int) {
	count = map[string]int{}
	for _, c := range cs {
		if c.worker == "" {
			continue
		}
		if count[c.worker] == 0 {
			order = append(order, c.worker)
		}
		count[c.worker]++
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	return order, count
}

// Construct applies the PAL authors' Reddit TL;DR construction (PAL.md §3.5; their
// src/summary_dataset_utils.py and src/dataset_factory.py) to the comparison files in dir:
//
//  1. Read the files of ComparisonFiles present in dir; "train" lines form the train split,
//     "valid1" and "valid2" lines the validation split (as the Hugging Face loader does).
//  2. Keep pairs whose two policies both contain "sup" and neither "ppo".
//  3. Seen users: the opt.SeenUsers (10) workers with the most kept train pairs, ranked by
//     count (ties: first appearance). Ranks opt.MinorityRanks (3, 4, 5) prefer the shorter
//     summary, the others the longer, by length in characters (code points); the human choice
//     is discarded; equal lengths prefer the right summary (the authors' y = +1).
//  4. Pairs with a null post or summary are dropped (after the counting, as the authors do).
//  5. The seen users' kept train pairs split train/val with ceil(opt.ValFraction*n) in val,
//     stratified by user as scikit-learn's train_test_split does (per-user train counts by
//     largest remainder); which pairs go where is drawn with opt.SplitSeed (the authors used
//     scikit-learn's random_state=42, whose draws this cannot reproduce: counts match, the
//     chosen pairs do not).
//  6. Test: the seen users' kept validation-split pairs.
//  7. Unseen users: validation-split workers outside the seen users with at least
//     opt.MinUnseenPairs kept pairs. Those in AuthorsUnseenMajority prefer the longer summary,
//     the others the shorter. Each one's pairs are shuffled (opt.SplitSeed): the first
//     opt.UnseenTrainPairs form unseen_train (few-shot runs take its first N per user, N in
//     {1, 2, 5, 10, 20, 50, 100}), the next opt.UnseenValPairs unseen_val, the rest unseen_test.
//     The authors instead drew N training pairs per N (train_test_split, random_state=42) and
//     tested on the rest, so their test set changed with N and also served as validation;
//     here the test set is fixed and never used for early stopping.
//
// Every split is stored in a seeded random order.
func Construct(dir string, opt Options) (*Construction, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "reddit-tldr builder v%d\n%d %v %g %d %d %d %d\n", BuilderVersion, opt.SeenUsers, opt.MinorityRanks,
		opt.ValFraction, opt.MinUnseenPairs, opt.UnseenTrainPairs, opt.UnseenValPairs, opt.SplitSeed)
	all, read, missing, err := readFiles(dir, h)
	if err != nil {
		return nil, err
	}
	st := Stats{Dir: dir, FilesRead: read, FilesMissing: missing, Lines: len(all)}
	var train, valid []*comparison
	for i := range all {
		c := &all[i]
		if c.valid {
			st.ValidationLines++
		} else {
			st.TrainLines++
		}
		if !supervisedOnly(c) {
			continue
		}
		if c.valid {
			valid = append(valid, c)
		} else {
			train = append(train, c)
		}
	}
	st.KeptTrain, st.KeptValidation = len(train), len(valid)

	order, count := rankWorkers(train)
	if len(order) < opt.SeenUsers {
		return nil, fmt.Errorf("%s: only %d workers have kept train pairs, fewer than the %d seen users the construction needs", dir, len(order), opt.SeenUsers)
	}
	if opt.SeenUsers < len(order) && count[order[opt.SeenUsers-1]] == count[order[opt.SeenUsers]] {
		st.CutoffTie = fmt.Sprintf("workers %s and %s both have %d kept train pairs at the cut-off between rank %d and %d; the first appearance decided",
			order[opt.SeenUsers-1], order[opt.SeenUsers], count[order[opt.SeenUsers]], opt.SeenUsers-1, opt.SeenUsers)
	}
	con := &Construction{Splits: map[datasets.Split][]Pair{}}
	index := map[string]int{}
	for r, w := range order[:opt.SeenUsers] {
		index[w] = len(con.Users)
		con.Users = append(con.Users, User{ID: w, Seen: true, Rank: r, Minority: slices.Contains(opt.MinorityRanks, r), Kept: count[w]})
	}

	// Unseen workers, counted on every kept validation pair (null texts included).
	var outside []*comparison
	for _, c := range valid {
		if _, seen := index[c.worker]; !seen {
			outside = append(outside, c)
		}
	}
	uorder, ucount := rankWorkers(outside)
	majority := map[string]bool{}
	for _, w := range AuthorsUnseenMajority {
		majority[w] = true
	}
	for _, w := range uorder {
		if ucount[w] < opt.MinUnseenPairs {
			break // sorted by count
		}
		index[w] = len(con.Users)
		con.Users = append(con.Users, User{ID: w, Rank: -1, Minority: !majority[w], Kept: ucount[w]})
	}

	// Labelled pools per user.
	trainPool := make([][]Pair, len(con.Users))
	testPool := make([][]Pair, len(con.Users))
	add := func(pools [][]Pair, c *comparison) {
		u, ok := index[c.worker]
		if !ok {
			return
		}
		if !c.hasTexts() {
			st.DroppedNull++
			return
		}
		lp, tie := label(*c.text[0], *c.text[1], con.Users[u].Minority)
		if tie {
			st.Ties++
		}
		if *c.text[0] == *c.text[1] {
			st.IdenticalSummaries++
		}
		pools[u] = append(pools[u], Pair{User: u, Post: *c.post, Left: *c.text[0], Right: *c.text[1], LeftPreferred: lp, Tie: tie})
	}
	for _, c := range train {
		if u, ok := index[c.worker]; ok && con.Users[u].Seen {
			add(trainPool, c)
		}
	}
	for _, c := range valid {
		add(testPool, c) // seen users' test pairs and unseen users' pools
	}

	// Train/val: per-user train counts as scikit-learn's stratified split allocates them.
	seen := 0
	for _, u := range con.Users {
		if u.Seen {
			seen++
		}
	}
	sizes := make([]int, seen)
	for u := 0; u < seen; u++ {
		sizes[u] = len(trainPool[u])
	}
	trainCounts := stratifiedTrainCounts(sizes, opt.ValFraction, seeds.PCG(opt.SplitSeed, seeds.SplitStratify))
	for u := 0; u < seen; u++ {
		pool := trainPool[u]
		// With more than 900 seen users, ranks 900..905 share streams with the split shuffles
		// below (seeds.SplitSeenUser, streams.go); kept, as moving them would change the data.
		r := seeds.SplitSeenUser.Rand(opt.SplitSeed, u)
		r.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
		con.Splits[datasets.Train] = append(con.Splits[datasets.Train], pool[:trainCounts[u]]...)
		con.Splits[datasets.Val] = append(con.Splits[datasets.Val], pool[trainCounts[u]:]...)
		con.Splits[datasets.Test] = append(con.Splits[datasets.Test], testPool[u]...)
	}
	for u := seen; u < len(con.Users); u++ {
		pool := testPool[u]
		r := seeds.SplitUnseenUser.Rand(opt.SplitSeed, u)
		r.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
		nTrain := min(opt.UnseenTrainPairs, len(pool))
		nVal := min(opt.UnseenValPairs, len(pool)-nTrain)
		con.Splits[datasets.UnseenTrain] = append(con.Splits[datasets.UnseenTrain], pool[:nTrain]...)
		con.Splits[datasets.UnseenVal] = append(con.Splits[datasets.UnseenVal], pool[nTrain:nTrain+nVal]...)
		con.Splits[datasets.UnseenTest] = append(con.Splits[datasets.UnseenTest], pool[nTrain+nVal:]...)
	}
	datasets.ShuffleSplits(con.Splits, opt.SplitSeed)
	con.sum = h.Sum(nil)
	con.Stats = st
	con.Stats.fill(con)
	return con, nil
}

// stratifiedTrainCounts gives each class (user) its number of training samples the way
// scikit-learn's StratifiedShuffleSplit does for test_size = valFraction: n_test =
// ceil(valFraction * n), n_train = n - n_test, and per class floor(size * n_train / n) plus one
// for the classes with the largest remainders until n_train is reached (ties drawn with r).
func stratifiedTrainCounts(sizes []int, valFraction float64, r *rand.Rand) []int {
	n := 0
	for _, s := range sizes {
		n += s
	}
	out := make([]int, len(sizes))
	if n == 0 {
		return out
	}
	nTest := int(math.Ceil(valFraction * float64(n)))
	nTrain := n - nTest
	rem := make([]float64, len(sizes))
	total := 0
	for i, s := range sizes {
		cont := float64(s) / float64(n) * float64(nTrain)
		out[i] = int(math.Floor(cont))
		rem[i] = cont - float64(out[i])
		total += out[i]
	}
	need := nTrain - total
	// Visit remainders from the largest; within a group of equal remainders pick at random.
	idx := make([]int, len(sizes))
	for i := range idx {
		idx[i] = i
	}
	r.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for _, i := range idx {
		if need == 0 {
			break
		}
		if out[i] < sizes[i] {
			out[i]++
			need--
		}
	}
	return out
}

func (o *Options) check() error {
	if o.SeenUsers < 1 {
		return fmt.Errorf("seen_users = %d: want at least 1", o.SeenUsers)
	}
	for _, r := range o.MinorityRanks {
		if r < 0 || r >= o.SeenUsers {
			return fmt.Errorf("minority_ranks holds %d: ranks go from 0 to seen_users-1 = %d", r, o.SeenUsers-1)
		}
	}
	if o.ValFraction < 0 || o.ValFraction >= 1 {
		return fmt.Errorf("val_fraction = %g: want 0 <= val_fraction < 1", o.ValFraction)
	}
	if o.MinUnseenPairs < 1 || o.UnseenTrainPairs < 0 || o.UnseenValPairs < 0 {
		return fmt.Errorf("min_unseen_pairs must be >= 1 and unseen_train_pairs, unseen_val_pairs >= 0")
	}
	return nil
}
