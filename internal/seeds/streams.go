package seeds

// The stream numbers passed to PCG and Model, grouped by the seed they go with. Streams only
// need to differ from the other streams of the same seed. The values are the ones the code used
// before this package existed; changing one changes the data or the results it seeds.

// Streams of a published data set's split seed (the TL;DR builder's and the Persona-in-PAL
// reader's Options.SplitSeed). The two builders use the same numbers for the same purposes.
//
// Collision: SplitSeenUser member 900+i is stream 1000+i, SplitOrder member i, for i in 0..5
// (len(datasets.AllSplits) = 6). TL;DR allows up to 1000 seen users (its default is 10), so with
// more than 900 seen users the seen users of rank 900..905 shuffle their train pools with the
// same generators as the final shuffles of splits 0..5; Persona-in-PAL users with index
// 900..905 (in Release.Users order) that have val carved from train do the same. The numbers
// are kept, because moving either family would change the data of every split seed.
// SplitUnseenUser cannot reach either: its members start at 10000 + the number of seen users.
const (
	// SplitStratify seeds TL;DR's stratified train/val allocation (how many of each seen
	// user's train pairs stay in train, scikit-learn's StratifiedShuffleSplit counts).
	SplitStratify uint64 = 1
	// SplitSeenUser member u seeds the shuffle of seen user u's train pool before the
	// train/val cut: in TL;DR u is the user's index, 0..seen_users-1 (at most 999); in
	// Persona-in-PAL it is the user's index in Release.Users, and the cut carves val.
	SplitSeenUser Family = 100
	// SplitOrder member i seeds the final shuffle of split datasets.AllSplits[i] (i in 0..5).
	SplitOrder Family = 1000
	// SplitUnseenUser member u seeds the shuffle of TL;DR unseen user u's pool before it is cut
	// into unseen_train, unseen_val and unseen_test; u is the user's index, at least the number
	// of seen users.
	SplitUnseenUser Family = 10000
)

// Streams of a model seed (Model, models.NewRand): the numbers the models' fits and the BTL
// baseline pass as NewRand's stream.
//
// Collision: FewShotSize member 4094 is FewShotAll (0xfff): a few-shot curve with 4094 pairs
// per user would fit that size and the final all-pairs fit with the same generator.
const (
	// FitStream seeds a model's initialisation and its training on the seen users (also the
	// BTL baselines' and the benchmarks' models).
	FitStream uint64 = 0
	// FewShotSize member n seeds the few-shot fit of the unseen users with n pairs per user.
	FewShotSize Family = 1
	// FewShotAll seeds the final few-shot fit on all of unseen_train.
	FewShotAll uint64 = 0xfff
)

// TFIDFRangeFinder seeds, with a seed derived from the texts, the Gaussian test matrix of the
// TF-IDF embedder's randomized SVD. Its value is Gamma with its 32-bit halves swapped; it is the
// only stream of that seed.
const TFIDFRangeFinder uint64 = 0x7f4a7c159e3779b9

// BenchData seeds benchkit.RandomData: item and prompt embeddings, then the pairs.
const BenchData uint64 = 1

// Streams of bench/scale's -seed. ScaleItemChunks member c is below ScalePairs for every chunk
// of fewer than 2^40-1 chunks of 4096 items.
const (
	// ScaleModel seeds the hidden model: the latent map A and the group prototypes.
	ScaleModel uint64 = 0
	// ScaleItemChunks member c seeds the item embeddings of chunk c (items 4096c..4096c+4095).
	ScaleItemChunks Family = 1
	// ScalePairs seeds the pairs: users, items and labels.
	ScalePairs uint64 = 1 << 40
)
