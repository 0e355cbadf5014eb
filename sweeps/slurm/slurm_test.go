package slurm

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pal-harness/pal/sweeps/runstore"
)

func TestJobScript(t *testing.T) {
	j := Job{Name: "grid", Pal: "/opt/pal/bin/pal", Store: "/scratch/me/grid", Submission: 3,
		LogDir: "/scratch/me/grid/slurm/3/logs", Tasks: 12, Version: "v1",
		RunOneArgs: []string{"--spec-dir", "/home/me/specs", "--cache", "/home/me/cache it", "--save-models"},
		Options:    Options{Partition: "gpu", MaxParallel: 4, Time: "1:00:00", Mem: "4G", CPUsPerTask: 2, RunsPerTask: 3}}
	got := string(JobScript(j))
	want := []string{
		"#!/bin/sh\n",
		"#SBATCH --job-name=pal-grid\n",
		"#SBATCH --array=0-11%4\n",
		"#SBATCH --cpus-per-task=2\n",
		"#SBATCH --output=/scratch/me/grid/slurm/3/logs/%A_%a.out\n",
		"#SBATCH --partition=gpu\n",
		"#SBATCH --time=1:00:00\n",
		"#SBATCH --mem=4G\n",
		"Array task i runs lines i*3+1 ... (i+1)*3 of runs.txt",
		"\nexec /opt/pal/bin/pal run-one --submission 3 --task \"$SLURM_ARRAY_TASK_ID\" --spec-dir /home/me/specs --cache '/home/me/cache it' --save-models /scratch/me/grid\n",
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("job script lacks %q:\n%s", w, got)
		}
	}
	// #SBATCH lines are read only before the first command.
	if i, k := strings.LastIndex(got, "#SBATCH"), strings.Index(got, "\nexec "); i > k {
		t.Errorf("an #SBATCH line after the command:\n%s", got)
	}
	// Unset settings leave no line (the cluster's defaults apply), and no limit no %.
	j.Options = Options{CPUsPerTask: 1, RunsPerTask: 1}
	got = string(JobScript(j))
	for _, no := range []string{"--partition", "--time", "--mem", "%4"} {
		if strings.Contains(got, no) {
			t.Errorf("job script without settings has %q:\n%s", no, got)
		}
	}
	rep := string(ReportScript(j))
	for _, w := range []string{"#SBATCH --job-name=pal-grid-report\n", "#SBATCH --output=/scratch/me/grid/slurm/3/logs/report_%j.out\n",
		"/opt/pal/bin/pal status /scratch/me/grid\nexec /opt/pal/bin/pal report /scratch/me/grid\n"} {
		if !strings.Contains(rep, w) {
			t.Errorf("report script lacks %q:\n%s", w, rep)
		}
	}
}

func TestSubmitArgs(t *testing.T) {
	got := SubmitArgs(Options{SbatchArgs: []string{"--account=lab", "--qos=long"}}, "afterany:7:9", "/s/job.sh")
	want := []string{"--parsable", "--account=lab", "--qos=long", "--dependency=afterany:7:9", "/s/job.sh"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{"/a/b-c_d.e": "/a/b-c_d.e", "a b": "'a b'", "it's": `'it'\''s'`, "": "''", "$HOME": "'$HOME'"} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseJobID(t *testing.T) {
	for in, want := range map[string]string{"42\n": "42", "42;cluster1\n": "42", "sbatch: warning: x\n1234\n": "1234"} {
		got, err := ParseJobID([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseJobID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "Submitted batch job 42\n", "x;y"} {
		if _, err := ParseJobID([]byte(bad)); err == nil {
			t.Errorf("ParseJobID(%q): no error", bad)
		}
	}
}

func TestParseSqueue(t *testing.T) {
	out := "42_3|RUNNING|None\n42_[4-6%2]|PENDING|JobArrayTaskLimit\n42_[8,10-11]|PENDING|Priority\n" +
		"42_0|COMPLETED|None\n42_1|CANCELLED|None\n43|PENDING|Dependency\n"
	tasks, err := ParseSqueue([]byte(out), "42")
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{0: "COMPLETED", 1: "CANCELLED", 3: "RUNNING", 4: "PENDING", 5: "PENDING", 6: "PENDING", 8: "PENDING", 10: "PENDING", 11: "PENDING"}
	if len(tasks) != len(want) {
		t.Errorf("tasks %v, want %v", tasks, want)
	}
	for i, s := range want {
		if tasks[i].State != s || tasks[i].Index != i {
			t.Errorf("task %d: %+v, want %s", i, tasks[i], s)
		}
	}
	if tasks[5].Reason != "JobArrayTaskLimit" || !tasks[4].Live() || tasks[1].Live() || tasks[0].Live() {
		t.Errorf("task 5 %+v, live: 4 %v 1 %v 0 %v", tasks[5], tasks[4].Live(), tasks[1].Live(), tasks[0].Live())
	}
	for _, bad := range []string{"42_3|RUNNING\n", "42_[3-1]|PENDING|x\n", "42_[a]|PENDING|x\n", "42_x|PENDING|x\n"} {
		if _, err := ParseSqueue([]byte(bad), "42"); err == nil {
			t.Errorf("ParseSqueue(%q): no error", bad)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	good := []Options{{}, {Time: "90"}, {Time: "1:30:00"}, {Time: "2-00:00"}, {Time: "UNLIMITED"}, {Mem: "4G"}, {Mem: "500"},
		{SbatchArgs: []string{"--account=lab", "--qos=long", "--exclusive"}}}
	for _, o := range good {
		if err := o.Validate(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
	bad := map[string]Options{
		"Slurm time limit":     {Time: "1h"},
		"Slurm memory size":    {Mem: "4GB"},
		"one word starting":    {SbatchArgs: []string{"--qos=long", "oops"}},
		"pal sets --array":     {SbatchArgs: []string{"--array=0-3"}},
		"pal sets -c":          {SbatchArgs: []string{"-c4"}},
		"pal sets --output":    {SbatchArgs: []string{"--output=x"}},
		"has a space or quote": {Partition: "a b"},
	}
	for want, o := range bad {
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want an error saying %q", o, err, want)
		}
	}
}

// fakeSqueue answers squeue for the listed jobs and "Invalid job id" for others.
func fakeSqueue(answers map[string]string) Runner {
	return func(ctx context.Context, name string, args ...string) ([]byte, error) {
		if name != "squeue" {
			return nil, fmt.Errorf("unexpected command %s", name)
		}
		id := args[2]
		if a, ok := answers[id]; ok {
			return []byte(a), nil
		}
		return nil, errors.New("squeue: exit status 1: slurm_load_jobs error: Invalid job id specified")
	}
}

// Gather puts every run of the spec in one state: from its result, its claim, and the squeue
// state of its latest task.
func TestGather(t *testing.T) {
	dir := t.TempDir()
	w, err := runstore.Create(dir, "pal run --slurm")
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"}
	if _, err := w.SetSpec([]byte("name = \"s\"\n"), "s", ids, []string{"seed"}); err != nil {
		t.Fatal(err)
	}
	// Submission 1 (job 41, forgotten by Slurm) had r0..r3, two a task; submission 2 (job 42)
	// has r3..r7, one a task (squeue no longer lists task 4, cancelled before it started).
	sub1, err := w.NewSubmission([]string{"r0", "r1", "r2", "r3"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	sub1.JobID = "41"
	w.SaveSubmission(sub1)
	sub2, err := w.NewSubmission([]string{"r3", "r4", "r5", "r6", "r7"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	sub2.JobID = "42"
	w.SaveSubmission(sub2)
	if sub1.Seq != 1 || sub2.Seq != 2 || sub2.Tasks != 5 || sub1.Tasks != 2 {
		t.Fatalf("submissions %+v %+v", sub1, sub2)
	}
	w.WriteRun(&runstore.Result{RunID: "r0", Status: runstore.StatusOK}, nil)
	w.WriteRun(&runstore.Result{RunID: "r1", Status: runstore.StatusFailed, Error: "diverged: non-finite metric loss"}, nil)
	w.WriteRun(&runstore.Result{RunID: "r4", Status: runstore.StatusFailed, Error: "old failure"}, nil)
	w.Close()
	// r2: a live claim (this process).
	c, err := runstore.ClaimRun(dir, "r2", "slurm task 41_1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	run := fakeSqueue(map[string]string{"42": "42_0|CANCELLED|None\n42_1|RUNNING|None\n42_[2-3%1]|PENDING|JobArrayTaskLimit\n"})
	st, err := Gather(context.Background(), run, w.Store)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"r0": Done, "r1": Failed, "r2": Running, "r3": Missing, "r4": Running, "r5": Pending, "r6": Pending, "r7": Missing}
	for _, r := range st.Runs {
		if r.State != want[r.ID] {
			t.Errorf("run %s: %s (%s), want %s", r.ID, r.State, r.Reason, want[r.ID])
		}
	}
	byID := map[string]RunState{}
	for _, r := range st.Runs {
		byID[r.ID] = r
	}
	if r := byID["r3"]; !strings.Contains(r.Reason, "task 42_0 ended CANCELLED without a result") || !strings.Contains(r.Reason, filepath.Join("slurm", "2", "logs", "42_0.out")) {
		t.Errorf("r3's reason %q", r.Reason)
	}
	if r := byID["r7"]; !strings.Contains(r.Reason, "task 42_4 is not in Slurm's queue") {
		t.Errorf("r7's reason %q", r.Reason)
	}
	if byID["r1"].Reason != "diverged: non-finite metric loss" || byID["r5"].Reason != "JobArrayTaskLimit" || !strings.Contains(byID["r2"].Reason, "slurm task 41_1") {
		t.Errorf("reasons: r1 %q, r5 %q, r2 %q", byID["r1"].Reason, byID["r5"].Reason, byID["r2"].Reason)
	}
	in := st.InFlight()
	if len(in) != 4 || !in["r2"] || !in["r4"] || !in["r5"] || !in["r6"] {
		t.Errorf("in flight %v, want r2 r4 r5 r6", in)
	}
	if len(st.Jobs) != 2 || st.Jobs[0].Note == "" || st.Jobs[1].StateCounts() != "2 PENDING, 1 CANCELLED, 1 RUNNING, 1 not in queue" {
		t.Errorf("jobs %+v; counts %q", st.Jobs, st.Jobs[1].StateCounts())
	}
	// Without Slurm, the store alone: claims and results.
	st, err = Gather(context.Background(), nil, w.Store)
	if err != nil {
		t.Fatal(err)
	}
	if st.Count(Running) != 1 || st.Count(Missing) != 4 || st.Count(Failed) != 2 {
		t.Errorf("store alone: running %d missing %d failed %d", st.Count(Running), st.Count(Missing), st.Count(Failed))
	}
}

func TestMemBytes(t *testing.T) {
	for in, want := range map[string]int64{"4G": 4 << 30, "500": 500 << 20, "500M": 500 << 20, "64K": 64 << 10, "2T": 2 << 40} {
		if got, ok := (&Options{Mem: in}).MemBytes(); !ok || got != want {
			t.Errorf("MemBytes(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	if _, ok := (&Options{}).MemBytes(); ok {
		t.Error("no mem: ok")
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte("DefMemPerCPU            = 512\nKillWait                = 5 sec\nMaxArraySize            = 1001\nMaxJobCount = 10000\n"))
	if err != nil || c.MaxArraySize != 1001 || c.DefMemPerCPU != 512<<20 {
		t.Errorf("%+v %v", c, err)
	}
	c, err = ParseConfig([]byte("DefMemPerNode = UNLIMITED\nMaxArraySize = 40001\n"))
	if err != nil || c.MaxArraySize != 40001 || c.DefMemPerCPU != 0 {
		t.Errorf("%+v %v", c, err)
	}
	for _, bad := range []string{"", "MaxArraySize = x\n", "MaxArraySize = 0\n"} {
		if _, err := ParseConfig([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestCheckPath(t *testing.T) {
	if err := CheckPath("the run store", "/scratch/me/results/sweep-1"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"/scratch/my results", "/x/it's", "/x/100%", "relative/dir"} {
		if err := CheckPath("the run store", bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
