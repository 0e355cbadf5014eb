package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Runner runs a Slurm command and returns its standard output; an error carries its standard
// error. Exec runs the real commands; tests pass fakes.
type Runner func(ctx context.Context, name string, args ...string) ([]byte, error)

// Exec runs commands found on PATH.
func Exec(ctx context.Context, name string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return stdout.Bytes(), fmt.Errorf("%s: %w: %s", name, err, msg)
		}
		return stdout.Bytes(), fmt.Errorf("%s: %w", name, err)
	}
	return stdout.Bytes(), nil
}

// Available says whether sbatch can be run here, and if not why.
func Available() error {
	if _, err := exec.LookPath("sbatch"); err != nil {
		return fmt.Errorf("sbatch is not on PATH (is this a Slurm login node? `module load slurm` on some clusters)")
	}
	return nil
}

// Submit runs sbatch with args (SubmitArgs) and returns the job id.
func Submit(ctx context.Context, run Runner, args []string) (string, error) {
	out, err := run(ctx, "sbatch", args...)
	if err != nil {
		return "", fmt.Errorf("sbatch refused the job: %w", err)
	}
	return ParseJobID(out)
}

// ParseJobID reads the answer of `sbatch --parsable`: "<job id>" or "<job id>;<cluster>".
func ParseJobID(out []byte) (string, error) {
	line := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(line, '\n'); i >= 0 { // warnings may come first
		line = strings.TrimSpace(line[i+1:])
	}
	id, _, _ := strings.Cut(line, ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil || id == "" {
		return "", fmt.Errorf("sbatch answered %q, not a job id", strings.TrimSpace(string(out)))
	}
	return id, nil
}

// Task is the state of one array task as squeue reports it.
type Task struct {
	Index  int
	State  string // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, ...
	Reason string // why it waits, or "None"
}

// Live says the task may still write a result: it waits or runs.
func (t Task) Live() bool {
	switch t.State {
	case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED", "STOPPED", "SIGNALING", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "STAGE_OUT":
		return true
	}
	return false
}

// ErrUnknownJob says Slurm no longer knows the job (it ended long enough ago to be purged).
var ErrUnknownJob = errors.New("Slurm no longer knows the job")

// SqueueArgs is the squeue command line of Tasks: one line per array task, finished ones too.
func SqueueArgs(jobID string) []string {
	return []string{"-h", "-j", jobID, "-t", "all", "-o", "%i|%T|%r"}
}

// askTimeout bounds each question to Slurm: a controller that does not answer must not hang
// pal status or a submission.
const askTimeout = 30 * time.Second

// Tasks asks squeue for the state of every task of array job jobID, by task index;
// ErrUnknownJob when Slurm has forgotten the job.
func Tasks(ctx context.Context, run Runner, jobID string) (map[int]Task, error) {
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	out, err := run(ctx, "squeue", SqueueArgs(jobID)...)
	if err != nil {
		if strings.Contains(err.Error(), "Invalid job id") {
			return nil, ErrUnknownJob
		}
		return nil, err
	}
	return ParseSqueue(out, jobID)
}

// ParseSqueue reads squeue's "%i|%T|%r" lines of array job jobID: "42_3|RUNNING|None" for one
// task, "42_[4-11%2]|PENDING|JobArrayTaskLimit" or "42_[4,6-8]|..." for tasks not yet
// started. Lines of other jobs are skipped.
func ParseSqueue(out []byte, jobID string) (map[int]Task, error) {
	tasks := map[int]Task{}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		if len(parts) != 3 {
			return nil, fmt.Errorf("squeue line %q: want id|state|reason", line)
		}
		id, state, reason := parts[0], parts[1], parts[2]
		rest, ok := strings.CutPrefix(id, jobID+"_")
		if !ok {
			continue
		}
		idx, err := parseIndices(rest)
		if err != nil {
			return nil, fmt.Errorf("squeue line %q: %v", line, err)
		}
		for _, i := range idx {
			tasks[i] = Task{Index: i, State: state, Reason: reason}
		}
	}
	return tasks, nil
}

// parseIndices reads "3", "[4-11%2]" or "[1,4-6]".
func parseIndices(s string) ([]int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return []int{n}, nil
	}
	inner, ok := strings.CutPrefix(s, "[")
	inner, ok2 := strings.CutSuffix(inner, "]")
	if !ok || !ok2 {
		return nil, fmt.Errorf("array task %q: want a number or [ranges]", s)
	}
	inner, _, _ = strings.Cut(inner, "%")
	var out []int
	for _, part := range strings.Split(inner, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("array task range %q", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("array task range %q", part)
			}
		}
		if b-a > 10_000_000 {
			return nil, fmt.Errorf("array task range %q is too large", part)
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	sort.Ints(out)
	return out, nil
}

// DefaultMaxArraySize is Slurm's default MaxArraySize: array indices run 0 ... 1000.
const DefaultMaxArraySize = 1001

// Config is what pal reads of the cluster's configuration (scontrol show config).
type Config struct {
	// MaxArraySize bounds array task indices (0 ... MaxArraySize-1): an array of more tasks is
	// refused by sbatch.
	MaxArraySize int
	// DefMemPerCPU is the memory a task gets per CPU when it does not ask (--mem), in bytes;
	// 0 when the cluster sets none (or per node).
	DefMemPerCPU int64
}

// ReadConfig asks scontrol for the cluster's configuration.
func ReadConfig(ctx context.Context, run Runner) (Config, error) {
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	out, err := run(ctx, "scontrol", "show", "config")
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(out)
}

// ParseConfig reads the "Key = Value" lines of `scontrol show config`: MaxArraySize (required)
// and DefMemPerCPU (megabytes; absent, UNLIMITED or 0 when unset).
func ParseConfig(out []byte) (Config, error) {
	var c Config
	for _, line := range strings.Split(string(out), "\n") {
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "MaxArraySize":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return c, fmt.Errorf("scontrol show config: MaxArraySize %q", val)
			}
			c.MaxArraySize = n
		case "DefMemPerCPU":
			if mb, err := strconv.ParseInt(val, 10, 64); err == nil && mb > 0 && mb < 1<<40 {
				c.DefMemPerCPU = mb << 20
			}
		}
	}
	if c.MaxArraySize == 0 {
		return c, errors.New("scontrol show config has no MaxArraySize")
	}
	return c, nil
}
