// Package datasets holds the Data type every model trains on and everything that makes one:
// the synthetic ideal-point generator of the PAL paper's Gaussian experiment and the loader for
// bring-your-own folders (items.npy + pairs.csv [+ users.csv]).
//
// A Data value is immutable once built: item embeddings are stored once and pairs refer to them
// by row index, so many runs may share one Data concurrently. It is not where models, metrics or
// the spec schema live (see models, internal/metrics and sweeps).
package datasets
