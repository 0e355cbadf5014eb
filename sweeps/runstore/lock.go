package runstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The lock is a file, LockFile, created exclusively (O_EXCL, which NFS v3 and later honour):
// whoever creates it holds the store. It names the holder so that an error can say who, and
// the holder refreshes its modification time every Heartbeat so that a machine sharing the
// folder can tell a live lock from one whose holder died without cleaning up.

// Heartbeat is how often a held lock's modification time is refreshed; StaleAfter is how long
// a lock of another host may go without a refresh before it counts as abandoned.
const (
	Heartbeat  = 20 * time.Second
	StaleAfter = 2 * time.Minute
)

// LockInfo is what a lock file holds.
type LockInfo struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
	Command string    `json:"command,omitempty"`
}

// LockedError says another writer holds the store.
type LockedError struct {
	Dir    string
	Holder LockInfo
	Age    time.Duration // since the holder last refreshed the lock
}

func (e *LockedError) Error() string {
	h := e.Holder
	what := "another pal"
	if h.Command != "" {
		what = "`" + h.Command + "`"
	}
	return fmt.Sprintf("run store %s is in use by %s (pid %d on host %s, since %s): one writer at a time; wait for it to finish or use another --out. If that process is gone, it is detected on its own (same host at once, other hosts after %s without a refresh); or delete %s",
		e.Dir, what, h.PID, h.Host, h.Started.UTC().Format("2006-01-02 15:04:05 UTC"), StaleAfter, filepath.Join(e.Dir, LockFile))
}

type lock struct {
	path string
	info LockInfo
	stop chan struct{}
	done sync.WaitGroup
}

// acquire takes the lock of the store in dir, taking over a stale one.
func acquire(dir, command string) (*lock, error) {
	l, err := acquirePath(filepath.Join(dir, LockFile), command)
	var held *heldError
	if errors.As(err, &held) {
		return nil, &LockedError{Dir: dir, Holder: held.holder, Age: held.age}
	}
	if err != nil {
		return nil, fmt.Errorf("locking run store %s: %w", dir, err)
	}
	return l, nil
}

// heldError is acquirePath's answer when a live holder has the lock file.
type heldError struct {
	holder LockInfo
	age    time.Duration
}

func (e *heldError) Error() string {
	return fmt.Sprintf("held by pid %d on host %s", e.holder.PID, e.holder.Host)
}

// acquirePath creates the lock file at path exclusively (the store's lock, or a run's claim),
// taking over a stale one; a *heldError when a live holder has it.
func acquirePath(path, command string) (*lock, error) {
	host, _ := os.Hostname()
	l := &lock{path: path, info: LockInfo{PID: os.Getpid(), Host: host, Started: time.Now(), Command: command}}
	body, err := json.Marshal(l.info)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, werr := f.Write(append(body, '\n'))
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				os.Remove(l.path)
				return nil, werr
			}
			l.start()
			return l, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		held, age, stale := inspect(l.path, host)
		if !stale || attempt > 0 {
			return nil, &heldError{holder: held, age: age}
		}
		// Take over a stale lock: rename it away first, so that of two processes taking it
		// over at once only one removes it, and the other finds the new holder's lock.
		aside := fmt.Sprintf("%s.stale.%d", l.path, os.Getpid())
		if err := os.Rename(l.path, aside); err == nil {
			os.Remove(aside)
		}
	}
}

// inspect reads a lock file: its holder, how long since it was refreshed, and whether it is
// stale: its process is gone (same host), it has not been refreshed for StaleAfter (another
// host), or it is unreadable and older than a heartbeat (a holder killed while writing it).
func inspect(path, host string) (LockInfo, time.Duration, bool) {
	var info LockInfo
	st, err := os.Stat(path)
	if err != nil {
		return info, 0, true // gone meanwhile: try again
	}
	age := time.Since(st.ModTime())
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &info) != nil || info.PID == 0 {
		return info, age, age > Heartbeat
	}
	if info.Host == host && !processAlive(info.PID) {
		return info, age, true
	}
	// A live pid on this host may be a reuse of a dead holder's: the heartbeat decides then,
	// as for other hosts.
	return info, age, age > StaleAfter
}

// check reports an error when the lock is no longer ours (a holder stopped for longer than
// StaleAfter, then taken over): the writer must stop rather than write beside another.
func (l *lock) check() error {
	var info LockInfo
	b, err := os.ReadFile(l.path)
	if err == nil {
		err = json.Unmarshal(b, &info)
	}
	if err == nil && info.PID == l.info.PID && info.Host == l.info.Host && info.Started.Equal(l.info.Started) {
		return nil
	}
	return fmt.Errorf("lost the lock of run store %s (it was not refreshed for %s, and pid %d on host %s took it over): stopping so that two writers never write one store", filepath.Dir(l.path), StaleAfter, info.PID, info.Host)
}

// start refreshes the lock's modification time every Heartbeat until release.
func (l *lock) start() {
	l.stop = make(chan struct{})
	l.done.Add(1)
	go func() {
		defer l.done.Done()
		t := time.NewTicker(Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case now := <-t.C:
				os.Chtimes(l.path, now, now)
			}
		}
	}()
}

// release stops the heartbeat and removes the lock file if it is still ours.
func (l *lock) release() error {
	if l == nil || l.stop == nil {
		return nil
	}
	close(l.stop)
	l.done.Wait()
	l.stop = nil
	if l.check() == nil {
		return os.Remove(l.path)
	}
	return nil
}
