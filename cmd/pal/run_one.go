package main

// `pal run-one`: what a Slurm array task runs. It does some runs of a store's current spec and
// writes each run's folder under the run's claim, without the store's lock (sweeps/slurm's doc
// has the protocol).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps"
	"github.com/pal-harness/pal/sweeps/runstore"
)

func cmdRunOne(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("pal run-one", "pal run-one STORE RUN_ID... | pal run-one STORE --submission N --task I\n\n"+
		"Runs the given runs of the run store's spec (its spec.toml), or task I's share of\n"+
		"submission N's frozen run list (what a Slurm array task of `pal run --slurm` runs), and\n"+
		"writes each run's folder only. Complete runs, and runs another live task holds, are\n"+
		"skipped. Threads: $SLURM_CPUS_PER_TASK when set (results do not depend on it).", stderr)
	subN := fs.Int("submission", 0, "the submission whose run list to read (store/slurm/N)")
	task := fs.Int("task", -1, "the array task: runs task*runs_per_task ... of the run list")
	specDir := fs.String("spec-dir", "", "folder that relative paths of the spec are relative to (the original spec's folder)")
	cache := fs.String("cache", "", "cache folder of downloaded data and embeddings (default $PAL_CACHE, else the user cache folder + /pal)")
	saveModels := fs.Bool("save-models", false, "keep the run's fitted model beside its result (the kinds of pal run --save-models)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) == 0 || (*subN > 0) == (len(pos) > 1) || (*subN > 0) != (*task >= 0) {
		fmt.Fprintln(stderr, "pal run-one: want a run store and either run ids or --submission N --task I, e.g. pal run-one results/sweep 3f2a9c01d4e5b6a7")
		return exitBadInput
	}
	threads := 1
	if n, err := strconv.Atoi(os.Getenv("SLURM_CPUS_PER_TASK")); err == nil && n > 0 {
		threads = n
	} else if os.Getenv("SLURM_JOB_ID") == "" {
		threads = runtime.NumCPU() // run by hand: the machine's
	}
	runtime.GOMAXPROCS(threads)
	models.SetBLASThreads(threads)

	dir := pos[0]
	store, err := runstore.Open(dir)
	if err != nil {
		fmt.Fprintf(stderr, "pal run-one: %v\n", err)
		return exitBadInput
	}
	src, err := store.Spec()
	if err == nil && src == nil {
		err = fmt.Errorf("run store %s has no %s: submit with pal run SPEC --slurm", dir, runstore.SpecFile)
	}
	if err != nil {
		fmt.Fprintf(stderr, "pal run-one: %v\n", err)
		return exitBadInput
	}
	spec, err := sweeps.ParseBytes(filepath.Join(dir, runstore.SpecFile), src, experiment.Schema())
	if err != nil {
		printSpecError(stderr, err)
		return exitBadInput
	}
	ids := pos[1:]
	holder := "pal run-one"
	if *subN > 0 {
		sub, err := store.Submission(*subN)
		if err != nil {
			fmt.Fprintf(stderr, "pal run-one: submission %d of %s: %v\n", *subN, dir, err)
			return exitBadInput
		}
		list, err := sub.ReadRunList()
		if err != nil {
			fmt.Fprintf(stderr, "pal run-one: %v\n", err)
			return exitBadInput
		}
		if ids = sub.TaskRuns(list, *task); len(ids) == 0 {
			fmt.Fprintf(stderr, "pal run-one: submission %d has %d tasks; there is no task %d\n", *subN, sub.Tasks, *task)
			return exitBadInput
		}
		holder = fmt.Sprintf("slurm task %s_%d (submission %d)", os.Getenv("SLURM_ARRAY_JOB_ID"), *task, *subN)
	}
	runs := make([]*sweeps.Run, len(ids))
	for i, id := range ids {
		if runs[i] = spec.Lookup(id); runs[i] == nil {
			fmt.Fprintf(stderr, "pal run-one: run %s is not a run of %s's spec (the spec was replaced since it was submitted?): submit again with pal run SPEC --slurm\n", id, dir)
			return exitBadInput
		}
	}
	if *cache == "" {
		*cache, _ = catalog.CacheDir("", os.Getenv)
	}
	runner := &experiment.Runner{Env: datasets.Env{SpecDir: *specDir, CacheDir: *cache}, SaveModels: *saveModels}
	// Runs sharing a data set go together, and each data set is freed after its last run (the
	// order changes no result).
	runs = runner.Plan(runs)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	prov := provenance()
	code := exitOK
	for _, r := range runs {
		if store.Complete(r.ID) {
			fmt.Fprintf(stdout, "run %s (%s): already complete\n", r.ID, r.Label())
			continue
		}
		w, err := claimWaiting(ctx, store, r, holder, stdout)
		var claimed *runstore.ClaimedError
		if errors.As(err, &claimed) {
			fmt.Fprintf(stdout, "run %s (%s): left to the task running it: %v\n", r.ID, r.Label(), err)
			continue
		}
		if ctx.Err() != nil {
			return exitInterrupted
		}
		if err != nil {
			fmt.Fprintf(stderr, "pal run-one: %v\n", err)
			return exitBadInput
		}
		if store.Complete(r.ID) { // finished by another task between the check and the claim
			w.Close()
			fmt.Fprintf(stdout, "run %s (%s): completed by another task\n", r.ID, r.Label())
			continue
		}
		start := time.Now()
		res, files := sweeps.RunOne(ctx, spec.Name, r, prov, runner.Run)
		if res == nil {
			w.Close()
			fmt.Fprintf(stderr, "pal run-one: interrupted during run %s; it is not recorded (the next submission redoes it)\n", r.ID)
			return exitInterrupted
		}
		err = w.Write(res, files)
		w.Close()
		if err != nil {
			fmt.Fprintf(stderr, "pal run-one: writing run %s: %v\n", r.ID, err)
			return exitRunsFailed
		}
		if res.Status == runstore.StatusOK {
			fmt.Fprintf(stdout, "run %s (%s): ok in %.2f s (%d threads)\n", r.ID, r.Label(), time.Since(start).Seconds(), threads)
		} else {
			fmt.Fprintf(stdout, "run %s (%s): failed: %s\n", r.ID, r.Label(), runstore.FirstLine(res.Error))
			code = exitRunsFailed
		}
	}
	return code
}

// claimWaiting takes run r's claim. A claim held by another task is waited on: a submission
// leaves out runs claimed when it submits, so a claim met here is a task that is dying (killed
// on another host: its claim goes stale after runstore.StaleAfter without a heartbeat) or a
// duplicate about to finish. It returns a *runstore.ClaimedError when the holder still holds
// the claim after StaleAfter and a heartbeat (it lives: the run is left to it) and a nil writer
// when the run was completed meanwhile.
func claimWaiting(ctx context.Context, store *runstore.Store, r *sweeps.Run, holder string, stdout io.Writer) (*runstore.RunWriter, error) {
	deadline := time.Now().Add(runstore.StaleAfter + runstore.Heartbeat)
	for said := false; ; said = true {
		w, err := runstore.ClaimRun(store.Dir(), r.ID, holder)
		var claimed *runstore.ClaimedError
		if !errors.As(err, &claimed) || time.Now().After(deadline) {
			return w, err
		}
		if !said {
			fmt.Fprintf(stdout, "run %s (%s): waiting: %v\n", r.ID, r.Label(), err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Second):
		}
		if store.Complete(r.ID) {
			return runstore.ClaimRun(store.Dir(), r.ID, holder) // then seen complete by the caller
		}
	}
}
