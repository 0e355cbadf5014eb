package catalog

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestEntriesAreWellFormed(t *testing.T) {
	names := map[string]bool{}
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, e := range All() {
		if e.Name == "" || names[e.Name] {
			t.Errorf("entry name %q empty or repeated", e.Name)
		}
		names[e.Name] = true
		if e.Kind == "" || e.License == "" || e.Source == "" || len(e.Files) == 0 {
			t.Errorf("%s: kind, license, source and files are required", e.Name)
		}
		files := map[string]bool{}
		for _, f := range e.Files {
			if files[f.Name] || f.Name == "" || strings.HasPrefix(f.Name, "/") || strings.Contains(f.Name, "..") {
				t.Errorf("%s: file name %q empty, repeated or escaping the folder", e.Name, f.Name)
			}
			files[f.Name] = true
			if !strings.HasPrefix(f.URL, "https://") {
				t.Errorf("%s/%s: URL %q is not https", e.Name, f.Name, f.URL)
			}
			if f.SHA256 != "" && !hex64.MatchString(f.SHA256) {
				t.Errorf("%s/%s: sha256 %q malformed", e.Name, f.Name, f.SHA256)
			}
		}
	}
	p, ok := Lookup(PersonaName)
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
	if _, ok := Lookup("no-such-set"); ok {
		t.Error("Lookup found a made-up name")
	}
}

// The generated list must match the pinned copy's SHA256SUMS.tsv (rerun go generate if not).
func TestPersonaListMatchesPinnedCopy(t *testing.T) {
	dir := os.Getenv("PAL_PERSONA_DATA")
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
		t.Fatalf("%d files in persona_files.go, %d in SHA256SUMS.tsv: run go generate ./datasets/catalog", len(got), len(want))
	}
	for _, p := range got {
		if want[p.name] != p {
			t.Errorf("%s: %+v in persona_files.go, %+v in SHA256SUMS.tsv", p.name, p, want[p.name])
		}
	}
}

func TestCacheDir(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if d, _ := CacheDir("/x/flag", getenv); d != "/x/flag" {
		t.Errorf("flag: %q", d)
	}
	env[CacheEnv] = "/x/env"
	if d, _ := CacheDir("", getenv); d != "/x/env" {
		t.Errorf("env: %q", d)
	}
	if d, _ := CacheDir("/x/flag", getenv); d != "/x/flag" {
		t.Errorf("the flag must win over the env: %q", d)
	}
	delete(env, CacheEnv)
	if d, err := CacheDir("", getenv); err == nil && filepath.Base(d) != "pal" {
		t.Errorf("default: %q", d)
	}
}

func TestStatus(t *testing.T) {
	cache := t.TempDir()
	e := Entry{Name: "toy", Files: []File{
		{Name: "a.jsonl", Size: 3},
		{Name: "b.jsonl", Size: 5},
		{Name: "sub/c.txt"},
	}}
	dir := e.Dir(cache)
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte("abc"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.jsonl"), []byte("ab"), 0o644) // wrong size: not present
	os.WriteFile(filepath.Join(dir, "b.jsonl.part"), []byte("abcd"), 0o644)
	os.WriteFile(filepath.Join(dir, "sub", "c.txt"), []byte("unsized"), 0o644)
	s, err := e.Status(cache)
	if err != nil {
		t.Fatal(err)
	}
	if s.Present != 2 || s.OnDisk != 10 || s.Expected != 8 || s.Unsized != 1 || s.Partial != 4 || s.Complete() {
		t.Errorf("status %+v", s)
	}
}

func TestMissingErrorSaysTheCommand(t *testing.T) {
	err := error(&MissingError{Name: PersonaName, Looked: []string{"$PAL_PERSONA_DATA: unset", "cache: /c/anthropic-persona"}})
	if !IsMissing(err) || !strings.Contains(err.Error(), "`pal data fetch anthropic-persona`") || !strings.Contains(err.Error(), "/c/anthropic-persona") {
		t.Errorf("message %q", err)
	}
}
