package persona

import "github.com/pal-harness/pal/datasets/catalog"

//go:generate go run genpersona.go ../../../shared/data/anthropic-evals-persona/SHA256SUMS.tsv

// The Anthropic persona statements, pinned by commit: what the "persona" kind builds from.
const (
	personaCommit  = "84fcc677e52e1902d696c32cd1a6b663e70d3993"
	personaRawBase = "https://raw.githubusercontent.com/anthropics/evals/" + personaCommit + "/"
)

// CatalogName is the catalog name of the persona statements.
const CatalogName = "anthropic-persona"

// pinned is a file's name, sha256 and size, as the generated list holds them.
type pinned struct {
	name, sha256 string
	size         int64
}

// catalogEntries returns the entry of Anthropic's model-written persona evaluations: 135 JSON-lines
// files, one per persona trait, from the folder persona/ of anthropics/evals, plus the licence.
func catalogEntries() []catalog.Entry {
	stmts := personaStatementFiles()
	files := make([]catalog.File, 0, len(stmts)+1)
	for _, p := range stmts {
		files = append(files, catalog.File{Name: p.name, URL: personaRawBase + "persona/" + p.name, SHA256: p.sha256, Size: p.size})
	}
	files = append(files, catalog.File{Name: "LICENSE", URL: personaRawBase + "LICENSE"})
	return []catalog.Entry{{
		Name:        CatalogName,
		Description: "Anthropic persona statements (Perez et al. 2022): 135 traits, 133,204 statements a holder of the trait would or would not say",
		Kind:        "persona",
		License:     "CC-BY-4.0",
		Source:      "github.com/anthropics/evals, folder persona/, commit " + personaCommit + "; Perez et al. 2022, \"Discovering Language Model Behaviors with Model-Written Evaluations\"",
		Notes: "The .jsonl files are pinned by sha256 and size; LICENSE (the repository's CC-BY-4.0 text) is " +
			"not pinned by checksum. The persona kind also reads a copy named by $PAL_PERSONA_DATA.",
		Files:  files,
		EnvVar: EnvData,
	}}
}

// CatalogEntries implements catalog.Published.
func (c *Config) CatalogEntries() []catalog.Entry { return catalogEntries() }

// ForEntry implements catalog.Published: the default config reads the statements.
func (c *Config) ForEntry(name string) (any, bool) {
	if name != CatalogName {
		return nil, false
	}
	return DefaultConfig(), true
}

// CatalogName implements catalog.Reader: the statements are the anthropic-persona entry.
func (c *Config) CatalogName() string { return CatalogName }
