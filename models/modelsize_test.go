package models

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/sweeps"
)

// savedTinyModel writes an untrained PAL-A (or PAL-B) of a tiny data set to a file and returns
// its path.
func savedTinyModel(t testing.TB, kind string) string {
	t.Helper()
	return savedTinyModelWith(t, kind, nil)
}

// savedTinyModelWith is savedTinyModel with the default config edited by edit (a *PALAConfig
// or a *PALBConfig) when edit is not nil.
func savedTinyModelWith(t testing.TB, kind string, edit func(cfg any)) string {
	t.Helper()
	d := &datasets.Data{Name: "tiny", Dim: 3, PromptDim: 2, Users: []datasets.User{{ID: "u1", Seen: true}, {ID: "n1"}}}
	var m Saveable
	var err error
	if kind == "pal-a" {
		cfg := DefaultPALA()
		if edit != nil {
			edit(cfg)
		}
		m, err = NewPALA(cfg, d, NewRand(1, 1))
	} else {
		cfg := DefaultPALB()
		if edit != nil {
			edit(cfg)
		}
		m, err = newPALB(cfg, d, NewRand(1, 1))
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := SaveModel(path, m, sweeps.ConfigFields(m.(interface{ config() any }).config()), nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// rewriteModel rewrites a model file's metadata (and, through edit, its config) in place.
func rewriteModel(t testing.TB, path string, meta map[string]string, config map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := safetensors.Deserialize(raw)
	if err != nil {
		t.Fatal(err)
	}
	_, md, err := safetensors.ReadMetadata(raw)
	if err != nil {
		t.Fatal(err)
	}
	views := map[string]safetensors.TensorView{}
	for _, nt := range st.Tensors() {
		views[nt.Name] = nt.TensorView
	}
	m := md.Metadata()
	for k, v := range meta {
		m[k] = v
	}
	if config != nil {
		var cfg map[string]any
		if err := json.Unmarshal([]byte(m[metaConfig]), &cfg); err != nil {
			t.Fatal(err)
		}
		for k, v := range config {
			cfg[k] = v
		}
		b, _ := json.Marshal(cfg)
		m[metaConfig] = string(b)
	}
	out, err := safetensors.Serialize(views, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadModelChecksSizesFirst: a model file whose metadata and config claim a model far
// larger than the tensors it holds (item_dim 10^9 with width 65536: 6.5e13 parameters) is an
// error naming the file and both sizes; LoadModel used to build the model from the config
// first (a Go "fatal error: out of memory").
func TestLoadModelChecksSizesFirst(t *testing.T) {
	for _, c := range []struct {
		kind   string
		meta   map[string]string
		config map[string]any
	}{
		{"pal-a", map[string]string{metaItemDim: "1000000000"}, map[string]any{"width": 65536, "layers": 16}},
		{"pal-a", map[string]string{metaK: "1000000000000"}, map[string]any{"k": 1000000000000}},
		{"pal-b", map[string]string{metaPromptDim: "1000000000"}, map[string]any{"width": 65536}},
		{"pal-a", nil, map[string]any{"width": -5}},
		{"pal-a", nil, map[string]any{"layers": -1}},
		{"pal-a", map[string]string{metaItemDim: "-3"}, nil},
	} {
		path := savedTinyModel(t, c.kind)
		rewriteModel(t, path, c.meta, c.config)
		_, err := LoadModel(path, testDecoder)
		if err == nil {
			t.Errorf("%s %v %v: accepted", c.kind, c.meta, c.config)
			continue
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("%s %v %v: error %q does not name the file", c.kind, c.meta, c.config, err)
		}
		t.Logf("%v", err)
	}
	// The untouched files still load.
	for _, kind := range []string{"pal-a", "pal-b"} {
		if _, err := LoadModel(savedTinyModel(t, kind), testDecoder); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

// TestLoadModelTruncated: a model file cut short names the file, the size its header declares
// and the size it has.
func TestLoadModelTruncated(t *testing.T) {
	path := savedTinyModel(t, "pal-a")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{len(raw) - 1, len(raw) / 2, 20, 4} {
		if err := os.WriteFile(path, raw[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadModel(path, testDecoder)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("cut to %d bytes: %v", n, err)
		}
	}
}
