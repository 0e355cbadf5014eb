package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pal report re-renders a store with the [report] flags and never trains; pal reproduce-md
// rewrites a document's blocks from the store, keeps its prose, and --check tells whether it is
// current.
func TestReportFlagsAndReproduceMD(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, "small.toml", smallSpec+"\n[report]\nnames = [\"btl=One reward\"]\n")
	store := filepath.Join(dir, "store")
	if code, _, stderr := runPal(t, "run", spec, "--out", store, "--no-report"); code != 0 {
		t.Fatalf("pal run: exit %d\n%s", code, stderr)
	}
	before, err := os.ReadFile(filepath.Join(store, "runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report")
	code, _, stderr := runPal(t, "report", store, "--out", out, "--x", "model.k", "--figure-size", "full", "--holm", "--name", "pal-a=PAL", "--order", "pal-a,btl")
	if code != 0 {
		t.Fatalf("pal report: exit %d\n%s", code, stderr)
	}
	acc, err := os.ReadFile(filepath.Join(out, "tables", "accuracy.md"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(acc); !strings.Contains(s, "| PAL, K = 1 |") || !strings.Contains(s, "| One reward |") || strings.Index(s, "One reward") < strings.Index(s, "PAL, K = 2") {
		t.Errorf("names (flag and [report]) or order not applied:\n%s", s)
	}
	if svg, _ := os.ReadFile(filepath.Join(out, "figures", "acc_vs_k.svg")); !strings.Contains(string(svg), `width="486pt"`) {
		t.Error("--figure-size full not applied")
	}
	if after, _ := os.ReadFile(filepath.Join(store, "runs.csv")); string(after) != string(before) {
		t.Error("pal report changed the run store")
	}
	for _, bad := range [][]string{{"--figure-size", "a4"}, {"--name", "btl"}} {
		if code, _, stderr := runPal(t, append([]string{"report", store, "--out", out}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", bad, code, stderr)
		}
	}

	doc := filepath.Join(dir, "REPRODUCE.md")
	text := "# Results\n\nWritten by a person.\n\n<!-- pal:begin small-accuracy -->\n<!-- pal:end -->\n\n" +
		"BTL reaches <!-- pal:value small 100*accuracy:seen_test_acc_mean[model=btl] | .2 -->typed<!-- pal:/value -->%.\n"
	if err := os.WriteFile(doc, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runPal(t, "reproduce-md", "--file", doc, "--check", store); code != 1 || !strings.Contains(stderr, "line 6: + | One reward |") || !strings.Contains(stderr, "line 8: - BTL reaches") {
		t.Errorf("--check on a stale file: exit %d, want 1 and the first line that differs\n%s", code, stderr)
	}
	if code, stdout, stderr := runPal(t, "reproduce-md", "--file", doc, store); code != 0 || !strings.Contains(stdout, "rewrote the blocks small-accuracy and 1 values") {
		t.Fatalf("reproduce-md: exit %d\n%s%s", code, stdout, stderr)
	}
	got, _ := os.ReadFile(doc)
	s := string(got)
	if !strings.Contains(s, "Written by a person.") || !strings.Contains(s, "| One reward | PAL-A, K = 1 | PAL-A, K = 2 | Bayes-optimal |") {
		t.Errorf("REPRODUCE.md after reproduce-md:\n%s", s)
	}
	// The value is the BTL cell of the accuracy block just written ("| 81.23 ± 0.45 |").
	_, cellsAfter, _ := strings.Cut(s, "| One reward | PAL-A, K = 1 | PAL-A, K = 2 | Bayes-optimal |\n|---:|---:|---:|---:|\n| ")
	btl, _, _ := strings.Cut(cellsAfter, " ± ")
	if btl == "" || !strings.Contains(s, "BTL reaches <!-- pal:value small 100*accuracy:seen_test_acc_mean[model=btl] | .2 -->"+btl+"<!-- pal:/value -->%.") {
		t.Errorf("the value is not the table's BTL accuracy %q:\n%s", btl, s)
	}
	if code, stdout, _ := runPal(t, "reproduce-md", "--file", doc, "--check", store); code != 0 || !strings.Contains(stdout, "1 blocks and 1 values up to date") {
		t.Errorf("--check on a current file: exit %d %s", code, stdout)
	}
}
