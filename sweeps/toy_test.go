package sweeps

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pal-harness/pal/internal/metrics"
)

// Toy config structs: the same tag conventions as the real ones (datasets/config.go), kept here
// so the tests do not depend on the model and data packages.

type toyData struct {
	N     int     `toml:"n" help:"number of points" min:"1" max:"100"`
	Noise float64 `toml:"noise" help:"label noise" min:"0" lt:"1"`
	Shape string  `toml:"shape" help:"how points are laid out" enum:"ring|grid"`
	Dense bool    `toml:"dense" help:"dense layout"`
}

func (c *toyData) Validate() error {
	if c.Shape == "grid" && c.N%2 == 1 {
		return fmt.Errorf("shape = \"grid\" needs an even n (have %d)", c.N)
	}
	if c.Dense && c.Shape != "grid" {
		return fmt.Errorf("dense = true needs shape = \"grid\"")
	}
	return nil
}

type toyMLP struct {
	Width   int     `toml:"width" help:"hidden width" min:"1"`
	Dropout float64 `toml:"dropout" help:"dropout probability" min:"0" lt:"1"`
}

type toyPAL struct {
	K   int    `toml:"k" help:"number of prototypes" min:"1" max:"10"`
	Act string `toml:"act" help:"activation" enum:"relu|gelu"`
	toyMLP
	LR float64 `toml:"lr" help:"learning rate" gt:"0"`
}

type toyBTL struct {
	toyMLP
	LR float64 `toml:"lr" help:"learning rate" gt:"0"`
}

type toyTrain struct {
	Epochs int     `toml:"epochs" help:"passes over the data" min:"1"`
	Decay  float64 `toml:"decay" help:"weight decay" min:"0"`
}

type toyFewShot struct {
	Sizes   []int     `toml:"sizes" help:"pairs per user"`
	Weights []float64 `toml:"weights" help:"weights"`
	Tags    []string  `toml:"tags" help:"tags" enum:"a|b"`
}

func toySchema() Schema {
	return Schema{
		Datasets: map[string]func() any{
			"toy": func() any { return &toyData{N: 10, Noise: 0.1, Shape: "ring"} },
		},
		Models: map[string]func() any{
			"pal":  func() any { return &toyPAL{K: 2, Act: "relu", toyMLP: toyMLP{Width: 8}, LR: 0.01} },
			"btl":  func() any { return &toyBTL{toyMLP: toyMLP{Width: 8}, LR: 0.01} },
			"pal2": func() any { return &toyPAL{K: 2, Act: "relu", toyMLP: toyMLP{Width: 8}, LR: 0.01} },
		},
		Train:   func() any { return &toyTrain{Epochs: 5} },
		FewShot: func() any { return &toyFewShot{Sizes: []int{1, 2}} },
	}
}

const toySpec = `# a toy sweep
description = "toy"
seeds = [1, 2]

[dataset]
kind = "toy"
n = [4, 8]

[[model]]
kind = "pal"
k = [1, 2, 3]

[[model]]
kind = "btl"

[train]
epochs = 3

[fewshot]
sizes = [1, 3]
`

func mustParse(t *testing.T, src string) *Spec {
	t.Helper()
	spec, err := ParseBytes("toy.toml", []byte(src), toySchema())
	if err != nil {
		t.Fatalf("ParseBytes: %v", err)
	}
	return spec
}

// toyRun is a deterministic RunFunc: metrics depend only on the run's seeds and config.
func toyRun(ctx context.Context, r *Run) (Outcome, error) {
	if err := ctx.Err(); err != nil {
		return Outcome{}, err
	}
	rng := rand.New(rand.NewPCG(r.ModelSeed(), r.DataSeed()))
	m := metrics.Metrics{Splits: map[string]metrics.Split{}}
	for _, sp := range []string{"train", "val", "test"} {
		m.Splits[sp] = metrics.Split{Accuracy: rng.Float64(), Loss: rng.Float64() * 3, Pairs: 100}
	}
	if fs, ok := r.FewShot.(*toyFewShot); ok && r.ModelKind == "pal" {
		for _, n := range fs.Sizes {
			m.FewShot = append(m.FewShot, metrics.FewShotPoint{PairsPerUser: n, Accuracy: rng.Float64(), Pairs: 10 * n})
		}
	}
	m.TrainableParams = 1000 + rng.IntN(1_000_000)
	m.Epochs = 3
	m.FinalTrainLoss = rng.Float64()
	return Outcome{Metrics: m, DatasetFingerprint: fmt.Sprintf("toy-%x", r.DataSeed())}, nil
}

// specErrors parses src and returns its SpecErrors, failing if there are none.
func specErrors(t *testing.T, src string) []*SpecError {
	t.Helper()
	_, err := ParseBytes("spec.toml", []byte(src), toySchema())
	if err == nil {
		t.Fatalf("ParseBytes accepted a bad spec:\n%s", src)
	}
	errs := Errors(err)
	if len(errs) == 0 {
		t.Fatalf("error holds no SpecError: %v", err)
	}
	return errs
}

// oneError asserts that src yields exactly one error with this line and message.
func oneError(t *testing.T, src string, line int, want string) {
	t.Helper()
	errs := specErrors(t, src)
	if len(errs) != 1 {
		var b strings.Builder
		for _, e := range errs {
			b.WriteString("\n  " + e.Error())
		}
		t.Fatalf("got %d errors, want 1:%s", len(errs), b.String())
	}
	e := errs[0]
	if e.File != "spec.toml" || e.Line != line || e.Error() != want {
		t.Errorf("got  file %q line %d: %s\nwant line %d: %s", e.File, e.Line, e.Error(), line, want)
	}
}
