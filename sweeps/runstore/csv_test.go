package runstore

import (
	"bytes"
	"encoding/csv"
	"math"
	"testing"

	"github.com/pal-harness/pal/internal/metrics"
)

func TestWriteRunsCSVFormatting(t *testing.T) {
	val := 0.25
	results := []Result{
		{RunID: "b", Status: "ok", Seed: 2, Config: ResolvedConfig{Model: KindConfig{Name: "m, with comma"}},
			Params: map[string]any{"model.lr": 0.001, "model.k": 3.0, "dataset.shape": "ring", "train.flag": true},
			Metrics: &metrics.Metrics{Splits: map[string]metrics.Split{"test": {Accuracy: math.NaN(), Loss: 1e-7}},
				TrainableParams: 12345678, FinalValLoss: &val}, WallSeconds: 1.5},
		{RunID: "a", Status: "failed", Seed: 1, Error: "boom\nsecond line", Config: ResolvedConfig{Model: KindConfig{Name: "x"}}},
	}
	data, err := RunsCSVBytes(results, []string{"dataset.shape", "model.k", "model.lr", "train.flag", "model", "seed"})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	r := rows[1]
	for k, want := range map[string]string{
		"run_id": "b", "model": "m, with comma", "seed": "2", "dataset.shape": "ring", "model.k": "3",
		"model.lr": "0.001", "train.flag": "true", "acc_test": "", "loss_test": "1e-07",
		"trainable_params": "12345678", "final_val_loss": "0.25", "wall_seconds": "1.5", "error": "",
	} {
		if r[col[k]] != want {
			t.Errorf("%s = %q, want %q", k, r[col[k]], want)
		}
	}
	if got := rows[2][col["error"]]; got != "boom" {
		t.Errorf("error cell %q: want the first line only", got)
	}
}
