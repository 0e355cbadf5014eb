package sweeps

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// canonicalJSON encodes a value deterministically. Configs are hashed as toml-keyed maps, and
// json.Marshal writes map keys sorted and floats in their shortest exact form, so the bytes
// depend only on the values, not on Go field order or names: reordering or renaming Go fields
// keeps run ids, while adding a key (a new setting) changes them, as it should.
func canonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Parse admits only ints, finite floats, strings, bools and lists of them.
		panic(fmt.Sprintf("sweeps: config is not JSON-encodable: %v", err))
	}
	return string(b)
}

// runID is the first 16 hex digits of sha256 over the resolved config and the seed. 64 bits
// keep folder names short; a collision within one output folder would need billions of runs.
func runID(cfg ResolvedConfig, seed uint64) string {
	sum := sha256.Sum256([]byte(canonicalJSON(struct {
		Config ResolvedConfig `json:"config"`
		Seed   uint64         `json:"seed"`
	}{cfg, seed})))
	return hex.EncodeToString(sum[:])[:16]
}

// Resolved is the run's full configuration as written to result.json and hashed into its id:
// every key of every section, defaults included, keyed as in the spec.
func (r *Run) Resolved() ResolvedConfig {
	cfg := ResolvedConfig{
		Dataset: KindConfig{Kind: r.DatasetKind, Fields: fieldsOf(r.Dataset)},
		Model:   KindConfig{Kind: r.ModelKind, Name: r.ModelName, Fields: fieldsOf(r.Model)},
	}
	if cfg.Dataset.Fields == nil {
		cfg.Dataset.Fields = map[string]any{}
	}
	if cfg.Model.Fields == nil {
		cfg.Model.Fields = map[string]any{}
	}
	// Leave Train/FewShot as untyped nil (JSON null) rather than a typed nil map.
	if m := fieldsOf(r.Train); m != nil {
		cfg.Train = m
	}
	if m := fieldsOf(r.FewShot); m != nil {
		cfg.FewShot = m
	}
	return cfg
}
