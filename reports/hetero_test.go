package reports

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The heterogeneity sections on the fake store (hetero_store_test.go), against numbers worked
// out by hand from its construction.
func TestHeteroSectionsOnFakeStore(t *testing.T) {
	_, out := renderFake(t, true, Options{})
	tab := func(name string) string { return readFile(t, filepath.Join(out, "tables", name)) }

	// BTL, k_true = 3, seed 1 (mean 0.70): users' offsets by group are (-0.04, -0.02, 0),
	// (0, 0.02, 0.04), (0.04, -0.04, -0.02); group 0 gets +8 points and the others -8, so the
	// groups reach 76.00, 64.00 and 61.33%: worst 61.33, gap 14.67. Seeds 2 and 3 add 2 and 4
	// points to everything: worst groups 61.33, 63.33, 65.33 (mean 63.33, std 2.00).
	wantIn(t, "groups.md", tab("groups.md"), "| 3 | BTL | 3 | 63.33 ± 2.00 |", "| 14.67 |")
	// PAL-A with K = 3 gives every group the same mean offset pattern without the ±8.
	// Recovery: K = 3 puts each group on its own prototype (ARI 1); K = 2 merges groups 0 and 2
	// onto prototype 0: sum C(n_ij, 2) = 9, rows 9, columns C(6,2)+C(3,2) = 18, expected
	// 9*18/36 = 4.5, max 13.5: ARI = 4.5/9 = 0.5; NMI = H(P) / ((ln 3 + H(P))/2) with
	// H(P) = -(2/3 ln 2/3 + 1/3 ln 1/3) = 0.6365: 0.734. The weight on the matched prototype
	// is 0.65, 0.70, 0.75 by seed: TV 0.35, 0.30, 0.25 (seed 3 of K = 3 failed: 0.325 ± 0.035).
	rec := tab("recovery.md")
	wantIn(t, "recovery.md", rec, "| 3 | PAL-A, K = 2 | 0.500 ± 0.000 |", "0.734 ± 0.000", "| 3 | PAL-A, K = 3 | 1.000 ± 0.000 |", "0.325 ± 0.035")
	// The users' mean weight vector is uniform at K = k_true = 3 (three users per group):
	// effective number 3.00 both ways.
	wantIn(t, "prototypes_used.md", tab("prototypes_used.md"), "| 3 | PAL-A, K = 3 | 3.00 ± 0.00 | 3.00 ± 0.00 |")
	// Choosing K on k_true = 3: mean val accuracies 0.72, 0.81, 0.915 (se 0.015): K = 3. Seed
	// by seed (binomial se of 100 val pairs): 3, 3, and on seed 3 (whose K = 3 run failed)
	// K = 2 (0.81 - 0.039 > 0.73): right in 2 of 3.
	wantIn(t, "choose_k.md", tab("choose_k.md"), "| K_true = 3 | PAL-A | 3 | 3 | 3, 3, 2 | 2 of 3 |")
	// The epoch cap is 13: every seed-3 run (13 epochs) is at the cap.
	page := readFile(t, filepath.Join(out, "report.html"))
	wantIn(t, "report.html", page, "stopped at the epoch cap", "Headline findings", "the one-standard-error rule on validation accuracy picks K = 3 for PAL-A")
	// Calibration: only BTL (logistic) is shown; PAL-A (hinge) is left out by name.
	cal := tab("calibration.md")
	if strings.Contains(cal, "PAL-A") || !strings.Contains(cal, "BTL") {
		t.Errorf("calibration.md should hold btl and not the hinge-trained pal-a:\n%s", cal)
	}
	wantIn(t, "report.html", page, "Left out (trained with a loss whose margins are not log-odds)")
	// The simplex: K = 3 is a ternary plot, K = 2 a strip per group.
	for _, f := range []string{"simplex__k_true=3__pal-a__k=3.svg", "simplex__k_true=3__pal-a__k=2.svg", "geometry__k_true=3__pal-a__k=3.svg"} {
		if _, err := os.Stat(filepath.Join(out, "figures", f)); err != nil {
			t.Error(err)
		}
	}
}

// Without analysis records (a store written before them) every heterogeneity section says in
// one note why it is left out, and none draws an empty chart.
func TestHeteroSectionsWithoutRecords(t *testing.T) {
	store, out := renderFake(t, true, Options{})
	entries, err := os.ReadDir(store)
	must(t, err)
	for _, e := range entries {
		os.Remove(filepath.Join(store, e.Name(), "analysis.json.gz"))
	}
	_ = out
	// The results still list the file: the report must say it is missing, not fail.
	out2 := filepath.Join(t.TempDir(), "report")
	if err := Render(store, out2, Options{}); err != nil {
		t.Fatal(err)
	}
	page := readFile(t, filepath.Join(out2, "report.html"))
	wantIn(t, "report.html", page, "could not be read", "so there is nothing to draw on the simplex", "so there are no training curves")
	figs, _ := os.ReadDir(filepath.Join(out2, "figures"))
	for _, f := range figs {
		if strings.HasPrefix(f.Name(), "simplex") || strings.HasPrefix(f.Name(), "recovery") || strings.HasPrefix(f.Name(), "curves") {
			t.Errorf("a figure without data: %s", f.Name())
		}
	}
}

// The page with every heterogeneity chart opens offline in headless Chromium with no console
// message (an echarts option the library rejects, a renderItem that throws), and echarts draws
// a canvas into every chart of the page.
func TestHeteroPageInChromium(t *testing.T) {
	chromium := chromiumOrSkip(t)
	_, out := renderFake(t, true, Options{})
	page := filepath.Join(out, "report.html")
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", "file://" + page}
	cmd := exec.Command(chromium, args...)
	var dom, logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &dom, &logs
	must(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("chromium did not finish in 60 s")
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console: %s", line)
		}
	}
	html := readFile(t, page)
	ids := regexp.MustCompile(`<div class="chart" id="([^"]+)"`).FindAllStringSubmatch(html, -1)
	checked := 0
	for _, m := range ids {
		id := m[1]
		re := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*><div[^>]*><canvas`)
		if !re.MatchString(dom.String()) {
			t.Errorf("chart %s has no canvas: echarts did not draw it", id)
		}
		checked++
	}
	if checked < 10 {
		t.Errorf("only %d charts found on the page", checked)
	}
	t.Logf("%d charts drawn", checked)
}

// The index page of several reports: each experiment's headline (the summary's first finding
// and the worst-group one), its link, and a note for an experiment without a report.
func TestIndexPage(t *testing.T) {
	store, _ := renderFake(t, true, Options{})
	h, err := Headline(store)
	must(t, err)
	// The fake store's k_true = 3 config: pal-a (k=3) has the highest mean seen-user accuracy
	// (0.90 and 0.93: 91.5%).
	wantIn(t, "headline", h, "PAL-A, K = 3 reaches the highest seen-user test accuracy, 91.5%", "Worst group: BTL's worst group reaches 63.3%")
	dir := t.TempDir()
	path, err := WriteIndex(dir, "Every experiment", []IndexEntry{
		{Name: "synthetic", Report: "synthetic/report/report.html", Headline: h},
		{Name: "persona", Note: "skipped: data set <not on disk>"},
	})
	must(t, err)
	page := readFile(t, path)
	wantIn(t, "index.html", page, `<a href="synthetic/report/report.html"><strong>synthetic</strong></a>`, "PAL-A, K = 3 reaches", "skipped: data set &lt;not on disk&gt;")
}

// The simplex cell's finding on the fake store: with K = k_true = 3 every user's largest
// weight is on their group's prototype, with weight 0.65 and 0.70 (seeds 1 and 2; seed 3
// failed): 100% of users, mean weight 0.675, shown as 0.68.
func TestSimplexFinding(t *testing.T) {
	_, out := renderFake(t, true, Options{})
	page := readFile(t, filepath.Join(out, "report.html"))
	wantIn(t, "report.html", page, "most common prototype is 100.0% (95% CI 100.0–100.0%, 2 seeds), and the weight they put there averages 0.68")
}

// When every seed saw the same data (one fingerprint), users recur across seeds: each user
// is averaged over seeds and counted once. PAL-A K = 3 on k_true = 3 (seeds 1 and 2) against
// BTL: per user (0.90 + 0.93)/2 + offset against (0.70 + 0.72)/2 + offset ± 8 points, so the
// difference is 12.5 points for the 3 seen users of group 0 and 28.5 for the other 6: 9 users,
// mean 23.17.
func TestUsersAveragedOverSeedsOnSameData(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store")
	must(t, os.MkdirAll(store, 0o755))
	writeFakeStore(t, store, fakeStore(), true)
	files, err := filepath.Glob(filepath.Join(store, "*", "result.json"))
	must(t, err)
	same := regexp.MustCompile(`"sha256:k(\d)-s\d"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(t, err)
		must(t, os.WriteFile(f, same.ReplaceAll(b, []byte(`"sha256:k$1"`)), 0o644))
	}
	out := filepath.Join(store, "report")
	must(t, Render(store, out, Options{}))
	wantIn(t, "users.md", readFile(t, filepath.Join(out, "tables", "users.md")), "| 3 | PAL-A, K = 3 | test | 9 | 2 | 100.00 | 0.00 | 23.17 |")
	wantIn(t, "report.html", readFile(t, filepath.Join(out, "report.html")), "9 users, each averaged over 2 seeds of the same data")
}
