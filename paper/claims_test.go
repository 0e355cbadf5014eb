package paper

import (
	"math"
	"strings"
	"testing"
)

// The embedded claims file parses, and the numbers the issue and PAL.md quote are the ones in it:
// a typo in claims.toml would otherwise put a wrong published number in every report.
func TestEmbeddedClaims(t *testing.T) {
	cs, err := ParseClaims(ClaimsPath, claimsFile)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Claim{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	for id, want := range map[string]float64{
		"pick-a-filter-pal-beta1":             95.2,
		"pick-a-filter-homogeneous-beta1":     75.4,
		"pickapic-v2-gain-over-best-baseline": 2.5,
		"pickapic-v2-pal":                     70.5,
		"pickapic-v1-pal":                     71,
		"pickapic-v1-clip-zero-shot":          60.8,
		"pickapic-v1-pickscore":               70.2,
		"reddit-tldr-train-pairs":             20969,
		"reddit-tldr-val-pairs":               2330,
		"reddit-tldr-test-pairs":              4921,
		"reddit-tldr-seen-gain-over-pdpo":     1.7,
		"reddit-tldr-unseen-gain-over-pdpo":   36,
	} {
		c, ok := byID[id]
		if !ok || !c.Known || c.Value != want {
			t.Errorf("claim %s: value %v (known %v), want %v", id, c.Value, c.Known, want)
		}
	}
	// The synthetic experiment published no numbers: they must stay unknown.
	for _, c := range ClaimsFor("synthetic") {
		if c.Known || !math.IsNaN(c.Value) {
			t.Errorf("synthetic claim %s has value %v; the paper published none", c.ID, c.Value)
		}
	}
	if n := len(ClaimsFor("synthetic")); n != 4 {
		t.Errorf("%d synthetic claims, want 4", n)
	}
	// Every experiment named is an embedded spec or one of the image/text experiments whose specs
	// are added separately (names agreed with the specs' author).
	known := map[string]bool{"pick_a_filter": true, "pickapic_v1": true, "pickapic_v2": true, "reddit_tldr": true}
	for _, s := range Specs() {
		known[s.Name] = true
	}
	for _, c := range cs {
		if !known[c.Experiment] {
			t.Errorf("claim %s: experiment %q is no embedded spec", c.ID, c.Experiment)
		}
	}
}

func TestParseClaimsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"unknown value", `[[claim]]
id = "a"
experiment = "x"
quantity = "q"
source = "s"
secondary = true
value = "about 70"
rule = "unmeasured"
why = "w"`, []string{`claim #1 (a), value: "about 70": want a number or the string "unknown"`}},
		{"missing tolerance and select", `[[claim]]
id = "b"
experiment = "x"
quantity = "q"
source = "s"
secondary = false
value = 70.5
rule = "tolerance"
measure = "seen_acc"`, []string{"claim #1 (b), tolerance: rule \"tolerance\" needs a tolerance in points", "select: rule \"tolerance\" needs a select table"}},
		{"bad rule, missing secondary, duplicate id", `[[claim]]
id = "c"
experiment = "x"
quantity = "q"
source = "s"
value = "unknown"
rule = "roughly"
[[claim]]
id = "d"
experiment = "x"
quantity = "q"
source = "s"
secondary = true
value = "unknown"
rule = "unmeasured"
why = "w"
[[claim]]
id = "d"
experiment = "x"
quantity = "q"
source = "s"
secondary = true
value = "unknown"
rule = "unmeasured"
why = "w"`, []string{`claim #1 (c), secondary: missing`, `claim #1 (c), rule: "roughly": want one of tolerance`, `claim #3 (d), id: "d" is also the id of claim #2`}},
		{"recovers without min_ari", `[[claim]]
id = "r"
experiment = "x"
quantity = "q"
source = "s"
secondary = true
value = "unknown"
rule = "recovers"
select = { kind = "pal-a" }`, []string{`claim #1 (r), min_ari: rule "recovers" needs min_ari in (-1, 1]`}},
		{"unknown key and bad select key", `[[claim]]
id = "e"
experiment = "x"
quantity = "q"
source = "s"
secondary = true
value = 1.0
tolerance = 1.0
rule = "tolerance"
measure = "seen_acc"
select = { K = 3 }
colour = "red"`, []string{`unknown key "claim.colour"`, `select: key "K": want "model", "kind" or a key such as "model.k"`}},
		{"not comparable without why", `[[claim]]
id = "f"
experiment = "x"
quantity = "q"
source = "s"
secondary = true
value = "unknown"
tolerance = 1.0
rule = "tolerance"
measure = "seen_acc"
select = { kind = "pal-a" }
comparable = false`, []string{"claim #1 (f), why: comparable = false needs why"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseClaims("x.toml", []byte(tc.src))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// Conditions compare numbers with numbers, strings with strings, and a key with another key of
// the same run; a run without the key is never selected.
func TestConditions(t *testing.T) {
	cs, err := parseConditions(map[string]any{"model.k": ">= dataset.k_true", "kind": "!= btl", "dataset.mix_ratio": 1.0})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(cs); got != 3 {
		t.Fatalf("%d conditions", got)
	}
	run := func(vals map[string]any) func(string) (any, bool) {
		return func(k string) (any, bool) { v, ok := vals[k]; return v, ok }
	}
	for _, tc := range []struct {
		vals map[string]any
		want bool
	}{
		{map[string]any{"model.k": int64(3), "dataset.k_true": int64(3), "kind": "pal-a", "dataset.mix_ratio": 1.0}, true},
		{map[string]any{"model.k": int64(2), "dataset.k_true": int64(3), "kind": "pal-a", "dataset.mix_ratio": 1.0}, false},
		{map[string]any{"model.k": int64(4), "dataset.k_true": int64(3), "kind": "btl", "dataset.mix_ratio": 1.0}, false},
		{map[string]any{"model.k": int64(4), "dataset.k_true": int64(3), "kind": "pal-b", "dataset.mix_ratio": 0.4}, false},
		{map[string]any{"dataset.k_true": int64(3), "kind": "pal-b", "dataset.mix_ratio": 1.0}, false},                 // no model.k
		{map[string]any{"model.k": "3", "dataset.k_true": int64(3), "kind": "pal-b", "dataset.mix_ratio": 1.0}, false}, // string vs number
	} {
		if got := HoldsAll(cs, run(tc.vals)); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.vals, got, tc.want)
		}
	}
	if s := cs[2].String(); s != "model.k >= dataset.k_true" {
		t.Errorf("String() = %q", s)
	}
}
