package tldr

import "github.com/pal-harness/pal/datasets/catalog"

// catalogEntries is OpenAI's summarize_from_feedback comparisons: what the reddit-tldr kind builds
// the PAL authors' semi-synthetic data set from.
func catalogEntries() []catalog.Entry {
	files := make([]catalog.File, len(ComparisonFiles))
	for i, name := range ComparisonFiles {
		files[i] = catalog.File{Name: name, URL: BaseURL + name}
	}
	return []catalog.Entry{{
		Name:        CatalogName,
		Description: "OpenAI summarize_from_feedback comparisons (Stiennon et al. 2020): 23 JSON-lines files of human comparisons of Reddit TL;DR summaries, the source of PAL's Reddit TL;DR experiment",
		Kind:        "reddit-tldr",
		License:     "CC-BY-4.0 as the release states for the TL;DR posts (see the source)",
		Source:      "github.com/openai/summarize-from-feedback (README, \"Human feedback data\"); the file list and the train/validation mapping follow the Hugging Face loader openai/summarize_from_feedback",
		Notes: "Not pinned: the release publishes no checksums, so files are not verified on download; every run records " +
			"the sha256 of the files it read in its dataset fingerprint. Sizes are not known here (a few hundred MB in all).",
		Files: files,
	}}
}

// CatalogEntries implements catalog.Published.
func (c *Config) CatalogEntries() []catalog.Entry { return catalogEntries() }

// ForEntry implements catalog.Published: the default config reads the one entry.
func (c *Config) ForEntry(name string) (any, bool) {
	if name != CatalogName {
		return nil, false
	}
	return DefaultConfig(), true
}

// CatalogName implements catalog.Reader: the comparison files are the reddit-tldr entry.
func (c *Config) CatalogName() string { return CatalogName }
