// Package paper holds the PAL paper's experiments as TOML specs, embedded in the binary so
// `pal reproduce` needs nothing but the binary. Each spec's description says which figure or
// claim of the paper it reproduces.
//
// claims.toml lists what the paper publishes: each number or qualitative claim with its source
// (marked when second-hand), the experiment it belongs to, how to select our runs and the rule
// that compares them (ParseClaims validates it; Claims and ClaimsFor serve it). Package reports
// evaluates the rules on a run store for its "paper against ours" cell and REPRODUCE.md's tables;
// this package only describes the claims and never computes a verdict.
package paper
