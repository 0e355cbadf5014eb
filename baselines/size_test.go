package baselines

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/npytest"
)

// npyWithHeader is a version 1.0 .npy file with the given header dictionary and data bytes.
func npyWithHeader(dict string, data []byte) []byte { return npytest.V1(dict, data) }

// TestImportedNPYSizeCheckedFirst: a score vector whose header claims 10^12 entries (8 TB)
// in a file of a few bytes is an error naming the file, the declared and the actual size; it
// used to be allocated from the header (a Go "fatal error: out of memory").
func TestImportedNPYSizeCheckedFirst(t *testing.T) {
	dir := writeFixture(t, map[string]string{})
	d, err := datasets.LoadFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ per, shape string }{{"item", "(1000000000000,)"}, {"item", "(1000000000000, 1)"}, {"pair", "(1000000000000,)"}} {
		path := filepath.Join(dir, "big.npy")
		if err := os.WriteFile(path, npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': "+c.shape+", }", make([]byte, 16)), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := DefaultImported()
		cfg.Per, cfg.Path = c.per, path
		_, err := LoadImported(cfg, d, dir)
		if err == nil {
			t.Fatalf("%s %s: accepted", c.per, c.shape)
		}
		for _, w := range []string{"big.npy", "8000000000000 bytes", "holds 16"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %s: error %q does not mention %q", c.per, c.shape, err, w)
			}
		}
	}
}
