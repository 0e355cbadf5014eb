package reports

import (
	"bytes"
	"strings"
	"testing"
)

// Values in prose are rewritten from the fake store's tables; each expected number is computed
// by hand from fakeStore (seen accuracy per seed, paired differences by seed).
func TestUpdateValuesFromStore(t *testing.T) {
	store := t.TempDir()
	writeFakeStore(t, store, fakeStore(), true)
	sv, err := LoadStoreValues(store, Options{})
	must(t, err)
	if sv.Name != "synthetic-test" {
		t.Fatalf("store name %q", sv.Name)
	}
	stores := map[string]*StoreValues{sv.Name: sv}
	v := func(spec string) string {
		return "<!-- pal:value synthetic-test " + spec + " -->typed<!-- pal:/value -->"
	}
	cases := []struct{ spec, want string }{
		// (0.80 + 0.82 + 0.81) / 3
		{"100*accuracy:seen_test_acc_mean[k_true=3 model=pal-a k=2] | .2", "81.00"},
		// K = 3 against BTL by seed: 0.90 − 0.70, 0.93 − 0.72 (seed 3 failed): mean 0.205
		{"100*paired:diff_mean[k_true=3, model=pal-a, model.k=3]", "20.5"},
		{"paired:p[k_true=3 model=pal-a k=2] | p", "0.012"},
		// the best and the worst configuration on K_true = 3: PAL-A K = 3 (0.915), BTL (0.72)
		{"100*max(accuracy:seen_test_acc_mean[k_true=3])", "91.5"},
		{"100 * (min(accuracy:seen_test_acc_mean[k_true=3]) - max(accuracy:seen_test_acc_mean[k_true=3])) | +.1", "−19.5"},
		{"-2 + 3*4/2 | .0", "4"},
		// with PAL-A as the baseline, BTL is paired with PAL-A K = 1: 0.84 + d − (0.83 + d)
		{"100*paired@pal-a:diff_mean[k_true=1 model=btl] | +.2", "+1.00"},
		// runs.csv: 9 + 9 PAL-A runs, one failed
		{"count(runs:seed[model=pal-a status=ok]) | .0", "17"},
		// BTL's seeds 1, 2, 3 on both K_true, and 10: 22 / 7
		{"mean(runs:seed[model=btl], 10) | .2", "3.14"},
		{"abs(-0.004) | .2", "0.00"},
		{"-0.004 | +.2", "0.00"}, // rounds to zero: no sign, no minus
		{"0.004 | +.3", "+0.004"},
		// paired by seed from runs.csv: K = 3 − K = 2 on K_true = 3, seeds 1 and 2 (3 failed):
		// 0.10 and 0.11, mean 0.105, std 0.00707, t quantile 12.706: half-width 0.0635
		{"100*mean(diff(runs:acc_test[k_true=3 model=pal-a k=3 status=ok], runs:acc_test[k_true=3 model=pal-a k=2])) | .2", "10.50"},
		{"100*ci_lo(diff(runs:acc_test[k_true=3 model=pal-a k=3 status=ok], runs:acc_test[k_true=3 model=pal-a k=2])) | .2", "4.15"},
		{"100*ci_hi(diff(runs:acc_test[k_true=3 model=pal-a k=3 status=ok], runs:acc_test[k_true=3 model=pal-a k=2])) | .2", "16.85"},
		{"100*std(runs:acc_test[k_true=3 model=btl]) | .1", "2.0"},
		// t = 0.105 / (0.00707/√2) = 21: two-sided p with 1 degree of freedom 0.0303
		{"p(diff(runs:acc_test[k_true=3 model=pal-a k=3 status=ok], runs:acc_test[k_true=3 model=pal-a k=2])) | p", "0.030"},
	}
	var doc strings.Builder
	doc.WriteString("# Results\n\nProse.\n")
	for _, c := range cases {
		doc.WriteString("- " + v(c.spec) + "\n")
	}
	doc.WriteString("Markers in code are text: `<!-- pal:value EXPERIMENT EXPR -->` and `<!-- pal:/value -->`,\n```\n<!-- pal:value synthetic-test 1 | .0 -->x<!-- pal:/value -->\n```\n")
	doc.WriteString("Another experiment's value stays: <!-- pal:value persona 100*accuracy:seen_test_acc_mean[model=btl] -->72.5<!-- pal:/value -->\n")
	got, n, missing, err := UpdateValues([]byte(doc.String()), stores)
	must(t, err)
	if n != len(cases) || strings.Join(missing, ",") != "persona" {
		t.Errorf("rewrote %d values (want %d), experiments not given %v", n, len(cases), missing)
	}
	lines := strings.Split(string(got), "\n")
	for i, c := range cases {
		if want := "- " + strings.Replace(v(c.spec), "typed", c.want, 1); lines[3+i] != want {
			t.Errorf("%s:\n got %s\nwant %s", c.spec, lines[3+i], want)
		}
	}
	wantIn(t, "updated document", string(got), "Prose.", "-->72.5<!-- pal:/value -->", "\n<!-- pal:value synthetic-test 1 | .0 -->x<!-- pal:/value -->\n")
	again, _, _, err := UpdateValues(got, stores)
	must(t, err)
	if !bytes.Equal(again, got) {
		t.Error("a second update changed the document")
	}

	for spec, want := range map[string]string{
		"100*accuracy:seen_test_acc_mean[k_true=3 model=pal-a]": "matches 3 rows: add a filter, or take min, max, mean, sum or count",
		"accuracy:seen_test_acc_mean[k_true=7]":                 "matches no row",
		"accuracy:nope[k_true=3 model=btl]":                     `no column "nope" (the table has: dataset.k_true, model`,
		"accuracy:seen_test_acc_mean[colour=red]":               `filter colour=red: no column "colour"`,
		"accuracy:seen_test_acc_mean[k_true]":                   `filter "k_true": write KEY=VALUE`,
		"nosuch:x[a=1]":                                         `has no table "nosuch" (it has: accuracy`,
		"(1 + 2 | .1":                                           "missing ) at column",
		"1 + | .1":                                              "expected a number, a reference TABLE:COLUMN[KEY=VALUE ...] or a function",
		"diff(runs:acc_test[k_true=3 model=btl], runs:acc_test[k_true=3 model=pal-a])":                 "diff gives one difference per seed",
		"mean(diff(runs:acc_test[k_true=3 model=btl], runs:acc_test[k_true=3 model=pal-a status=ok]))": "the second reference has seed 1 twice",
		"mean(diff(runs:acc_test[k_true=3 model=btl], accuracy:n_seeds[k_true=3 model=btl]))":          "diff takes two references to a table with a seed column",
		"1 2":      `unexpected "2"`,
		"1 | %d":   `format "%d": use .N`,
		"1/0":      "the value is +Inf",
		"max(1 2)": "max(: expected , or )",
		"":         "no expression",
		"1 -->x<!-- pal:/value -->\n  <!-- pal:value synthetic-test 2": "line 4: <!-- pal:value synthetic-test 2 --> starts the line",
	} {
		doc := "line one\n\nvalue: <!-- pal:value synthetic-test " + spec + " -->x<!-- pal:/value -->\n"
		if _, _, _, err := UpdateValues([]byte(doc), stores); err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "line 3: ") && !strings.HasPrefix(want, "line ") {
			t.Errorf("%q: error %v, want line 3 and %q", spec, err, want)
		}
	}
}

// A column may be named without its prefix only when that names one column.
func TestTidyColumnByShortName(t *testing.T) {
	tb := tidyTable{Header: []string{"dataset.k", "model.k", "model", "k_true"}}
	if i, err := tb.column("model"); err != nil || i != 2 {
		t.Errorf("model: %d %v", i, err)
	}
	if _, err := tb.column("k"); err == nil || !strings.Contains(err.Error(), "ambiguous (dataset.k and model.k)") {
		t.Errorf("k: %v", err)
	}
	if got := splitFilters(`k_true=3, dataset="K_true = 1"  model=btl`); strings.Join(got, "|") != `k_true=3|dataset="K_true = 1"|model=btl` {
		t.Errorf("splitFilters: %q", got)
	}
	if !sameCell("3", "3.0") || sameCell("3", "30") || !sameCell("", "") || sameCell("", "0") {
		t.Error("sameCell compares numbers as numbers and empty only with empty")
	}
}
