package catalog

//go:generate go run genpersona.go ../../../shared/data/anthropic-evals-persona/SHA256SUMS.tsv

// The Anthropic persona statements, pinned by commit: what the "persona" kind builds from.
const (
	personaCommit  = "84fcc677e52e1902d696c32cd1a6b663e70d3993"
	personaRawBase = "https://raw.githubusercontent.com/anthropics/evals/" + personaCommit + "/"
)

// PersonaName is the catalog name of the persona statements.
const PersonaName = "anthropic-persona"

// pinned is a file's name, sha256 and size, as the generated list holds them.
type pinned struct {
	name, sha256 string
	size         int64
}

// persona returns the entry of Anthropic's model-written persona evaluations: 135 JSON-lines
// files, one per persona trait, from the folder persona/ of anthropics/evals, plus the licence.
func persona() []Entry {
	stmts := personaStatementFiles()
	files := make([]File, 0, len(stmts)+1)
	for _, p := range stmts {
		files = append(files, File{Name: p.name, URL: personaRawBase + "persona/" + p.name, SHA256: p.sha256, Size: p.size})
	}
	files = append(files, File{Name: "LICENSE", URL: personaRawBase + "LICENSE"})
	return []Entry{{
		Name:        PersonaName,
		Description: "Anthropic persona statements (Perez et al. 2022): 135 traits, 133,204 statements a holder of the trait would or would not say",
		Kind:        "persona",
		License:     "CC-BY-4.0",
		Source:      "github.com/anthropics/evals, folder persona/, commit " + personaCommit + "; Perez et al. 2022, \"Discovering Language Model Behaviors with Model-Written Evaluations\"",
		Notes: "The .jsonl files are pinned by sha256 and size; LICENSE (the repository's CC-BY-4.0 text) is " +
			"not pinned by checksum. The persona kind also reads a copy named by $PAL_PERSONA_DATA.",
		Files: files,
	}}
}
