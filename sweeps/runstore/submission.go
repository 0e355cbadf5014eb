package runstore

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pal-harness/pal/internal/atomicfile"
)

// A batch submission (Slurm) of some of a store's runs lives in its own folder,
//
//	slurm/<n>/submission.json   what was submitted, and the job ids once known (Submission)
//	slurm/<n>/runs.txt          the frozen run list: one run id a line; task i runs lines
//	                            i*runs_per_task ... (i+1)*runs_per_task-1
//	slurm/<n>/<files>           the job scripts
//	slurm/<n>/logs/             the tasks' stdout and stderr
//
// numbered 1, 2, ... in the order of submission. Only the store's owner (who holds its lock)
// creates and updates them; tasks only read runs.txt.
const (
	SubmissionsDir = "slurm"
	SubmissionFile = "submission.json"
	RunListFile    = "runs.txt"
	LogsDir        = "logs"
)

// Submission is submission.json.
type Submission struct {
	SchemaVersion int       `json:"schema_version"`
	Seq           int       `json:"seq"` // the folder's number
	Submitted     time.Time `json:"submitted"`
	SpecSHA256    string    `json:"spec_sha256"` // the store's spec when submitted
	Runs          int       `json:"runs"`        // lines of runs.txt
	RunsPerTask   int       `json:"runs_per_task"`
	Tasks         int       `json:"tasks"`
	JobID         string    `json:"job_id,omitempty"`        // the array job
	ReportJobID   string    `json:"report_job_id,omitempty"` // the dependent job rendering the report
	Command       []string  `json:"command,omitempty"`       // the sbatch command line of the array job
	Script        string    `json:"script,omitempty"`        // the job script's file name

	dir string
}

// Dir is the submission's folder.
func (s *Submission) Dir() string { return s.dir }

// RunList is the path of the submission's frozen run list.
func (s *Submission) RunList() string { return filepath.Join(s.dir, RunListFile) }

// LogDir is the folder of the tasks' logs.
func (s *Submission) LogDir() string { return filepath.Join(s.dir, LogsDir) }

// TaskRuns returns the run ids task i runs, given the frozen list.
func (s *Submission) TaskRuns(list []string, task int) []string {
	per := max(1, s.RunsPerTask)
	lo, hi := task*per, min((task+1)*per, len(list))
	if task < 0 || lo >= len(list) {
		return nil
	}
	return list[lo:hi]
}

// NewSubmission creates the next submission folder with runs as its frozen run list, perTask
// runs to a task. The caller writes its scripts (WriteSubmissionFile), submits, and records
// the job ids (SaveSubmission).
func (w *Writer) NewSubmission(runs []string, perTask int) (*Submission, error) {
	if err := w.lock.check(); err != nil {
		return nil, err
	}
	if len(runs) == 0 || perTask < 1 {
		return nil, fmt.Errorf("internal error: a submission of %d runs, %d a task", len(runs), perTask)
	}
	subs, err := w.Submissions()
	if err != nil {
		return nil, err
	}
	seq := 1
	if len(subs) > 0 {
		seq = subs[len(subs)-1].Seq + 1
	}
	sum, err := w.specSHA()
	if err != nil {
		return nil, err
	}
	sub := &Submission{SchemaVersion: SchemaVersion, Seq: seq, Submitted: time.Now().UTC(), SpecSHA256: sum,
		Runs: len(runs), RunsPerTask: perTask, Tasks: (len(runs) + perTask - 1) / perTask,
		dir: filepath.Join(w.dir, SubmissionsDir, strconv.Itoa(seq))}
	if err := os.MkdirAll(sub.LogDir(), 0o755); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(sub.RunList(), []byte(strings.Join(runs, "\n")+"\n")); err != nil {
		return nil, err
	}
	return sub, w.SaveSubmission(sub)
}

func (w *Writer) specSHA() (string, error) {
	m, err := w.Manifest()
	if err != nil {
		return "", err
	}
	if m == nil {
		return "", fmt.Errorf("run store %s has no manifest.json: set its spec before submitting", w.dir)
	}
	return m.SpecSHA256, nil
}

// WriteSubmissionFile writes a file (a job script) into the submission's folder.
func (w *Writer) WriteSubmissionFile(sub *Submission, name string, data []byte, mode os.FileMode) error {
	if err := w.lock.check(); err != nil {
		return err
	}
	if name != filepath.Base(name) || name == SubmissionFile || name == RunListFile {
		return fmt.Errorf("internal error: submission file name %q", name)
	}
	path := filepath.Join(sub.dir, name)
	if err := atomicfile.Write(path, data); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}

// SaveSubmission writes submission.json.
func (w *Writer) SaveSubmission(sub *Submission) error {
	if err := w.lock.check(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(sub, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(sub.dir, SubmissionFile), append(b, '\n'))
}

// Submissions lists the store's submissions, oldest first; none for a store never submitted.
func (s *Store) Submissions() ([]*Submission, error) {
	root := filepath.Join(s.dir, SubmissionsDir)
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var subs []*Submission
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if !e.IsDir() || err != nil || n < 1 {
			continue
		}
		sub, err := s.Submission(n)
		if errors.Is(err, fs.ErrNotExist) {
			continue // being created
		}
		if err != nil {
			return nil, err
		}
		subs = append(subs, sub)
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Seq < subs[j].Seq })
	return subs, nil
}

// Submission reads submission n.
func (s *Store) Submission(n int) (*Submission, error) {
	dir := filepath.Join(s.dir, SubmissionsDir, strconv.Itoa(n))
	path := filepath.Join(dir, SubmissionFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sub Submission
	if err := json.Unmarshal(b, &sub); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if sub.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("%s has schema version %d; this pal reads versions up to %d: use a newer pal", path, sub.SchemaVersion, SchemaVersion)
	}
	sub.dir = dir
	return &sub, nil
}

// ReadRunList reads a frozen run list (runs.txt): one run id a line.
func (sub *Submission) ReadRunList() ([]string, error) {
	b, err := os.ReadFile(sub.RunList())
	if err != nil {
		return nil, err
	}
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		id := strings.TrimSpace(sc.Text())
		if err := checkRunID(id); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", sub.RunList(), line, err)
		}
		ids = append(ids, id)
	}
	return ids, sc.Err()
}
