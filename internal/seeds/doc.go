// Package seeds is the one place where pal turns seeds into random generators. Every data
// set, run seed and model initialisation in the harness is drawn through the functions here, so
// the schemes are documented, tested and pinned once; a change to any of them changes data and
// results, and the tests in this package fail when one does.
//
// # The generator
//
// Every generator is Go's math/rand/v2 PCG (a 128-bit linear congruential generator with a
// DXSM output permutation). rand.NewPCG(seed1, seed2) sets the 128-bit state to
// seed1<<64 | seed2; the multiplier and increment are fixed, so all PCGs walk the same cycle of
// period 2^128 and the two words only choose where on it a generator starts. The second word is
// called the "stream" below (as in the code that calls NewPCG(seed, stream)), but it is not an
// independent PCG stream in O'Neill's sense: two generators are "different streams" in that
// they start at unrelated points of the cycle, far enough apart that the few million numbers a
// part draws never overlap.
//
// # The schemes, and why each exists
//
// The functions differ in how much mixing they put between the caller's numbers and the PCG
// state. Each keeps the exact arithmetic of the code it replaced, so that every data set, run id
// and metric computed before the package existed is reproduced bit for bit.
//
//   - Mix is the SplitMix64 finaliser (Steele, Lea and Flood, "Fast splittable pseudorandom
//     number generators", OOPSLA 2014): a bijective 64-bit mix with full avalanche. It is used
//     only to derive seeds, never as a generator of its own.
//
//   - Stream(seed, part, index) is the generator of one named part of a data set construction
//     ("items", "pairs/u", "persona/traits", ...) and an index within it (a user, a split). The
//     part's name is hashed with FNV-1a into a tag, and the two PCG words are
//     hi = Mix(seed ^ Mix(tag)) and lo = Mix(hi ^ Mix(tag + Gamma*(index+1))). Giving every
//     part its own stream makes the draws of one part independent of how many numbers another
//     part consumed: growing the number of unseen users leaves the items, the prototypes and
//     every seen user's pairs unchanged. The mixing makes nearby seeds and indices unrelated.
//     The synthetic generator (package datasets: parts "items", "map", "prototypes",
//     "prompts", "prompt_maps", "weights/<u|new>", "pairs/<u|new>", "shuffle"; LoadFiles'
//     "shuffle/files") and the Persona builder (the same scheme with every part prefixed
//     "persona/") use it. Part names are the namespace: two packages must not use the same
//     name for different things.
//
//   - Derive(seed, purpose, key) hashes a replicate seed, a purpose and a key with SHA-256
//     into a new 64-bit seed. The sweeps package derives each run's data seed
//     (purpose "data", key the canonical JSON of the dataset config) and model seed (purpose
//     "model", key the run id) with it, so that seeds of different runs and purposes are
//     unrelated rather than consecutive integers, and runs sharing a dataset config share data.
//
//   - FromDigest(sum, purpose) hashes an existing digest (a content hash of the input files)
//     and a purpose with SHA-256 into a seed: the Pick-a-Pic builder seeds its split draw and
//     the order of each split with the archive's digest, so the same archive always gives the
//     same data with no seed in the spec.
//
//   - PCG(seed, stream) is rand.New(rand.NewPCG(seed, stream)) with no mixing at all, for the
//     builders that seed from a user-given seed and a small stream number (the TL;DR and
//     Persona-in-PAL split draws, the TF-IDF range finder, the benchmark data). Every stream
//     number in use is a named constant or Family in streams.go, with what it seeds.
//
//   - Family is a block of consecutive stream numbers base, base+1, ...: member i is
//     PCG(seed, base+i), one per user or per split. The bases are spaced so that the families
//     sharing a seed do not overlap for the sizes the code uses; where they can (a large enough
//     index reaches the next family's base), streams.go says so and TestFamilyCollisions pins
//     the exact range. The values are kept as they were even where they can collide, because
//     moving a base would change the data every existing run was built from.
//
//   - Model(seed, stream) is the random source of model fitting (initialisation, mini-batch
//     order, dropout): PCG(seed, stream ^ Gamma). models.NewRand is this function. The XOR with
//     Gamma keeps the common stream 0 from starting at a state whose low word is zero.
//
// Gamma, 0x9e3779b97f4a7c15 (2^64 divided by the golden ratio, rounded to odd), is SplitMix64's
// increment; Mix, Stream and Model all use it.
package seeds
