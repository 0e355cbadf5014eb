package sweeps

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseExpandsProductInOrder(t *testing.T) {
	spec := mustParse(t, toySpec)
	if spec.Name != "toy" || spec.Description != "toy" {
		t.Errorf("name %q description %q", spec.Name, spec.Description)
	}
	wantAxes := []string{"dataset.n", "model.k", "model", "seed"}
	if !reflect.DeepEqual(spec.Axes, wantAxes) {
		t.Errorf("Axes = %v, want %v", spec.Axes, wantAxes)
	}
	// 2 dataset values x (3 pal + 1 btl) x 2 seeds.
	if len(spec.Runs) != 16 {
		t.Fatalf("%d runs, want 16", len(spec.Runs))
	}
	var got []string
	for _, r := range spec.Runs {
		got = append(got, r.Label())
	}
	want := []string{
		"pal n=4 k=1 seed=1", "pal n=4 k=1 seed=2", "pal n=4 k=2 seed=1", "pal n=4 k=2 seed=2",
		"pal n=4 k=3 seed=1", "pal n=4 k=3 seed=2", "btl n=4 seed=1", "btl n=4 seed=2",
		"pal n=8 k=1 seed=1", "pal n=8 k=1 seed=2", "pal n=8 k=2 seed=1", "pal n=8 k=2 seed=2",
		"pal n=8 k=3 seed=1", "pal n=8 k=3 seed=2", "btl n=8 seed=1", "btl n=8 seed=2",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("run order:\n got %q\nwant %q", got, want)
	}

	r := spec.Runs[2] // pal n=4 k=2 seed=1
	if d := r.Dataset.(*toyData); d.N != 4 || d.Noise != 0.1 || d.Shape != "ring" {
		t.Errorf("dataset config %+v: want n=4 and defaults", d)
	}
	if m := r.Model.(*toyPAL); m.K != 2 || m.Width != 8 || m.Act != "relu" {
		t.Errorf("model config %+v", m)
	}
	if tr := r.Train.(*toyTrain); tr.Epochs != 3 {
		t.Errorf("train config %+v", tr)
	}
	if fs := r.FewShot.(*toyFewShot); !reflect.DeepEqual(fs.Sizes, []int{1, 3}) {
		t.Errorf("fewshot config %+v: want sizes [1 3] (a list-valued key, not an axis)", fs)
	}
	wantParams := map[string]any{"dataset.n": 4, "model.k": 2, "model": "pal", "seed": uint64(1)}
	if !reflect.DeepEqual(r.Params, wantParams) {
		t.Errorf("Params = %#v, want %#v", r.Params, wantParams)
	}
	btl := spec.Runs[6]
	if _, ok := btl.Params["model.k"]; ok {
		t.Errorf("btl run has a model.k param: %v", btl.Params)
	}
	// Every run gets its own struct, so a RunFunc mutating its config cannot affect another.
	if spec.Runs[0].Dataset == spec.Runs[1].Dataset {
		t.Error("runs share a dataset config pointer")
	}
}

func TestParseDefaults(t *testing.T) {
	spec := mustParse(t, "[dataset]\nkind = \"toy\"\n[[model]]\nkind = \"btl\"\n")
	if spec.Name != "toy" { // from "toy.toml"
		t.Errorf("default name %q", spec.Name)
	}
	if !reflect.DeepEqual(spec.Seeds, []uint64{1}) {
		t.Errorf("default seeds %v", spec.Seeds)
	}
	if len(spec.Runs) != 1 || !reflect.DeepEqual(spec.Axes, []string{"model", "seed"}) {
		t.Fatalf("%d runs, axes %v", len(spec.Runs), spec.Axes)
	}
	r := spec.Runs[0]
	if r.Train.(*toyTrain).Epochs != 5 || !reflect.DeepEqual(r.FewShot.(*toyFewShot).Sizes, []int{1, 2}) {
		t.Errorf("absent [train]/[fewshot] should hold defaults: %+v %+v", r.Train, r.FewShot)
	}
	if s := mustParse(t, "seeds = 7\n[dataset]\nkind = \"toy\"\n[[model]]\nkind = \"btl\"\n"); !reflect.DeepEqual(s.Seeds, []uint64{7}) {
		t.Errorf("scalar seed: %v", s.Seeds)
	}
}

func TestModelNames(t *testing.T) {
	spec := mustParse(t, `[dataset]
kind = "toy"
[[model]]
kind = "pal"
[[model]]
kind = "pal"
k = 3
[[model]]
kind = "pal"
name = "pal-2"
k = 4
[[model]]
kind = "pal"
lr = 0.1
`)
	var names []string
	for _, r := range spec.Runs {
		names = append(names, r.ModelName)
	}
	// The explicit "pal-2" keeps its name, so the generated ones skip it.
	want := []string{"pal", "pal-3", "pal-2", "pal-4"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
}

func TestRunIdentity(t *testing.T) {
	a := mustParse(t, toySpec)
	// Comments, key order and formatting do not change the resolved config, so neither the ids.
	b := mustParse(t, `seeds = [1, 2]
description = "toy, reformatted"
[fewshot]
sizes = [ 1,
  3 ]   # same list
[train]
epochs = 3
[dataset]
n = [4, 8]
kind = "toy"
[[model]]
k = [1, 2, 3]
kind = "pal"
[[model]]
kind = "btl"
`)
	ids := map[string]bool{}
	for i, r := range a.Runs {
		if len(r.ID) != 16 || strings.Trim(r.ID, "0123456789abcdef") != "" {
			t.Errorf("id %q is not 16 hex digits", r.ID)
		}
		if ids[r.ID] {
			t.Errorf("duplicate id %s", r.ID)
		}
		ids[r.ID] = true
		if b.Runs[i].ID != r.ID {
			t.Errorf("run %d: id %s after reformatting, was %s", i, b.Runs[i].ID, r.ID)
		}
		if r.ID != runID(r.Resolved(), r.Seed) {
			t.Errorf("id does not match Resolved()")
		}
	}
	// Changing a value that was a default changes the id.
	c := mustParse(t, strings.Replace(toySpec, "epochs = 3", "epochs = 3\ndecay = 0.5", 1))
	if c.Runs[0].ID == a.Runs[0].ID {
		t.Error("id did not change with [train] decay")
	}

	// Data seeds pair models within a replicate; model seeds differ per run.
	pal, btl := a.Runs[0], a.Runs[6] // n=4, seed 1
	if pal.DataSeed() != btl.DataSeed() {
		t.Error("models of one replicate see different data")
	}
	if a.Runs[0].DataSeed() == a.Runs[1].DataSeed() {
		t.Error("seeds 1 and 2 share a data seed")
	}
	if a.Runs[0].DataSeed() == a.Runs[8].DataSeed() {
		t.Error("n=4 and n=8 share a data seed")
	}
	if pal.ModelSeed() == btl.ModelSeed() {
		t.Error("two runs share a model seed")
	}

	res := pal.Resolved()
	if res.Dataset.Kind != "toy" || res.Model.Kind != "pal" || res.Model.Name != "pal" {
		t.Errorf("Resolved kinds: %+v", res)
	}
	wantModel := map[string]any{"k": 1, "act": "relu", "width": 8, "dropout": 0.0, "lr": 0.01}
	if !reflect.DeepEqual(res.Model.Fields, wantModel) {
		t.Errorf("model fields %#v, want %#v (embedded struct flattened)", res.Model.Fields, wantModel)
	}
	if tr, ok := res.Train.(map[string]any); !ok || tr["epochs"] != 3 {
		t.Errorf("train fields %#v", res.Train)
	}
}

func TestSweepAxesAcrossSections(t *testing.T) {
	spec := mustParse(t, `seeds = 3
[dataset]
kind = "toy"
shape = ["ring", "grid"]
[[model]]
kind = "btl"
lr = [0.1, 1]
[[model]]
kind = "pal"
k = [1, 2]
lr = 0.5
[train]
decay = [0, 0.1]
`)
	want := []string{"dataset.shape", "model.lr", "model.k", "train.decay", "model", "seed"}
	if !reflect.DeepEqual(spec.Axes, want) {
		t.Errorf("Axes = %v, want %v", spec.Axes, want)
	}
	if n := len(spec.Runs); n != 2*(2+2)*2 {
		t.Errorf("%d runs", n)
	}
	// The pal model has lr fixed at 0.5 but still reports it under the model.lr axis; an
	// integer given for a float key is a float.
	for _, r := range spec.Runs {
		if r.ModelKind == "pal" && r.Params["model.lr"] != 0.5 {
			t.Errorf("pal model.lr = %#v", r.Params["model.lr"])
		}
		if r.ModelKind == "btl" && r.Params["model.lr"] != 1.0 && r.Params["model.lr"] != 0.1 {
			t.Errorf("btl model.lr = %#v", r.Params["model.lr"])
		}
	}
	if got := spec.Runs[1].Label(); got != "btl shape=ring lr=0.1 decay=0.1 seed=3" {
		t.Errorf("label %q", got)
	}
}

// Each kind of spec error, with its file, line and full message.
func TestSpecErrors(t *testing.T) {
	const head = "[dataset]\nkind = \"toy\"\n[[model]]\nkind = \"pal\"\n" // model keys start at line 5
	cases := []struct {
		name string
		src  string
		line int
		want string
	}{
		{"unknown key with suggestion", head + "kk = 3\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "kk": unknown key for kind "pal"; did you mean "k"? (known keys: act, dropout, k, kind, lr, name, width)`},
		{"unknown key without suggestion", head + "zzzzz = 3\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "zzzzz": unknown key for kind "pal" (known keys: act, dropout, k, kind, lr, name, width)`},
		{"unknown key in [train]", head + "[train]\nepoch = 3\n", 6,
			`spec.toml:6: [train]: key "epoch": unknown key for [train]; did you mean "epochs"? (known keys: decay, epochs)`},
		{"unknown dataset key", "[dataset]\nkind = \"toy\"\nNoise = 0.1\n[[model]]\nkind = \"btl\"\n", 3,
			`spec.toml:3: [dataset] "toy": key "Noise": unknown key for kind "toy"; did you mean "noise"? (known keys: dense, kind, n, noise, shape)`},
		{"wrong type", head + "k = \"x\"\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "k": want integer, got string "x"`},
		{"float for int", head + "k = 2.0\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "k": want integer, got float 2.0`},
		{"string for float", head + "lr = \"fast\"\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "lr": want number, got string "fast"`},
		{"table for bool", "[dataset]\nkind = \"toy\"\ndense = {a = 1}\n[[model]]\nkind = \"btl\"\n", 3,
			`spec.toml:3: [dataset] "toy": key "dense": want boolean, got a table`},
		{"below minimum", head + "k = 0\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "k": value 0 is below the minimum 1 (k: number of prototypes)`},
		{"above maximum", head + "k = 11\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "k": value 11 is above the maximum 10 (k: number of prototypes)`},
		{"not greater than", head + "lr = -0.001\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "lr": value -0.001 must be greater than 0 (lr: learning rate)`},
		{"not less than", head + "dropout = 1\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "dropout": value 1 must be less than 1 (dropout: dropout probability)`},
		{"non-finite", head + "lr = inf\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "lr": value inf is not a finite number`},
		{"not in enum", head + "act = \"tanh\"\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "act": value "tanh" is not allowed; want one of "relu", "gelu" (act: activation)`},
		{"bad sweep value", head + "k = [1,\n  2,\n  0]\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "k": sweep value #3: value 0 is below the minimum 1 (k: number of prototypes)`},
		{"repeated sweep value", head + "k = [1, 2, 1]\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "k": sweep value #3 repeats value #1 (1): each value would run twice`},
		{"empty sweep", head + "k = []\n", 5,
			`spec.toml:5: [[model]] #1 "pal": key "k": empty list: a list makes a sweep axis and needs at least one value`},
		{"list element type", head + "[fewshot]\nsizes = [1, \"two\"]\n", 6,
			`spec.toml:6: [fewshot]: key "sizes": element #2: want list of integers (elements: integer), got string "two"`},
		{"list of lists", head + "[fewshot]\nsizes = [[1, 2], [3]]\n", 6,
			`spec.toml:6: [fewshot]: key "sizes": element #1: want list of integers (elements: integer), got a list of lists: list-valued keys cannot be swept`},
		{"list element enum", head + "[fewshot]\ntags = [\"a\", \"c\"]\n", 6,
			`spec.toml:6: [fewshot]: key "tags": element #2: value "c" is not allowed; want one of "a", "b" (tags: tags)`},
		{"unknown kind", "[dataset]\nkind = \"toy\"\n[[model]]\nkind = \"pl\"\n", 4,
			`spec.toml:4: [[model]] #1 "pl": key "kind": unknown kind "pl"; did you mean "pal"? (known kinds: btl, pal, pal2)`},
		{"unknown dataset kind", "[dataset]\nkind = \"toys\"\n[[model]]\nkind = \"pal\"\n", 2,
			`spec.toml:2: [dataset]: key "kind": unknown kind "toys"; did you mean "toy"? (known kinds: toy)`},
		{"swept kind", "[dataset]\nkind = \"toy\"\n[[model]]\nkind = [\"pal\", \"btl\"]\n", 4,
			`spec.toml:4: [[model]] #1 "model": key "kind": kind cannot be swept: use one [[model]] (or one spec) per kind`},
		{"missing kind", "[dataset]\nkind = \"toy\"\n\n[[model]]  # no kind\nk = 2\n", 4,
			`spec.toml:4: [[model]] #1 "model": missing key "kind" (known kinds: btl, pal, pal2)`},
		{"missing dataset kind", "[dataset]\nn = 2\n[[model]]\nkind = \"pal\"\n", 1,
			`spec.toml:1: [dataset]: missing key "kind" (known kinds: toy)`},
		{"no model", "seeds = [1]\n[dataset]\nkind = \"toy\"\n", 0,
			`spec.toml: no [[model]] table: a spec needs at least one (kinds: btl, pal, pal2)`},
		{"no dataset", "[[model]]\nkind = \"pal\"\n", 0,
			`spec.toml: no [dataset] table: a spec needs one (kinds: toy)`},
		{"model as a single table", "[dataset]\nkind = \"toy\"\n[model]\nkind = \"pal\"\n", 3,
			`spec.toml:3: key "model": [model] must be an array of tables: write [[model]] (one per model)`},
		{"dataset as array", "[[dataset]]\nkind = \"toy\"\n[[model]]\nkind = \"pal\"\n", 1,
			`spec.toml:1: key "dataset": want a table [dataset], got an array of tables`},
		{"unknown top-level table", head + "[trian]\nepochs = 3\n", 5,
			`spec.toml:5: key "trian": unknown top-level key; did you mean "train"? (known top-level keys: dataset, description, fewshot, model, name, seeds, train)`},
		{"unknown top-level key", "seed = 1\n" + head, 1,
			`spec.toml:1: key "seed": unknown top-level key; did you mean "seeds"? (known top-level keys: dataset, description, fewshot, model, name, seeds, train)`},
		{"syntax error", head + "k = [1, 2\nlr = 0.1\n", 6,
			`spec.toml:6:1: TOML syntax error: expected a comma (',') or array terminator (']'), but got 'l'`},
		{"duplicate key (syntax)", head + "k = 1\nk = 2\n", 6,
			`spec.toml:6:1: TOML syntax error: Key 'model.k' has already been defined.`},
		{"negative seed", "seeds = [1, -2]\n" + head, 1,
			`spec.toml:1: key "seeds": seed -2 is negative: seeds are non-negative integers`},
		{"repeated seed", "seeds = [3, 3]\n" + head, 1,
			`spec.toml:1: key "seeds": seed 3 is listed twice: each replicate needs its own seed`},
		{"seed beyond 2^53", "seeds = [9007199254740992]\n" + head, 1,
			`spec.toml:1: key "seeds": seed 9007199254740992 is above 2^53 - 1 = 9007199254740991: result.json and runs.csv keep the seed as a JSON number, which jq and JavaScript read as a double and would round; use a smaller seed`},
		{"empty seeds", "seeds = []\n" + head, 1,
			`spec.toml:1: key "seeds": empty list: give at least one seed`},
		{"duplicate model name", head + "name = \"a\"\n[[model]]\nkind = \"btl\"\nname = \"a\"\n", 8,
			`spec.toml:8: [[model]] #2: key "name": duplicate model name "a" (also [[model]] #1 at line 3): give each model its own name`},
		{"repeated model", head + "k = [1, 2]\n[[model]]\nkind = \"pal\"\nk = 2\n", 6,
			`spec.toml:6: [[model]] #2 "pal-2": repeats the configuration of [[model]] #1 "pal": every run would be done twice; remove one or change a setting`},
		{"repeated model, swept", head + "k = 2\n[[model]]\nkind = \"pal\"\nk = [1, 2]\n", 6,
			`spec.toml:6: [[model]] #2 "pal-2": repeats the configuration of [[model]] #1 "pal" (k = 2): every run would be done twice; remove one or change a setting`},
		{"Validate, fixed values", "[dataset]\nkind = \"toy\"\nshape = \"grid\"\nn = 3\n[[model]]\nkind = \"pal\"\n", 1,
			`spec.toml:1: [dataset] "toy": shape = "grid" needs an even n (have 3)`},
		{"Validate, one combination of a sweep", "[dataset]\nkind = \"toy\"\nshape = [\"ring\", \"grid\"]\nn = [2, 3]\n[[model]]\nkind = \"pal\"\n", 1,
			`spec.toml:1: [dataset] "toy": with shape = "grid", n = 3: shape = "grid" needs an even n (have 3)`},
		{"Validate, several combinations", "[dataset]\nkind = \"toy\"\ndense = true\nn = [1, 2, 3]\n[[model]]\nkind = \"pal\"\n", 1,
			`spec.toml:1: [dataset] "toy": with n = 1 (and 2 more of the 3 combinations): dense = true needs shape = "grid"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { oneError(t, c.src, c.line, c.want) })
	}
}

func TestSpecErrorsAreAllReportedInLineOrder(t *testing.T) {
	src := `seeds = [-1]
[dataset]
kind = "toy"
n = 0
shape = "hex"
[[model]]
kind = "pal"
k = "many"
bogus = true
[[model]]
kind = "nope"
[train]
epochs = 0
`
	errs := specErrors(t, src)
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	if want := []int{1, 4, 5, 8, 9, 11, 13}; !reflect.DeepEqual(lines, want) {
		for _, e := range errs {
			t.Log(e)
		}
		t.Errorf("error lines %v, want %v", lines, want)
	}
	_, err := ParseBytes("spec.toml", []byte(src), toySchema())
	if n := strings.Count(err.Error(), "\n") + 1; n != len(errs) {
		t.Errorf("Error() has %d lines for %d errors", n, len(errs))
	}
}

func TestParseInlineModels(t *testing.T) {
	spec := mustParse(t, `dataset = {kind = "toy", n = [2, 4]}
model = [{kind = "pal", k = 2}, {kind = "btl"}]
`)
	if len(spec.Runs) != 4 {
		t.Fatalf("%d runs", len(spec.Runs))
	}
	// Keys inside inline tables get the line of the enclosing key.
	oneError(t, "dataset = {kind = \"toy\"}\n\nmodel = [{kind = \"pal\", k = 0}]\n", 3,
		`spec.toml:3: [[model]] #1 "pal": key "k": value 0 is below the minimum 1 (k: number of prototypes)`)
}

func TestParseFileErrors(t *testing.T) {
	if _, err := Parse("testdata/does-not-exist.toml", toySchema()); err == nil || Errors(err) != nil {
		t.Errorf("missing file: err %v", err)
	}
	bad := toySchema()
	bad.Models["broken"] = func() any { return &struct{ X int }{} }
	if _, err := ParseBytes("s.toml", []byte(toySpec), bad); err == nil || !strings.Contains(err.Error(), "field X has no toml tag") {
		t.Errorf("schema without tags: err %v", err)
	}
	bad = toySchema()
	bad.Train = func() any { return &toyTrain{Epochs: 0} }
	if _, err := ParseBytes("s.toml", []byte(toySpec), bad); err == nil || !strings.Contains(err.Error(), `default of "epochs": value 0 is below the minimum 1`) {
		t.Errorf("default out of bounds: err %v", err)
	}
}

func TestSweepLimit(t *testing.T) {
	list := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	src := "[dataset]\nkind = \"toy\"\nn = " + list(100, func(i int) string { return strconv.Itoa(i + 1) }) +
		"\nnoise = " + list(100, func(i int) string { return fmt.Sprintf("%.3f", float64(i)/1000) }) +
		"\n[[model]]\nkind = \"pal\"\nwidth = " + list(200, func(i int) string { return strconv.Itoa(i + 1) }) + "\n"
	oneError(t, src, 0, "spec.toml: the spec expands to 2000000 runs; the limit is 1000000: shorten some sweep lists")
}
