package sweeps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecSizeCap: a spec larger than MaxSpecBytes is refused before it is decoded, naming the
// cap; Parse reads no more than the cap (a spec that is a link to /dev/zero ends at once).
func TestSpecSizeCap(t *testing.T) {
	big := "# " + strings.Repeat("x", MaxSpecBytes) + "\n[dataset]\nkind = \"toy\"\n[[model]]\nkind = \"btl\"\n"
	oneError(t, big, 0, "spec.toml: the spec has 1048625 bytes, more than the 1048576 (1 MiB) a spec may have: specs are small text files (sweep with lists such as k = [1, 2, 3] rather than one table per run)")
	dir := t.TempDir()
	for name, target := range map[string]string{"zero.toml": "/dev/zero", "big.toml": ""} {
		path := filepath.Join(dir, name)
		if target != "" {
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(path, []byte(big), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Parse(path, toySchema())
		if err == nil || !strings.Contains(err.Error(), "more than the 1048576 (1 MiB) a spec may have") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestSpecNestingCap: inline tables and arrays nested deeper than MaxSpecDepth are refused
// with the line where the limit is passed, before the TOML decoder (which exhausted memory on
// about 100,000 nested inline tables in a 700 KB spec) sees them. Brackets inside strings and
// comments do not count, and ordinary specs pass.
func TestSpecNestingCap(t *testing.T) {
	head := "[dataset]\nkind = \"toy\"\n[[model]]\nkind = \"btl\"\n"
	for _, c := range []struct {
		name, src string
		line      int
	}{
		{"inline tables", head + "x = " + strings.Repeat("{b = ", 100) + "1" + strings.Repeat("}", 100) + "\n", 5},
		{"arrays", head + "\n\ny = " + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + "\n", 7},
		{"arrays over lines", head + "z = [\n" + strings.Repeat("[\n", 70) + strings.Repeat("]\n", 70) + "]\n", 5 + MaxSpecDepth},
		{"100,000 inline tables", head + "w = " + strings.Repeat("{b = ", 100_000) + "1" + strings.Repeat("}", 100_000) + "\n", 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := specErrors(t, c.src)
			want := "inline tables and arrays nested more than 64 deep"
			if len(errs) != 1 || errs[0].Line != c.line || !strings.Contains(errs[0].Error(), want) {
				t.Fatalf("got %v, want one error on line %d saying %q", errs, c.line, want)
			}
		})
	}
	// Brackets in strings and comments are text; 64 levels are allowed.
	ok := head + "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n" +
		"[train]\nepochs = 3 # {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\n" +
		"[fewshot]\ntags = [\"a\", \"" + strings.Repeat("[", 200) + "\"]\n"
	if _, err := ParseBytes("spec.toml", []byte(ok), toySchema()); err == nil || strings.Contains(err.Error(), "nested") {
		t.Errorf("brackets in strings and comments: %v (want only the enum error for the tag)", err)
	}
	for _, src := range []string{
		"a = '''" + strings.Repeat("[", 100) + "'''\n",
		"a = \"\"\"\n" + strings.Repeat("{", 100) + "\\\"\"\"\n\"\"\"\n",
		"a = \"\\\"" + strings.Repeat("[", 100) + "\"\n",
		"\"q[[[[[[\" = 1\n" + strings.Repeat("[", MaxSpecDepth) + strings.Repeat("]", MaxSpecDepth) + "\n",
	} {
		if line, _ := nestingTooDeep([]byte(src)); line != 0 {
			t.Errorf("%q: reported too deep at line %d", src, line)
		}
	}
}
