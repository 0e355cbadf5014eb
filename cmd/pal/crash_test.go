package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pal-harness/pal/sweeps/runstore"
	"github.com/pal-harness/pal/sweeps/runstore/runstoretest"
)

// beMain makes the test binary act as pal when the crash test runs it as a child process (so
// it can be killed with SIGKILL), without building a binary first.
const beMain = "PAL_TEST_BE_PAL"

func TestMain(m *testing.M) {
	if os.Getenv(beMain) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// crashSpec is smallSpec with six replicates and longer training: 18 runs of a few tenths of
// a second, so that kills land mid-sweep.
var crashSpec = strings.Replace(strings.Replace(smallSpec, "seeds = [1, 2]", "seeds = [1, 2, 3, 4, 5, 6]", 1),
	"epochs = 15\n", "epochs = 150\npatience = 0\n", 1)

// A sweep killed with SIGKILL at several points (once 2, 7 and 13 of its 18 runs are on disk;
// the process gets no chance to clean up: its lock and any half-written temporary file stay)
// resumes where it stopped, and its runs.csv is the uninterrupted sweep's, up to wall times.
func TestKilledSweepResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several pal processes")
	}
	dir := t.TempDir()
	spec := writeSpec(t, dir, "crash.toml", crashSpec)
	ref := filepath.Join(dir, "ref")
	if code, _, stderr := runPal(t, "run", spec, "--out", ref, "--no-report", "-j", "2"); code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, stderr)
	}
	out := filepath.Join(dir, "crashed")
	for _, target := range []int{2, 7, 13} {
		done := killAt(t, spec, out, target)
		t.Logf("killed with %d of 18 results on disk", done)
		if done >= 18 {
			t.Logf("the sweep finished before the kill: runs are faster than the test expects")
		}
	}
	if code, _, stderr := runPal(t, "run", spec, "--out", out, "--no-report", "-j", "2"); code != 0 {
		t.Fatalf("resumed run: exit %d\n%s", code, stderr)
	}
	if a, b := runstoretest.Without(t, ref, "wall_seconds"), runstoretest.Without(t, out, "wall_seconds"); a != b {
		t.Errorf("runs.csv after kills and a resume differs from the uninterrupted one:\n%s\nvs\n%s", b, a)
	}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(d.Name(), ".tmp") || d.Name() == runstore.LockFile) {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

// killAt starts `pal run` as a child and kills it with SIGKILL once at least target results are
// on disk (or it finishes first); it returns how many results were there.
func killAt(t *testing.T, spec, out string, target int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "run", spec, "--out", out, "--no-report", "-j", "2")
	cmd.Env = append(os.Environ(), beMain+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case <-exited:
			return countResults(out)
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("the child pal neither finished nor wrote results in 2 minutes")
		case <-time.After(2 * time.Millisecond):
			if countResults(out) >= target {
				cmd.Process.Signal(syscall.SIGKILL)
				<-exited
				return countResults(out)
			}
		}
	}
}

func countResults(dir string) int {
	m, _ := filepath.Glob(filepath.Join(dir, "*", runstore.ResultFile))
	return len(m)
}
