// Package tldr builds the PAL authors' semi-synthetic Reddit TL;DR data set from OpenAI's
// summarize_from_feedback "comparisons" files: supervised-only pairs, the ten most active
// workers as seen users, labels given by a length rule instead of the human choice (ranks 3, 4
// and 5 prefer the shorter summary, the others the longer), a stratified train/val split, the
// validation split as test, and unseen users with at least 100 pairs for few-shot adaptation.
//
// Construct applies the construction (no embedding: Stats can be shown without one); Build
// embeds summaries and posts with any embed.Embedder into datasets.Data. The package does not
// download the files (see `pal data fetch reddit-tldr`) and holds no embedder of its own.
package tldr
