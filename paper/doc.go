// Package paper holds the PAL paper's experiments as TOML specs, embedded in the binary so
// `pal reproduce` needs nothing but the binary. Each spec's description says which figure or
// claim of the paper it reproduces; REPRODUCE.md records what our runs found.
package paper
