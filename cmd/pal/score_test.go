package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps/runstore"
)

// promptFolder writes a small prompt-conditioned synthetic data set as a bring-your-own folder.
func promptFolder(t *testing.T) (string, *datasets.Data) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	writeFolder(t, dir, synthetic(t, 5, func(dc *datasets.SyntheticConfig) {
		dc.Dim, dc.LatentDim, dc.KTrue, dc.Items = 5, 3, 2, 60
		dc.SeenUsers, dc.UnseenUsers, dc.PairsPerUser = 4, 2, 30
		dc.UnseenTrain, dc.UnseenVal, dc.UnseenTest = 8, 4, 6
		dc.Prompts, dc.PromptDim = 3, 4
	}))
	d, err := datasets.LoadFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, d
}

const scoreSpec = `
name = "score"
seeds = [1]

[dataset]
kind = "files"
path = "data"

[[model]]
name = "pal-b"
kind = "pal-b"
k = 2
layers = 0
width = 4
lr = 3e-3

[[model]]
name = "pal-a"
kind = "pal-a"
k = 2
layers = 0
width = 4
score = "angle"
loss = "cross_entropy"

[train]
epochs = 5
batch_size = 16

[fewshot]
pairs_per_user = [2]
epochs = 3
`

func readScores(t *testing.T, path string) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "item,reward" {
		t.Fatalf("header %v, want item,reward", rows[0])
	}
	out := make([]float64, len(rows)-1)
	for i, r := range rows[1:] {
		if r[0] != strconv.Itoa(i) {
			t.Fatalf("line %d: item %s, want %d", i+2, r[0], i)
		}
		if out[i], err = strconv.ParseFloat(r[1], 64); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestSaveModelsAndScoreReproduceAccuracy runs a spec with --save-models, then scores every
// item with `pal score` for each (user, prompt) of the test splits and checks that the margins
// so obtained give exactly the test and unseen_test accuracy in result.json.
func TestSaveModelsAndScoreReproduceAccuracy(t *testing.T) {
	dataDir, d := promptFolder(t)
	root := filepath.Dir(dataDir)
	spec := writeSpec(t, root, "score.toml", scoreSpec)
	out := filepath.Join(root, "out")
	if code, _, stderr := runPal(t, "run", spec, "--out", out, "-j", "1", "--no-report", "--save-models"); code != 0 {
		t.Fatalf("pal run: exit %d\n%s", code, stderr)
	}
	results, err := filepath.Glob(filepath.Join(out, "*", runstore.ResultFile))
	if err != nil || len(results) != 2 {
		t.Fatalf("want 2 results, have %v (%v)", results, err)
	}
	for _, rp := range results {
		var res runstore.Result
		raw, _ := os.ReadFile(rp)
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		model := filepath.Join(filepath.Dir(rp), "model.safetensors")
		kind := res.Config.Model.Kind
		scores := map[string][]float64{} // "user/prompt" -> rewards of every item
		for _, split := range []datasets.Split{datasets.Test, datasets.UnseenTest} {
			var acc float64
			for _, p := range d.Splits[split] {
				user := d.Users[p.User].ID
				key := user
				args := []string{"score", model, "--items", filepath.Join(dataDir, "items.npy"), "--user", user}
				if kind == "pal-b" {
					key += fmt.Sprintf("/%d", p.Prompt)
					args = append(args, "--prompts", filepath.Join(dataDir, "prompts.npy"), "--prompt-index", strconv.Itoa(p.Prompt))
				}
				r, ok := scores[key]
				if !ok {
					csvPath := filepath.Join(root, "scores.csv")
					if code, _, stderr := runPal(t, append(args, "--out", csvPath)...); code != 0 {
						t.Fatalf("pal score %v: exit %d\n%s", args, code, stderr)
					}
					r = readScores(t, csvPath)
					scores[key] = r
				}
				acc += models.Correct(r[p.Left]-r[p.Right], p.LeftPreferred)
			}
			acc /= float64(len(d.Splits[split]))
			if want := res.Metrics.Splits[string(split)].Accuracy; acc != want {
				t.Errorf("%s %s: accuracy from pal score %v, in result.json %v", kind, split, acc, want)
			}
		}
		if res.Metrics.ParamsPerUser != 2 || res.Metrics.SharedParams == 0 || res.Metrics.TrainableParams != res.Metrics.SharedParams+2*4 {
			t.Errorf("%s: parameter counts %+v", kind, res.Metrics)
		}
	}

	// Errors exit with 2 and say what is wrong.
	model := filepath.Join(filepath.Dir(results[0]), "model.safetensors")
	items := filepath.Join(dataDir, "items.npy")
	prompts := filepath.Join(dataDir, "prompts.npy")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--user", "nobody"}, "u0001"},
		{[]string{"--weights", "0.2,0.3,0.5"}, "K = 2"},
		{[]string{"--weights", "1,1"}, "sum to 2"},
		{[]string{"--user", "u0001", "--weights", "0.5,0.5"}, "exactly one"},
		{[]string{"--user", "u0001", "--items", prompts}, "dimension 5"},
	} {
		args := append([]string{"score", model, "--items", items}, c.args...)
		if kindOf(t, model) == "pal-b" {
			args = append(args, "--prompts", prompts, "--prompt-index", "0")
		}
		code, _, stderr := runPal(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("pal score %v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

func kindOf(t *testing.T, model string) string {
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(model), runstore.ResultFile))
	if err != nil {
		t.Fatal(err)
	}
	var res runstore.Result
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	return res.Config.Model.Kind
}

// TestIncompatibleOptionsAndMissingPromptsExitTwo checks the two ways a PAL-B spec can be
// wrong before it runs: options the authors never combine (a validation error with the line),
// and a data set without prompts.
func TestIncompatibleOptionsAndMissingPromptsExitTwo(t *testing.T) {
	dir := t.TempDir()
	bad := strings.Replace(smallSpec, `kind = "pal-a"`, "kind = \"pal-b\"\nscore = \"angle\"\nloss = \"hinge\"", 1)
	code, _, stderr := runPal(t, "run", writeSpec(t, dir, "bad.toml", bad), "--out", filepath.Join(dir, "o1"))
	if code != 2 || !strings.Contains(stderr, "bad.toml:") || !strings.Contains(stderr, `score = "angle" with loss = "hinge"`) || !strings.Contains(stderr, "two logits") {
		t.Errorf("incompatible options: exit %d\n%s", code, stderr)
	}
	noPrompts := strings.Replace(smallSpec, `kind = "pal-a"`, `kind = "pal-b"`, 1)
	code, _, stderr = runPal(t, "run", writeSpec(t, dir, "np.toml", noPrompts), "--out", filepath.Join(dir, "o2"))
	if code != 2 || !strings.Contains(stderr, "needs prompt embeddings") || !strings.Contains(stderr, "set prompts = N > 0") {
		t.Errorf("pal-b without prompts: exit %d\n%s", code, stderr)
	}
}

// TestImportedScoresInASpec runs the imported baseline from a spec beside BTL, and checks that a
// score file missing a pair stops the spec before any run, naming the pair.
func TestImportedScoresInASpec(t *testing.T) {
	dataDir, d := promptFolder(t)
	root := filepath.Dir(dataDir)
	var b strings.Builder
	b.WriteString("item,score\n")
	for j := 0; j < d.NumItems(); j++ {
		fmt.Fprintf(&b, "%d,%g\n", j, d.Items[j*d.Dim]) // the first embedding coordinate
	}
	if err := os.WriteFile(filepath.Join(root, "scores.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := `
name = "imp"
seeds = [1]
[dataset]
kind = "files"
path = "data"
[[model]]
kind = "imported"
path = "scores.csv"
trainable_params = 986000000
[[model]]
kind = "btl"
width = 4
[train]
epochs = 2
`
	out := filepath.Join(root, "out")
	if code, _, stderr := runPal(t, "run", writeSpec(t, root, "imp.toml", spec), "--out", out, "--no-report"); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// Drop the scores of item 0: some pair uses it.
	lines := strings.SplitAfter(b.String(), "\n")
	if err := os.WriteFile(filepath.Join(root, "scores.csv"), []byte(lines[0]+strings.Join(lines[2:], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runPal(t, "run", writeSpec(t, root, "imp2.toml", strings.Replace(spec, `"imp"`, `"imp2"`, 1)), "--out", filepath.Join(root, "out2"))
	if code != 2 || !strings.Contains(stderr, "no score for item 0") || !strings.Contains(stderr, "of split") {
		t.Errorf("missing item score: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "out2", "runs.csv")); err == nil {
		t.Error("runs were started despite the missing score")
	}
}

// A model kind outside package models (BTL, in baselines) is saved with --save-models and
// served by pal score, which needs no user: its rewards reproduce the run's accuracy.
func TestScoreServesBTL(t *testing.T) {
	dataDir, d := promptFolder(t)
	root := filepath.Dir(dataDir)
	spec := writeSpec(t, root, "btl.toml", "seeds = [1]\n[dataset]\nkind = \"files\"\npath = \"data\"\n[[model]]\nkind = \"btl\"\nwidth = 4\n[train]\nepochs = 5\nbatch_size = 16\n")
	out := filepath.Join(root, "out")
	if code, _, stderr := runPal(t, "run", spec, "--out", out, "--no-report", "--save-models"); code != 0 {
		t.Fatalf("pal run: exit %d\n%s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*", experiment.ModelFile))
	if len(files) != 1 {
		t.Fatalf("%d model files, want the BTL run's", len(files))
	}
	var res runstore.Result
	raw, _ := os.ReadFile(filepath.Join(filepath.Dir(files[0]), runstore.ResultFile))
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(root, "btl.csv")
	if code, _, stderr := runPal(t, "score", files[0], "--items", filepath.Join(dataDir, "items.npy"), "--out", csvPath); code != 0 {
		t.Fatalf("pal score: exit %d\n%s", code, stderr)
	}
	r := readScores(t, csvPath)
	var acc float64
	for _, p := range d.Splits[datasets.Test] {
		acc += models.Correct(r[p.Left]-r[p.Right], p.LeftPreferred)
	}
	if acc /= float64(len(d.Splits[datasets.Test])); acc != res.Metrics.Splits["test"].Accuracy {
		t.Errorf("test accuracy from pal score %v, in result.json %v", acc, res.Metrics.Splits["test"].Accuracy)
	}
	if code, _, stderr := runPal(t, "score", files[0], "--items", filepath.Join(dataDir, "items.npy"), "--user", "u0001"); code != 2 || !strings.Contains(stderr, "same reward") {
		t.Errorf("--user with a BTL model: exit %d, stderr %q", code, stderr)
	}
}
