package runstore

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A run's claim keeps a second task off the run while the first lives; the first's write
// needs no store lock (the owner may hold it meanwhile); a dead holder's claim is taken over.
func TestClaimRun(t *testing.T) {
	dir := t.TempDir()
	owner, err := Create(dir, "pal run --slurm")
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	c, err := ClaimRun(dir, "r1", "slurm task 7_0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ClaimRun(dir, "r1", "slurm task 8_0")
	var claimed *ClaimedError
	if !errors.As(err, &claimed) || !strings.Contains(err.Error(), "slurm task 7_0") {
		t.Fatalf("second claim: %v, want a *ClaimedError naming the holder", err)
	}
	if h, live := owner.Claim("r1"); !live || h.Command != "slurm task 7_0" {
		t.Errorf("Claim: %+v %v", h, live)
	}
	if err := c.Write(okResult("r2"), nil); err == nil {
		t.Error("a claim of r1 wrote r2")
	}
	if err := c.Write(okResult("r1"), map[string][]byte{"model.bin": []byte("m")}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if !owner.Complete("r1") {
		t.Error("the claimed write left no complete result")
	}
	if _, err := os.Stat(filepath.Join(dir, "r1", ClaimFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("claim left after Close: %v", err)
	}
	if _, live := owner.Claim("r1"); live {
		t.Error("a released claim counts as live")
	}
	// A claim whose process is gone (killed by Slurm) is taken over at once on its host.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run a child process: %v", err)
	}
	host, _ := os.Hostname()
	os.MkdirAll(filepath.Join(dir, "r3"), 0o755)
	writeLockAt(t, filepath.Join(dir, "r3", ClaimFile), LockInfo{PID: cmd.Process.Pid, Host: host, Started: time.Now(), Command: "slurm task 7_2"})
	if _, live := owner.Claim("r3"); live {
		t.Error("a dead task's claim counts as live")
	}
	c3, err := ClaimRun(dir, "r3", "slurm task 9_0")
	if err != nil {
		t.Fatalf("taking over a dead task's claim: %v", err)
	}
	c3.Close()
	for _, bad := range []string{"", "..", "a/b", ".claim"} {
		if _, err := ClaimRun(dir, bad, "x"); err == nil {
			t.Errorf("ClaimRun(%q): no error", bad)
		}
	}
}

func writeLockAt(t *testing.T, path string, info LockInfo) {
	t.Helper()
	dir := t.TempDir()
	writeLock(t, dir, info, 0)
	b, err := os.ReadFile(filepath.Join(dir, LockFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Submissions are numbered, keep their frozen run list, and split it into tasks; runs.csv is
// rebuilt from the result files in manifest order, and not while the owner holds the store.
func TestSubmissionsAndRebuild(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, "pal run --slurm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.NewSubmission([]string{"a"}, 1); err == nil {
		t.Error("a submission before the spec was set")
	}
	w.SetSpec([]byte("name = \"s\"\n"), "s", []string{"c", "a", "b"}, []string{"seed"})
	sub, err := w.NewSubmission([]string{"a", "b", "c", "d", "e"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Seq != 1 || sub.Tasks != 3 || sub.SpecSHA256 == "" {
		t.Errorf("submission %+v", sub)
	}
	list, err := sub.ReadRunList()
	if err != nil {
		t.Fatal(err)
	}
	for task, want := range [][]string{{"a", "b"}, {"c", "d"}, {"e"}, nil} {
		if got := sub.TaskRuns(list, task); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("task %d runs %v, want %v", task, got, want)
		}
	}
	if err := w.WriteSubmissionFile(sub, "job.sh", []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(sub.Dir(), "job.sh")); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("job.sh: %v %v", st, err)
	}
	sub.JobID = "77"
	w.SaveSubmission(sub)
	sub2, _ := w.NewSubmission([]string{"c"}, 1)
	subs, err := w.Submissions()
	if err != nil || len(subs) != 2 || subs[0].JobID != "77" || subs[1].Seq != 2 || sub2.Seq != 2 {
		t.Errorf("submissions %v %v", subs, err)
	}
	for _, id := range []string{"a", "b", "c"} {
		w.WriteRun(okResult(id), nil)
	}
	if err := RebuildRunsCSV(dir, "pal status"); err == nil {
		t.Error("rebuilt runs.csv while the owner holds the store")
	}
	w.Close()
	if err := RebuildRunsCSV(dir, "pal status"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, RunsCSV))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "c,") || !strings.HasPrefix(lines[2], "a,") {
		t.Errorf("runs.csv:\n%s", b)
	}
	// Load sees no run in the submission folders.
	c, err := Load(dir)
	if err != nil || len(c.Current) != 3 || len(c.Stale) != 0 {
		t.Errorf("load: %+v %v", c, err)
	}
}
