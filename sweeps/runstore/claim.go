package runstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ClaimFile is the lock file of one run, in the run's folder, while a task of a batch
// scheduler (Slurm) runs it.
//
// Tasks write the store without its lock (.lock belongs to the store's owner: a local `pal
// run`, or `pal run --slurm` while it submits), so that hundreds of them can write at once.
// What keeps them apart is the division of the work: each task writes only the folders of its
// own runs, each of them under that run's claim (created exclusively, refreshed every
// Heartbeat, stale like the store's lock when its process is gone or silent for StaleAfter),
// and result.json last by an atomic rename. Two tasks given the same run (two submissions
// that overlapped) cannot both write it: the second finds the claim and leaves the run to the
// first. runs.csv, which many tasks would otherwise rewrite at once, is written by no task: the
// store's owner rebuilds it from the result files (RebuildRunsCSV).
const ClaimFile = ".claim"

// ClaimedError says a live task holds a run's claim.
type ClaimedError struct {
	RunID  string
	Holder LockInfo
}

func (e *ClaimedError) Error() string {
	what := "another pal"
	if e.Holder.Command != "" {
		what = e.Holder.Command
	}
	return fmt.Sprintf("run %s is being run by %s (pid %d on host %s, since %s)", e.RunID, what, e.Holder.PID,
		e.Holder.Host, e.Holder.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// RunWriter writes one run of a store under the run's claim, without the store's lock.
type RunWriter struct {
	*Store
	id   string
	lock *lock
}

// ClaimRun takes the claim of run id in the store in dir (a *ClaimedError when a live task
// holds it; a stale claim is taken over). holder is recorded for others' messages (the Slurm
// job and task). The store must exist: a task never creates one.
func ClaimRun(dir, id, holder string) (*RunWriter, error) {
	s, err := Open(dir)
	if err != nil {
		return nil, err
	}
	if err := checkRunID(id); err != nil {
		return nil, err
	}
	runDir := s.RunDir(id)
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, err
	}
	l, err := acquirePath(filepath.Join(runDir, ClaimFile), holder)
	var held *heldError
	if errors.As(err, &held) {
		return nil, &ClaimedError{RunID: id, Holder: held.holder}
	}
	if err != nil {
		return nil, fmt.Errorf("claiming run %s in %s: %w", id, dir, err)
	}
	return &RunWriter{Store: s, id: id, lock: l}, nil
}

// Write stores the claimed run's result and files as Writer.WriteRun does.
func (w *RunWriter) Write(res *Result, files map[string][]byte) error {
	if res.RunID != w.id {
		return fmt.Errorf("internal error: writing run %s under the claim of run %s", res.RunID, w.id)
	}
	if err := w.lock.check(); err != nil {
		return err
	}
	return writeRun(w.dir, res, files)
}

// Close releases the claim.
func (w *RunWriter) Close() error { return w.lock.release() }

// Claim reports the holder of run id's claim when a live task holds it (the rules of stale
// locks apply).
func (s *Store) Claim(id string) (LockInfo, bool) {
	host, _ := os.Hostname()
	path := filepath.Join(s.RunDir(id), ClaimFile)
	if _, err := os.Stat(path); err != nil {
		return LockInfo{}, false
	}
	info, _, stale := inspect(path, host)
	return info, !stale
}

func checkRunID(id string) error {
	if id == "" || id == "." || id == ".." || filepath.Base(id) != id || id[0] == '.' {
		return fmt.Errorf("%q is not a run id (run ids are the folder names of a store, as runs.csv lists them)", id)
	}
	return nil
}

// RebuildRunsCSV writes runs.csv of the store in dir from its result files, in the manifest's
// order, taking the store's lock for the moment it writes. A store whose owner is at work is
// left alone (a *LockedError): the owner writes runs.csv itself when it finishes.
func RebuildRunsCSV(dir, command string) error {
	w, err := Create(dir, command)
	if err != nil {
		return err
	}
	defer w.Close()
	m, err := w.Manifest()
	if err != nil {
		return err
	}
	if m == nil {
		return fmt.Errorf("run store %s has no manifest.json: runs.csv cannot be rebuilt (rerun its spec with pal run)", dir)
	}
	results, err := w.SpecResults(m.Runs)
	if err != nil {
		return err
	}
	return w.WriteRunsCSV(results, m.Axes)
}
