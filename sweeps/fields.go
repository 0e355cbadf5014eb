package sweeps

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
)

// ConfigFields returns the fields of a config struct pointer keyed as in a spec, defaults
// included: the form result.json stores and model files carry.
func ConfigFields(cfg any) map[string]any { return fieldsOf(cfg) }

// SetConfigFields fills the config struct cfg points to from fields keyed as in a spec, as
// JSON decoded them (numbers as float64 or json.Number): every key of the struct must be
// there and no other, each value of its type, within its bounds and allowed values; then the
// struct's Validate runs. It is how a model file's config becomes a config again, checked by
// the same schema as a spec.
func SetConfigFields(cfg any, fields map[string]any) error {
	s, err := schemaOf(func() any { return cfg })
	if err != nil {
		return fmt.Errorf("internal error: %w", err)
	}
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		if _, ok := s.field(key); !ok {
			return fmt.Errorf("config has unknown key %q (written by a newer pal?)", key)
		}
	}
	for i := range s.Fields {
		f := &s.Fields[i]
		raw, ok := fields[f.Key]
		if !ok {
			return fmt.Errorf("config has no %q", f.Key)
		}
		val, msg := convertValue(fromJSON(raw), f)
		if msg != "" {
			return fmt.Errorf("config %q: %s", f.Key, msg)
		}
		setField(cfg, f, val)
	}
	if v, ok := cfg.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	return nil
}

// fromJSON turns JSON-decoded values (and the plain Go values ConfigFields returns) into what
// the TOML decoder gives for the same literal, so convertValue checks them alike: integral
// numbers become int64, lists []any.
func fromJSON(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case []int:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = int64(e)
		}
		return out
	case []float64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromJSON(e)
		}
		return out
	}
	return v
}
