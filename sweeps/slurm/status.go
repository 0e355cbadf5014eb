package slurm

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/pal-harness/pal/sweeps/runstore"
)

// Run states of a store's runs, as `pal status` counts them.
const (
	Done    = "done"    // a result with status ok
	Failed  = "failed"  // a result with status failed, and nothing will redo it
	Running = "running" // a task holds its claim, or its task runs
	Pending = "pending" // its task waits in the queue
	Missing = "missing" // no result and no live task: the next submission does it
)

// RunState is where one run of the store's spec stands.
type RunState struct {
	ID     string
	State  string
	Reason string // why it failed, why it waits, how its task ended
	JobID  string // the job of its latest task, when it was submitted
	Task   int
}

// JobState sums up one submission's array job.
type JobState struct {
	Submission int
	JobID      string
	Tasks      int
	States     map[string]int // squeue state -> tasks; nil when Slurm did not answer
	Note       string         // why there are no states
	LogDir     string
}

// Status is the state of every run of a store's current spec.
type Status struct {
	Spec  string
	Runs  []RunState // in spec order
	Jobs  []JobState // in submission order
	Notes []string
}

// Count returns how many runs are in state s.
func (st *Status) Count(s string) int {
	n := 0
	for _, r := range st.Runs {
		if r.State == s {
			n++
		}
	}
	return n
}

// InFlight lists the runs a live task holds or will run: a new submission leaves them out.
func (st *Status) InFlight() map[string]bool {
	in := map[string]bool{}
	for _, r := range st.Runs {
		if r.State == Running || r.State == Pending {
			in[r.ID] = true
		}
	}
	return in
}

// Gather reads the store and asks Slurm (through run; nil asks nothing) about the jobs of its
// submissions. A job Slurm has forgotten, or a squeue that fails, leaves the store's own
// record: results and claims.
func Gather(ctx context.Context, run Runner, store *runstore.Store) (*Status, error) {
	c, err := store.Load()
	if err != nil {
		return nil, err
	}
	if c.Manifest == nil {
		return nil, fmt.Errorf("run store %s has no manifest.json: it was not written by pal run (or by a pal older than manifests)", store.Dir())
	}
	st := &Status{Spec: c.Manifest.Spec}
	results := map[string]runstore.Result{}
	for _, r := range c.Current {
		results[r.RunID] = r
	}
	subs, err := store.Submissions()
	if err != nil {
		return nil, err
	}
	type taskOf struct {
		job  string
		task Task
		log  string
	}
	latest := map[string]taskOf{} // run id -> the task of the latest submission that has it
	for _, sub := range subs {
		js := JobState{Submission: sub.Seq, JobID: sub.JobID, Tasks: sub.Tasks, LogDir: sub.LogDir()}
		if sub.JobID == "" {
			js.Note = "not submitted (sbatch failed or was interrupted)"
			st.Jobs = append(st.Jobs, js)
			continue
		}
		var tasks map[int]Task
		switch {
		case run == nil:
			js.Note = "Slurm not asked"
		default:
			tasks, err = Tasks(ctx, run, sub.JobID)
			switch {
			case errors.Is(err, ErrUnknownJob):
				js.Note = "Slurm no longer knows this job (it ended a while ago)"
			case err != nil:
				js.Note = "squeue failed: " + err.Error()
			}
		}
		if tasks != nil {
			js.States = map[string]int{}
			for _, t := range tasks {
				js.States[t.State]++
			}
			if gone := sub.Tasks - len(tasks); gone > 0 {
				js.States["not in queue"] = gone
			}
		}
		st.Jobs = append(st.Jobs, js)
		if tasks == nil {
			continue
		}
		list, err := sub.ReadRunList()
		if err != nil {
			return nil, err
		}
		for i := 0; i < sub.Tasks; i++ {
			t, ok := tasks[i]
			if !ok {
				// squeue answered for the job but not this task: it neither waits nor runs
				// (cancelled before it started leaves no line).
				t = Task{Index: i, State: "GONE"}
			}
			for _, id := range sub.TaskRuns(list, i) {
				latest[id] = taskOf{job: sub.JobID, task: t, log: filepath.Join(sub.LogDir(), sub.JobID+"_"+strconv.Itoa(i)+".out")}
			}
		}
	}
	for _, id := range c.Manifest.Runs {
		rs := RunState{ID: id, Task: -1}
		t, hasTask := latest[id]
		if hasTask {
			rs.JobID, rs.Task = t.job, t.task.Index
		}
		res, hasResult := results[id]
		holder, claimed := store.Claim(id)
		switch {
		case hasResult && res.Status == runstore.StatusOK:
			rs.State = Done
		case claimed:
			rs.State, rs.Reason = Running, "claimed by "+holder.Command
		case hasTask && t.task.Live():
			rs.State = Pending
			if t.task.State != "PENDING" {
				rs.State = Running
			}
			if t.task.Reason != "" && t.task.Reason != "None" {
				rs.Reason = t.task.Reason
			}
		case hasResult:
			rs.State, rs.Reason = Failed, res.Error
		default:
			rs.State = Missing
			switch {
			case hasTask && t.task.State == "GONE":
				rs.Reason = fmt.Sprintf("task %s_%d is not in Slurm's queue (cancelled before it started?) and left no result", t.job, t.task.Index)
			case hasTask:
				rs.Reason = fmt.Sprintf("task %s_%d ended %s without a result (log: %s)", t.job, t.task.Index, t.task.State, t.log)
			}
		}
		st.Runs = append(st.Runs, rs)
	}
	if n := len(c.Unreadable); n > 0 {
		st.Notes = append(st.Notes, c.Unreadable...)
	}
	return st, nil
}

// StateCounts lists the job's task states as "10 COMPLETED, 2 RUNNING", largest first.
func (j JobState) StateCounts() string {
	type kv struct {
		k string
		v int
	}
	var kvs []kv
	for k, v := range j.States {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(a, b int) bool {
		if kvs[a].v != kvs[b].v {
			return kvs[a].v > kvs[b].v
		}
		return kvs[a].k < kvs[b].k
	})
	s := ""
	for i, x := range kvs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", x.v, x.k)
	}
	return s
}
