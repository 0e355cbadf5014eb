package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/sweeps"
	"github.com/pal-harness/pal/sweeps/runstore"
	"github.com/pal-harness/pal/sweeps/runstore/runstoretest"
	"github.com/pal-harness/pal/sweeps/slurm"
)

// slurmSpec has 12 short runs: PAL-A with K = 1, 2, BTL, and a PAL-A whose learning rate makes
// it diverge (recorded failed), for 3 seeds.
const slurmSpec = `
name = "slurm12"
seeds = [1, 2, 3]

[dataset]
kind = "synthetic"
dim = 6
latent_dim = 3
k_true = 2
items = 120
seen_users = 8
unseen_users = 4
pairs_per_user = 30
unseen_train_pairs = 10
unseen_val_pairs = 4
unseen_test_pairs = 10

[[model]]
kind = "pal-a"
k = [1, 2]
layers = 0
width = 4

[[model]]
kind = "btl"
width = 4

[[model]]
kind = "pal-a"
name = "diverges"
lr = 1e6
lr_user = 1e6
width = 4

[train]
epochs = 15
batch_size = 16

[fewshot]
pairs_per_user = [1, 5]
epochs = 10
`

// The [slurm] table is parsed and checked like any table, and changes no run id; its flags
// need --slurm.
func TestSlurmTable(t *testing.T) {
	dir := t.TempDir()
	plain, err := sweeps.Parse(writeSpec(t, dir, "a.toml", smallSpec), experiment.Schema())
	if err != nil {
		t.Fatal(err)
	}
	withTable, err := sweeps.Parse(writeSpec(t, dir, "b.toml", smallSpec+"\n[slurm]\npartition = \"short\"\nmax_parallel = 4\nsbatch_args = [\"--account=lab\"]\n"), experiment.Schema())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(plain.RunIDs(), ",") != strings.Join(withTable.RunIDs(), ",") {
		t.Error("a [slurm] table changed the run ids")
	}
	o, ok := withTable.Slurm.(*slurm.Options)
	if !ok || o.Partition != "short" || o.MaxParallel != 4 || o.RunsPerTask != 1 || o.SbatchArgs[0] != "--account=lab" {
		t.Errorf("[slurm] decoded as %+v", withTable.Slurm)
	}
	_, err = sweeps.Parse(writeSpec(t, dir, "c.toml", smallSpec+"\n[slurm]\ntime = \"1h\"\n"), experiment.Schema())
	if err == nil || !strings.Contains(err.Error(), "c.toml") || !strings.Contains(err.Error(), "not a Slurm time limit") {
		t.Errorf("bad time: %v", err)
	}
	code, _, stderr := runPal(t, "run", filepath.Join(dir, "a.toml"), "--partition", "x", "--out", filepath.Join(dir, "out"))
	if code != exitBadInput || !strings.Contains(stderr, "--partition is a flag of --slurm") {
		t.Errorf("--partition without --slurm: exit %d, %s", code, stderr)
	}
}

// `pal run-one` (what a Slurm task runs) gives each run the bits `pal run` gives it, and `pal
// status` counts the runs and rebuilds runs.csv, which run-one never writes. No Slurm needed.
func TestRunOneMatchesLocalRun(t *testing.T) {
	dir := t.TempDir()
	specPath := writeSpec(t, dir, "s.toml", slurmSpec)
	local := filepath.Join(dir, "local")
	if code, _, stderr := runPal(t, "run", specPath, "--out", local, "--no-report", "-j", "2"); code != exitRunsFailed {
		t.Fatalf("local run: exit %d, want 1 (the diverging runs)\n%s", code, stderr)
	}
	spec, err := sweeps.Parse(specPath, experiment.Schema())
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "tasks")
	w, err := runstore.Create(store, "test")
	if err != nil {
		t.Fatal(err)
	}
	w.SetSpec(spec.Source, spec.Name, spec.RunIDs(), spec.Axes)
	w.Close()
	ids := spec.RunIDs()
	// Two "tasks", each with half of the runs, in reverse order: order and split change nothing.
	for i, half := range [][]string{ids[6:], ids[:6]} {
		args := append([]string{"run-one", store}, half...)
		code, stdout, stderr := runPal(t, args...)
		// The second half of the runs holds the diverging ones: that task exits 1.
		if want := []int{exitRunsFailed, exitOK}[i]; code != want || strings.Contains(stdout, "failed: training diverged") != (want == exitRunsFailed) {
			t.Fatalf("run-one: exit %d, want %d\n%s\n%s", code, want, stdout, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(store, runstore.RunsCSV)); err == nil {
		t.Error("run-one wrote runs.csv")
	}
	code, stdout, stderr := runPal(t, "status", store)
	if code != exitRunsFailed || !regexp.MustCompile(`done +9\n +failed +3\n`).MatchString(stdout) || !strings.Contains(stdout, "diverged") {
		t.Errorf("status: exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	if a, b := runstoretest.Without(t, local, "wall_seconds"), runstoretest.Without(t, store, "wall_seconds"); a != b {
		t.Errorf("runs.csv of run-one differs from the local run's:\n%s\nvs\n%s", b, a)
	}
	// A second run-one skips complete runs.
	if code, stdout, _ := runPal(t, "run-one", store, ids[0]); code != 0 || !strings.Contains(stdout, "already complete") {
		t.Errorf("run-one of a complete run: exit %d, %s", code, stdout)
	}
	if code, _, stderr := runPal(t, "run-one", store, "0123456789abcdef"); code != exitBadInput || !strings.Contains(stderr, "is not a run of") {
		t.Errorf("run-one of an unknown run: exit %d, %s", code, stderr)
	}
}

// slurmReady skips the test unless a Slurm answers here, saying why.
func slurmReady(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("submits Slurm jobs (-short)")
	}
	if raceEnabled {
		t.Skip("the Slurm tasks would run the race-instrumented test binary: the plain build tests Slurm")
	}
	slurmOnce.Do(func() {
		if err := slurm.Available(); err != nil {
			slurmMissing = fmt.Sprintf("no Slurm: %v (../shared/tools/slurm/start-local-slurm.sh starts one, as root)", err)
			return
		}
		// sinfo takes about 10 s to give up on a controller that is down: asked once.
		out, err := exec.Command("sinfo", "-h", "-o", "%T").CombinedOutput()
		if err != nil || !regexp.MustCompile(`idle|mixed|allocated`).Match(out) {
			slurmMissing = fmt.Sprintf("Slurm is installed but no node is up (sinfo: %v: %s)", err, strings.TrimSpace(string(out)))
		}
	})
	if slurmMissing != "" {
		t.Skip(slurmMissing)
	}
}

var (
	slurmOnce    sync.Once
	slurmMissing string // why the Slurm tests skip; "" when a Slurm answers
)

var jobIDRE = regexp.MustCompile(`submitted array job (\d+)`)

func submittedJob(t *testing.T, stdout string) string {
	t.Helper()
	m := jobIDRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no job id in:\n%s", stdout)
	}
	return m[1]
}

// waitJob waits until no task of the job waits or runs.
func waitJob(t *testing.T, id string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		tasks, err := slurm.Tasks(context.Background(), slurm.Exec, id)
		if err != nil {
			t.Fatalf("squeue: %v", err)
		}
		live := false
		for _, tk := range tasks {
			live = live || tk.Live()
		}
		if !live && len(tasks) > 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("job %s still running after %s", id, timeout)
}

// The test against a real Slurm: 12 runs as an array; pal status while it runs; part of
// the array cancelled and a resubmission that runs only the rest; the diverging runs recorded
// failed with their reason; runs.csv bit-identical to a local run's and the same report.
func TestSlurmArray(t *testing.T) {
	slurmReady(t)
	t.Setenv(beMain, "1") // the tasks run this test binary as pal (TestMain)
	dir := t.TempDir()
	specPath := writeSpec(t, dir, "s.toml", slurmSpec)
	store := filepath.Join(dir, "slurm-store")

	// One task at a time, so that the tasks cancelled below are still waiting.
	code, stdout, stderr := runPal(t, "run", specPath, "--slurm", "--out", store, "--max-parallel", "1")
	if code != 0 {
		t.Fatalf("pal run --slurm: exit %d\n%s\n%s", code, stdout, stderr)
	}
	job := submittedJob(t, stdout)
	if !strings.Contains(stdout, "12 runs: 0 complete, 0 in flight, 12 to submit") || !strings.Contains(stdout, "pal status "+store) {
		t.Errorf("submission output:\n%s", stdout)
	}
	if out, err := exec.Command("scancel", job+"_[6-11]").CombinedOutput(); err != nil {
		t.Fatalf("scancel: %v %s", err, out)
	}
	code, stdout, _ = runPal(t, "status", store)
	if code != exitIncomplete || !regexp.MustCompile(`(pending|running) +[1-9]`).MatchString(stdout) {
		t.Errorf("status while it runs: exit %d, want 3\n%s", code, stdout)
	}
	t.Logf("status while it runs:\n%s", stdout)
	// While its tasks live, a local pal run into the store is refused.
	if code, _, stderr := runPal(t, "run", specPath, "--out", store, "--no-report"); code != exitBadInput || !strings.Contains(stderr, "in flight in Slurm") {
		t.Logf("local run during the job: exit %d %s (the job may have ended already)", code, stderr)
	}
	waitJob(t, job, 3*time.Minute)
	code, stdout, _ = runPal(t, "status", store)
	if code != exitIncomplete || !regexp.MustCompile(`missing +6\n`).MatchString(stdout) || !regexp.MustCompile(`cancelled before it started|ended CANCELLED`).MatchString(stdout) {
		t.Errorf("status after scancel: exit %d, want 3 and 6 missing\n%s", code, stdout)
	}
	before := map[string][]byte{}
	done := 0
	for _, id := range listRuns(t, store) {
		if b, err := os.ReadFile(filepath.Join(store, id, runstore.ResultFile)); err == nil {
			before[id] = b
			if strings.Contains(string(b), `"status": "ok"`) {
				done++
			}
		}
	}

	// The resubmission runs the cancelled and failed runs only.
	code, stdout, stderr = runPal(t, "run", specPath, "--slurm", "--out", store)
	if code != 0 {
		t.Fatalf("resubmission: exit %d\n%s\n%s", code, stdout, stderr)
	}
	job2 := submittedJob(t, stdout)
	s, _ := runstore.Open(store)
	subs, err := s.Submissions()
	if err != nil || len(subs) != 2 || subs[1].JobID != job2 {
		t.Fatalf("submissions %v %v", subs, err)
	}
	list, _ := subs[1].ReadRunList()
	for _, id := range list {
		if s.Complete(id) {
			t.Errorf("complete run %s resubmitted", id)
		}
	}
	if len(list) != 12-done {
		t.Errorf("resubmitted %d runs, want the %d not done", len(list), 12-done)
	}
	waitJob(t, job2, 3*time.Minute)
	code, stdout, _ = runPal(t, "status", store)
	if code != exitRunsFailed || !regexp.MustCompile(`done +9\n +failed +3\n`).MatchString(stdout) || strings.Count(stdout, "diverged") != 3 {
		t.Errorf("final status: exit %d, want 1 with 9 done and 3 failed (diverged)\n%s", code, stdout)
	}
	t.Logf("final status:\n%s", stdout)
	for id, b := range before {
		if strings.Contains(string(b), `"status": "ok"`) {
			if now, _ := os.ReadFile(filepath.Join(store, id, runstore.ResultFile)); string(now) != string(b) {
				t.Errorf("complete run %s was rewritten by the resubmission", id)
			}
		}
	}

	// Bits and report: the same as a local run of the spec.
	local := filepath.Join(dir, "local")
	if code, _, stderr := runPal(t, "run", specPath, "--out", local, "-j", "2"); code != exitRunsFailed {
		t.Fatalf("local run: exit %d\n%s", code, stderr)
	}
	if a, b := runstoretest.Without(t, local, "wall_seconds"), runstoretest.Without(t, store, "wall_seconds"); a != b {
		t.Errorf("runs.csv of the Slurm runs differs from the local run's:\n%s\nvs\n%s", b, a)
	}
	if code, _, stderr := runPal(t, "report", store); code != 0 {
		t.Fatalf("pal report: %d %s", code, stderr)
	}
	sameReports(t, filepath.Join(local, "report"), local, filepath.Join(store, "report"), store)
}

// sameReports compares two report folders file by file; report.html may differ only in the
// store's path it names.
func sameReports(t *testing.T, a, storeA, b, storeB string) {
	t.Helper()
	n := 0
	filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			t.Errorf("report file %s: %v", rel, err)
			return nil
		}
		n++
		if rel == "report.html" {
			x, y = []byte(strings.ReplaceAll(string(x), storeA, "STORE")), []byte(strings.ReplaceAll(string(y), storeB, "STORE"))
		}
		if string(x) != string(y) {
			t.Errorf("report file %s differs between the local and the Slurm run", rel)
		}
		return nil
	})
	if n < 3 {
		t.Errorf("only %d report files compared", n)
	}
}

func listRuns(t *testing.T, store string) []string {
	t.Helper()
	c, err := runstore.Load(store)
	if err != nil || c.Manifest == nil {
		t.Fatalf("load %s: %v", store, err)
	}
	return c.Manifest.Runs
}

// The time from submission to the last result of the 12 runs, all tasks at once, and the
// dependent report job (--report). The log gives the numbers README quotes.
func TestSlurmSubmitToComplete(t *testing.T) {
	slurmReady(t)
	t.Setenv(beMain, "1")
	dir := t.TempDir()
	specPath := writeSpec(t, dir, "s.toml", slurmSpec)
	store := filepath.Join(dir, "store")
	start := time.Now()
	code, stdout, stderr := runPal(t, "run", specPath, "--slurm", "--out", store, "--report")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	job := submittedJob(t, stdout)
	if !strings.Contains(stdout, "submitted report job") {
		t.Errorf("no report job:\n%s", stdout)
	}
	waitJob(t, job, 3*time.Minute)
	elapsed := time.Since(start)
	c, err := runstore.Load(store)
	if err != nil || len(c.Current) != 12 {
		t.Fatalf("after the job: %d results, %v", len(c.Current), err)
	}
	var wall float64
	for _, r := range c.Current {
		wall += r.WallSeconds
	}
	slots := runtime.NumCPU()
	t.Logf("12 runs as a Slurm array: submit to complete %.1f s; run wall time %.2f s in all; %d CPUs: overhead per task about %.2f s",
		elapsed.Seconds(), wall, slots, (elapsed.Seconds()*float64(slots)-wall)/12)
	report := filepath.Join(store, "report", "report.html")
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(report); err == nil {
			break
		}
		if time.Now().After(deadline) {
			logs, _ := filepath.Glob(filepath.Join(store, "slurm", "1", "logs", "report_*"))
			t.Fatalf("the report job rendered no %s (logs %v)", report, logs)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if rows := runstoretest.Rows(t, store); len(rows) != 13 {
		t.Errorf("runs.csv rebuilt by the report job has %d rows, want 13", len(rows))
	}
}

// A task that meets a run claimed by another live task waits for it rather than run it twice,
// and leaves the run once the other task has written it.
func TestRunOneWaitsForAClaim(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a claim (-short)")
	}
	dir := t.TempDir()
	spec, err := sweeps.Parse(writeSpec(t, dir, "s.toml", smallSpec), experiment.Schema())
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	w, err := runstore.Create(store, "test")
	if err != nil {
		t.Fatal(err)
	}
	w.SetSpec(spec.Source, spec.Name, spec.RunIDs(), spec.Axes)
	w.Close()
	id := spec.Runs[0].ID
	other, err := runstore.ClaimRun(store, id, "slurm task 1_0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(time.Second)
		other.Write(&runstore.Result{RunID: id, Status: runstore.StatusOK, Spec: spec.Name}, nil)
		other.Close()
	}()
	start := time.Now()
	code, stdout, stderr := runPal(t, "run-one", store, id)
	if code != 0 || !strings.Contains(stdout, "waiting: run "+id+" is being run by slurm task 1_0") ||
		!regexp.MustCompile(`completed by another task|left to the task running it`).MatchString(stdout) {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if res, _ := runstore.Open(store); res != nil {
		if r, err := res.Result(id); err != nil || r.WallSeconds != 0 {
			t.Errorf("the waiting task rewrote the run: %+v %v", r, err)
		}
	}
	t.Logf("waited %s", time.Since(start))
}

// fakeSlurm puts sbatch and squeue scripts first on PATH: sbatch records its arguments in
// dir/sbatch.log and answers job ids 4242, 4243, ...; squeue prints dir/squeue.txt when it
// exists, else fails as Slurm does for a forgotten job; scontrol says MaxArraySize is 4 and
// DefMemPerCPU 1 MB.
func fakeSlurm(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sbatch := `#!/bin/sh
n=$(cat "` + dir + `/n" 2>/dev/null || echo 4242)
echo "$@" >> "` + dir + `/sbatch.log"
echo $((n + 1)) > "` + dir + `/n"
echo "$n;cluster"
`
	squeue := `#!/bin/sh
if [ -f "` + dir + `/squeue.txt" ]; then cat "` + dir + `/squeue.txt"; exit 0; fi
echo "slurm_load_jobs error: Invalid job id specified" >&2
exit 1
`
	scontrol := "#!/bin/sh\necho 'DefMemPerCPU            = 1'\necho 'MaxArraySize            = 4'\n"
	for name, body := range map[string]string{"sbatch": sbatch, "squeue": squeue, "scontrol": scontrol} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

// The submission side without a Slurm: the job script and run list written into the store, the
// sbatch command lines (the report job depending on the array), the tasks' share of the runs
// (run here by hand), runs in flight left out of a resubmission, and nothing resubmitted once
// complete.
func TestSlurmSubmissionWithFakeSlurm(t *testing.T) {
	fake := fakeSlurm(t)
	dir := t.TempDir()
	specPath := writeSpec(t, dir, "s.toml", smallSpec+"\n[slurm]\nruns_per_task = 2\npartition = \"short\"\nsbatch_args = [\"--account=lab\"]\n")
	store := filepath.Join(dir, "store")
	code, stdout, stderr := runPal(t, "run", specPath, "--slurm", "--out", store, "--partition", "long", "--report", "--mem", "2G")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"6 runs: 0 complete, 0 in flight, 6 to submit", "submitted array job 4242: 3 tasks of 2 run(s)",
		"submitted report job 4243", "pal status " + store} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	log, _ := os.ReadFile(filepath.Join(fake, "sbatch.log"))
	sub := filepath.Join(store, "slurm", "1")
	wantLog := "--parsable --account=lab " + filepath.Join(sub, "job.sh") + "\n" +
		"--parsable --account=lab --dependency=afterany:4242 " + filepath.Join(sub, "report.sh") + "\n"
	if string(log) != wantLog {
		t.Errorf("sbatch calls:\n%s\nwant\n%s", log, wantLog)
	}
	script, _ := os.ReadFile(filepath.Join(sub, "job.sh"))
	for _, want := range []string{"#SBATCH --array=0-2\n", "#SBATCH --partition=long\n", "#SBATCH --mem=2G\n", "run-one --submission 1 --task \"$SLURM_ARRAY_TASK_ID\" --spec-dir " + dir} {
		if !strings.Contains(string(script), want) {
			t.Errorf("job.sh lacks %q:\n%s", want, script)
		}
	}
	s, _ := runstore.Open(store)
	subs, err := s.Submissions()
	if err != nil || len(subs) != 1 || subs[0].JobID != "4242" || subs[0].ReportJobID != "4243" || subs[0].Tasks != 3 {
		t.Fatalf("submissions %+v %v", subs, err)
	}
	// While Slurm shows the tasks waiting, a resubmission submits nothing and a local run is refused.
	os.WriteFile(filepath.Join(fake, "squeue.txt"), []byte("4242_[0-2]|PENDING|Priority\n"), 0o644)
	code, stdout, _ = runPal(t, "run", specPath, "--slurm", "--out", store)
	if code != 0 || !strings.Contains(stdout, "0 complete, 6 in flight (job 4242), 0 to submit") || !strings.Contains(stdout, "nothing to submit") {
		t.Errorf("resubmission while pending: exit %d\n%s", code, stdout)
	}
	// --report with everything in flight: only a report job, after the array.
	code, stdout, _ = runPal(t, "run", specPath, "--slurm", "--out", store, "--report")
	if code != 0 || !strings.Contains(stdout, "submitted report job 4244: renders "+filepath.Join(store, "report", "report.html")+" once job 4242 has ended") ||
		strings.Contains(stdout, "submitted array job") {
		t.Errorf("report job alone: exit %d\n%s", code, stdout)
	}
	wantLog += "--parsable --account=lab --dependency=afterany:4242 " + filepath.Join(sub, "report.sh") + "\n"
	if code, _, stderr := runPal(t, "run", specPath, "--out", store); code != exitBadInput || !strings.Contains(stderr, "in flight in Slurm (jobs 4242)") {
		t.Errorf("local run while the job waits: exit %d\n%s", code, stderr)
	}
	code, stdout, _ = runPal(t, "status", store)
	if code != exitIncomplete || !regexp.MustCompile(`pending +6\n`).MatchString(stdout) || !strings.Contains(stdout, "(task 4242_2): Priority") {
		t.Errorf("status while pending: exit %d\n%s", code, stdout)
	}
	// The tasks, run by hand: each of the 3 runs 2 runs.
	t.Setenv("SLURM_ARRAY_JOB_ID", "4242")
	for _, task := range []string{"1", "0", "2"} {
		code, stdout, stderr := runPal(t, "run-one", "--submission", "1", "--task", task, store)
		if code != 0 || strings.Count(stdout, ": ok in") != 2 {
			t.Errorf("task %s: exit %d\n%s\n%s", task, code, stdout, stderr)
		}
	}
	os.WriteFile(filepath.Join(fake, "squeue.txt"), []byte("4242_0|COMPLETED|None\n4242_1|COMPLETED|None\n4242_2|COMPLETED|None\n"), 0o644)
	code, stdout, _ = runPal(t, "status", store)
	if code != 0 || !regexp.MustCompile(`done +6\n`).MatchString(stdout) || !strings.Contains(stdout, "3 COMPLETED") {
		t.Errorf("status when done: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runPal(t, "run", specPath, "--slurm", "--out", store)
	if code != 0 || !strings.Contains(stdout, "6 complete, 0 in flight, 0 to submit") {
		t.Errorf("resubmission when complete: exit %d\n%s", code, stdout)
	}
	if log2, _ := os.ReadFile(filepath.Join(fake, "sbatch.log")); string(log2) != wantLog {
		t.Errorf("sbatch called again:\n%s", log2)
	}
	// Bits: the same as a local run of the spec.
	local := filepath.Join(dir, "local")
	if code, _, stderr := runPal(t, "run", specPath, "--out", local, "--no-report"); code != 0 {
		t.Fatalf("local run: %d %s", code, stderr)
	}
	if a, b := runstoretest.Without(t, local, "wall_seconds"), runstoretest.Without(t, store, "wall_seconds"); a != b {
		t.Errorf("runs.csv differs from the local run's:\n%s\nvs\n%s", b, a)
	}
	// A rejected job: sbatch's reason, exit 2.
	os.WriteFile(filepath.Join(fake, "sbatch"), []byte("#!/bin/sh\necho 'sbatch: error: invalid partition specified: nope' >&2\nexit 1\n"), 0o755)
	other := filepath.Join(dir, "other")
	if code, _, stderr := runPal(t, "run", specPath, "--slurm", "--out", other); code != exitBadInput || !strings.Contains(stderr, "invalid partition specified: nope") {
		t.Errorf("rejected job: exit %d\n%s", code, stderr)
	}
}

// pal reproduce --slurm submits each embedded experiment into its own store.
func TestReproduceSlurmWithFakeSlurm(t *testing.T) {
	fake := fakeSlurm(t)
	out := filepath.Join(t.TempDir(), "repro")
	code, stdout, stderr := runPal(t, "reproduce", "--slurm", "--only", "synthetic_prompts", "--out", out, "--runs-per-task", "10", "--max-parallel", "3")
	// DefMemPerCPU 1 MB (the fake scontrol) is less than a run needs: a warning, as no --mem
	// was given.
	if !strings.Contains(stderr, "pal: warning: spec") || !strings.Contains(stderr, "(the cluster's DefMemPerCPU × 1 CPU(s), as no --mem was given)") || !strings.HasSuffix(stderr, "; or ask for more memory with --mem\n") {
		t.Errorf("no warning about the default memory:\n%s", stderr)
	}
	// MaxArraySize 4 (the fake scontrol): 50 runs go 13 to a task, in 4 tasks.
	if code != 0 || !strings.Contains(stdout, "synthetic_prompts: 50 runs: 0 complete, 0 in flight, 50 to submit") ||
		!strings.Contains(stdout, "the cluster allows 4 tasks in an array (MaxArraySize): 50 runs go 13 to a task") ||
		!strings.Contains(stdout, "4 tasks of 13 run(s), at most 3 at once") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	script, err := os.ReadFile(filepath.Join(out, "synthetic_prompts", "slurm", "1", "job.sh"))
	if err != nil || !strings.Contains(string(script), "#SBATCH --array=0-3%3\n") {
		t.Errorf("job.sh: %v\n%s", err, script)
	}
	if log, _ := os.ReadFile(filepath.Join(fake, "sbatch.log")); strings.Count(string(log), "\n") != 1 {
		t.Errorf("sbatch calls:\n%s", log)
	}
	if code, _, stderr := runPal(t, "reproduce", "--only", "synthetic_prompts", "--out", out, "--time", "10"); code != exitBadInput || !strings.Contains(stderr, "--time is a flag of --slurm") {
		t.Errorf("--time without --slurm: exit %d %s", code, stderr)
	}
}

// killSpec has two runs of a few seconds each, long enough to be killed while they run.
const killSpec = `
name = "killed"
seeds = [1, 2]
[dataset]
kind = "synthetic"
dim = 6
latent_dim = 3
k_true = 2
items = 120
seen_users = 16
unseen_users = 4
pairs_per_user = 100
[[model]]
kind = "pal-a"
k = 2
layers = 0
width = 4
[train]
epochs = 3000
patience = 0
batch_size = 16
`

// Tasks killed while they run (SIGKILL: no chance to clean up; scancel: SIGTERM, then SIGKILL)
// leave no result.json and no temporary file, their runs are missing in pal status, and the
// next submission completes them with the bits of a local run.
func TestSlurmKilledTasks(t *testing.T) {
	slurmReady(t)
	t.Setenv(beMain, "1")
	dir := t.TempDir()
	specPath := writeSpec(t, dir, "k.toml", killSpec)
	store := filepath.Join(dir, "store")
	code, stdout, stderr := runPal(t, "run", specPath, "--slurm", "--out", store)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	job := submittedJob(t, stdout)
	s, _ := runstore.Open(store)
	subs, _ := s.Submissions()
	list, _ := subs[0].ReadRunList()
	// Wait until both runs are claimed: their tasks are running them.
	deadline := time.Now().Add(time.Minute)
	for {
		_, live0 := s.Claim(list[0])
		_, live1 := s.Claim(list[1])
		if live0 && live1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tasks did not start within a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Task 0's pal dies at once (as under the OOM killer or a node's failure: its claim stays
	// behind, with a dead pid); task 1 is cancelled (SIGTERM, then SIGKILL after KillWait).
	holder, _ := s.Claim(list[0])
	if err := syscall.Kill(holder.PID, syscall.SIGKILL); err != nil {
		t.Fatalf("killing task 0's pal (pid %d): %v", holder.PID, err)
	}
	if out, err := exec.Command("scancel", job+"_1").CombinedOutput(); err != nil {
		t.Fatalf("scancel: %v %s", err, out)
	}
	waitJob(t, job, time.Minute)
	for _, id := range list {
		if _, err := os.Stat(filepath.Join(store, id, runstore.ResultFile)); err == nil {
			t.Fatalf("run %s has a result although its task was killed (the run finished first? make killSpec longer)", id)
		}
		if temps, _ := filepath.Glob(filepath.Join(store, id, "*.tmp")); len(temps) > 0 {
			t.Errorf("temporary files left: %v", temps)
		}
	}
	logs, _ := filepath.Glob(filepath.Join(subs[0].LogDir(), "*"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		t.Logf("%s:\n%s", filepath.Base(l), b)
	}
	code, stdout, _ = runPal(t, "status", store)
	if _, err := os.Stat(filepath.Join(store, list[0], runstore.ClaimFile)); err != nil {
		t.Errorf("the killed task left no claim (%v): the test does not test a dead claim", err)
	}
	if code != exitIncomplete || !regexp.MustCompile(`missing +2\n`).MatchString(stdout) {
		t.Errorf("status after the kills: exit %d, want 3 and 2 missing\n%s", code, stdout)
	}
	t.Logf("status after the kills:\n%s", stdout)
	code, stdout, stderr = runPal(t, "run", specPath, "--slurm", "--out", store)
	if code != 0 || !strings.Contains(stdout, "0 complete, 0 in flight, 2 to submit") {
		t.Fatalf("resubmission: exit %d\n%s\n%s", code, stdout, stderr)
	}
	waitJob(t, submittedJob(t, stdout), 3*time.Minute)
	if code, stdout, _ := runPal(t, "status", store); code != 0 {
		t.Errorf("status after the resubmission: exit %d\n%s", code, stdout)
	}
	local := filepath.Join(dir, "local")
	if code, _, stderr := runPal(t, "run", specPath, "--out", local, "--no-report"); code != 0 {
		t.Fatalf("local run: %d %s", code, stderr)
	}
	if a, b := runstoretest.Without(t, local, "wall_seconds"), runstoretest.Without(t, store, "wall_seconds"); a != b {
		t.Errorf("runs.csv differs from the local run's:\n%s\nvs\n%s", b, a)
	}
}
