package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/sweeps/runstore"
)

// fakeRun is one hand-specified run of the fake store.
type fakeRun struct {
	kTrue  int
	model  string
	k      int // 0: the model has no K (BTL)
	seed   uint64
	seen   float64
	unseen float64
	bayes  float64
	params int
	few    []float64 // accuracies at 1, 10, 100 pairs per user; nil for none
	failed string    // reason; "" for an ok run
}

// fakeStore lists the runs of the test store. Seen-user test accuracies for k_true = 3 are
// chosen so that the expected table cells can be worked out by hand (see TestRenderTables).
func fakeStore() []fakeRun {
	few := func(a, b, c float64) []float64 { return []float64{a, b, c} }
	runs := []fakeRun{
		// k_true = 3
		// BTL has nothing to adapt: its few-shot curve is flat at its unseen accuracy.
		{3, "btl", 0, 1, 0.70, 0.69, 0.95, 101, few(0.69, 0.69, 0.69), ""},
		{3, "btl", 0, 2, 0.72, 0.70, 0.95, 101, few(0.70, 0.70, 0.70), ""},
		{3, "btl", 0, 3, 0.74, 0.71, 0.95, 101, few(0.71, 0.71, 0.71), ""},
		{3, "pal-a", 1, 1, 0.71, 0.70, 0.95, 110, few(0.60, 0.66, 0.70), ""},
		{3, "pal-a", 1, 2, 0.72, 0.70, 0.95, 110, few(0.61, 0.67, 0.70), ""},
		{3, "pal-a", 1, 3, 0.73, 0.70, 0.95, 110, few(0.62, 0.68, 0.70), ""},
		{3, "pal-a", 2, 1, 0.80, 0.78, 0.95, 120, few(0.60, 0.72, 0.78), ""},
		{3, "pal-a", 2, 2, 0.82, 0.79, 0.95, 120, few(0.62, 0.74, 0.79), ""},
		{3, "pal-a", 2, 3, 0.81, 0.80, 0.95, 120, few(0.64, 0.76, 0.80), ""},
		{3, "pal-a", 3, 1, 0.90, 0.88, 0.95, 130, few(0.62, 0.80, 0.88), ""},
		{3, "pal-a", 3, 2, 0.93, 0.89, 0.95, 130, few(0.64, 0.82, 0.89), ""},
		{3, "pal-a", 3, 3, 0, 0, 0, 0, nil, "training diverged: loss is NaN at epoch 4"},
	}
	// k_true = 1: every model is as good as the truth allows.
	for seed := uint64(1); seed <= 3; seed++ {
		d := float64(seed) / 100
		runs = append(runs, fakeRun{1, "btl", 0, seed, 0.84 + d, 0.83 + d, 0.88, 101, nil, ""})
		for k := 1; k <= 3; k++ {
			runs = append(runs, fakeRun{1, "pal-a", k, seed, 0.83 + d, 0.82 + d, 0.88, 100 + 10*k, few(0.70, 0.78, 0.82+d), ""})
		}
	}
	return runs
}

// writeFakeStore writes spec.toml, runs.csv and <run-id>/result.json as pal run would.
func writeFakeStore(t *testing.T, dir string, runs []fakeRun, withK bool) {
	t.Helper()
	writeFakeStorePrefix(t, dir, runs, withK, "run")
}

// writeFakeStorePrefix is writeFakeStore with run ids starting with prefix.
func writeFakeStorePrefix(t *testing.T, dir string, runs []fakeRun, withK bool, prefix string) {
	t.Helper()
	spec := "name = \"synthetic-test\"\ndescription = \"A fake sweep: PAL-A with K = 1..3 and BTL on K_true = 1 and 3.\"\nseeds = [1, 2, 3]\n"
	must(t, os.WriteFile(filepath.Join(dir, "spec.toml"), []byte(spec), 0o644))
	csv := "run_id,dataset.k_true,model.k,model,seed,status,acc_test\n"
	var ids []string
	for i, fr := range runs {
		id := fmt.Sprintf("%s%02d-k%d-%s-k%d-s%d", prefix, i, fr.kTrue, fr.model, fr.k, fr.seed)
		ids = append(ids, id)
		params := map[string]any{"dataset.k_true": fr.kTrue, "model": fr.model, "seed": fr.seed}
		if fr.k > 0 && withK {
			params["model.k"] = fr.k
		}
		res := runstore.Result{
			RunID: id, Spec: "synthetic-test", Status: "ok", Seed: fr.seed, Params: params,
			Config: runstore.ResolvedConfig{
				Dataset: runstore.KindConfig{Kind: "synthetic", Fields: map[string]any{"k_true": fr.kTrue}},
				Model:   runstore.KindConfig{Kind: fr.model, Name: fr.model, Fields: map[string]any{}},
			},
			Provenance: runstore.Provenance{
				PalVersion: "v0.1.0-test", GitCommit: "0123456789ab", GoVersion: "go1.26.8",
				DatasetFingerprint: fmt.Sprintf("sha256:k%d-s%d", fr.kTrue, fr.seed),
			},
			WallSeconds: 1.5, TrainableParams: fr.params,
		}
		if fr.failed != "" {
			// A failed run written out by hand, as a check that the JSON field names match.
			text := fmt.Sprintf(`{
  "run_id": %q,
  "spec": "synthetic-test",
  "status": "failed",
  "error": %q,
  "seed": %d,
  "data_seed": 77,
  "model_seed": 78,
  "params": {"dataset.k_true": %d, "model": %q, "model.k": %d, "seed": %d},
  "config": {"dataset": {"kind": "synthetic", "fields": {"k_true": %d}}, "model": {"kind": %q, "name": %q, "fields": {}}, "train": {}, "fewshot": {}},
  "provenance": {"pal_version": "v0.1.0-test", "go_version": "go1.26.8"},
  "wall_seconds": 0.25,
  "trainable_params": 0
}
`, id, fr.failed, fr.seed, fr.kTrue, fr.model, fr.k, fr.seed, fr.kTrue, fr.model, fr.model)
			must(t, os.MkdirAll(filepath.Join(dir, id), 0o755))
			must(t, os.WriteFile(filepath.Join(dir, id, "result.json"), []byte(text), 0o644))
			csv += fmt.Sprintf("%s,%d,%d,%s,%d,failed,\n", id, fr.kTrue, fr.k, fr.model, fr.seed)
			continue
		}
		{
			m := &metrics.Metrics{
				Splits: map[string]metrics.Split{
					"train":       {Accuracy: fr.seen + 0.05, Loss: 0.3, Pairs: 800},
					"test":        {Accuracy: fr.seen, Loss: 0.4, Pairs: 200},
					"unseen_test": {Accuracy: fr.unseen, Loss: 0.45, Pairs: 200},
				},
				BayesAccuracy:   map[string]float64{"test": fr.bayes, "unseen_test": fr.bayes},
				TrainableParams: fr.params,
			}
			for i, acc := range fr.few {
				m.FewShot = append(m.FewShot, metrics.FewShotPoint{PairsPerUser: []int{1, 10, 100}[i], Accuracy: acc, Pairs: 100})
			}
			fakeMetrics(fr, m)
			res.Metrics = m
			writeFakeRecord(t, dir, fr, &res)
		}
		b, err := json.MarshalIndent(res, "", "  ")
		must(t, err)
		must(t, os.MkdirAll(filepath.Join(dir, id), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, id, "result.json"), b, 0o644))
		csv += fmt.Sprintf("%s,%d,%d,%s,%d,%s,%g\n", id, fr.kTrue, fr.k, fr.model, fr.seed, res.Status, fr.seen)
	}
	must(t, os.WriteFile(filepath.Join(dir, "runs.csv"), []byte(csv), 0o644))
	writeManifest(t, dir, ids)
}

// writeManifest lists the store's current runs, as pal run does.
func writeManifest(t *testing.T, dir string, ids []string) {
	t.Helper()
	b, err := json.Marshal(runstore.Manifest{SchemaVersion: runstore.SchemaVersion, Spec: "synthetic-test", Runs: ids, Axes: []string{}})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, runstore.ManifestFile), b, 0o644))
}

// manifestRuns reads the store's current run ids.
func manifestRuns(t *testing.T, dir string) []string {
	t.Helper()
	s, err := runstore.Open(dir)
	must(t, err)
	m, err := s.Manifest()
	must(t, err)
	return m.Runs
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
