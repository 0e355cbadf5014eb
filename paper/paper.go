package paper

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed *.toml
var specs embed.FS

// Spec is one embedded experiment.
type Spec struct {
	Name   string // file name without .toml
	Path   string // "paper/<name>.toml", for error messages
	Source []byte
}

// claimsName is the one TOML file of paper/ that is not an experiment.
const claimsName = "claims.toml"

// Specs returns the embedded experiments in name order.
func Specs() []Spec {
	names, err := fs.Glob(specs, "*.toml")
	if err != nil {
		panic(err) // the pattern is constant
	}
	sort.Strings(names)
	var out []Spec
	for _, n := range names {
		if n == claimsName {
			continue // the paper's claims, not an experiment (claims.go)
		}
		src, err := specs.ReadFile(n)
		if err != nil {
			panic(err) // embedded files are always readable
		}
		out = append(out, Spec{Name: strings.TrimSuffix(n, ".toml"), Path: path.Join("paper", n), Source: src})
	}
	return out
}
