package models

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/internal/fuzzcheck"
)

// modelSeeds are the committed corpus of FuzzLoadModel (testdata/fuzz/FuzzLoadModel): tiny
// saved models of every layout, cut and edited ones.
func modelSeeds(tb testing.TB) map[string][]any {
	seeds := map[string][]any{}
	read := func(path string) []byte {
		raw, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		return raw
	}
	for _, c := range []struct {
		name, kind string
		edit       func(cfg any)
	}{
		{"pal-a", "pal-a", nil},
		{"pal-a-fPw-layers0", "pal-a", func(c any) { c.(*PALAConfig).IdealPoint, c.(*PALAConfig).Layers = "f(P)w", 0 }},
		{"pal-a-Pw-angle", "pal-a", func(c any) {
			c.(*PALAConfig).IdealPoint, c.(*PALAConfig).Score, c.(*PALAConfig).Loss = "Pw", "angle", "cross_entropy"
		}},
		{"pal-b", "pal-b", nil},
		{"pal-b-partition", "pal-b", func(c any) {
			c.(*PALBConfig).Partition, c.(*PALBConfig).Score, c.(*PALBConfig).Loss, c.(*PALBConfig).Layers = true, "dist", "hinge", 2
		}},
	} {
		raw := read(savedTinyModelWith(tb, c.kind, c.edit))
		seeds[c.name] = []any{raw}
		if c.edit == nil {
			seeds[c.name+"-cut"] = []any{raw[:len(raw)/2]}
		}
	}
	for name, edit := range map[string]struct {
		meta   map[string]string
		config map[string]any
	}{
		"huge-item-dim": {map[string]string{metaItemDim: "1000000000"}, map[string]any{"width": 65536, "layers": 16}},
		"huge-k":        {map[string]string{metaK: "1000000000000"}, map[string]any{"k": 1000000000000}},
		"bad-enum":      {nil, map[string]any{"ideal_point": "f(Pw"}},
		"negative":      {map[string]string{metaItemDim: "-3"}, map[string]any{"width": -5}},
	} {
		path := savedTinyModel(tb, "pal-a")
		rewriteModel(tb, path, edit.meta, edit.config)
		seeds[name] = []any{read(path)}
	}
	seeds["empty-header"] = []any{[]byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      ")}
	seeds["header-length-huge"] = []any{[]byte("\xff\xff\xff\xff\xff\xff\xff\x7f{")}
	seeds["empty"] = []any{[]byte{}}
	return seeds
}

// TestWriteFuzzSeeds rewrites testdata/fuzz/FuzzLoadModel from modelSeeds (the crashers the
// fuzzer found stay): PAL_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./models
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzcheck.SeedsWanted() {
		t.Skip("set PAL_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	if err := fuzzcheck.WriteSeeds(filepath.Join("testdata", "fuzz", "FuzzLoadModel"), modelSeeds(t)); err != nil {
		t.Fatal(err)
	}
}

// FuzzLoadModel feeds arbitrary bytes to LoadModel, the model-file reader behind pal score:
// an error or a model that gives rewards, never a panic, a hang, or an allocation the file's
// size does not justify (a config with item_dim 10^9 and width 65536 used to be built before
// its tensors were compared with it). `go test` runs the seeds of testdata/fuzz/FuzzLoadModel;
// make fuzz explores further.
func FuzzLoadModel(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, raw []byte) {
		path := filepath.Join(dir, "model.safetensors")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		var m *Model
		var err error
		// The file's bytes, its JSON header decoded twice (by our size check and by the
		// safetensors package), the tensors as float64, and the model built from them (a value
		// and a gradient per parameter).
		if aerr := fuzzcheck.Bound(len(raw), 64, 1<<20, func() { m, err = LoadModel(path, testDecoder) }); aerr != nil {
			t.Fatal(aerr)
		}
		if err != nil {
			return
		}
		w := make([]float64, m.Info.K)
		for i := range w {
			w[i] = 1 / float64(len(w))
		}
		var prompt []float64
		if m.Info.Kind == "pal-b" {
			prompt = make([]float64, m.Info.PromptDim)
		}
		// A model of finite parameters may still overflow on an item (weights near the
		// largest float64): Reward must then refuse, saying so, never return NaN or panic.
		r, err := m.Reward(make([]float64, m.Info.ItemDim), prompt, w)
		if err != nil && !strings.Contains(err.Error(), "cannot score it") {
			t.Fatalf("a loaded model gives no reward: %v", err)
		}
		for _, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("a loaded model returned the reward %v", v)
			}
		}
	})
}
