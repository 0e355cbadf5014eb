package sweeps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/sweeps/runstore"
	"github.com/pal-harness/pal/sweeps/runstore/runstoretest"
)

// readResult reads one run's result.json through the run store.
func readResult(dir, id string) (runstore.Result, error) {
	s, err := runstore.Open(dir)
	if err != nil {
		return runstore.Result{}, err
	}
	return s.Result(id)
}

// loadResults is every result of the store's current spec, sorted by run id, and an error
// naming any unreadable result file.
func loadResults(dir string) ([]runstore.Result, error) {
	c, err := runstore.Load(dir)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(c.Current)
	slices.SortFunc(out, func(a, b runstore.Result) int { return strings.Compare(a.RunID, b.RunID) })
	if len(c.Unreadable) > 0 {
		return out, errors.New(strings.Join(c.Unreadable, "\n"))
	}
	return out, nil
}

// noTempFiles fails if any temporary file of an atomic write is left in dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(d.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", path)
		}
		return nil
	})
}

// countingRun wraps fn and records which runs it was called for.
type countingRun struct {
	mu    sync.Mutex
	calls map[string]int
	fn    RunFunc
}

func (c *countingRun) run(ctx context.Context, r *Run) (Outcome, error) {
	c.mu.Lock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[r.ID]++
	c.mu.Unlock()
	return c.fn(ctx, r)
}

func TestExecuteDeterministicAcrossJobsAndReruns(t *testing.T) {
	spec := mustParse(t, toySpec)
	dir1, dir4 := t.TempDir(), t.TempDir()
	for _, c := range []struct {
		dir  string
		jobs int
	}{{dir1, 1}, {dir4, 4}} {
		sum, err := Execute(context.Background(), spec, Options{Out: c.dir, Jobs: c.jobs}, toyRun)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total != 16 || sum.Succeeded != 16 || sum.Failed+sum.Skipped+sum.Canceled != 0 {
			t.Errorf("-j %d: summary %+v", c.jobs, sum)
		}
		noTempFiles(t, c.dir)
	}
	a, b := runstoretest.Without(t, dir1, "wall_seconds", "error"), runstoretest.Without(t, dir4, "wall_seconds", "error")
	if a != b {
		t.Errorf("runs.csv differs between -j 1 and -j 4:\n%s\n---\n%s", a, b)
	}
	before, _ := os.ReadFile(filepath.Join(dir1, runstore.RunsCSV))

	// A rerun finds every run complete, calls nothing and rewrites the same runs.csv.
	c := &countingRun{fn: toyRun}
	sum, err := Execute(context.Background(), spec, Options{Out: dir1, Jobs: 3}, c.run)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 16 || sum.Succeeded != 0 || len(c.calls) != 0 {
		t.Errorf("rerun: summary %+v, %d calls", sum, len(c.calls))
	}
	after, _ := os.ReadFile(filepath.Join(dir1, runstore.RunsCSV))
	if !bytes.Equal(before, after) {
		t.Errorf("runs.csv changed on a rerun:\n%s\n---\n%s", before, after)
	}
	if src, _ := os.ReadFile(filepath.Join(dir1, runstore.SpecFile)); string(src) != toySpec {
		t.Errorf("spec.toml is not a copy of the source")
	}
}

func TestExecuteResumesAfterCancel(t *testing.T) {
	spec := mustParse(t, toySpec)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const jobs = 2
	var n atomic.Int32
	first := &countingRun{fn: func(ctx context.Context, r *Run) (Outcome, error) {
		switch k := n.Add(1); {
		case k <= 5:
			return toyRun(context.Background(), r)
		case k == 6:
			cancel() // Ctrl-C while this run is under way
		}
		<-ctx.Done()
		return Outcome{}, ctx.Err()
	}}
	sum, err := Execute(ctx, spec, Options{Out: dir, Jobs: jobs}, first.run)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if sum.Succeeded != 5 || sum.Failed != 0 || sum.Canceled != 11 || sum.Skipped != 0 {
		t.Errorf("summary %+v", sum)
	}
	if len(first.calls) > 5+jobs {
		t.Errorf("%d runs started after cancellation; want at most %d", len(first.calls)-5, jobs)
	}
	results, err := loadResults(dir)
	if err != nil || len(results) != 5 {
		t.Fatalf("%d results on disk (err %v), want 5: canceled runs must leave no result", len(results), err)
	}
	if rows := runstoretest.Rows(t, dir); len(rows) != 1+5 {
		t.Errorf("runs.csv has %d rows after cancel, want header + 5", len(rows))
	}
	noTempFiles(t, dir)

	second := &countingRun{fn: toyRun}
	sum, err = Execute(context.Background(), spec, Options{Out: dir, Jobs: jobs}, second.run)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 5 || sum.Succeeded != 11 {
		t.Errorf("resume summary %+v", sum)
	}
	for _, res := range results {
		if second.calls[res.RunID] != 0 {
			t.Errorf("run %s was complete but ran again", res.RunID)
		}
	}
	if len(second.calls) != 11 {
		t.Errorf("resume called %d runs, want 11", len(second.calls))
	}
	// The interrupted-then-resumed store matches one made in a single pass.
	ref := t.TempDir()
	if _, err := Execute(context.Background(), spec, Options{Out: ref, Jobs: 1}, toyRun); err != nil {
		t.Fatal(err)
	}
	if a, b := runstoretest.Without(t, dir, "wall_seconds", "error"), runstoretest.Without(t, ref, "wall_seconds", "error"); a != b {
		t.Errorf("resumed runs.csv differs from a single pass:\n%s\n---\n%s", a, b)
	}
}

func TestExecuteRecordsFailuresAndContinues(t *testing.T) {
	spec := mustParse(t, toySpec)
	dir := t.TempDir()
	failID, panicID, nanID := spec.Runs[1].ID, spec.Runs[6].ID, spec.Runs[9].ID
	var broken atomic.Bool
	broken.Store(true)
	fn := func(ctx context.Context, r *Run) (Outcome, error) {
		if broken.Load() {
			switch r.ID {
			case failID:
				return Outcome{}, errors.New("data file missing")
			case panicID:
				var s []int
				_ = s[3] // index out of range
			case nanID:
				out, _ := toyRun(ctx, r)
				out.Metrics.FinalTrainLoss = math.NaN()
				return out, nil
			}
		}
		return toyRun(ctx, r)
	}
	var log bytes.Buffer
	sum, err := Execute(context.Background(), spec, Options{Out: dir, Jobs: 3, Progress: &log}, fn)
	if err != nil {
		t.Fatalf("a failed run is not an Execute error: %v", err)
	}
	if sum.Succeeded != 13 || sum.Failed != 3 || sum.Canceled != 0 {
		t.Errorf("summary %+v", sum)
	}
	check := func(id, wantErr string) runstore.Result {
		t.Helper()
		res, err := readResult(dir, id)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != runstore.StatusFailed || !strings.Contains(res.Error, wantErr) || res.Metrics != nil {
			t.Errorf("run %s: status %q error %q metrics %v; want failed with %q", id, res.Status, res.Error, res.Metrics, wantErr)
		}
		return res
	}
	check(failID, "data file missing")
	p := check(panicID, "panic: runtime error: index out of range [3] with length 0")
	if !strings.Contains(p.Stack, "execute_test.go") || strings.Contains(p.Stack, "runtime/debug.Stack") {
		t.Errorf("panic stack should start at the panicking code:\n%s", p.Stack)
	}
	check(nanID, "diverged: non-finite metric final_train_loss = NaN")

	rows := runstoretest.Rows(t, dir)
	errCol, accCol := len(rows[0])-1, 4+2 // run_id,status,model,seed,dataset.n,model.k,acc_train
	for _, row := range rows[1:] {
		if row[1] == runstore.StatusFailed {
			if row[accCol] != "" || row[errCol] == "" {
				t.Errorf("failed row should have empty metrics and a reason: %v", row)
			}
		} else if row[accCol] == "" || row[errCol] != "" {
			t.Errorf("ok row: %v", row)
		}
	}
	for _, want := range []string{"FAILED  pal n=4 k=1 seed=2", ": data file missing", "16 runs in", "13 ok, 3 failed"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, log.String())
		}
	}

	// A rerun retries the failed runs only.
	broken.Store(false)
	c := &countingRun{fn: fn}
	log.Reset()
	sum, err = Execute(context.Background(), spec, Options{Out: dir, Jobs: 2, Progress: &log}, c.run)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 13 || sum.Succeeded != 3 || len(c.calls) != 3 || c.calls[failID]+c.calls[panicID]+c.calls[nanID] != 3 {
		t.Errorf("rerun: summary %+v, calls %v", sum, c.calls)
	}
	if !strings.HasPrefix(log.String(), "skipping 13 complete runs\n[14/16] ok  ") {
		t.Errorf("rerun progress:\n%s", log.String())
	}
	noTempFiles(t, dir)
}

func TestRunsCSVContent(t *testing.T) {
	spec := mustParse(t, toySpec)
	dir := t.TempDir()
	if _, err := Execute(context.Background(), spec, Options{Out: dir, Jobs: 2}, toyRun); err != nil {
		t.Fatal(err)
	}
	rows := runstoretest.Rows(t, dir)
	var mcols []string
	for _, c := range (&metrics.Metrics{}).Columns([]int{1, 3}) {
		mcols = append(mcols, c.Name)
	}
	want := "run_id,status,model,seed,dataset.n,model.k," + strings.Join(mcols, ",") + ",wall_seconds,error"
	if got := strings.Join(rows[0], ","); got != want {
		t.Errorf("header\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(want, ",fewshot_acc_1,fewshot_acc_3,") {
		t.Errorf("few-shot columns missing from %s", want)
	}
	if len(rows) != 1+len(spec.Runs) {
		t.Fatalf("%d rows", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i, r := range spec.Runs { // one row per run, in spec order
		row := rows[i+1]
		out, _ := toyRun(context.Background(), r)
		wantK := ""
		if r.ModelKind == "pal" {
			wantK = strconv.Itoa(r.Model.(*toyPAL).K)
		}
		if row[col["run_id"]] != r.ID || row[col["status"]] != "ok" || row[col["model"]] != r.ModelName ||
			row[col["seed"]] != strconv.FormatUint(r.Seed, 10) || row[col["dataset.n"]] != strconv.Itoa(r.Dataset.(*toyData).N) ||
			row[col["model.k"]] != wantK {
			t.Errorf("row %d: %v", i, row)
		}
		if got := row[col["acc_test"]]; got != strconv.FormatFloat(out.Metrics.Splits["test"].Accuracy, 'g', -1, 64) {
			t.Errorf("row %d: acc_test %s, want %v", i, got, out.Metrics.Splits["test"].Accuracy)
		}
		if got := row[col["trainable_params"]]; got != strconv.Itoa(out.Metrics.TrainableParams) {
			t.Errorf("row %d: trainable_params %s, want %d (integers unexponented)", i, got, out.Metrics.TrainableParams)
		}
		if row[col["acc_unseen_test"]] != "" || row[col["final_val_loss"]] != "" {
			t.Errorf("row %d: missing metrics should be empty cells: %v", i, row)
		}
		if fs := row[col["fewshot_acc_3"]]; (r.ModelKind == "pal") != (fs != "") {
			t.Errorf("row %d (%s): fewshot_acc_3 = %q", i, r.ModelKind, fs)
		}
		res, err := readResult(dir, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Spec != "toy" || res.Seed != r.Seed || uint64(res.DataSeed) != r.DataSeed() || uint64(res.ModelSeed) != r.ModelSeed() ||
			res.TrainableParams != out.Metrics.TrainableParams || res.Provenance.DatasetFingerprint != out.DatasetFingerprint ||
			res.Config.Model.Name != r.ModelName || res.WallSeconds <= 0 {
			t.Errorf("result.json of run %d: %+v", i, res)
		}
	}
}

func TestLoadResults(t *testing.T) {
	spec := mustParse(t, toySpec)
	dir := t.TempDir()
	if _, err := Execute(context.Background(), spec, Options{Out: dir, Jobs: 4}, toyRun); err != nil {
		t.Fatal(err)
	}
	res, err := loadResults(dir)
	if err != nil || len(res) != len(spec.Runs) {
		t.Fatalf("%d results, err %v", len(res), err)
	}
	for i := 1; i < len(res); i++ {
		if res[i-1].RunID >= res[i].RunID {
			t.Errorf("results not sorted by run id")
		}
	}
	// A result read back carries the full resolved config (numbers as JSON numbers).
	if res[0].Config.Dataset.Kind != "toy" || res[0].Config.Dataset.Fields["noise"] != 0.1 {
		t.Errorf("config read back: %+v", res[0].Config)
	}
	os.WriteFile(filepath.Join(dir, res[0].RunID, runstore.ResultFile), []byte("{not json"), 0o644)
	if _, err := loadResults(dir); err == nil || !strings.Contains(err.Error(), res[0].RunID) {
		t.Errorf("a corrupt result.json should be an error naming it, got %v", err)
	}
	// and Execute treats it as not complete: it runs again.
	c := &countingRun{fn: toyRun}
	if sum, err := Execute(context.Background(), spec, Options{Out: dir, Jobs: 4}, c.run); err != nil || sum.Succeeded != 1 || c.calls[res[0].RunID] != 1 {
		t.Errorf("corrupt result: summary %+v err %v calls %v", sum, err, c.calls)
	}
}

func TestProgressLines(t *testing.T) {
	spec := mustParse(t, "seeds = [1, 2]\n[dataset]\nkind = \"toy\"\n[[model]]\nkind = \"pal\"\nk = [1, 2]\n")
	var log bytes.Buffer
	if _, err := Execute(context.Background(), spec, Options{Out: t.TempDir(), Jobs: 1, Progress: &log}, toyRun); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	re := regexp.MustCompile(`^\[([1-4])/4\] ok  pal k=[12] seed=[12]  \(\d+\.\ds\)$`)
	for i, l := range lines[:4] {
		if m := re.FindStringSubmatch(l); m == nil || m[1] != strconv.Itoa(i+1) {
			t.Errorf("line %q does not match %s", l, re)
		}
	}
	if !regexp.MustCompile(`^4 runs in \d+s: 4 ok, 0 failed, 0 skipped`).MatchString(lines[4]) {
		t.Errorf("summary line %q", lines[4])
	}

	log.Reset()
	if _, err := Execute(context.Background(), spec, Options{Out: t.TempDir(), Jobs: 2, Progress: &log, Terminal: true}, toyRun); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	if !strings.Contains(out, "\r[4/4]  elapsed 0s  ETA 0s") || strings.Contains(out, "] ok  ") {
		t.Errorf("terminal progress should redraw a status line:\n%q", out)
	}
}

func TestETAAndClock(t *testing.T) {
	p := &progress{total: 50, jobs: 4, done: 10, ran: 10, ranWall: 20}
	if got := p.eta(); got != "20s" { // 40 left x 2s each / 4 at once
		t.Errorf("eta %s", got)
	}
	p = &progress{total: 50, jobs: 4, done: 48, ran: 10, ranWall: 20}
	if got := p.eta(); got != "2s" { // 2 left run side by side
		t.Errorf("eta %s", got)
	}
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45s", 62 * time.Second: "1m02s", 2*time.Hour + 3*time.Minute + 4*time.Second: "2h03m04s",
	} {
		if got := fmtClock(d); got != want {
			t.Errorf("fmtClock(%v) = %s, want %s", d, got, want)
		}
	}
	if got := fmtRunTime(1234 * time.Millisecond); got != "1.2s" {
		t.Errorf("fmtRunTime = %s", got)
	}
}

func ExampleExecute() {
	schema := Schema{
		Datasets: map[string]func() any{"toy": func() any { return &toyData{N: 10, Shape: "ring"} }},
		Models:   map[string]func() any{"pal": func() any { return &toyPAL{K: 1, Act: "relu", toyMLP: toyMLP{Width: 4}, LR: 0.1} }},
	}
	spec, err := ParseBytes("example.toml", []byte(`
seeds = [1, 2]
[dataset]
kind = "toy"
[[model]]
kind = "pal"
k = [1, 2]
`), schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := os.MkdirTemp("", "sweeps-example")
	defer os.RemoveAll(out)
	sum, err := Execute(context.Background(), spec, Options{Out: out, Jobs: 2}, toyRun)
	fmt.Println(spec.Axes, len(spec.Runs), sum.Succeeded, err)
	// Output: [model.k model seed] 4 4 <nil>
}
