package sweeps

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// A config written as fields (result.json, a model file) and read back through JSON is the
// same config; a value out of bounds, of the wrong type, missing or unknown is an error.
func TestSetConfigFieldsRoundTrip(t *testing.T) {
	cfg := &toyPAL{K: 3, Act: "gelu", toyMLP: toyMLP{Width: 7, Dropout: 0.25}, LR: 0.5}
	b, err := json.Marshal(ConfigFields(cfg))
	if err != nil {
		t.Fatal(err)
	}
	for _, useNumber := range []bool{false, true} {
		dec := json.NewDecoder(bytes.NewReader(b))
		if useNumber {
			dec.UseNumber()
		}
		var fields map[string]any
		if err := dec.Decode(&fields); err != nil {
			t.Fatal(err)
		}
		back := &toyPAL{}
		if err := SetConfigFields(back, fields); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cfg, back) {
			t.Errorf("UseNumber %v: %+v came back as %+v", useNumber, cfg, back)
		}
	}
	// Plain Go values, as ConfigFields returns them, decode too.
	if err := SetConfigFields(&toyPAL{}, ConfigFields(cfg)); err != nil {
		t.Errorf("ConfigFields' own values: %v", err)
	}
	for name, change := range map[string]func(map[string]any){
		"out of bounds": func(f map[string]any) { f["k"] = 11.0 },
		"wrong type":    func(f map[string]any) { f["act"] = 1.0 },
		"not allowed":   func(f map[string]any) { f["act"] = "tanh" },
		"missing":       func(f map[string]any) { delete(f, "lr") },
		"unknown":       func(f map[string]any) { f["depth"] = 2.0 },
	} {
		var fields map[string]any
		json.Unmarshal(b, &fields)
		change(fields)
		if err := SetConfigFields(&toyPAL{}, fields); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.Contains(err.Error(), "config") {
			t.Errorf("%s: error %q does not say which config", name, err)
		}
	}
}
