package main

// `pal status STORE`: where every run of a store stands (done, failed with its reason,
// running, pending in Slurm, missing), from the store and from squeue for the store's Slurm
// jobs; it rebuilds runs.csv from the result files on the way (Slurm tasks never write it).

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pal-harness/pal/sweeps/runstore"
	"github.com/pal-harness/pal/sweeps/slurm"
)

// exitIncomplete is pal status's exit code when runs are still running, pending or missing.
const exitIncomplete = 3

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("pal status", "pal status STORE [--all]\n\n"+
		"Counts the runs of the run store's spec that are done, failed (with reasons), running,\n"+
		"pending in Slurm and missing, asking squeue about the store's Slurm jobs, and rebuilds\n"+
		"STORE/runs.csv from the result files. Exit code: 0 every run done, 1 every run ended and\n"+
		"some failed, 3 runs still running, pending or missing, 2 not a run store.", stderr)
	all := fs.Bool("all", false, "list every run not done, not only the first 10 of each state")
	pos, code, ok := parseArgs(fs, args, 1, "want exactly one run store folder, e.g. pal status results/sweep")
	if !ok {
		return code
	}
	dir := pos[0]
	store, err := runstore.Open(dir)
	if err != nil {
		fmt.Fprintf(stderr, "pal status: %v\n", err)
		return exitBadInput
	}
	var run slurm.Runner
	subs, _ := store.Submissions()
	if len(subs) > 0 {
		if slurm.Available() == nil {
			run = slurm.Exec
		} else {
			fmt.Fprintf(stderr, "pal status: note: the store has Slurm jobs, but squeue is not here: states come from the store alone\n")
		}
	}
	st, err := slurm.Gather(context.Background(), run, store)
	if err != nil {
		fmt.Fprintf(stderr, "pal status: %v\n", err)
		return exitBadInput
	}
	// runs.csv first: a reader of the output that stops early (| head) must not leave it stale.
	var locked *runstore.LockedError
	switch err := runstore.RebuildRunsCSV(dir, commandLine()); {
	case errors.As(err, &locked):
		fmt.Fprintf(stderr, "pal status: note: runs.csv not rebuilt: %s holds the store (it writes runs.csv itself)\n", locked.Holder.Command)
	case err != nil:
		fmt.Fprintf(stderr, "pal status: runs.csv not rebuilt: %v\n", err)
	}
	printStatus(stdout, dir, st, *all)
	done, failed := st.Count(slurm.Done), st.Count(slurm.Failed)
	switch {
	case done == len(st.Runs):
		return exitOK
	case done+failed == len(st.Runs):
		return exitRunsFailed
	}
	return exitIncomplete
}

func printStatus(w io.Writer, dir string, st *slurm.Status, all bool) {
	fmt.Fprintf(w, "run store %s: spec %q, %d runs\n", dir, st.Spec, len(st.Runs))
	for _, state := range []string{slurm.Done, slurm.Failed, slurm.Running, slurm.Pending, slurm.Missing} {
		n := st.Count(state)
		fmt.Fprintf(w, "  %-8s %d\n", state, n)
		if state == slurm.Done || n == 0 {
			continue
		}
		shown := 0
		for _, r := range st.Runs {
			if r.State != state {
				continue
			}
			if shown == 10 && !all {
				fmt.Fprintf(w, "    ... and %d more (--all lists them)\n", n-shown)
				break
			}
			shown++
			line := "    " + r.ID
			if r.JobID != "" && r.Task >= 0 {
				line += fmt.Sprintf(" (task %s_%d)", r.JobID, r.Task)
			}
			if r.Reason != "" {
				line += ": " + runstore.FirstLine(r.Reason)
			}
			fmt.Fprintln(w, line)
		}
	}
	for _, j := range st.Jobs {
		line := fmt.Sprintf("submission %d: ", j.Submission)
		if j.JobID != "" {
			line += fmt.Sprintf("job %s, %d tasks", j.JobID, j.Tasks)
		}
		if j.States != nil {
			line += ": " + j.StateCounts()
		}
		if j.Note != "" {
			line += " (" + j.Note + ")"
		}
		fmt.Fprintf(w, "%s; logs %s/\n", line, j.LogDir)
	}
	for _, n := range st.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	switch {
	case st.Count(slurm.Done) == len(st.Runs):
		fmt.Fprintf(w, "complete: pal report %s\n", dir)
	case st.Count(slurm.Missing) > 0 || (st.Count(slurm.Failed) > 0 && st.Count(slurm.Running)+st.Count(slurm.Pending) == 0):
		fmt.Fprintf(w, "to run what is missing or failed: the same pal run SPEC --slurm again (it skips complete runs and those in flight)\n")
	}
}

// rebuildAfterSlurm rebuilds runs.csv of a store that Slurm tasks wrote (they never write it),
// for `pal report`; a store never submitted, or one whose owner is at work, is left alone.
func rebuildAfterSlurm(dir string, stderr io.Writer) {
	store, err := runstore.Open(dir)
	if err != nil {
		return
	}
	if subs, _ := store.Submissions(); len(subs) == 0 {
		return
	}
	var locked *runstore.LockedError
	if err := runstore.RebuildRunsCSV(dir, commandLine()); err != nil && !errors.As(err, &locked) {
		fmt.Fprintf(stderr, "pal report: warning: runs.csv not rebuilt: %v\n", err)
	}
}
