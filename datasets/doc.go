// Package datasets holds the Data type every model trains on and everything that makes one:
// the synthetic ideal-point generator of the PAL paper's Gaussian experiment and the loader for
// bring-your-own folders (items.npy + pairs.csv [+ users.csv] [+ prompts.npy]).
//
// A Data value is immutable once built: item embeddings are stored once and pairs refer to them
// by row index, so many runs may share one Data concurrently. It is not where models, metrics or
// the spec schema live (see models, internal/metrics and sweeps).
//
// GenerateSynthetic (synthetic.go) draws items, a random true map, prototypes, users and labelled
// pairs from a seed, deterministically: every part has its own PCG stream (seeds.Stream), so the
// same config and seed give bit-identical data on any machine, and changing one count leaves the
// other parts' draws alone. The generating model is kept in Data.Truth, and the oracle's accuracy
// on each split in Data.BayesAccuracy, so reports can show how close a model gets to the best
// possible.
//
// LoadFiles and WriteFiles (files.go, npy.go) read and write the interchange format described
// in ARCHITECTURE.md. The reader trusts nothing in the files: every problem is an error naming
// the file, the line and column for CSV, what is wrong and how to fix it; no input makes it
// panic. Pairs of each split are stored in a random order (seeded by the generator's seed or the
// files' fingerprint), because few-shot runs take the first n pairs per user (FirstPairsPerUser).
package datasets
