// Package personainpal reads the PAL authors' own release of their Persona experiment, the
// Hugging Face dataset kitkatdafu/persona_in_pal (parquet; folders k-2_seen, k-2_unseen, ...
// k-6_unseen, one per number of groups K and kind of user).
//
// What the release's columns are could not be checked when this was written (no dataset card
// or code that reads it was available), so the mapping is an assumption made configurable:
// each field (user id, left statement, right statement, label, and optionally prompt and true
// group) is read from the column a spec names, or else from the first of a list of usual names
// present (Candidates: uid, left, right, y, prompt, group, and their common variants). Labels
// follow the authors' convention, y = -1 when the LEFT statement was preferred and +1 for the
// right ({0,1} and {-1,3} files: the smaller value is left). Split files are recognised in both
// Hugging Face layouts, <config>/<split>-00000-of-0000N.parquet and <config>/<split>/N.parquet;
// train, validation and test of k-<K>_seen become train, val and test, those of k-<K>_unseen
// unseen_train, unseen_val and unseen_test. Statements and prompts are text, embedded with any
// embed.Embedder.
//
// This package reads the authors' data; the harness's own rebuild of the experiment from
// Anthropic's persona statements is a different data set.
package personainpal
