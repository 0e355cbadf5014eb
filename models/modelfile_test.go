package models

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"
	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/sweeps"
)

// smallPromptData is a small prompt-conditioned synthetic data set that trains in well under a
// second.
func smallPromptData(t *testing.T) *datasets.Data {
	t.Helper()
	dc := datasets.DefaultSynthetic()
	dc.Dim, dc.LatentDim, dc.KTrue, dc.Items = 6, 3, 2, 200
	dc.SeenUsers, dc.UnseenUsers, dc.PairsPerUser = 8, 3, 40
	dc.UnseenTrain, dc.UnseenVal, dc.UnseenTest = 10, 5, 10
	dc.Prompts, dc.PromptDim = 6, 4
	d, err := datasets.GenerateSynthetic(dc, 11)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testDecoder decodes the configs of this package's kinds as the registry does.
func testDecoder(kind string, fields map[string]any) (any, error) {
	var cfg any
	switch kind {
	case "pal-a":
		cfg = &PALAConfig{}
	case "pal-b":
		cfg = &PALBConfig{}
	default:
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	return cfg, sweeps.SetConfigFields(cfg, fields)
}

func (m *PALA) config() any { return &m.cfg }
func (m *PALB) config() any { return &m.cfg }

func quickTrain() (*TrainConfig, *FewShotConfig) {
	return &TrainConfig{Epochs: 4, BatchSize: 32, Patience: 0},
		&FewShotConfig{PairsPerUser: []int{2}, Epochs: 3, LR: 5e-2, BatchSize: 32, Patience: 0}
}

// rewardAccuracy recomputes a split's accuracy from rewards given by the loaded model, one
// pair at a time, and checks every margin against the fitted model's, bit for bit.
func rewardAccuracy(t *testing.T, loaded *Model, fitted Scorer, d *datasets.Data, split datasets.Split) float64 {
	t.Helper()
	var acc float64
	for _, p := range d.Splits[split] {
		w, err := loaded.UserWeights(d.Users[p.User].ID)
		if err != nil {
			t.Fatal(err)
		}
		var prompt []float64
		if loaded.Info.Kind == "pal-b" {
			prompt = widened(d.Prompt(p.Prompt))
		}
		items := append(widened(d.Item(p.Left)), widened(d.Item(p.Right))...)
		r, err := loaded.Reward(items, prompt, w)
		if err != nil {
			t.Fatal(err)
		}
		m := r[0] - r[1]
		want := fitted.Margin(p)
		// The float32 MLPs run on internal/sgemm in every build, which gives an item mapped
		// alone the bits it has when mapped with all others. The float64 prototype mixtures
		// run on OpenBLAS with the openblas tag, which makes no such promise (one row of its
		// product can differ in the last bits from the same row of a larger product), so that
		// build compares within 1e-5; the default build (gonum) is checked to the bit.
		close := BLAS != "gonum" && math.Abs(m-want) <= 1e-5*(1+math.Abs(want))
		if !close && math.Float64bits(m) != math.Float64bits(want) {
			t.Fatalf("%s pair %+v: reward margin %v, training-time margin %v", split, p, m, want)
		}
		acc += Correct(m, p.LeftPreferred)
	}
	return acc / float64(len(d.Splits[split]))
}

func checkRoundTrip(t *testing.T, name string, fitted Saveable, ps []*Param, scorer Scorer, res metrics.Metrics, d *datasets.Data) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "model.safetensors")
	cfg := fitted.(interface{ config() any }).config()
	if err := SaveModel(path, fitted, sweeps.ConfigFields(cfg), map[string]string{"run_id": "abc"}); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadModel(path, testDecoder)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Info.Extra["run_id"] != "abc" {
		t.Errorf("%s: extra metadata lost: %v", name, loaded.Info.Extra)
	}
	lp := loaded.Params()
	if len(lp) != len(ps) {
		t.Fatalf("%s: %d parameters loaded, %d saved", name, len(lp), len(ps))
	}
	for i, p := range ps {
		for j, v := range p.Value {
			if math.Float64bits(v) != math.Float64bits(lp[i].Value[j]) {
				t.Fatalf("%s: %s[%d] = %v after loading, %v saved", name, p.Name, j, lp[i].Value[j], v)
			}
		}
	}
	back := loaded.s.(interface{ config() any }).config()
	if !reflect.DeepEqual(cfg, back) {
		t.Errorf("%s: config %+v came back as %+v", name, cfg, back)
	}
	for _, split := range []datasets.Split{datasets.Test, datasets.UnseenTest} {
		got := rewardAccuracy(t, loaded, scorer, d, split)
		if want := res.Splits[string(split)].Accuracy; got != want {
			t.Errorf("%s %s: accuracy from the reward API %v, at training time %v", name, split, got, want)
		}
	}
}

// TestSaveLoadScoreReproducesAccuracy is the round trip of the issue: save -> load -> every
// parameter equal to the bit -> rewards reproduce the training-time accuracy exactly, for
// PAL-A (each user map, several scores) and PAL-B.
func TestSaveLoadScoreReproducesAccuracy(t *testing.T) {
	d := smallPromptData(t)
	tc, fc := quickTrain()
	for _, c := range []struct{ ideal, score, loss string }{
		{"f(Pw)", "dist", "hinge"},
		{"f(P)w", "angle", "cross_entropy"},
		{"Pw", "dist_normalization", "smooth_hinge"},
	} {
		cfg := DefaultPALA()
		cfg.IdealPoint, cfg.Score, cfg.Loss, cfg.LR, cfg.Partition = c.ideal, c.score, c.loss, 3e-3, c.ideal == "Pw"
		res, m, err := FitPALAModel(context.Background(), d, cfg, tc, fc, 1)
		if err != nil {
			t.Fatal(err)
		}
		checkRoundTrip(t, "pal-a "+c.ideal, m, m.Params(), m, res, d)
	}
	for _, score := range []string{"angle", "dist_logistic", "dist"} {
		cfg := DefaultPALB()
		cfg.Score, cfg.LR = score, 3e-3
		if score == "dist" {
			cfg.Loss = "logistic"
		}
		res, m, err := FitPALBModel(context.Background(), d, cfg, tc, fc, 2)
		if err != nil {
			t.Fatal(err)
		}
		checkRoundTrip(t, "pal-b "+score, m, m.Params(), m, res, d)
	}
}

// savedPALB fits a small PAL-B and saves it: the data, the model and the file.
func savedPALB(t *testing.T) (*datasets.Data, *PALB, string) {
	t.Helper()
	d := smallPromptData(t)
	tc, fc := quickTrain()
	_, m, err := FitPALBModel(context.Background(), d, DefaultPALB(), tc, fc, 3)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := SaveModel(path, m, sweeps.ConfigFields(&m.cfg), nil); err != nil {
		t.Fatal(err)
	}
	return d, m, path
}

// TestRewardErrors checks the reward API's errors name the problem and the fix.
func TestRewardErrors(t *testing.T) {
	d, _, path := savedPALB(t)
	loaded, err := LoadModel(path, testDecoder)
	if err != nil {
		t.Fatal(err)
	}
	item, prompt := widened(d.Item(0)), widened(d.Prompt(0))
	for _, c := range []struct {
		name string
		err  func() error
		want []string
	}{
		{"unknown user", func() error { _, err := loaded.UserWeights("nobody"); return err }, []string{"nobody", "u0001", "--weights"}},
		{"wrong K", func() error { _, err := loaded.Reward(item, prompt, []float64{1}); return err }, []string{"1 weights", "K = 2"}},
		{"not simplex", func() error { _, err := loaded.Reward(item, prompt, []float64{0.5, 0.6}); return err }, []string{"sum to 1.1"}},
		{"item dim", func() error { _, err := loaded.Reward(item[:5], prompt, []float64{0.5, 0.5}); return err }, []string{"5 values", "dimension 6"}},
		{"prompt dim", func() error { _, err := loaded.Reward(item, prompt[:3], []float64{0.5, 0.5}); return err }, []string{"3 values", "prompt dimension is 4"}},
	} {
		err := c.err()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
	// A file that is not a model.
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	if err := os.WriteFile(bad, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(bad, testDecoder); err == nil || !strings.Contains(err.Error(), "not a safetensors file") {
		t.Errorf("loading garbage: %v", err)
	}
}

// A model whose parameters diverged is neither saved nor served (issue 16, defect 1).
func TestDivergedModelIsRefused(t *testing.T) {
	_, m, path := savedPALB(t)
	m.f.Params()[0].Value[0] = math.Inf(1)
	if err := SaveModel(filepath.Join(t.TempDir(), "bad.safetensors"), m, sweeps.ConfigFields(&m.cfg), nil); err == nil || !errors.Is(err, ErrDiverged) {
		t.Errorf("saving a model with an infinite parameter: %v, want ErrDiverged", err)
	}
	// A file written with a non-finite value (by another tool, or an older pal) is refused on load.
	info, ts, err := readModelFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ts["W"].Data[0] = math.NaN()
	views := map[string]safetensors.TensorView{}
	for name, tn := range ts {
		buf := make([]byte, 8*len(tn.Data))
		for i, v := range tn.Data {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
		}
		views[name], _ = safetensors.NewTensorView(safetensors.F64, tn.Shape, buf)
	}
	cfgJSON, _ := json.Marshal(info.Config)
	meta := map[string]string{metaFormat: ModelFormat, metaVersion: "1", metaKind: info.Kind, metaConfig: string(cfgJSON),
		metaItemDim: strconv.Itoa(info.ItemDim), metaPromptDim: strconv.Itoa(info.PromptDim), metaK: strconv.Itoa(info.K),
		metaUsers: jsonStrings(info.Users), metaUnseenUsers: jsonStrings(info.UnseenUsers)}
	data, err := safetensors.Serialize(views, meta)
	if err != nil {
		t.Fatal(err)
	}
	nan := filepath.Join(t.TempDir(), "nan.safetensors")
	if err := os.WriteFile(nan, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(nan, testDecoder); err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "parameter W is NaN") {
		t.Errorf("loading a model with a NaN weight: %v", err)
	}
}
