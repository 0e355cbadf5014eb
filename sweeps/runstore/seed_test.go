package runstore

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSeedsSurviveDoubleReaders: a derived seed above 2^53 is written as a string, so a reader
// that parses numbers as doubles (jq, JavaScript) keeps every digit, and it reads back exactly.
func TestSeedsSurviveDoubleReaders(t *testing.T) {
	const big = 4321298126036553107 // a data seed seen in a real result.json; > 2^53
	r := Result{DataSeed: big, ModelSeed: 1<<64 - 1}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"data_seed":"4321298126036553107"`) || !strings.Contains(string(b), `"model_seed":"18446744073709551615"`) {
		t.Fatalf("seeds not written as strings: %s", b)
	}
	// What a double-based reader sees: the string survives, a number would not.
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	if generic["data_seed"] != "4321298126036553107" {
		t.Errorf("generic reader got %v", generic["data_seed"])
	}
	if f := float64(uint64(big)); uint64(f) == big {
		t.Fatalf("test premise: %d should not survive a float64", uint64(big))
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.DataSeed != big || back.ModelSeed != 1<<64-1 {
		t.Errorf("read back %d, %d", back.DataSeed, back.ModelSeed)
	}
}

// TestSeedReadsVersionOneNumbers: result.json of schema version 1 held the seeds as numbers;
// Go's decoder reads them exactly, so old stores keep working.
func TestSeedReadsVersionOneNumbers(t *testing.T) {
	var r Result
	if err := json.Unmarshal([]byte(`{"schema_version":1,"data_seed":4321298126036553107,"model_seed":7}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.DataSeed != 4321298126036553107 || r.ModelSeed != 7 {
		t.Errorf("got %d, %d", r.DataSeed, r.ModelSeed)
	}
	for _, bad := range []string{`"-1"`, `"1e3"`, `"abc"`, `1.5`, `"18446744073709551616"`, `"12`} {
		var s Seed
		if err := s.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%s: accepted as %d", bad, s)
		}
	}
}
