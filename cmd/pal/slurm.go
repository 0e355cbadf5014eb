package main

// `pal run SPEC --slurm` and `pal reproduce --slurm`: submit a spec's runs as a Slurm array
// job into the run store (package sweeps/slurm has the protocol).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/sweeps"
	"github.com/pal-harness/pal/sweeps/runstore"
	"github.com/pal-harness/pal/sweeps/slurm"
)

// slurmFlags are the flags of `pal run --slurm`; set records which were given (they win over
// the spec's [slurm] table).
type slurmFlags struct {
	on         bool
	opts       slurm.Options
	sbatchArgs stringList
	fs         *flag.FlagSet
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func addSlurmFlags(fs *flag.FlagSet) *slurmFlags {
	f := &slurmFlags{fs: fs}
	fs.BoolVar(&f.on, "slurm", false, "submit the runs as a Slurm array job instead of running them here (README: On a cluster)")
	fs.StringVar(&f.opts.Partition, "partition", "", "with --slurm: the partition to submit to")
	fs.IntVar(&f.opts.MaxParallel, "max-parallel", 0, "with --slurm: most array tasks running at once (0: no limit)")
	fs.StringVar(&f.opts.Time, "time", "", "with --slurm: time limit of each task (sbatch --time)")
	fs.StringVar(&f.opts.Mem, "mem", "", "with --slurm: memory of each task (sbatch --mem, e.g. 4G)")
	fs.IntVar(&f.opts.CPUsPerTask, "cpus-per-task", 1, "with --slurm: CPUs (threads) of each task")
	fs.IntVar(&f.opts.RunsPerTask, "runs-per-task", 1, "with --slurm: runs each array task does, one after another")
	fs.Var(&f.sbatchArgs, "sbatch-arg", "with --slurm: a further sbatch argument, one word (repeatable), e.g. --sbatch-arg=--account=lab")
	fs.BoolVar(&f.opts.Report, "report", false, "with --slurm: also submit a job rendering the report when the array ends")
	return f
}

// options merges the spec's [slurm] table and the flags given, and checks the result. It
// refuses Slurm flags without --slurm.
func (f *slurmFlags) options(spec *sweeps.Spec) (slurm.Options, error) {
	o := *slurm.Default()
	if s, ok := spec.Slurm.(*slurm.Options); ok && s != nil {
		o = *s
	}
	var given []string
	f.fs.Visit(func(fl *flag.Flag) {
		given = append(given, fl.Name)
		switch fl.Name {
		case "partition":
			o.Partition = f.opts.Partition
		case "max-parallel":
			o.MaxParallel = f.opts.MaxParallel
		case "time":
			o.Time = f.opts.Time
		case "mem":
			o.Mem = f.opts.Mem
		case "cpus-per-task":
			o.CPUsPerTask = f.opts.CPUsPerTask
		case "runs-per-task":
			o.RunsPerTask = f.opts.RunsPerTask
		case "sbatch-arg":
			o.SbatchArgs = f.sbatchArgs
		case "report":
			o.Report = f.opts.Report
		}
	})
	if !f.on {
		for _, g := range given {
			if g == "partition" || g == "max-parallel" || g == "time" || g == "mem" || g == "cpus-per-task" || g == "runs-per-task" || g == "sbatch-arg" || g == "report" {
				return o, fmt.Errorf("--%s is a flag of --slurm: add --slurm, or drop it to run here", g)
			}
		}
		return o, nil
	}
	if o.MaxParallel < 0 || o.CPUsPerTask < 1 || o.RunsPerTask < 1 {
		return o, fmt.Errorf("--max-parallel %d, --cpus-per-task %d, --runs-per-task %d: want at least 0, 1 and 1", o.MaxParallel, o.CPUsPerTask, o.RunsPerTask)
	}
	return o, o.Validate()
}

// submitSlurm validates spec as a local run would, writes its spec and a submission (a frozen
// run list and the job scripts) into the store out, and submits the runs that are neither
// complete nor in flight as one array job (and, with Report, a dependent report job).
func submitSlurm(spec *sweeps.Spec, specDir, out, cache string, saveModels bool, o slurm.Options, stdout, stderr io.Writer) int {
	if err := slurm.Available(); err != nil {
		fmt.Fprintf(stderr, "pal: --slurm: %v\n", err)
		return exitBadInput
	}
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	out, specDir, cache = abs(out), abs(specDir), abs(cache)
	pal, err := os.Executable()
	if err == nil {
		pal, err = filepath.EvalSymlinks(pal)
	}
	if err != nil {
		fmt.Fprintf(stderr, "pal: --slurm: cannot find this pal binary for the tasks to run: %v\n", err)
		return exitBadInput
	}
	for _, p := range [][2]string{{"the run store", out}, {"the pal binary", pal}} {
		if err := slurm.CheckPath(p[0], p[1]); err != nil {
			fmt.Fprintf(stderr, "pal: --slurm: %v\n", err)
			return exitBadInput
		}
	}
	_, statErr := os.Stat(out)
	store, err := runstore.Create(out, commandLine())
	if err != nil {
		fmt.Fprintf(stderr, "pal: %v\n", err)
		return exitBadInput
	}
	defer store.Close()
	runner := &experiment.Runner{Env: datasets.Env{SpecDir: specDir, CacheDir: cache}, SaveModels: saveModels}
	err = runner.Preflight(spec)
	cluster, cerr := slurm.ReadConfig(context.Background(), slurm.Exec)
	if cerr != nil {
		cluster.MaxArraySize = slurm.DefaultMaxArraySize
	}
	if mem, ok := o.MemBytes(); ok && err == nil {
		// A run that cannot fit in a task's memory would die of "out of memory" on the node:
		// refused here, as a local run is refused when it cannot fit in the machine.
		_, err = runner.CheckMemory(spec, 1, mem, "--mem "+o.Mem+" per task")
	} else if err == nil && cluster.DefMemPerCPU > 0 {
		// Without --mem a task gets the cluster's default, which a partition may change: warn.
		def := cluster.DefMemPerCPU * int64(o.CPUsPerTask)
		if _, merr := runner.CheckMemory(spec, 1, def, fmt.Sprintf("the cluster's DefMemPerCPU × %d CPU(s), as no --mem was given", o.CPUsPerTask)); merr != nil {
			fmt.Fprintf(stderr, "pal: warning: %v; or ask for more memory with --mem\n", merr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "pal: %v\n", err)
		store.Close()
		if statErr != nil {
			os.Remove(out)
		}
		return exitBadInput
	}
	replaced, err := store.SetSpec(spec.Source, spec.Name, spec.RunIDs(), spec.Axes)
	if err != nil {
		fmt.Fprintf(stderr, "pal: %v\n", err)
		return exitBadInput
	}
	if replaced {
		fmt.Fprintf(stderr, "pal: note: %s held another spec; replacing it (results of its runs are kept, and reports leave them out as stale)\n", filepath.Join(out, runstore.SpecFile))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := slurm.Gather(ctx, slurm.Exec, store.Store)
	if err != nil {
		fmt.Fprintf(stderr, "pal: %v\n", err)
		return exitBadInput
	}
	inFlight := st.InFlight()
	var todo []*sweeps.Run
	complete := 0
	for _, r := range spec.Runs {
		switch {
		case store.Complete(r.ID):
			complete++
		case !inFlight[r.ID]:
			todo = append(todo, r)
		}
	}
	// Runs sharing a data set go together, so a task of several runs builds it once.
	todo = runner.Plan(todo)
	var liveJobs []string
	for _, j := range st.Jobs {
		for _, r := range st.Runs {
			if inFlight[r.ID] && r.JobID == j.JobID {
				liveJobs = append(liveJobs, j.JobID)
				break
			}
		}
	}
	fmt.Fprintf(stdout, "pal: %s: %d runs: %d complete, %d in flight%s, %d to submit\n", spec.Name, len(spec.Runs), complete,
		len(inFlight), jobList(" (job ", liveJobs, ")"), len(todo))
	if len(todo) == 0 {
		if !o.Report || len(liveJobs) == 0 {
			fmt.Fprintf(stdout, "nothing to submit. Follow: pal status %s; report: pal report %s\n", out, out)
			return exitOK
		}
	}
	j := slurm.Job{Name: spec.Name, Pal: pal, Store: out, Version: version, Options: o}
	var runOne []string
	if specDir != "" {
		runOne = append(runOne, "--spec-dir", specDir)
	}
	if cache != "" {
		runOne = append(runOne, "--cache", cache)
	}
	if saveModels {
		runOne = append(runOne, "--save-models")
	}
	j.RunOneArgs = runOne
	ids := make([]string, len(todo))
	for i, r := range todo {
		ids[i] = r.ID
	}
	var sub *runstore.Submission
	if len(ids) > 0 { // else only a report job, after the jobs in flight
		// More tasks than the cluster's MaxArraySize would be refused: more runs a task then.
		maxTasks := cluster.MaxArraySize
		if need := (len(ids) + maxTasks - 1) / maxTasks; need > o.RunsPerTask {
			fmt.Fprintf(stdout, "note: the cluster allows %d tasks in an array (MaxArraySize): %d runs go %d to a task\n", maxTasks, len(ids), need)
			o.RunsPerTask = need
			j.Options.RunsPerTask = need
		}
		if sub, err = store.NewSubmission(ids, o.RunsPerTask); err != nil {
			fmt.Fprintf(stderr, "pal: %v\n", err)
			return exitBadInput
		}
		j.Submission, j.LogDir, j.Tasks = sub.Seq, sub.LogDir(), sub.Tasks
		script := filepath.Join(sub.Dir(), slurm.JobScriptFile)
		if err := store.WriteSubmissionFile(sub, slurm.JobScriptFile, slurm.JobScript(j), 0o755); err != nil {
			fmt.Fprintf(stderr, "pal: %v\n", err)
			return exitBadInput
		}
		args := slurm.SubmitArgs(o, "", script)
		id, err := slurm.Submit(ctx, slurm.Exec, args)
		if err != nil {
			fmt.Fprintf(stderr, "pal: %v\n(the job script is %s)\n", err, script)
			return exitBadInput
		}
		sub.JobID, sub.Command, sub.Script = id, append([]string{"sbatch"}, args...), slurm.JobScriptFile
		if err := store.SaveSubmission(sub); err != nil {
			fmt.Fprintf(stderr, "pal: submitted job %s but could not record it: %v (scancel %s, then submit again)\n", id, err, id)
			return exitBadInput
		}
		liveJobs = append(liveJobs, id)
		fmt.Fprintf(stdout, "submitted array job %s: %d tasks of %d run(s)%s\n", id, sub.Tasks, o.RunsPerTask, parallelNote(o))
		fmt.Fprintf(stdout, "  job script: %s\n  task logs:  %s/\n", script, sub.LogDir())
	}
	if o.Report {
		if sub == nil { // a report after the jobs already in flight: recorded with the latest
			subs, err := store.Submissions()
			if err != nil || len(subs) == 0 {
				fmt.Fprintf(stderr, "pal: cannot find the submission of the jobs in flight: %v\n", err)
				return exitBadInput
			}
			sub = subs[len(subs)-1]
			j.Submission, j.LogDir = sub.Seq, sub.LogDir()
		}
		if err := store.WriteSubmissionFile(sub, slurm.ReportScriptFile, slurm.ReportScript(j), 0o755); err != nil {
			fmt.Fprintf(stderr, "pal: %v\n", err)
			return exitBadInput
		}
		dep := "afterany:" + strings.Join(liveJobs, ":")
		id, err := slurm.Submit(ctx, slurm.Exec, slurm.SubmitArgs(o, dep, filepath.Join(sub.Dir(), slurm.ReportScriptFile)))
		if err != nil {
			fmt.Fprintf(stderr, "pal: the runs are submitted, the report job is not: %v\n(render it later with pal report %s)\n", err, out)
			return exitBadInput
		}
		sub.ReportJobID = id
		if err := store.SaveSubmission(sub); err != nil {
			fmt.Fprintf(stderr, "pal: %v\n", err)
		}
		fmt.Fprintf(stdout, "submitted report job %s: renders %s once job %s has ended\n", id, filepath.Join(out, "report", "report.html"), strings.Join(liveJobs, ", "))
	}
	fmt.Fprintf(stdout, "follow it: pal status %s   (or squeue -j %s)\n", out, strings.Join(liveJobs, ","))
	fmt.Fprintf(stdout, "resume (missing or failed runs): run this same command again; report: pal report %s\n", out)
	return exitOK
}

func jobList(pre string, ids []string, post string) string {
	if len(ids) == 0 {
		return ""
	}
	return pre + strings.Join(ids, ", ") + post
}

func parallelNote(o slurm.Options) string {
	if o.MaxParallel > 0 {
		return fmt.Sprintf(", at most %d at once", o.MaxParallel)
	}
	return ""
}

// slurmBusy refuses a local `pal run` into a store whose runs Slurm tasks still hold or will
// run: the two would compute the same runs, and the local writer would clear the tasks'
// temporary files. Stores never submitted pay one directory read.
func slurmBusy(store *runstore.Writer) error {
	subs, err := store.Submissions()
	if err != nil || len(subs) == 0 {
		return err
	}
	run := slurm.Runner(slurm.Exec)
	if slurm.Available() != nil {
		run = nil // claims still tell
	}
	st, err := slurm.Gather(context.Background(), run, store.Store)
	if err != nil {
		return err
	}
	if n := len(st.InFlight()); n > 0 {
		var jobs []string
		for _, j := range st.Jobs {
			if j.JobID != "" {
				jobs = append(jobs, j.JobID)
			}
		}
		return fmt.Errorf("run store %s has %d runs in flight in Slurm (jobs %s): running them here too would compute them twice; wait for them (pal status %s) or cancel them (scancel), or use another --out",
			store.Dir(), n, strings.Join(jobs, ", "), store.Dir())
	}
	return nil
}
