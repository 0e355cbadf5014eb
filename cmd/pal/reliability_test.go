package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/sweeps/runstore"
	"github.com/pal-harness/pal/sweeps/runstore/runstoretest"
)

// The repro of a diverged PAL-A run (lr = 1e6): before, it was recorded "ok" with loss
// 0 and accuracies of a coin; now it is failed with the reason, and no model is kept for it
// (issue 16, defect 1).
func TestDivergedRunIsFailed(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, "diverge.toml", `
seeds = [1]
[dataset]
kind = "synthetic"
items = 200
seen_users = 10
unseen_users = 4
pairs_per_user = 30
[[model]]
kind = "pal-a"
lr = 1e6
lr_user = 1e6
width = 8
[train]
epochs = 20
`)
	out := filepath.Join(dir, "out")
	code, _, stderr := runPal(t, "run", spec, "--out", out, "--save-models", "--no-report")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a run failed); stderr:\n%s", code, stderr)
	}
	rows := runstoretest.Rows(t, out)
	if len(rows) != 2 {
		t.Fatalf("runs.csv has %d rows, want the header and one run", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	row := rows[1]
	if row[col["status"]] != "failed" || !strings.Contains(row[col["error"]], "diverged") || row[col["acc_test"]] != "" {
		t.Errorf("the diverged run: status %q, error %q, acc_test %q", row[col["status"]], row[col["error"]], row[col["acc_test"]])
	}
	if models, _ := filepath.Glob(filepath.Join(out, "*", experiment.ModelFile)); len(models) != 0 {
		t.Errorf("a diverged run kept a model file: %v", models)
	}
}

// A second `pal run` into a store that another writer holds stops at once with exit 2, naming
// the holder (issue 16, defect 3).
func TestSecondWriterExitsTwo(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	held, err := runstore.Create(out, "pal run first.toml")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	spec := writeSpec(t, dir, "s.toml", smallSpec)
	code, _, stderr := runPal(t, "run", spec, "--out", out)
	if code != 2 || !strings.Contains(stderr, "in use by `pal run first.toml`") || !strings.Contains(stderr, "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("exit %d, want 2 naming the holder; stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, runstore.SpecFile)); err == nil {
		t.Error("the refused writer wrote spec.toml")
	}
}

// A name that is not one safe folder name, and arguments that cannot be written, are bad input:
// exit 2 before anything runs (issue 16, defects 6 and 7).
func TestUnsafeNamesAndOutputsExitTwo(t *testing.T) {
	dir := t.TempDir()
	cwd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(cwd)
	for name, want := range map[string]string{
		`".."`:                                  "not a folder name",
		`"."`:                                   "not a folder name",
		`"a/b"`:                                 "holds '/'",
		`"a\u0000b"`:                            "holds '\\x00'",
		`"` + strings.Repeat("n", 100000) + `"`: "at most 100",
		`".hidden"`:                             "start with a letter or digit",
	} {
		src := strings.Replace(smallSpec, `name = "small"`, "name = "+name, 1)
		spec := writeSpec(t, dir, "named.toml", src)
		code, _, stderr := runPal(t, "run", spec)
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("name = %.40s: exit %d, want 2 saying %q; stderr:\n%.300s", name, code, want, stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the current folder holds %v: a refused spec wrote something", names)
	}
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	spec := writeSpec(t, dir, "s.toml", smallSpec)
	if code, _, stderr := runPal(t, "run", spec, "--out", file); code != 2 || !strings.Contains(stderr, "a-file") {
		t.Errorf("--out naming a file: exit %d, stderr:\n%s", code, stderr)
	}
}

// Data without a training pair is refused before any run (exit 2), and `pal data info` says
// what is wrong with a folder: no training pairs, seen users with only test pairs (issue 16,
// defect 7).
func TestDataWithoutTrainingPairs(t *testing.T) {
	dir := t.TempDir()
	d := synthetic(t, 1, func(cfg *datasets.SyntheticConfig) {
		cfg.Items, cfg.SeenUsers, cfg.UnseenUsers, cfg.PairsPerUser = 60, 4, 0, 10
	})
	// One seen user keeps only its test pairs.
	var train []datasets.Pair
	for _, p := range d.Splits[datasets.Train] {
		if p.User != 0 {
			train = append(train, p)
		}
	}
	d.Splits[datasets.Train] = train
	some := filepath.Join(dir, "some")
	writeFolder(t, some, d)
	code, out, errOut := runData(t, experiment.Catalog(), map[string]string{}, "info", some)
	if code != 0 || !strings.Contains(out, "warning: 1 seen user(s) have no training pairs") || !strings.Contains(out, d.Users[0].ID) {
		t.Errorf("info: exit %d, output:\n%s%s", code, out, errOut)
	}
	d.Splits[datasets.Train] = nil
	none := filepath.Join(dir, "none")
	writeFolder(t, none, d)
	spec := writeSpec(t, dir, "s.toml", "seeds = [1]\n[dataset]\nkind = \"files\"\npath = \"none\"\n[[model]]\nkind = \"btl\"\n")
	runRefused(t, spec, filepath.Join(dir, "out"), "no training pairs")
}

// A run whose model or data could not fit in any machine's memory is refused before anything is
// allocated, with the estimate and the machine's memory, instead of dying of "out of memory"
// (issue 16, defect 5).
func TestOversizedRunsExitTwo(t *testing.T) {
	dir := t.TempDir()
	for name, change := range map[string][2]string{
		"wide deep MLP":   {"layers = 0\nwidth = 4", "layers = 16\nwidth = 65536"},
		"huge latent map": {"dim = 6\nlatent_dim = 3", "dim = 100000\nlatent_dim = 100000"},
	} {
		src := strings.Replace(smallSpec, change[0], change[1], 1)
		spec := writeSpec(t, dir, "big.toml", src)
		t.Run(name, func(t *testing.T) {
			runRefused(t, spec, filepath.Join(dir, "out"), "would need about", "this machine allows")
		})
	}
}

// pal data info says when users.csv lists users that have no pair (they are ignored).
func TestDataInfoNamesUsersWithoutPairs(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, dir, synthetic(t, 1, func(cfg *datasets.SyntheticConfig) {
		cfg.Items, cfg.SeenUsers, cfg.UnseenUsers, cfg.PairsPerUser = 40, 3, 0, 10
	}))
	f, err := os.OpenFile(filepath.Join(dir, datasets.UsersFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("ghost,g0\n")
	f.Close()
	code, out, errOut := runData(t, experiment.Catalog(), map[string]string{}, "info", dir)
	if code != 0 || !strings.Contains(out, "users.csv lists 1 user(s) with no pair in pairs.csv (ghost)") {
		t.Errorf("exit %d, output:\n%s%s", code, out, errOut)
	}
}
