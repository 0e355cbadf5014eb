package runstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pal-harness/pal/internal/atomicfile"
)

// Writer writes a run store. There is one at a time per store (Create takes the lock).
type Writer struct {
	*Store
	lock *lock
}

// tempMaxAge is how old a temporary file inside a run folder must be before Create removes it
// as a leftover of a killed writer: older than any write takes.
const tempMaxAge = 10 * time.Minute

// Create opens the store in dir for writing, creating the folder when needed: it takes the
// store's lock (a *LockedError when another writer holds it) and removes temporary files that a
// killed writer left behind. command is recorded in the lock for the error others get.
func Create(dir, command string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating run store %s: %w", dir, err)
	}
	s, err := Open(dir)
	if err != nil {
		return nil, err
	}
	l, err := acquire(dir, command)
	if err != nil {
		return nil, err
	}
	w := &Writer{Store: s, lock: l}
	w.removeTemps()
	return w, nil
}

// Close releases the lock.
func (w *Writer) Close() error { return w.lock.release() }

// removeTemps deletes the temporary files of atomic writes (".<name>.<n>.tmp") that a killed
// writer left: at the top (only the lock holder writes there) all of them, inside run folders
// those not touched for tempMaxAge (a run redone sooner clears its folder's when it is
// written, WriteRun).
func (w *Writer) removeTemps() {
	isTemp := func(name string) bool { return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp") }
	entries, _ := os.ReadDir(w.dir)
	for _, e := range entries {
		switch {
		case !e.IsDir() && isTemp(e.Name()):
			os.Remove(filepath.Join(w.dir, e.Name()))
		case e.IsDir():
			sub, _ := os.ReadDir(filepath.Join(w.dir, e.Name()))
			for _, f := range sub {
				if info, err := f.Info(); err == nil && !f.IsDir() && isTemp(f.Name()) && time.Since(info.ModTime()) > tempMaxAge {
					os.Remove(filepath.Join(w.dir, e.Name(), f.Name()))
				}
			}
		}
	}
}

// SetSpec makes src the store's current spec: spec.toml, and manifest.json listing its runs
// (ids in spec order) and axes. replaced says the store held another spec before; that spec's
// results stay (they are stale until it runs again).
func (w *Writer) SetSpec(src []byte, name string, runs, axes []string) (replaced bool, err error) {
	if err := w.lock.check(); err != nil {
		return false, err
	}
	old, err := w.Spec()
	if err != nil {
		return false, err
	}
	replaced = old != nil && !bytes.Equal(old, src)
	if err := atomicfile.Write(filepath.Join(w.dir, SpecFile), src); err != nil {
		return replaced, err
	}
	sum := sha256.Sum256(src)
	m := Manifest{SchemaVersion: SchemaVersion, Spec: name, SpecSHA256: hex.EncodeToString(sum[:]), Axes: axes, Runs: runs}
	if m.Axes == nil {
		m.Axes = []string{}
	}
	if m.Runs == nil {
		m.Runs = []string{}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return replaced, err
	}
	return replaced, atomicfile.Write(filepath.Join(w.dir, ManifestFile), append(b, '\n'))
}

// WriteRun stores a finished run: its files first, then result.json, so a result on disk
// means everything of the run is there. File names must be plain names (no folders).
func (w *Writer) WriteRun(res *Result, files map[string][]byte) error {
	if err := w.lock.check(); err != nil {
		return err
	}
	return writeRun(w.dir, res, files)
}

func writeRun(dir string, res *Result, files map[string][]byte) error {
	if res.RunID == "" || strings.ContainsAny(res.RunID, `/\`) || res.RunID == "." || res.RunID == ".." {
		return fmt.Errorf("internal error: run id %q is not a folder name", res.RunID)
	}
	runDir := filepath.Join(dir, res.RunID)
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return err
	}
	// A temporary file already here is a killed writer's of this very run (a run is written
	// by one writer at a time): it will never be renamed.
	if old, _ := filepath.Glob(filepath.Join(runDir, ".*.tmp")); len(old) > 0 {
		for _, p := range old {
			os.Remove(p)
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		if name == ResultFile || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
			return fmt.Errorf("internal error: run file name %q", name)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := atomicfile.Write(filepath.Join(runDir, name), files[name]); err != nil {
			return err
		}
	}
	r := *res
	r.SchemaVersion = SchemaVersion
	if len(names) > 0 {
		r.Files = names
	}
	data, err := json.MarshalIndent(&r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding result of run %s: %w", res.RunID, err)
	}
	return atomicfile.Write(filepath.Join(runDir, ResultFile), append(data, '\n'))
}

// WriteRunsCSV writes runs.csv from results in the given order (see RunsCSVBytes).
func (w *Writer) WriteRunsCSV(results []Result, axes []string) error {
	if err := w.lock.check(); err != nil {
		return err
	}
	data, err := RunsCSVBytes(results, axes)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(w.dir, RunsCSV), data)
}
