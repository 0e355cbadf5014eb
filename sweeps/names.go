package sweeps

import (
	"fmt"
	"strings"
	"unicode"
)

// MaxNameBytes caps a spec's name: it becomes a folder name (results/<name>), and file systems
// refuse names longer than 255 bytes.
const MaxNameBytes = 100

// checkName reports why a spec name cannot be a single, safe folder name under results/: the
// default output folder is results/<name>, so ".." would write the store into the current
// folder (overwriting a spec.toml there) and "." into results/ itself.
func checkName(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("name is empty: give the spec a name, e.g. name = \"my-sweep\"")
	case s == "." || s == "..":
		return fmt.Errorf("name %q is not a folder name of its own (results/%s would be another folder): use letters, digits, '-' or '_'", s, s)
	case len(s) > MaxNameBytes:
		return fmt.Errorf("name has %d bytes, at most %d: the name is a folder name (results/<name>)", len(s), MaxNameBytes)
	case strings.HasPrefix(s, ".") || strings.HasPrefix(s, "-"):
		return fmt.Errorf("name %q starts with %q: a folder name must start with a letter or digit", s, s[:1])
	case s != strings.TrimSpace(s):
		return fmt.Errorf("name %q starts or ends with a space", s)
	}
	for _, r := range s {
		if r == '/' || r == '\\' || r == ':' || r == 0 || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Errorf("name %q holds %q, which a folder name cannot: use letters, digits, '-' or '_'", s, r)
		}
	}
	return nil
}
