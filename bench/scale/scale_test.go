package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
)

// TestGenTrainSmall runs both steps in-process at a small size and checks the JSON fields (no
// timing or memory thresholds: they depend on the machine and, in-process, on the test binary).
func TestGenTrainSmall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "scale")
	items, dim, pairs, users := 20000, 64, 20000, 200
	if testing.Short() {
		items, pairs = 5000, 5000
	}
	var out bytes.Buffer
	args := []string{"-dir", dir, "-items", strconv.Itoa(items), "-dim", strconv.Itoa(dim), "-pairs", strconv.Itoa(pairs), "-users", strconv.Itoa(users), "-seed", "3", "-val-fraction", "0.05"}
	if err := gen(args, &out, os.Stderr); err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	if err := json.Unmarshal(out.Bytes(), &g); err != nil {
		t.Fatalf("gen output %q: %v", out.String(), err)
	}
	if g["raw_item_bytes"].(float64) != float64(items*dim*4) {
		t.Errorf("gen: %v", g)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("gen left %d files, want items.npy, pairs.csv, users.csv", len(entries))
	}
	d, err := datasets.LoadFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.NumItems() != items || d.Dim != dim || len(d.Users) != users || d.NumGroups != 2 {
		t.Fatalf("loaded %d x %d, %d users, %d groups", d.NumItems(), d.Dim, len(d.Users), d.NumGroups)
	}
	nTrain, nVal := len(d.Splits[datasets.Train]), len(d.Splits[datasets.Val])
	if nTrain+nVal != pairs || nVal == 0 {
		t.Fatalf("%d train + %d val pairs, want %d in all", nTrain, nVal, pairs)
	}
	// The planted preference gives both labels in about equal numbers (left and right are
	// drawn alike), and the two groups disagree: not a constant the models could learn trivially.
	left := 0
	for _, p := range d.Splits[datasets.Train] {
		if p.LeftPreferred {
			left++
		}
	}
	if f := float64(left) / float64(nTrain); f < 0.4 || f > 0.6 {
		t.Errorf("%.3f of the pairs prefer left", f)
	}

	for _, c := range []struct {
		args    []string
		partial bool
	}{
		{[]string{"-model", "pal-a", "-width", "16", "-layers", "1", "-k", "2", "-batch", "512", "-eval", "500"}, false},
		{[]string{"-model", "btl", "-width", "16", "-layers", "0", "-batch", "512"}, false},
		{[]string{"-model", "pal-a", "-width", "16", "-layers", "0", "-k", "2", "-batch", "256", "-steps", "3"}, true},
	} {
		out.Reset()
		if err := train(append([]string{"-dir", dir, "-j", "2"}, c.args...), &out, os.Stderr); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		var r trainResult
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("train output %q: %v", out.String(), err)
		}
		name := strings.Join(c.args, " ")
		if r.Items != items || r.Dim != dim || r.Pairs != nTrain || r.Users != users || r.RawItemBytes != int64(items*dim*4) {
			t.Errorf("%s: sizes %+v", name, r)
		}
		if r.ItemsMapped != (runtime.GOOS == "linux" || runtime.GOOS == "darwin") {
			t.Errorf("%s: items_mapped %v on %s", name, r.ItemsMapped, runtime.GOOS)
		}
		if r.Epochs != 1 || r.Partial != c.partial || r.StepsPerEpoch != (nTrain+r.Batch-1)/r.Batch ||
			(c.partial && r.Steps != 3) || (!c.partial && r.Steps != r.StepsPerEpoch) {
			t.Errorf("%s: epochs %d steps %d of %d partial %v", name, r.Epochs, r.Steps, r.StepsPerEpoch, r.Partial)
		}
		if !(r.EpochSeconds > 0) || !(r.PairsPerSecond > 0) || !(r.TrainLoss > 0) || !(r.LoadSeconds > 0) {
			t.Errorf("%s: times or loss not positive: %+v", name, r)
		}
		if r.PeakRSS <= 0 || r.RSSSource == "none" || r.RSSOverRaw != float64(r.PeakRSS)/float64(r.RawItemBytes) {
			t.Errorf("%s: rss %d (%s), ratio %v", name, r.PeakRSS, r.RSSSource, r.RSSOverRaw)
		}
		if strings.Contains(name, "-eval") && (r.ValPairs != 500 || !(r.ValLoss > 0)) {
			t.Errorf("%s: val loss %v on %d pairs", name, r.ValLoss, r.ValPairs)
		}
	}
}

func TestGenBadFlags(t *testing.T) {
	var out bytes.Buffer
	if err := gen([]string{"-items", "10"}, &out, &bytes.Buffer{}); err == nil {
		t.Error("gen without -dir succeeded")
	}
	if err := train([]string{"-dir", t.TempDir(), "-model", "pal-b"}, &out, &bytes.Buffer{}); err == nil {
		t.Error("train on an empty folder succeeded")
	}
}
