package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pal-harness/pal/datasets/embed"
	"github.com/pal-harness/pal/datasets/tldr"
)

// The embedded experiments that read published data run end to end here, each on a miniature
// fixture written in the release's own layout into a cache folder (the data-folder override
// --cache), through `pal reproduce --only NAME`; each must finish with every run ok and render
// its report. Their specs are the real ones: only the data is small.

// pickle writes the Python pickle (protocol 2) of a comparison as the PAL authors' Pick-a-Pic
// archives hold it, in the bare form ((uid, prompt_emb, (left_emb, right_emb)), y) with the
// embeddings as lists of floats (joblib.load reads a plain pickle as it is).
func pickle(uid string, prompt, left, right []float32, y int32) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x80, 2}) // PROTO 2
	str := func(s string) {
		b.WriteByte('X')
		binary.Write(&b, binary.LittleEndian, uint32(len(s)))
		b.WriteString(s)
	}
	list := func(v []float32) {
		b.WriteString("](") // EMPTY_LIST, MARK
		for _, x := range v {
			b.WriteByte('G')
			binary.Write(&b, binary.BigEndian, float64(x))
		}
		b.WriteByte('e') // APPENDS
	}
	str(uid)
	list(prompt)
	list(left)
	list(right)
	b.WriteByte(0x86) // TUPLE2 (left, right)
	b.WriteByte(0x87) // TUPLE3 (uid, prompt, (left, right))
	b.WriteByte('J')
	binary.Write(&b, binary.LittleEndian, y)
	b.WriteByte(0x86) // TUPLE2 (sample, y)
	b.WriteByte('.')
	return b.Bytes()
}

// writeArchive writes a Pick-a-Pic style archive: users x perUser comparisons of dim-d unit
// prompt and image embeddings, one <id>.joblib pickle each, no split lists (the loader then
// splits each user's pairs by its fractions). Labels follow the cosine with the prompt, the
// zero-shot reward, except that the odd users prefer the other image (two groups that
// disagree), so zero-shot is right on exactly the even users' pairs.
func writeArchive(t *testing.T, path string, seed uint64, users, perUser, d int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	r := rand.New(rand.NewPCG(seed, 7))
	vec := func() []float32 {
		v := make([]float32, d)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	cos := func(a, b []float32) float64 {
		var ab, aa, bb float64
		for i := range a {
			ab += float64(a[i]) * float64(b[i])
			aa += float64(a[i]) * float64(a[i])
			bb += float64(b[i]) * float64(b[i])
		}
		return ab / math.Sqrt(aa*bb)
	}
	id := 0
	for u := range users {
		for range perUser {
			p, l, rt := vec(), vec(), vec()
			leftWins := (cos(p, l) > cos(p, rt)) == (u%2 == 0)
			y := int32(1)
			if leftWins {
				y = -1 // the authors' convention: -1 means the left image won
			}
			w, err := zw.Create(fmt.Sprintf("%d.joblib", id))
			if err != nil {
				t.Fatal(err)
			}
			w.Write(pickle(fmt.Sprintf("user%d", u), p, l, rt, y))
			id++
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// copyFile copies src to dst, making dst's folder.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeTLDR writes the 23 comparison files of summarize_from_feedback with 12 workers' train
// pairs (ranks 3, 4, 5 become the minority) and two outsiders with 110 validation pairs each
// (the unseen users); every other file is empty.
func writeTLDR(t *testing.T, dir string) {
	t.Helper()
	line := func(worker, split, post, left, right string, choice int) string {
		b, _ := json.Marshal(map[string]any{
			"info":      map[string]any{"id": "t3_x", "post": post, "title": "T", "subreddit": "s"},
			"summaries": []any{map[string]any{"text": left, "policy": "sup4", "note": nil}, map[string]any{"text": right, "policy": "sup4_6b", "note": nil}},
			"choice":    choice, "worker": worker, "batch": "batch3", "split": split, "extra": map[string]any{"confidence": 5},
		})
		return string(b) + "\n"
	}
	text := func(n, salt int) string { return fmt.Sprintf("%s %d", strings.Repeat("w", n), salt) }
	var train, valid strings.Builder
	for w := range 12 {
		for k := range 30 - w {
			train.WriteString(line(fmt.Sprintf("worker%02d", w), "train", fmt.Sprintf("post %d %d", w, k), text(1+k%7, k), text(2+(k*3)%5, k), k%2))
		}
		for k := range 3 {
			valid.WriteString(line(fmt.Sprintf("worker%02d", w), "valid2", fmt.Sprintf("vpost %d %d", w, k), text(2, k), text(9, k), 0))
		}
	}
	for _, o := range []string{"outsider1", "outsider2"} {
		for k := range 110 {
			valid.WriteString(line(o, "valid1", fmt.Sprintf("u %s %d", o, k), text(1+k%4, k), text(1+k%3+3, k), 1))
		}
	}
	for _, f := range tldr.ComparisonFiles {
		var body string
		switch f {
		case "batch3.json":
			body = train.String()
		case "batch11.json":
			body = valid.String()
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeEmbeddings is an OpenAI-compatible /v1/embeddings server: a text's vector is 8 numbers
// drawn from a generator seeded by the text's hash, plus its length (so the length rule of the
// TL;DR labels is learnable).
func fakeEmbeddings(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		type item struct {
			Embedding []float64 `json:"embedding"`
			Index     int       `json:"index"`
		}
		var data []item
		for i, s := range req.Input {
			h := fnv.New64a()
			io.WriteString(h, s)
			rg := rand.New(rand.NewPCG(h.Sum64(), 1))
			v := []float64{float64(len(s)) / 10}
			for range 8 {
				v = append(v, rg.NormFloat64())
			}
			data = append(data, item{v, i})
		}
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// runsOK reads runs.csv of a store and fails the test unless it has want rows, all ok.
func runsOK(t *testing.T, dir string, want int) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != want {
		t.Errorf("%s: %d runs, want %d", dir, len(rows)-1, want)
	}
	status := -1
	for i, h := range rows[0] {
		if h == "status" {
			status = i
		}
	}
	for _, r := range rows[1:] {
		if r[status] != "ok" {
			t.Errorf("%s: run %s has status %s: %s", dir, r[0], r[status], r[len(r)-1])
		}
	}
	return rows
}

// column returns the values of the named column for the rows whose column key equals value.
func column(rows [][]string, name, key, value string) []string {
	ci, ki := -1, -1
	for i, h := range rows[0] {
		switch h {
		case name:
			ci = i
		case key:
			ki = i
		}
	}
	var out []string
	for _, r := range rows[1:] {
		if ki >= 0 && r[ki] == value {
			out = append(out, r[ci])
		}
	}
	return out
}

func TestRealDataSpecsEndToEnd(t *testing.T) {
	if raceEnabled {
		t.Skip("slow under the race detector; the scheduler's race tests use small specs")
	}
	cache := t.TempDir()
	t.Setenv("PAL_CACHE", "")
	t.Setenv("PAL_PERSONA_DATA", "")
	t.Setenv(embed.EnvEndpoint, "")
	t.Setenv(embed.EnvModel, "")

	// Nothing on disk: --list says each is missing and names the command that gets it.
	code, out, stderr := runPal(t, "reproduce", "--list", "--cache", cache)
	if code != 0 {
		t.Fatalf("--list: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"pick_a_filter", "pal data fetch pick-a-filter-0.0 && pal data fetch pick-a-filter-0.2",
		"pickapic_v1", "pal data fetch pickapic-v1 && pal data fetch pickapic-v1-pickscore",
		"pickapic_v2", "pal data fetch pickapic-v2", "persona_in_pal", "pal data fetch persona-in-pal-k6",
		"reddit_tldr", "pal data fetch reddit-tldr", "synthetic_faithful", "robustness_adversaries",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--list lacks %q:\n%s", want, out)
		}
	}

	// The miniature releases, where pal data fetch puts them.
	const d = 1024 // the CLIP-H dimension: the specs' residual MLPs need width == input
	for i, beta := range []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"} {
		writeArchive(t, filepath.Join(cache, "pick-a-filter-"+beta, "paf_"+beta+"_mix_ratio.zip"), uint64(i), 4, 10, d)
	}
	writeArchive(t, filepath.Join(cache, "pickapic-v1", "pickapic_v1-openclip-h14_default.zip"), 10, 4, 10, d)
	writeArchive(t, filepath.Join(cache, "pickapic-v1-pickscore", "pickapic_v1-pickscore-v1-default.zip"), 11, 4, 10, d)
	writeArchive(t, filepath.Join(cache, "pickapic-v2", "pickapic_v2-openclip-h14_default.zip"), 12, 4, 10, d)
	for k := 2; k <= 6; k++ {
		for _, part := range []string{"seen/train", "seen/test", "unseen/train", "unseen/test"} {
			kind, split, _ := strings.Cut(part, "/")
			src := filepath.Join("..", "..", "datasets", "personainpal", "testdata", "release", "k-2_"+kind, split+"-00000-of-00001.parquet")
			copyFile(t, src, filepath.Join(cache, fmt.Sprintf("persona-in-pal-k%d", k), fmt.Sprintf("k-%d_%s", k, kind), split, "0.parquet"))
		}
	}
	tl := filepath.Join(cache, "reddit-tldr")
	if err := os.MkdirAll(tl, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTLDR(t, tl)

	// reddit_tldr waits for an embeddings server until one is named.
	code, out, _ = runPal(t, "reproduce", "--list", "--cache", cache)
	if code != 0 || !strings.Contains(out, "export PAL_EMBED_ENDPOINT=") {
		t.Errorf("--list with the data but no endpoint: exit %d, want reddit_tldr to name PAL_EMBED_ENDPOINT:\n%s", code, out)
	}
	srv := fakeEmbeddings(t)
	t.Setenv(embed.EnvEndpoint, srv.URL)
	t.Setenv(embed.EnvModel, "fake")
	code, out, _ = runPal(t, "reproduce", "--list", "--cache", cache)
	for _, name := range []string{"pick_a_filter", "pickapic_v1", "pickapic_v2", "persona_in_pal", "reddit_tldr"} {
		var line string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, name+" ") {
				line = l
			}
		}
		if code != 0 || !strings.Contains(line, " ready ") || strings.Contains(line, "0 B") {
			t.Errorf("--list with every fixture: %s line %q, want ready with its size on disk", name, line)
		}
	}

	results := t.TempDir()
	// One seed each (--seeds 1): the full specs' runs of the first seed, so every dataset and
	// model configuration runs, in a fifth of the time.
	for name, runs := range map[string]int{"pick_a_filter": 18, "pickapic_v1": 8, "pickapic_v2": 4, "persona_in_pal": 35, "reddit_tldr": 5, "reddit_tldr_length": 3} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := runPal(t, "reproduce", "--only", name, "--seeds", "1", "--cache", cache, "--out", results, "-j", "2")
			t.Logf("%s: %d runs in %v", name, runs, time.Since(start).Round(time.Millisecond))
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			store := filepath.Join(results, name)
			rows := runsOK(t, store, runs)
			if _, err := os.Stat(filepath.Join(store, "report", "report.html")); err != nil {
				t.Errorf("no report: %v", err)
			}
			if name == "reddit_tldr_length" {
				// The labels are the length rule: a per-user sign of the length difference is
				// right on every pair but ties (0.5 each; a tenth of the outsiders' pairs here),
				// while one sign for all is wrong for the minority.
				for _, col := range []string{"acc_test", "acc_unseen_test"} {
					oracle, btl := column(rows, col, "model", "length-oracle"), column(rows, col, "model", "btl")
					t.Logf("%s: length-oracle %v, btl %v, pal-a %v", col, oracle, btl, column(rows, col, "model", "pal-a"))
					if len(oracle) != 1 || len(btl) != 1 {
						t.Fatalf("%s: want one length-oracle and one btl run, got %v and %v", col, oracle, btl)
					}
					o, _ := strconv.ParseFloat(oracle[0], 64)
					b, _ := strconv.ParseFloat(btl[0], 64)
					if o < 0.9 || o <= b {
						t.Errorf("%s: length oracle %v, want at least 0.9 and above BTL's %v", col, o, b)
					}
				}
			}
			if name == "pickapic_v1" || name == "pickapic_v2" {
				// Labels follow the zero-shot reward for the even users and oppose it for the odd
				// ones, in equal numbers: zero-shot is right on exactly half of every split.
				for _, acc := range column(rows, "acc_train", "model", "zero-shot") {
					if acc != "0.5" {
						t.Errorf("zero-shot train accuracy %s, want exactly 0.5 on this fixture", acc)
					}
				}
			}
		})
	}
}

// The Persona experiments added beside paper/persona.toml run end to end on the real statements
// when they are on disk (CI sets PAL_PERSONA_DATA), one seed each. feature_ablation (the same
// kind at other embedding sizes; 12 s a seed) is left to pal reproduce.
func TestPersonaSpecsEndToEnd(t *testing.T) {
	if raceEnabled {
		t.Skip("slow under the race detector")
	}
	if os.Getenv("PAL_PERSONA_DATA") == "" {
		t.Skip("PAL_PERSONA_DATA is unset: the Anthropic persona statements are not on disk")
	}
	t.Setenv(embed.EnvEndpoint, "")
	results := t.TempDir()
	for name, runs := range map[string]int{"mlp_depth_persona": 9} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := runPal(t, "reproduce", "--only", name, "--seeds", "1", "--cache", t.TempDir(), "--out", results, "-j", "2")
			t.Logf("%s: %d runs in %v", name, runs, time.Since(start).Round(time.Millisecond))
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			runsOK(t, filepath.Join(results, name), runs)
			if _, err := os.Stat(filepath.Join(results, name, "report", "report.html")); err != nil {
				t.Errorf("no report: %v", err)
			}
		})
	}
	// The foundation-model variant is skipped without an embeddings server, naming it.
	code, _, stderr := runPal(t, "reproduce", "--only", "feature_ablation_openai", "--cache", t.TempDir(), "--out", results)
	if code != 2 || !strings.Contains(stderr, "PAL_EMBED_ENDPOINT") {
		t.Errorf("feature_ablation_openai without a server: exit %d, stderr %q; want 2 naming PAL_EMBED_ENDPOINT", code, stderr)
	}
}

// pal reproduce --seeds takes 0 (all) or a positive number.
func TestReproduceSeedsFlag(t *testing.T) {
	code, _, stderr := runPal(t, "reproduce", "--seeds", "-1", "--only", "synthetic", "--out", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "--seeds -1") {
		t.Errorf("--seeds -1: exit %d, stderr %q; want 2 naming the flag", code, stderr)
	}
}
