package slurm

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Job is what a submission's scripts need to know.
type Job struct {
	Name       string // the spec's name: the job is "pal-<name>"
	Pal        string // absolute path of the pal binary the tasks run (on a shared file system)
	Store      string // absolute path of the run store
	Submission int    // the submission's number (store/slurm/<n>)
	LogDir     string // absolute path of the submission's log folder
	Tasks      int    // array tasks
	Version    string // pal's version, for the script's header
	// RunOneArgs are further arguments of `pal run-one` (--spec-dir, --cache, --save-models).
	RunOneArgs []string
	Options    Options
}

// Script files in a submission folder.
const (
	JobScriptFile    = "job.sh"
	ReportScriptFile = "report.sh"
)

// CheckPath refuses a path the scripts cannot carry: #SBATCH lines split on white space and
// have no quoting.
func CheckPath(what, p string) error {
	if !filepath.IsAbs(p) {
		return fmt.Errorf("internal error: %s %q is not absolute", what, p)
	}
	if strings.ContainsAny(p, " \t\n\r'\"\\$`%") {
		return fmt.Errorf("%s %q has a space, quote, %% or other character a Slurm job script cannot carry: use a folder without them (--out)", what, p)
	}
	return nil
}

// JobScript is the array job's script: every setting as an #SBATCH line, so the file says
// what was asked for; task i runs `pal run-one` on its slice of the frozen run list. The pal
// binary, the store and its logs must be where the compute nodes see them (a shared file
// system).
func JobScript(j Job) []byte {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	fmt.Fprintf(&b, "# Written by `pal run --slurm` (pal %s) for the run store %s, submission %d.\n", j.Version, j.Store, j.Submission)
	fmt.Fprintf(&b, "# Array task i runs lines i*%d+1 ... (i+1)*%d of runs.txt beside this file; each run writes\n", j.Options.RunsPerTask, j.Options.RunsPerTask)
	b.WriteString("# only its own folder of the store. To resubmit what is missing or failed, rerun the same\n")
	b.WriteString("# `pal run SPEC --slurm` (it leaves out complete runs and those still queued or running).\n")
	array := fmt.Sprintf("0-%d", j.Tasks-1)
	if j.Options.MaxParallel > 0 {
		array += "%" + strconv.Itoa(j.Options.MaxParallel)
	}
	sbatch := func(opt, val string) {
		if val != "" {
			fmt.Fprintf(&b, "#SBATCH --%s=%s\n", opt, val)
		}
	}
	sbatch("job-name", "pal-"+j.Name)
	sbatch("array", array)
	sbatch("cpus-per-task", strconv.Itoa(max(1, j.Options.CPUsPerTask)))
	sbatch("output", filepath.Join(j.LogDir, "%A_%a.out"))
	sbatch("partition", j.Options.Partition)
	sbatch("time", j.Options.Time)
	sbatch("mem", j.Options.Mem)
	args := append([]string{quote(j.Pal), "run-one", "--submission", strconv.Itoa(j.Submission), "--task", `"$SLURM_ARRAY_TASK_ID"`}, quoteAll(j.RunOneArgs)...)
	args = append(args, quote(j.Store))
	b.WriteString("exec " + strings.Join(args, " ") + "\n")
	return []byte(b.String())
}

// ReportScript is the dependent job's script: it rebuilds runs.csv (pal status, whose exit code
// only says whether every run is done) and renders the report (pal report).
func ReportScript(j Job) []byte {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	fmt.Fprintf(&b, "# Written by `pal run --slurm --report` (pal %s): renders the report of %s once\n", j.Version, j.Store)
	fmt.Fprintf(&b, "# the array job of submission %d has ended, however its tasks ended.\n", j.Submission)
	fmt.Fprintf(&b, "#SBATCH --job-name=pal-%s-report\n", j.Name)
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", filepath.Join(j.LogDir, "report_%j.out"))
	if j.Options.Partition != "" {
		fmt.Fprintf(&b, "#SBATCH --partition=%s\n", j.Options.Partition)
	}
	if j.Options.Time != "" {
		fmt.Fprintf(&b, "#SBATCH --time=%s\n", j.Options.Time)
	}
	if j.Options.Mem != "" {
		fmt.Fprintf(&b, "#SBATCH --mem=%s\n", j.Options.Mem)
	}
	fmt.Fprintf(&b, "%s status %s\n", quote(j.Pal), quote(j.Store))
	fmt.Fprintf(&b, "exec %s report %s\n", quote(j.Pal), quote(j.Store))
	return []byte(b.String())
}

// SubmitArgs is the sbatch command line (without "sbatch") of a script: --parsable, so that
// the answer is the job id, the user's further arguments (they win over the script's
// #SBATCH lines), an optional dependency, and the script.
func SubmitArgs(o Options, dependency, script string) []string {
	args := []string{"--parsable"}
	args = append(args, o.SbatchArgs...)
	if dependency != "" {
		args = append(args, "--dependency="+dependency)
	}
	return append(args, script)
}

// quote quotes a word for sh.
func quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=+:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quote(s)
	}
	return out
}
