package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets/catalog"
)

// offlineEntry is the fixture entry with every URL on a host that does not resolve, as on a
// machine without network.
func offlineEntry(t *testing.T) catalog.Entry {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	e := fixtureEntry(t, srv, "")
	srv.Close()
	for i := range e.Files {
		e.Files[i].URL = "https://nonexistent.invalid/evals/persona/" + e.Files[i].Name
	}
	return e
}

// mirrorFolder lays the fixture files out as a mirror: <mirror>/toy-persona/<file>.
func mirrorFolder(t *testing.T) string {
	t.Helper()
	mirror := t.TempDir()
	names, _ := filepath.Glob(filepath.Join(personaFixture, "*.jsonl"))
	if err := os.MkdirAll(filepath.Join(mirror, "toy-persona"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range names {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mirror, "toy-persona", filepath.Base(p)), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return mirror
}

// TestDataFetchOffline: with the source host unreachable, fetch fails at once with one line
// naming the host, the error and the options (proxy variables, --mirror), not one line per
// file after minutes of retries.
func TestDataFetchOffline(t *testing.T) {
	entries := []catalog.Entry{offlineEntry(t)}
	code, out, errOut := runData(t, entries, map[string]string{catalog.CacheEnv: t.TempDir()}, "fetch", "toy-persona")
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout %s\nstderr %s", code, out, errOut)
	}
	var errLines []string
	for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if strings.Contains(l, "nonexistent.invalid") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) != 1 {
		t.Fatalf("%d lines name the host, want 1:\n%s", len(errLines), errOut)
	}
	for _, want := range []string{"cannot reach https://nonexistent.invalid", "no such host", "6 files not fetched", "HTTPS_PROXY", "--mirror", "PAL_MIRROR"} {
		if !strings.Contains(errLines[0], want) {
			t.Errorf("error line %q does not mention %q", errLines[0], want)
		}
	}
	if n := strings.Count(errOut, "\n"); n > 5 {
		t.Errorf("%d lines on stderr, want a handful:\n%s", n, errOut)
	}
}

// TestDataFetchFromMirror: --mirror (an http base URL or a folder) or PAL_MIRROR replaces the
// catalog's host; files are read from <mirror>/<name>/<file> and verified against the
// catalog's pins; the flag wins over the environment.
func TestDataFetchFromMirror(t *testing.T) {
	mirror := mirrorFolder(t)
	srv := httptest.NewServer(http.StripPrefix("/pal", http.FileServer(http.Dir(mirror))))
	defer srv.Close()
	entries := []catalog.Entry{offlineEntry(t)}
	for name, c := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"http flag":        {nil, []string{"--mirror", srv.URL + "/pal/"}},
		"folder flag":      {nil, []string{"--mirror", mirror}},
		"env":              {map[string]string{"PAL_MIRROR": srv.URL + "/pal"}, nil},
		"flag wins":        {map[string]string{"PAL_MIRROR": filepath.Join(mirror, "nowhere")}, []string{"--mirror", "file://" + mirror}},
		"flag before name": {nil, []string{"--mirror=" + mirror}},
	} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{catalog.CacheEnv: t.TempDir()}
			for k, v := range c.env {
				env[k] = v
			}
			args := append([]string{"fetch"}, c.args...)
			args = append(args, "toy-persona")
			code, out, errOut := runData(t, entries, env, args...)
			if code != 0 || !strings.Contains(out, "6 files fetched") || !strings.Contains(errOut, "from the mirror") {
				t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
			}
		})
	}
	t.Run("checksums still verified", func(t *testing.T) {
		bad := mirrorFolder(t)
		path := filepath.Join(bad, "toy-persona", "likes-music.jsonl")
		if err := os.WriteFile(path, []byte("{\"statement\": \"tampered\"}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runData(t, entries, map[string]string{catalog.CacheEnv: t.TempDir()}, "fetch", "toy-persona", "--mirror", bad)
		if code != 1 || !strings.Contains(errOut, "likes-music.jsonl") || !strings.Contains(out, "5 files fetched") {
			t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
		}
	})
	t.Run("missing mirror folder", func(t *testing.T) {
		code, _, errOut := runData(t, entries, map[string]string{catalog.CacheEnv: t.TempDir()}, "fetch", "toy-persona", "--mirror", filepath.Join(mirror, "nowhere"))
		if code != 2 || !strings.Contains(errOut, "toy-persona") || !strings.Contains(errOut, "<mirror>/toy-persona/<file>") {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
	})
	t.Run("unreachable mirror", func(t *testing.T) {
		code, _, errOut := runData(t, entries, map[string]string{catalog.CacheEnv: t.TempDir()}, "fetch", "toy-persona", "--mirror", "http://nonexistent.invalid/pal")
		if code != 1 || !strings.Contains(errOut, "cannot reach http://nonexistent.invalid") {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
	})
}
