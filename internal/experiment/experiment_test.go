package experiment

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps"
	"github.com/pal-harness/pal/sweeps/runstore/runstoretest"
)

const spec = `
seeds = [1, 2]
[dataset]
kind = "synthetic"
dim = 4
latent_dim = 2
k_true = 2
items = 60
seen_users = 4
unseen_users = 2
pairs_per_user = 20
unseen_train_pairs = 5
unseen_val_pairs = 2
unseen_test_pairs = 5
[[model]]
kind = "pal-a"
k = [1, 2]
layers = 0
width = 3
[[model]]
kind = "btl"
map = "linear"
[train]
epochs = 3
[fewshot]
pairs_per_user = [1, 3]
epochs = 3
`

func TestRunnerSharesDataWithinAReplicate(t *testing.T) {
	s, err := sweeps.ParseBytes("t.toml", []byte(spec), Schema())
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{}
	bySeed := map[uint64]any{}
	for _, run := range s.Runs {
		d, err := r.data(context.Background(), run)
		if err != nil {
			t.Fatal(err)
		}
		if prev, ok := bySeed[run.Seed]; ok && prev != any(d) {
			t.Errorf("seed %d: models got different data objects; paired comparisons need the same data", run.Seed)
		}
		bySeed[run.Seed] = d
		out, err := r.Run(context.Background(), run)
		if err != nil {
			t.Fatalf("%s: %v", run.Label(), err)
		}
		if out.DatasetFingerprint == "" || out.Metrics.TrainableParams == 0 {
			t.Errorf("%s: outcome lacks fingerprint or parameter count: %+v", run.Label(), out)
		}
		if len(out.Metrics.FewShot) != 2 {
			t.Errorf("%s: %d few-shot points, want 2", run.Label(), len(out.Metrics.FewShot))
		}
	}
	if bySeed[1] == bySeed[2] {
		t.Error("different seeds must give different data")
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	s, err := sweeps.ParseBytes("t.toml", []byte(spec), Schema())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Runner{}).Run(ctx, s.Runs[0]); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("canceled run returned %v, want context.Canceled", err)
	}
}

func TestPreflightNamesMissingFolder(t *testing.T) {
	src := strings.Replace(spec, "kind = \"synthetic\"", "kind = \"files\"\npath = \"missing-folder\"", 1)
	src = src[:strings.Index(src, "dim = 4")] + src[strings.Index(src, "[[model]]"):]
	s, err := sweeps.ParseBytes("dir/t.toml", []byte(src), Schema())
	if err != nil {
		t.Fatal(err)
	}
	err = (&Runner{Env: datasets.Env{SpecDir: "dir"}}).Preflight(s)
	if err == nil || !strings.Contains(err.Error(), "missing-folder") {
		t.Fatalf("preflight error %v, want one naming the folder", err)
	}
}

// The registry is the one list of kinds: each registered config implements its interface.
func TestRegisteredKindsImplementTheirInterface(t *testing.T) {
	s := Schema()
	for name, ctor := range s.Datasets {
		if _, ok := ctor().(datasets.Kind); !ok {
			t.Errorf("dataset kind %q: %T does not implement datasets.Kind", name, ctor())
		}
	}
	for name, ctor := range s.Models {
		if _, ok := ctor().(models.Kind); !ok {
			t.Errorf("model kind %q: %T does not implement models.Kind", name, ctor())
		}
	}
	if _, err := sweeps.ParseBytes("t.toml", []byte(spec), s); err != nil {
		t.Errorf("the schema does not compile: %v", err)
	}
}

// manySeeds is spec with 40 replicates: the case where, before data sets were freed after
// their last run, a sweep held one data set per seed for the whole run (issue 16, defect 4).
func manySeeds() string {
	var seeds []string
	for i := 1; i <= 40; i++ {
		seeds = append(seeds, strconv.Itoa(i))
	}
	return strings.Replace(spec, "seeds = [1, 2]", "seeds = ["+strings.Join(seeds, ", ")+"]", 1)
}

// A data set is freed after the last run that needs it, and runs sharing one run one after
// another: however many seeds, at most about -j data sets are held at once. The results are
// those of the spec order.
func TestDataIsFreedAfterItsLastRun(t *testing.T) {
	s, err := sweeps.ParseBytes("t.toml", []byte(manySeeds()), Schema())
	if err != nil {
		t.Fatal(err)
	}
	const jobs = 2
	planned := &Runner{}
	dirPlanned := t.TempDir()
	sum, err := sweeps.Execute(context.Background(), s, sweeps.Options{Out: dirPlanned, Jobs: jobs, Plan: planned.Plan}, planned.Run)
	if err != nil || sum.Succeeded != len(s.Runs) {
		t.Fatalf("%+v %v", sum, err)
	}
	if p := planned.PeakData(); p > jobs+1 {
		t.Errorf("%d data sets held at once with -j %d over %d seeds; want at most %d", p, jobs, len(s.Seeds), jobs+1)
	}
	unplanned := &Runner{}
	dirUnplanned := t.TempDir()
	if _, err := sweeps.Execute(context.Background(), s, sweeps.Options{Out: dirUnplanned, Jobs: jobs}, unplanned.Run); err != nil {
		t.Fatal(err)
	}
	t.Logf("peak data sets held: %d with Plan, %d without", planned.PeakData(), unplanned.PeakData())
	if a, b := runstoretest.Without(t, dirPlanned, "wall_seconds"), runstoretest.Without(t, dirUnplanned, "wall_seconds"); a != b {
		t.Errorf("runs.csv differs with the planned order:\n%s\nvs\n%s", a, b)
	}
}

// CheckMemory refuses a run larger than the limit and warns when -j runs may not fit together;
// the synthetic generator's and PAL-A's estimates grow with what they allocate.
func TestCheckMemory(t *testing.T) {
	s, err := sweeps.ParseBytes("t.toml", []byte(spec), Schema())
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{}
	e := r.estimate(s.Runs[0])
	if e.Data <= 0 || e.Model <= 0 {
		t.Fatalf("estimate %+v: the synthetic and pal-a kinds must estimate", e)
	}
	if warn, err := r.CheckMemory(s, 2, 1<<40, "test"); err != nil || warn != "" {
		t.Errorf("a small spec with 1 TB: %q, %v", warn, err)
	}
	if _, err := r.CheckMemory(s, 1, e.Total()-1, "a tiny test limit"); err == nil || !strings.Contains(err.Error(), "a tiny test limit") {
		t.Errorf("a run above the limit: %v", err)
	}
	var biggest int64
	for _, run := range s.Runs {
		biggest = max(biggest, r.estimate(run).Total())
	}
	if warn, err := r.CheckMemory(s, 8, 2*biggest, "test"); err != nil || !strings.Contains(warn, "use -j") {
		t.Errorf("8 runs at once in twice one run's memory: %q, %v", warn, err)
	}
	// More items, a larger estimate (by at least the float32 and float64 copies of them).
	big := *s.Runs[0].Dataset.(*datasets.SyntheticConfig)
	big.Items += 1000
	if _, b2, _ := big.Estimate(datasets.Env{}); b2 < e.Data+1000*int64(big.Dim)*12 {
		t.Errorf("1000 more items: %d bytes, before: %d", b2, e.Data)
	}
}
