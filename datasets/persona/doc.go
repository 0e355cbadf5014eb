// Package persona builds the PAL paper's semi-synthetic Persona experiment from Anthropic's
// persona statements (Perez et al. 2022, "Discovering Language Model Behaviors with
// Model-Written Evaluations"; the files of the catalog entry "anthropic-persona").
//
// Each statement file is one persona trait ("agreeableness", "believes-in-gun-rights", ...);
// each line holds a statement, whether a holder of the trait would say it
// (answer_matching_behavior " Yes") or not (" No"), and the confidence of that label. The PAL
// authors' construction of their Persona data is not published, so Build is the harness's own,
// documented construction (README, "Persona"): K_true groups of users, each group holding its own
// seeded choice of traits; a user prefers a statement a holder of the group's traits would say
// over its negation in the same trait (all groups agree on those pairs) and over a statement a
// holder of another group's traits would say (groups disagree on those pairs, which is what a
// single reward cannot fit). Statements are embedded by a pluggable text embedder (package
// embed): by default the offline TF-IDF + SVD stand-in for foundation-model features.
//
// The result is an ordinary *datasets.Data with ground-truth groups, so every model and report
// works on it unchanged. Build is deterministic: the same files, config and seed give the same
// bits, and Data.Fingerprint hashes exactly those inputs plus the builder version and the
// embedder's name. This package does not download anything (see package download and
// `pal data fetch anthropic-persona`) and does not know about specs beyond its Config.
package persona
