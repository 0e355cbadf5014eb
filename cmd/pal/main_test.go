package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/sweeps"
	"github.com/pal-harness/pal/sweeps/runstore"
	"github.com/pal-harness/pal/sweeps/runstore/runstoretest"
)

// smallSpec is a spec that trains in a second or two, for end-to-end tests of the CLI.
const smallSpec = `
name = "small"
seeds = [1, 2]

[dataset]
kind = "synthetic"
dim = 6
latent_dim = 3
k_true = 2
items = 120
seen_users = 8
unseen_users = 4
pairs_per_user = 30
unseen_train_pairs = 10
unseen_val_pairs = 4
unseen_test_pairs = 10

[[model]]
kind = "pal-a"
k = [1, 2]
layers = 0
width = 4

[[model]]
kind = "btl"
width = 4

[train]
epochs = 15
batch_size = 16

[fewshot]
pairs_per_user = [1, 5]
epochs = 10
`

func writeSpec(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runPal(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// runRefused runs spec into out and checks that pal refuses it before any run: exit 2, an error
// holding every one of want, and no output folder.
func runRefused(t *testing.T, spec, out string, want ...string) {
	t.Helper()
	code, _, stderr := runPal(t, "run", spec, "--out", out)
	if code != 2 {
		t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused spec created its output folder (stat: %v)", err)
	}
}

// synthetic generates synthetic data with seed: the default config changed by edit.
func synthetic(t *testing.T, seed uint64, edit func(cfg *datasets.SyntheticConfig)) *datasets.Data {
	t.Helper()
	cfg := datasets.DefaultSynthetic()
	edit(cfg)
	d, err := datasets.GenerateSynthetic(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// writeFolder writes d to dir as a bring-your-own folder (items.npy, pairs.csv, users.csv).
func writeFolder(t *testing.T, dir string, d *datasets.Data) {
	t.Helper()
	if err := datasets.WriteFiles(dir, d); err != nil {
		t.Fatal(err)
	}
}

func TestRunIsDeterministicAcrossJobsAndReruns(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, "small.toml", smallSpec)
	out1, out4 := filepath.Join(dir, "j1"), filepath.Join(dir, "j4")
	if code, _, stderr := runPal(t, "run", spec, "-j", "1", "--out", out1); code != 0 {
		t.Fatalf("pal run -j 1: exit %d\n%s", code, stderr)
	}
	if code, stdout, stderr := runPal(t, "run", "-j", "4", "--out", out4, spec); code != 0 {
		t.Fatalf("pal run -j 4: exit %d\n%s", code, stderr)
	} else if !strings.Contains(stdout, "report.html") {
		t.Errorf("pal run did not say where the report is: %q", stdout)
	}
	a, b := runstoretest.Without(t, out1, "wall_seconds"), runstoretest.Without(t, out4, "wall_seconds")
	if a != b {
		t.Fatalf("runs.csv differs between -j 1 and -j 4:\n%s\n---\n%s", a, b)
	}
	if n := strings.Count(a, "\n") - 1; n != 6 {
		t.Fatalf("runs.csv has %d runs, want 6 (2 seeds x (2 PAL-A + 1 BTL))", n)
	}
	// A second run of the same command skips everything and leaves the same metrics.
	code, _, stderr := runPal(t, "run", spec, "-j", "2", "--out", out1)
	if code != 0 || !strings.Contains(stderr, "6 skipped") {
		t.Fatalf("rerun: exit %d, want 0 with 6 skipped:\n%s", code, stderr)
	}
	if c := runstoretest.Without(t, out1, "wall_seconds"); c != a {
		t.Fatalf("runs.csv changed on rerun:\n%s\n---\n%s", a, c)
	}
	for _, f := range []string{"report/report.html", "spec.toml"} {
		if _, err := os.Stat(filepath.Join(out1, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
}

func TestBadSpecExitsTwoWithLine(t *testing.T) {
	dir := t.TempDir()
	bad := strings.Replace(smallSpec, "k = [1, 2]", "k = [0, 2]\nlearning_rate = 1", 1)
	spec := writeSpec(t, dir, "bad.toml", bad)
	lines := strings.Split(smallSpec, "\n")
	kLine := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "k = [1, 2]") {
			kLine = i + 1
		}
	}
	runRefused(t, spec, filepath.Join(dir, "out"), "bad.toml:"+strconv.Itoa(kLine)+":", `"k"`, `"learning_rate"`)
}

func TestFailedRunIsRecordedAndOthersFinish(t *testing.T) {
	dir := t.TempDir()
	// residual = true with width 4 != dim 6 cannot be built: that run fails, the others finish.
	src := strings.Replace(smallSpec, "kind = \"btl\"\nwidth = 4", "kind = \"btl\"\nwidth = 4\nresidual = true", 1)
	spec := writeSpec(t, dir, "fail.toml", src)
	out := filepath.Join(dir, "out")
	code, _, stderr := runPal(t, "run", spec, "--out", out)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	csvText, err := os.ReadFile(filepath.Join(out, "runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(csvText), ",ok,"); got != 4 {
		t.Errorf("runs.csv has %d ok runs, want 4:\n%s", got, csvText)
	}
	if !strings.Contains(string(csvText), "residual = true needs width == input dimension") {
		t.Errorf("runs.csv does not record the failure's reason:\n%s", csvText)
	}
}

func TestBadDataFolderExitsTwo(t *testing.T) {
	dir := t.TempDir()
	src := strings.Replace(smallSpec, "kind = \"synthetic\"", "kind = \"files\"\npath = \"nowhere\"", 1)
	src = src[:strings.Index(src, "dim = 6")] + src[strings.Index(src, "[[model]]"):]
	spec := writeSpec(t, dir, "files.toml", src)
	runRefused(t, spec, filepath.Join(dir, "out"), "nowhere")
}

func TestArgumentErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"run"},
		{"run", "a.toml", "b.toml"},
		{"run", "x.toml", "-j", "0"},
		{"report"},
		{"reproduce", "--only", "no-such-experiment"},
		{"version", "extra"},
	} {
		if code, _, _ := runPal(t, args...); code != 2 {
			t.Errorf("pal %v: exit %d, want 2", args, code)
		}
	}
	if code, stdout, _ := runPal(t, "version"); code != 0 || !strings.HasPrefix(stdout, "pal ") {
		t.Errorf("pal version: exit %d, output %q", code, stdout)
	}
	if code, stdout, _ := runPal(t, "schema"); code != 0 || !strings.Contains(stdout, "k_true") {
		t.Errorf("pal schema: exit %d, output lacks k_true", code)
	}
	for _, cmd := range []string{"run", "report", "reproduce", "schema", "version"} {
		if code, _, stderr := runPal(t, cmd, "-h"); code != 0 || !strings.Contains(stderr, "Usage: pal "+cmd) {
			t.Errorf("pal %s -h: exit %d, stderr %q", cmd, code, stderr)
		}
	}
}

var update = flag.Bool("update", false, "rewrite docs/spec.md from `pal schema`")

// docs/spec.md is the schema reference users read; it must say what the binary accepts.
func TestSpecReferenceIsCurrent(t *testing.T) {
	_, schema, _ := runPal(t, "schema")
	want := "# Spec reference\n\nGenerated by `pal schema` (kept in sync by a test; regenerate with `make docs`).\n\n" + schema
	path := filepath.Join("..", "..", "docs", "spec.md")
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("docs/spec.md is out of date: run `make docs` (go test ./cmd/pal -run SpecReference -update)")
	}
}

// The spec shown in README.md must be one that pal accepts.
func TestReadmeSpecParses(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "```toml\n")
	if start < 0 {
		t.Fatal("README.md has no ```toml block")
	}
	body := text[start+len("```toml\n"):]
	body = body[:strings.Index(body, "```")]
	spec := writeSpec(t, t.TempDir(), "readme.toml", body)
	s, err := sweeps.Parse(spec, experiment.Schema())
	if err != nil {
		t.Fatalf("the README's spec does not parse:\n%v", err)
	}
	if len(s.Runs) != 90 {
		t.Errorf("the README says the spec gives 90 runs; it gives %d", len(s.Runs))
	}
}

// A bring-your-own folder, given relative to the spec, runs end to end like synthetic data.
func TestRunOnFilesFolder(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, filepath.Join(dir, "mydata"), synthetic(t, 3, func(cfg *datasets.SyntheticConfig) {
		cfg.Items, cfg.SeenUsers, cfg.UnseenUsers, cfg.PairsPerUser = 80, 6, 2, 20
		cfg.UnseenTrain, cfg.UnseenVal, cfg.UnseenTest = 6, 2, 6
	}))
	spec := writeSpec(t, dir, "byo.toml", `
seeds = [1]
[dataset]
kind = "files"
path = "mydata"
[[model]]
kind = "pal-a"
k = 3
layers = 0
[train]
epochs = 5
[fewshot]
pairs_per_user = [2]
epochs = 5
`)
	out := filepath.Join(dir, "out")
	if code, _, stderr := runPal(t, "run", spec, "--out", out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	contents, err := runstore.Load(out)
	if err != nil || len(contents.Current) != 1 {
		t.Fatalf("results: %v, %+v", err, contents)
	}
	r := contents.Current[0]
	if r.Provenance.DatasetFingerprint == "" || len(r.Metrics.PerGroup["test"]) != 3 {
		t.Errorf("result lacks the files' fingerprint or per-group accuracy from users.csv: %+v", r.Metrics.PerGroup)
	}
}
