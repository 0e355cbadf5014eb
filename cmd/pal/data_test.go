package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/datasets/persona"
	"github.com/pal-harness/pal/internal/experiment"
)

// personaFixture is a folder of small persona trait files in the true format.
var personaFixture = filepath.Join("..", "..", "datasets", "persona", "testdata", "traits")

// fixtureEntry is a catalog entry whose files an httptest server serves from the fixture; bad
// names a file whose pinned checksum is wrong.
func fixtureEntry(t *testing.T, srv *httptest.Server, bad string) catalog.Entry {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(personaFixture, "*.jsonl"))
	e := catalog.Entry{Name: "toy-persona", Kind: "persona", License: "CC-BY-4.0", Source: "test fixture", Description: "made-up traits"}
	for _, p := range names {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		f := catalog.File{Name: filepath.Base(p), URL: srv.URL + "/" + filepath.Base(p), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(raw))}
		if f.Name == bad {
			f.SHA256 = strings.Repeat("0", 64)
		}
		e.Files = append(e.Files, f)
	}
	return e
}

func runData(t *testing.T, entries []catalog.Entry, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	d := &dataCmd{
		entries: func() catalog.Catalog { return catalog.New(entries) },
		getenv:  func(k string) string { return env[k] },
		stdout:  &o, stderr: &e,
	}
	code := d.run(args)
	return code, o.String(), e.String()
}

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

func TestDataFetchListInfo(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir(personaFixture)))
	defer srv.Close()
	cache := t.TempDir()
	env := map[string]string{catalog.CacheEnv: cache}
	entries := []catalog.Entry{fixtureEntry(t, srv, "")}

	code, out, _ := runData(t, entries, env, "list")
	if code != 0 || !strings.Contains(out, "toy-persona") || !strings.Contains(out, "0/6") || !strings.Contains(out, cache) {
		t.Fatalf("list before fetch: exit %d\n%s", code, out)
	}
	code, out, errOut := runData(t, entries, env, "fetch", "toy-persona")
	if code != 0 || !strings.Contains(out, "6 files fetched") {
		t.Fatalf("fetch: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runData(t, entries, env, "list")
	if code != 0 || !strings.Contains(out, "6/6") {
		t.Fatalf("list after fetch: exit %d\n%s", code, out)
	}
	code, out, _ = runData(t, entries, env, "fetch", "toy-persona")
	if code != 0 || !strings.Contains(out, "6 already present") {
		t.Fatalf("second fetch: exit %d\n%s", code, out)
	}
	// info on the fetched folder: a persona statement folder, built with a small config.
	code, out, errOut = runData(t, entries, env, "info", filepath.Join(cache, "toy-persona"))
	if code != 2 || !strings.Contains(errOut, "traits") {
		// The default knobs need 6 traits x 100 statements: the toy folder cannot give that,
		// and the error must say what to lower.
		t.Fatalf("info with default knobs on 6 tiny traits: exit %d, stderr %q", code, errOut)
	}
}

func TestDataFetchChecksumFailure(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir(personaFixture)))
	defer srv.Close()
	cache := t.TempDir()
	entries := []catalog.Entry{fixtureEntry(t, srv, "likes-music.jsonl")}
	code, out, errOut := runData(t, entries, map[string]string{}, "fetch", "toy-persona", "--cache", cache)
	if code != 1 || !strings.Contains(errOut, "checksum mismatch") || !strings.Contains(errOut, "pal data fetch toy-persona --cache "+cache) {
		t.Fatalf("exit %d, want 1 with the checksum error and the rerun command\nstdout %s\nstderr %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(cache, "toy-persona", "likes-music.jsonl")); err == nil {
		t.Error("the file with the wrong checksum was kept")
	}
	if left, _ := filepath.Glob(filepath.Join(cache, "toy-persona", "*.part")); len(left) != 0 {
		t.Errorf("partial files left: %v", left)
	}
	if !strings.Contains(out, "5 files fetched") {
		t.Errorf("the other files must still be fetched: %s", out)
	}
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

func TestDataArgumentErrors(t *testing.T) {
	entries := experiment.Catalog()
	env := map[string]string{catalog.CacheEnv: t.TempDir()}
	for _, args := range [][]string{
		{},
		{"frob"},
		{"fetch"},
		{"fetch", "no-such-set"},
		{"fetch", "a", "b"},
		{"info"},
		{"info", "no-such-set-or-folder"},
		{"list", "extra"},
	} {
		if code, _, _ := runData(t, entries, env, args...); code != 2 {
			t.Errorf("pal data %v: exit %d, want 2", args, code)
		}
	}
	for _, sub := range []string{"list", "fetch", "info"} {
		if code, _, errOut := runData(t, entries, env, sub, "-h"); code != 0 || !strings.Contains(errOut, "Usage: pal data "+sub) {
			t.Errorf("pal data %s -h: exit %d, stderr %q", sub, code, errOut)
		}
	}
	if code, out, _ := runData(t, entries, env, "-h"); code != 0 || !strings.Contains(out, "pal data fetch NAME") {
		t.Errorf("pal data -h: exit %d", code)
	}
	// The real catalog, nothing on disk: info says which command fetches it.
	code, _, errOut := runData(t, entries, env, "info", "anthropic-persona")
	if code != 2 || !strings.Contains(errOut, "pal data fetch anthropic-persona") {
		t.Errorf("info on a missing data set: exit %d, stderr %q", code, errOut)
	}
	code, out, _ := runData(t, entries, env, "list")
	if code != 0 || !strings.Contains(out, "anthropic-persona") || !strings.Contains(out, "0/136") {
		t.Errorf("list of the real catalog: exit %d\n%s", code, out)
	}
}

func TestDataInfoOnBringYourOwnFolder(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, dir, synthetic(t, 1, func(cfg *datasets.SyntheticConfig) {
		cfg.Items, cfg.SeenUsers, cfg.UnseenUsers, cfg.PairsPerUser = 50, 4, 2, 10
		cfg.UnseenTrain, cfg.UnseenVal, cfg.UnseenTest = 3, 2, 4
	}))
	code, out, errOut := runData(t, experiment.Catalog(), map[string]string{}, "info", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"items        50 (dimension 16)", "users        4 seen, 2 unseen", "unseen_test      8", "groups (ground truth): 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
}

// A spec naming Persona data that is not on disk stops before any run with the fetch command;
// so does `pal reproduce --only persona`.
func TestRunWithoutPersonaDataExitsTwo(t *testing.T) {
	t.Setenv("PAL_PERSONA_DATA", "")
	t.Setenv(catalog.CacheEnv, t.TempDir())
	dir := t.TempDir()
	spec := writeSpec(t, dir, "p.toml", `
seeds = [1]
[dataset]
kind = "persona"
[[model]]
kind = "btl"
`)
	runRefused(t, spec, filepath.Join(dir, "out"), "`pal data fetch anthropic-persona`")
	code, _, stderr := runPal(t, "reproduce", "--only", "persona", "--out", filepath.Join(dir, "repro"))
	if code != 2 || !strings.Contains(stderr, "pal data fetch anthropic-persona") {
		t.Fatalf("reproduce --only persona without data: exit %d; stderr:\n%s", code, stderr)
	}
}

// The real catalog entry, served from a local mirror of the pinned copy: every pinned size and
// checksum must match the true files, and the fetched folder must build.
func TestFetchPersonaFromLocalMirror(t *testing.T) {
	src := os.Getenv("PAL_PERSONA_DATA")
	if src == "" {
		t.Skip("PAL_PERSONA_DATA is not set: point it at ../shared/data/anthropic-evals-persona to fetch the real files from a local mirror")
	}
	e, ok := experiment.Catalog().Lookup(persona.CatalogName)
	if !ok {
		t.Fatal("no anthropic-persona entry")
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(src)))
	defer srv.Close()
	for i := range e.Files {
		e.Files[i].URL = srv.URL + "/" + e.Files[i].Name // the mirror is flat: persona/*.jsonl and LICENSE
	}
	cache := t.TempDir()
	env := map[string]string{catalog.CacheEnv: cache}
	code, out, errOut := runData(t, []catalog.Entry{e}, env, "fetch", persona.CatalogName, "-j", "8")
	if code != 0 || !strings.Contains(out, "136 files fetched") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runData(t, []catalog.Entry{e}, env, "list")
	if code != 0 || !strings.Contains(out, "136/136") {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	// info reads the cache (PAL_PERSONA_DATA is not in this environment) and builds.
	code, out, errOut = runData(t, []catalog.Entry{e}, env, "info", persona.CatalogName)
	if code != 0 || !strings.Contains(out, "items        600 (dimension 64)") || !strings.Contains(out, filepath.Join(cache, persona.CatalogName)) {
		t.Fatalf("info: exit %d\n%s\n%s", code, out, errOut)
	}
}

// A Pick-a-Pic release converts into a bring-your-own folder that the loader reads back.
func TestDataConvertPickAPic(t *testing.T) {
	out := filepath.Join(t.TempDir(), "byo")
	code, stdout, stderr := runPal(t, "data", "convert", filepath.Join("..", "..", "datasets", "pickapic", "testdata", "numpy.zip"), out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote") {
		t.Errorf("stdout %q", stdout)
	}
	d, err := datasets.LoadFiles(out)
	if err != nil {
		t.Fatalf("the converted folder does not load: %v", err)
	}
	if d.NumItems() == 0 || d.NumPrompts() == 0 {
		t.Errorf("converted data has %d items and %d prompts", d.NumItems(), d.NumPrompts())
	}
	if code, _, stderr := runPal(t, "data", "convert", "pick-a-filter-0.4", out, "--cache", t.TempDir()); code != 2 || !strings.Contains(stderr, "pal data fetch pick-a-filter-0.4") {
		t.Errorf("a release not on disk: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runPal(t, "data", "convert", "anthropic-persona", out); code != 2 {
		t.Errorf("converting a persona data set: exit %d, want 2", code)
	}
}
