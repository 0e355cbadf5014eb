package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/sweeps/runstore"
)

// A bring-your-own folder whose users.csv names each user's group gets the heterogeneity
// analyses end to end: every run keeps its analysis record (with the groups of users.csv), and
// the report shows accuracy per group, group recovery (ARI near 1 with K = the 3 groups, lower
// with K = 2) and the users on the simplex.
func TestReportOnFilesFolderWithGroups(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, filepath.Join(dir, "mydata"), synthetic(t, 5, func(cfg *datasets.SyntheticConfig) {
		cfg.Items, cfg.SeenUsers, cfg.UnseenUsers, cfg.PairsPerUser = 300, 30, 9, 60
		cfg.UnseenTrain, cfg.UnseenVal, cfg.UnseenTest = 30, 6, 15
	}))
	users, err := os.ReadFile(filepath.Join(dir, "mydata", "users.csv"))
	if err != nil || !strings.Contains(strings.SplitN(string(users), "\n", 2)[0], "group") {
		t.Fatalf("the folder's users.csv has no group column: %v\n%.200s", err, users)
	}
	spec := writeSpec(t, dir, "byo.toml", `
name = "byo-groups"
seeds = [1, 2]
[dataset]
kind = "files"
path = "mydata"
[[model]]
kind = "pal-a"
k = [2, 3]
layers = 0
lr = 3e-3
lr_user = 1e-2
[[model]]
kind = "btl"
[train]
epochs = 150
batch_size = 32
patience = 10
[fewshot]
pairs_per_user = [5]
epochs = 50
`)
	out := filepath.Join(dir, "out")
	if code, _, stderr := runPal(t, "run", spec, "--out", out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	st, err := runstore.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.Load()
	if err != nil || len(c.Current) != 6 {
		t.Fatalf("results: %v, %d", err, len(c.Current))
	}
	for _, r := range c.Current {
		rec, err := st.Analysis(&r)
		if err != nil || rec == nil {
			t.Fatalf("run %s: no analysis record (%v); files %v", r.RunID, err, r.Files)
		}
		if len(rec.Groups) != 39 || len(rec.GroupNames) != 3 || len(rec.PairCounts["train"]) != 39 || len(rec.Curve) == 0 {
			t.Errorf("run %s: record lacks users.csv's groups, pair counts or the curve: %d groups (%v), %d counts, %d epochs",
				r.RunID, len(rec.Groups), rec.GroupNames, len(rec.PairCounts["train"]), len(rec.Curve))
		}
		if r.Params["model"] == "pal-a" && (len(rec.Weights) != 39 || rec.K == 0 || len(rec.PrototypeDistances) != rec.K) {
			t.Errorf("run %s: PAL record lacks weights or prototype distances", r.RunID)
		}
		if _, ok := rec.Calibration["test"]; !ok {
			t.Errorf("run %s: no reliability histogram", r.RunID)
		}
		if fi, err := os.Stat(filepath.Join(out, r.RunID, metrics.AnalysisFile)); err == nil {
			t.Logf("%s: %s is %d bytes", r.Params["model"], metrics.AnalysisFile, fi.Size())
		}
	}
	report := filepath.Join(out, "report")
	page, err := os.ReadFile(filepath.Join(report, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The folder is the same data for both seeds: users are paired once each, averaged over seeds.
	for _, want := range []string{"Headline findings", "Accuracy per true group", "Group recovery", "Users on the simplex", "Training curves", "30 users, each averaged over 2 seeds of the same data"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	for _, f := range []string{"groups.svg", "recovery.svg", "simplex__pal-a__k=3.svg"} {
		if _, err := os.Stat(filepath.Join(report, "figures", f)); err != nil {
			t.Error(err)
		}
	}
	ari := map[string]float64{}
	f, err := os.Open(filepath.Join(report, "tables", "recovery.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		ari[r[col["k"]]], _ = strconv.ParseFloat(r[col["ari_seen_mean"]], 64)
	}
	t.Logf("ARI of seen users by K: %v", ari)
	if ari["3"] < 0.9 || ari["2"] >= ari["3"] {
		t.Errorf("ARI with K = 3 = %.3f (want near 1), with K = 2 = %.3f (want lower)", ari["3"], ari["2"])
	}
}

// pal reproduce's index page links each experiment that has a report, with its headline, and
// says why the others have none.
func TestReproduceIndex(t *testing.T) {
	out := t.TempDir()
	spec := writeSpec(t, t.TempDir(), "small.toml", smallSpec)
	if code, _, stderr := runPal(t, "run", spec, "--out", filepath.Join(out, "synthetic")); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	var stdout, stderr strings.Builder
	writeReproduceIndex(out, map[string]string{"persona": "data set not on disk"}, &stdout, &stderr)
	if stderr.Len() > 0 {
		t.Fatalf("stderr: %s", stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{`<a href="synthetic/report/report.html"><strong>synthetic</strong></a>`, "reaches the highest seen-user test accuracy",
		"skipped: data set not on disk", "not run yet (pal reproduce --only synthetic_prompts)"} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q:\n%s", want, page)
		}
	}
}
