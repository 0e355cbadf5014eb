package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateFindsBadEntries(t *testing.T) {
	good := Entry{Name: "a", Kind: "k", License: "MIT", Source: "s", Files: []File{{Name: "f", URL: "https://x/f"}}}
	if err := New([]Entry{good}).Validate(); err != nil {
		t.Fatalf("a good entry: %v", err)
	}
	bad := good
	bad.Files = []File{{Name: "../f", URL: "http://x/f", SHA256: "xyz"}}
	err := New([]Entry{good, good, bad}).Validate()
	for _, want := range []string{"repeated", "escaping", "not https", "malformed"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	if _, ok := New([]Entry{good}).Lookup("no-such-set"); ok {
		t.Error("Lookup found a made-up name")
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
	err := error(&MissingError{Name: "anthropic-persona", Looked: []string{"$PAL_PERSONA_DATA: unset", "cache: /c/anthropic-persona"}})
	if !IsMissing(err) || !strings.Contains(err.Error(), "`pal data fetch anthropic-persona`") || !strings.Contains(err.Error(), "/c/anthropic-persona") {
		t.Errorf("message %q", err)
	}
}
