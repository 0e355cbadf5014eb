package reports

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// renderFake writes the fake store and renders it; it returns the report folder.
func renderFake(t *testing.T, withK bool, o Options) (store, out string) {
	t.Helper()
	store = filepath.Join(t.TempDir(), "store")
	must(t, os.MkdirAll(store, 0o755))
	writeFakeStore(t, store, fakeStore(), withK)
	out = filepath.Join(store, "report")
	if err := Render(store, out, o); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return store, out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return string(b)
}

// wantIn checks that the text of file (report.html, a table) holds every one of want; a short
// file is shown whole when it lacks one.
func wantIn(t *testing.T, file, text string, want ...string) {
	t.Helper()
	lacks := false
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", file, w)
			lacks = true
		}
	}
	if lacks && len(text) < 10_000 {
		t.Logf("%s:\n%s", file, text)
	}
}

func TestRenderPageIsSelfContained(t *testing.T) {
	_, out := renderFake(t, true, Options{})
	page := readFile(t, filepath.Join(out, "report.html"))

	// The vendored echarts is inlined: a slice from the middle of the library is in the page.
	mid := echartsJS[len(echartsJS)/2 : len(echartsJS)/2+200]
	if !strings.Contains(page, mid) {
		t.Error("report.html does not contain the inlined echarts.min.js")
	}
	if len(echartsJS) < 500_000 || !strings.Contains(echartsJS, `"5.6.0"`) {
		t.Errorf("embedded echarts is not the vendored 5.6.0 (%d bytes)", len(echartsJS))
	}
	// Nothing is loaded from the network: no remote src/href, no stylesheet link, no import.
	remote := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:)?//`)
	if m := remote.FindString(page); m != "" {
		t.Errorf("report.html loads something from the network: %q", m)
	}
	for _, bad := range []string{"<script src", "<link ", "@import", "url(http"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q", bad)
		}
	}
	// One chart per dataset config and kind, each initialised.
	for _, id := range []string{"acc-vs-x-0", "acc-vs-x-1", "few-shot-0", "few-shot-1"} {
		if !strings.Contains(page, `id="`+id+`"`) || !strings.Contains(page, `mk("`+id+`"`) {
			t.Errorf("chart %s missing or not initialised", id)
		}
	}
	// The go-echarts function markers are stripped so that renderItem is a function, not a string.
	if strings.Contains(page, "__f__") {
		t.Error("report.html still holds go-echarts __f__ markers")
	}
	if !strings.Contains(page, `"renderItem":function (params, api)`) {
		t.Error("error bars are not drawn by a custom series renderItem function")
	}
}

// The expected cells are worked out by hand from fakeStore. For k_true = 3:
//
//	btl        seen 70, 72, 74  -> 72.00 ± 2.00, t(0.975,2) = 4.3027, half 4.3027·2/√3 = 4.97
//	pal-a K=2  seen 80, 82, 81  -> 81.00 ± 1.00, half 2.48
//	pal-a K=3  seen 90, 93 (seed 3 failed) -> 91.50 ± 2.12, t(0.975,1) = 12.706, half 19.06
//	K=2 - btl  diffs 10, 10, 7 pp -> 9.00 ± 1.73, half 4.30, t = 9 on 2 df, p = 1 - 9/√83 = 0.012
//	K=3 - btl  diffs 20, 21 pp -> 20.50 ± 0.71, half 6.35, t = 41 on 1 df, p = (2/π)·atan(1/41) = 0.016
func TestRenderTables(t *testing.T) {
	_, out := renderFake(t, true, Options{})
	page := readFile(t, filepath.Join(out, "report.html"))
	acc := readFile(t, filepath.Join(out, "tables", "accuracy.md"))
	paired := readFile(t, filepath.Join(out, "tables", "paired.md"))

	wantIn(t, "accuracy.md", acc,
		// The Bayes-optimal accuracies once per dataset configuration, on its first row.
		"| 3 | BTL | 72.00 ± 2.00 | [67.03, 76.97] | 95.00 ± 0.00 | 70.00 ± 1.00 | [67.52, 72.48] | 95.00 ± 0.00 | 101 | 3 |",
		"| 3 | PAL-A, K = 2 | 81.00 ± 1.00 | [78.52, 83.48] |  | 79.00 ± 1.00 | [76.52, 81.48] |  | 120 | 3 |",
		// 91.50 ± 12.706·2.12/√2 = [72.44, 110.56]: cut to 100 and marked.
		"| 3 | PAL-A, K = 3 | 91.50 ± 2.12 | [72.44, 100.00]* |  | 88.50 ± 0.71 | [82.15, 94.85] |  | 130 | 2 |",
	)
	// Unseen-user accuracies are paired too: K = 2 gains 9 points on every seed (0.78-0.69,
	// 0.79-0.70, 0.80-0.71), so the spread is zero and p is 0.
	wantIn(t, "paired.md", paired,
		"| 3 | PAL-A, K = 2 | BTL | 3 | 9.00 ± 1.73 | [4.70, 13.30] | 0.012 | 9.00 ± 0.00 | [9.00, 9.00] | < 0.001 | — |",
		"| 3 | PAL-A, K = 3 | BTL | 2 | 20.50 ± 0.71 | [14.15, 26.85] | 0.016 | 19.00 ± 0.00 | [19.00, 19.00] | < 0.001 | only 2 paired seeds: interval and p-value are unreliable |",
		"| 3 | PAL-A, K = 1 | BTL | 3 | 0.00 ± 1.00 | [−2.48, 2.48] | 1.000 | 0.00 ± 1.00 | [−2.48, 2.48] | 1.000 | — |",
	)
	// The page shows the same numbers, the n < 3 warning and the failed run with its reason.
	wantIn(t, "report.html", page,
		"72.00 ± 2.00", "[67.03, 76.97]", "91.50 ± 2.12", "9.00 ± 1.73", "[4.70, 13.30]", "0.012",
		"fewer than 3 paired seeds",
		"run11-k3-pal-a-k3-s3", "training diverged: loss is NaN at epoch 4",
		"synthetic-test", "A fake sweep: PAL-A with K = 1..3 and BTL", "v0.1.0-test", "0123456789ab", "go1.26.8", "sha256:k3-s2",
		"23 ok", "1 failed", "3 (1, 2, 3)",
	)
}

func TestRenderTableFormats(t *testing.T) {
	_, out := renderFake(t, true, Options{})
	tex := readFile(t, filepath.Join(out, "tables", "accuracy.tex"))
	wantIn(t, "accuracy.tex", tex, `\toprule`, `\midrule`, `\bottomrule`, `K\_true`, `72.00 $\pm$ 2.00`, `seen test acc (\%)`, `95\% CI`, `\\`,
		`\begin{table}`, `\caption{Seen- and unseen-user`, `\label{tab:accuracy}`, `PAL-A, K = 3`)
	// A midrule under the header and one between the two dataset configurations.
	if n := strings.Count(tex, `\midrule`); n != 2 {
		t.Errorf("accuracy.tex has %d midrules, want 2", n)
	}
	if strings.Contains(tex, "±") || strings.Contains(tex, "—") {
		t.Error("accuracy.tex holds raw ± or — instead of LaTeX")
	}
	ptex := readFile(t, filepath.Join(out, "tables", "paired.tex"))
	if !strings.Contains(ptex, `$\Delta$ seen test acc (pp)`) || !strings.Contains(ptex, `$<$`) && strings.Contains(ptex, "<") {
		t.Errorf("paired.tex is not escaped:\n%s", ptex)
	}
	// True minus signs, and nothing but ASCII for pdflatex.
	if !strings.Contains(ptex, `[$-$2.48, 2.48]`) {
		t.Errorf("paired.tex has no true minus sign:\n%s", ptex)
	}
	for _, r := range ptex + tex {
		if r > 0x7e {
			t.Fatalf("a .tex table holds the non-ASCII character %q", r)
		}
	}

	f, err := os.Open(filepath.Join(out, "tables", "accuracy.csv"))
	must(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	must(t, err)
	if len(rows) != 1+8 {
		t.Fatalf("accuracy.csv: %d lines, want a header and 8 rows", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"dataset.k_true", "model", "model.k", "n_seeds", "seen_test_acc_mean", "seen_test_acc_ci_lo", "bayes_test_acc_mean", "trainable_params"} {
		if _, ok := col[h]; !ok {
			t.Errorf("accuracy.csv has no column %q (has %v)", h, rows[0])
		}
	}
	// Row 5 is k_true = 3, btl: plain fractions, BTL's K empty.
	r := rows[5]
	if r[col["dataset.k_true"]] != "3" || r[col["model"]] != "btl" || r[col["model.k"]] != "" || !strings.HasPrefix(r[col["seen_test_acc_mean"]], "0.72") {
		t.Errorf("accuracy.csv row 5 = %v", r)
	}
	few := readFile(t, filepath.Join(out, "tables", "few_shot.csv"))
	if !strings.HasPrefix(few, "dataset.k_true,model,model.k,pairs_per_user,") {
		t.Errorf("few_shot.csv header: %q", strings.SplitN(few, "\n", 2)[0])
	}
}

func TestRenderFigures(t *testing.T) {
	_, out := renderFake(t, true, Options{})
	for _, name := range []string{"acc_vs_k__k_true=1", "acc_vs_k__k_true=3", "few_shot__k_true=1", "few_shot__k_true=3"} {
		f, err := os.Open(filepath.Join(out, "figures", name+".png"))
		if err != nil {
			t.Error(err)
			continue
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Errorf("%s.png: %v", name, err)
			continue
		}
		// A single column, 3.25 in at 300 dpi; the height is the plot's 2.2 in and the legend's.
		if b := img.Bounds(); b.Dx() != 975 || b.Dy() < 660 || b.Dy() > 1000 {
			t.Errorf("%s.png is %dx%d, want 975 wide and 660 to 1000 high", name, b.Dx(), b.Dy())
		}
		svg := readFile(t, filepath.Join(out, "figures", name+".svg"))
		if !strings.HasPrefix(svg, "<?xml") || !strings.Contains(svg, "<svg") {
			t.Errorf("%s.svg is not an SVG", name)
		}
	}
}

// The same store gives the same bytes, file by file.
func TestRenderDeterministic(t *testing.T) {
	store, out := renderFake(t, true, Options{})
	again := filepath.Join(store, "report2")
	must(t, Render(store, again, Options{}))
	err := filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		a, _ := os.ReadFile(path)
		b, err := os.ReadFile(filepath.Join(again, rel))
		if err != nil {
			t.Errorf("%s only in the first report", rel)
		} else if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two renders of the same store", rel)
		}
		return nil
	})
	must(t, err)
}

func TestRenderWithoutK(t *testing.T) {
	_, out := renderFake(t, false, Options{})
	page := readFile(t, filepath.Join(out, "report.html"))
	if !strings.Contains(page, `no numeric &#34;model.k&#34; axis`) {
		t.Error("no note saying why there is no accuracy-vs-K chart")
	}
	if strings.Contains(page, `id="acc-vs-x-0"`) {
		t.Error("accuracy-vs-K chart drawn without a K axis")
	}
	if !strings.Contains(page, `id="few-shot-0"`) {
		t.Error("few-shot chart missing without a K axis")
	}
	matches, _ := filepath.Glob(filepath.Join(out, "figures", "acc_vs_*"))
	if len(matches) != 0 {
		t.Errorf("accuracy-vs-K figures written without a K axis: %v", matches)
	}
	// Without K the three PAL-A configs of a seed collapse into one config with three runs each.
	acc := readFile(t, filepath.Join(out, "tables", "accuracy.md"))
	if !strings.Contains(acc, "| 3 | PAL-A |") || strings.Count(acc, "\n") != 2+4 {
		t.Errorf("accuracy.md without K:\n%s", acc)
	}
}

func TestRenderBaselineOption(t *testing.T) {
	_, out := renderFake(t, true, Options{Baseline: "nope"})
	page := readFile(t, filepath.Join(out, "report.html"))
	if !strings.Contains(page, "No paired comparison") || !strings.Contains(page, "nope") {
		t.Error("a missing baseline is not explained")
	}
	if _, err := os.Stat(filepath.Join(out, "tables", "paired.md")); err == nil {
		t.Error("paired.md written without a baseline")
	}
}

func TestRenderErrors(t *testing.T) {
	empty := t.TempDir()
	err := Render(empty, filepath.Join(empty, "report"), Options{})
	if err == nil || !strings.Contains(err.Error(), "no <run>/result.json") {
		t.Errorf("empty store: err = %v", err)
	}
	if err := Render(filepath.Join(empty, "missing"), filepath.Join(empty, "r"), Options{}); err == nil {
		t.Error("missing store: no error")
	}
	if err := Render(empty, filepath.Join(empty, "r"), Options{CILevel: 1.5}); err == nil || !strings.Contains(err.Error(), "between 0 and 1") {
		t.Errorf("bad CI level: err = %v", err)
	}
}

func TestUnreadableResultIsListedAsFailed(t *testing.T) {
	store := t.TempDir()
	writeFakeStore(t, store, fakeStore()[:3], true)
	must(t, os.MkdirAll(filepath.Join(store, "broken"), 0o755))
	must(t, os.WriteFile(filepath.Join(store, "broken", "result.json"), []byte(`{"run_id": `), 0o644))
	writeManifest(t, store, append(manifestRuns(t, store), "broken"))
	out := filepath.Join(store, "report")
	var warnings strings.Builder
	must(t, Render(store, out, Options{Warnings: &warnings}))
	page := readFile(t, filepath.Join(out, "report.html"))
	if !strings.Contains(page, "unreadable") || !strings.Contains(page, "broken") {
		t.Error("an unreadable result.json is not listed among the failed runs")
	}
	// and the person running pal report hears of it without opening the page (issue 16, defect 10).
	if w := warnings.String(); !strings.Contains(w, "unreadable") || !strings.Contains(w, filepath.Join("broken", "result.json")) {
		t.Errorf("warnings %q do not name the unreadable file", w)
	}
}

// Results of an earlier version of the spec stay in the store but are never pooled with the
// current spec's: the report uses exactly the manifest's runs and says how many it left out
// (issue 16, defect 2).
func TestStaleResultsAreNotPooled(t *testing.T) {
	store := t.TempDir()
	runs := fakeStore()
	writeFakeStore(t, store, runs, true)
	current := manifestRuns(t, store)
	out := filepath.Join(store, "report")
	must(t, Render(store, out, Options{}))
	before := readFile(t, filepath.Join(out, "tables", "accuracy.csv"))
	// Another version of the spec: the same configurations with other accuracies and other
	// run ids, then the manifest of the first version again.
	other := make([]fakeRun, len(runs))
	for i, r := range runs {
		other[i] = r
		other[i].seen, other[i].unseen = r.seen/2, r.unseen/2
	}
	writeFakeStorePrefix(t, store, other, true, "old")
	writeManifest(t, store, current)
	must(t, Render(store, out, Options{}))
	if after := readFile(t, filepath.Join(out, "tables", "accuracy.csv")); after != before {
		t.Errorf("the stale results changed the accuracy table:\n%s\nvs\n%s", before, after)
	}
	page := readFile(t, filepath.Join(out, "report.html"))
	if !strings.Contains(page, fmt.Sprintf("%d result(s) in this store belong to another version of the spec", len(runs))) {
		t.Error("the report does not say that stale results were left out")
	}
	// A store whose manifest lists none of its results is refused.
	writeManifest(t, store, []string{"not-run-yet"})
	if err := Render(store, out, Options{}); err == nil || !strings.Contains(err.Error(), "another version") {
		t.Errorf("a store holding only stale results: %v", err)
	}
}

// With headless Chromium installed (.ci/run installs it), render the page offline twice, as
// written and with its scripts cut out, and check that the charts draw: the inlined echarts
// must add many coloured pixels that the static page (tables, links, borders) does not have.
func TestScreenshotWithChromium(t *testing.T) {
	chromium := chromiumOrSkip(t)
	_, out := renderFake(t, true, Options{})
	page := readFile(t, filepath.Join(out, "report.html"))
	static := regexp.MustCompile(`(?s)<script.*?</script>`).ReplaceAllString(page, "")
	must(t, os.WriteFile(filepath.Join(out, "static.html"), []byte(static), 0o644))
	withJS := colouredPixels(t, chromium, filepath.Join(out, "report.html"))
	withoutJS := colouredPixels(t, chromium, filepath.Join(out, "static.html"))
	t.Logf("coloured pixels (sampled): %d with JavaScript, %d without", withJS, withoutJS)
	if withJS-withoutJS < 2000 {
		t.Errorf("the charts did not draw: %d coloured pixels with JavaScript, %d without", withJS, withoutJS)
	}
}

// chromiumOrSkip returns the headless Chromium to render pages with, or skips the test.
func chromiumOrSkip(t *testing.T) string {
	t.Helper()
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("no /usr/bin/chromium: install Debian's chromium package to run this test")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	return chromium
}

func colouredPixels(t *testing.T, chromium, page string) int {
	t.Helper()
	img := screenshot(t, chromium, page, 1280, 8000) // tall: the charts start below the summary and the first tables
	return colouredIn(img, img.Bounds())
}

// screenshot renders page in headless Chromium, offline, in a window of w x h pixels.
func screenshot(t *testing.T, chromium, page string, w, h int) image.Image {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "screenshot.png")
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), fmt.Sprintf("--window-size=%d,%d", w, h), "--virtual-time-budget=5000",
		"--screenshot=" + shot}
	cmd := exec.Command(chromium, append(args, "file://"+page)...)
	done := make(chan error, 1)
	must(t, cmd.Start())
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("chromium did not finish in 60 s")
	}
	f, err := os.Open(shot)
	must(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	must(t, err)
	return img
}

// colouredIn counts the coloured (non-grey) pixels of r, sampling every other one: the chart
// series are drawn in the palette's colours.
func colouredIn(img image.Image, r image.Rectangle) int {
	coloured := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			red, g, bl, _ := img.At(x, y).RGBA()
			if max3(red, g, bl)-min3(red, g, bl) > 0x3000 {
				coloured++
			}
		}
	}
	return coloured
}

func max3(a, b, c uint32) uint32 { return max(a, max(b, c)) }
func min3(a, b, c uint32) uint32 { return min(a, min(b, c)) }

// A store where nothing succeeded still gets a report: it is the list of what went wrong.
func TestRenderAllFailed(t *testing.T) {
	store := t.TempDir()
	var failedOnly []fakeRun
	for _, fr := range fakeStore() {
		if fr.failed != "" {
			failedOnly = append(failedOnly, fr)
		}
	}
	writeFakeStore(t, store, failedOnly, true)
	out := filepath.Join(store, "report")
	must(t, Render(store, out, Options{}))
	page := readFile(t, filepath.Join(out, "report.html"))
	wantIn(t, "report.html", page, "0 ok", "training diverged", "No paired comparison")
}

// Without model.k the accuracy chart is drawn against the other numeric model axis (depth
// here); asked for model.k by name (pal report --x model.k), it falls back on it and says so.
func TestRenderFallbackXAxis(t *testing.T) {
	store := t.TempDir()
	writeFakeStore(t, store, fakeStore(), true)
	files, err := filepath.Glob(filepath.Join(store, "*", "result.json"))
	must(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(t, err)
		must(t, os.WriteFile(f, bytes.ReplaceAll(b, []byte(`"model.k"`), []byte(`"model.depth"`)), 0o644))
	}
	out := filepath.Join(store, "report")
	must(t, Render(store, out, Options{}))
	page := readFile(t, filepath.Join(out, "report.html"))
	if !strings.Contains(page, "Accuracy vs depth") || strings.Contains(page, "instead") {
		t.Error("the depth axis is not the default chart's, or is announced as a fallback")
	}
	if _, err := os.Stat(filepath.Join(out, "figures", "acc_vs_depth__k_true=3.png")); err != nil {
		t.Error(err)
	}
	must(t, Render(store, out, Options{XAxis: "model.k"}))
	page = readFile(t, filepath.Join(out, "report.html"))
	if !strings.Contains(page, "the chart uses &#34;model.depth&#34; instead") || !strings.Contains(page, "Accuracy vs depth") {
		t.Error("the fallback axis is not announced")
	}
}
