package experiment

import (
	"context"
	"strings"
	"testing"

	"github.com/pal-harness/pal/sweeps"
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
		d, err := r.data(run)
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
	err = (&Runner{SpecDir: "dir"}).Preflight(s)
	if err == nil || !strings.Contains(err.Error(), "missing-folder") {
		t.Fatalf("preflight error %v, want one naming the folder", err)
	}
}
