package runstore

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func okResult(id string) *Result {
	return &Result{RunID: id, Spec: "s", Status: StatusOK, Params: map[string]any{}}
}

// A second writer of a store is refused with the holder's pid and host (issue 16, defect 3);
// after the first closes, the store can be written again.
func TestOneWriterAtATime(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, "pal run a.toml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Create(dir, "pal run b.toml")
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second writer: %v, want a *LockedError", err)
	}
	host, _ := os.Hostname()
	for _, want := range []string{"pal run a.toml", "pid " + strconv.Itoa(os.Getpid()), "host " + host, LockFile} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("lock error %q does not say %q", err, want)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file is left after Close: %v", err)
	}
	w2, err := Create(dir, "pal run b.toml")
	if err != nil {
		t.Fatalf("after the first writer closed: %v", err)
	}
	w2.Close()
}

// writeLock plants a lock file as another process would have left it.
func writeLock(t *testing.T, dir string, info LockInfo, age time.Duration) {
	t.Helper()
	b, _ := json.Marshal(info)
	p := filepath.Join(dir, LockFile)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-age)
	os.Chtimes(p, old, old)
}

// A lock whose process is gone (this host) or that nobody refreshed for StaleAfter (another
// host sharing the folder) is taken over; a fresh one of another host is not.
func TestStaleLocksAreTakenOver(t *testing.T) {
	host, _ := os.Hostname()
	// A pid that surely does not run: a child that has exited and been reaped.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run a child process: %v", err)
	}
	dead := cmd.Process.Pid
	for _, c := range []struct {
		name  string
		info  LockInfo
		age   time.Duration
		stale bool
	}{
		{"dead process on this host", LockInfo{PID: dead, Host: host, Started: time.Now()}, 0, true},
		{"live process on this host", LockInfo{PID: os.Getpid(), Host: host, Started: time.Now()}, 0, false},
		{"other host, refreshed", LockInfo{PID: 1, Host: "elsewhere.invalid", Started: time.Now()}, Heartbeat, false},
		{"other host, silent", LockInfo{PID: 1, Host: "elsewhere.invalid", Started: time.Now()}, 2 * StaleAfter, true},
		{"half-written lock", LockInfo{}, 2 * Heartbeat, true},
	} {
		dir := t.TempDir()
		writeLock(t, dir, c.info, c.age)
		w, err := Create(dir, "pal run")
		if c.stale {
			if err != nil {
				t.Errorf("%s: %v, want the stale lock taken over", c.name, err)
				continue
			}
			w.Close()
		} else if err == nil {
			t.Errorf("%s: the lock was taken over", c.name)
			w.Close()
		}
	}
}

// A writer that lost its lock (stopped longer than StaleAfter, taken over) stops writing.
func TestLostLockStopsWriting(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, "pal run")
	if err != nil {
		t.Fatal(err)
	}
	writeLock(t, dir, LockInfo{PID: 1, Host: "elsewhere.invalid", Started: time.Now()}, 0)
	if err := w.WriteRun(okResult("r1"), nil); err == nil || !strings.Contains(err.Error(), "lost the lock") {
		t.Errorf("writing after losing the lock: %v", err)
	}
	w.Close()
	if _, err := os.Stat(filepath.Join(dir, LockFile)); err != nil {
		t.Error("Close removed a lock that was not its own")
	}
}

// Temporary files of a killed writer are removed when the store is opened for writing: at the
// top at once, inside run folders once they are old (issue 16, defect 10).
func TestLeftoverTempFilesAreRemoved(t *testing.T) {
	dir := t.TempDir()
	top := filepath.Join(dir, ".spec.toml.123.tmp")
	os.WriteFile(top, []byte("half"), 0o644)
	os.MkdirAll(filepath.Join(dir, "r1"), 0o755)
	oldTemp := filepath.Join(dir, "r1", ".result.json.456.tmp")
	newTemp := filepath.Join(dir, "r1", ".model.safetensors.789.tmp")
	os.WriteFile(oldTemp, []byte("half"), 0o644)
	os.WriteFile(newTemp, []byte("half"), 0o644)
	old := time.Now().Add(-2 * tempMaxAge)
	os.Chtimes(oldTemp, old, old)
	w, err := Create(dir, "pal run")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, p := range []string{top, oldTemp} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was left", p)
		}
	}
	if _, err := os.Stat(newTemp); err != nil {
		t.Error("a recent temporary file in a run folder (a write under way) was removed")
	}
}

// Load tells the current spec's runs from stale ones by the manifest, counts the missing, and
// turns an unreadable result into a failed one with a warning.
func TestLoadSortsRuns(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, "pal run")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, id := range []string{"a", "b", "old"} {
		if err := w.WriteRun(okResult(id), map[string][]byte{"model.bin": []byte(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.SetSpec([]byte("name = \"s\"\n"), "s", []string{"b", "a", "c"}, []string{"seed"}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a", ResultFile), []byte("{"), 0o644)
	c, err := w.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Current) != 2 || c.Current[0].RunID != "b" || c.Current[1].RunID != "a" || c.Current[1].Status != StatusFailed {
		t.Errorf("current runs %+v, want b then a (failed: unreadable)", c.Current)
	}
	if len(c.Stale) != 1 || c.Stale[0].RunID != "old" || c.Missing != 1 || len(c.Unreadable) != 1 {
		t.Errorf("stale %v, missing %d, unreadable %v", c.Stale, c.Missing, c.Unreadable)
	}
	if !strings.Contains(c.StaleNote(), "1 result(s)") {
		t.Errorf("stale note %q", c.StaleNote())
	}
	res, err := w.Result("b")
	if err != nil || res.SchemaVersion != SchemaVersion || len(res.Files) != 1 || res.Files[0] != "model.bin" {
		t.Errorf("result b: %+v, %v", res, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "b", "model.bin")); string(b) != "b" {
		t.Error("the run's file was not written")
	}
	// A result from a newer pal is refused with the fix.
	os.WriteFile(filepath.Join(dir, "b", ResultFile), []byte(`{"schema_version": 99, "run_id": "b"}`), 0o644)
	if _, err := w.Result("b"); err == nil || !strings.Contains(err.Error(), "newer pal") {
		t.Errorf("a result of schema version 99: %v", err)
	}
}
