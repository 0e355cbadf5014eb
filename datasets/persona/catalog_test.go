package persona

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets/catalog"
)

func TestCatalogEntryIsPinned(t *testing.T) {
	entries := (&Config{}).CatalogEntries()
	if err := catalog.New(entries).Validate(); err != nil {
		t.Fatal(err)
	}
	p, ok := catalog.New(entries).Lookup(CatalogName)
	if !ok {
		t.Fatal("no anthropic-persona entry")
	}
	if len(p.Files) != 136 || p.Kind != "persona" {
		t.Errorf("anthropic-persona: %d files and kind %q, want 135 statement files + LICENSE and kind persona", len(p.Files), p.Kind)
	}
	for _, f := range p.Files {
		if strings.HasSuffix(f.Name, ".jsonl") && (f.SHA256 == "" || f.Size == 0 || !strings.Contains(f.URL, personaCommit+"/persona/"+f.Name)) {
			t.Errorf("%s is not pinned by commit, checksum and size", f.Name)
		}
	}
}

// The generated list must match the pinned copy's SHA256SUMS.tsv (rerun go generate if not).
func TestPersonaListMatchesPinnedCopy(t *testing.T) {
	dir := os.Getenv(EnvData)
	if dir == "" {
		t.Skip("PAL_PERSONA_DATA is not set: set it to a copy of the persona statements (../shared/data/anthropic-evals-persona) to check the pinned list")
	}
	f, err := os.Open(filepath.Join(dir, "SHA256SUMS.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]pinned{}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		n, _ := strconv.ParseInt(c[2], 10, 64)
		want[c[0]] = pinned{c[0], c[1], n}
	}
	got := personaStatementFiles()
	if len(got) != len(want) {
		t.Fatalf("%d files in catalog_files.go, %d in SHA256SUMS.tsv: run go generate ./datasets/persona", len(got), len(want))
	}
	for _, p := range got {
		if want[p.name] != p {
			t.Errorf("%s: %+v in catalog_files.go, %+v in SHA256SUMS.tsv", p.name, p, want[p.name])
		}
	}
}
