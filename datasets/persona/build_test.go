package persona

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
)

const fixtureDir = "testdata/traits"

// recorder embeds each text as a fixed vector and remembers which texts it saw, so a test can
// map items back to statements.
type recorder struct {
	mu    sync.Mutex
	texts []string
}

func (r *recorder) Name() string { return "recorder" }
func (r *recorder) Dim() int     { return 3 }
func (r *recorder) Embed(_ context.Context, texts []string) ([]float64, error) {
	r.mu.Lock()
	r.texts = append([]string(nil), texts...)
	r.mu.Unlock()
	out := make([]float64, 0, 3*len(texts))
	for _, t := range texts {
		out = append(out, float64(len(t)), float64(t[0]), float64(strings.Count(t, " ")))
	}
	return out, nil
}

func small() *Config {
	c := DefaultConfig()
	c.KTrue, c.TraitsPerGroup, c.StatementsPerTrait, c.MinConfidence = 2, 2, 6, 0
	c.SeenUsers, c.UnseenUsers, c.PairsPerUser = 6, 4, 10
	c.UnseenTrain, c.UnseenVal, c.UnseenTest = 3, 2, 4
	c.EmbedDim = 8
	return c
}

// fixtureTraits reads the fixture: statement text -> (trait, says it).
func fixtureTraits(t *testing.T) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	files, _ := statementFiles(fixtureDir)
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(fixtureDir, f))
		if err != nil {
			t.Fatal(err)
		}
		tr, err := parseTrait(f, raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tr.Yes {
			out[s.Text] = [2]string{tr.Name, "yes"}
		}
		for _, s := range tr.No {
			out[s.Text] = [2]string{tr.Name, "no"}
		}
	}
	return out
}

func TestBuildCounts(t *testing.T) {
	d, err := Build(context.Background(), small(), 1, fixtureDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.NumItems() != 4*6 || d.Dim != 8 || len(d.Users) != 10 || d.NumGroups != 2 {
		t.Fatalf("%d items of dim %d, %d users, %d groups; want 24, 8, 10, 2", d.NumItems(), d.Dim, len(d.Users), d.NumGroups)
	}
	want := map[datasets.Split]int{datasets.Train: 6 * 7, datasets.Val: 6 * 1, datasets.Test: 6 * 2,
		datasets.UnseenTrain: 4 * 3, datasets.UnseenVal: 4 * 2, datasets.UnseenTest: 4 * 4}
	for sp, n := range want {
		if len(d.Splits[sp]) != n {
			t.Errorf("split %s: %d pairs, want %d", sp, len(d.Splits[sp]), n)
		}
	}
	for i, u := range d.Users {
		k := i
		if !u.Seen {
			k = i - 6
		}
		if u.Group != k%2 || u.TrueWeights[u.Group] != 1 {
			t.Errorf("user %s: group %d, want %d", u.ID, u.Group, k%2)
		}
	}
	if d.Users[0].ID != "u0001" || d.Users[6].ID != "new0001" {
		t.Errorf("user IDs %s, %s", d.Users[0].ID, d.Users[6].ID)
	}
	seen := map[string]bool{}
	for _, g := range d.GroupNames {
		for _, tr := range strings.Split(g, "+") {
			if seen[tr] {
				t.Errorf("trait %s in two groups (%v)", tr, d.GroupNames)
			}
			seen[tr] = true
		}
	}
	if len(seen) != 4 {
		t.Errorf("group names %v: want 2 groups of 2 traits", d.GroupNames)
	}
}

// With no label noise every label must follow the construction: the preferred statement is
// one a holder of the user's group's traits would say, the other its negation in the same trait
// (stance pair) or a statement of another group's trait (cross pair).
func TestLabelsFollowTheConstruction(t *testing.T) {
	meta := fixtureTraits(t)
	for _, cross := range []float64{0, 0.5, 1} {
		cfg := small()
		cfg.CrossFraction, cfg.LabelNoise, cfg.PairsPerUser = cross, 0, 40
		rec := &recorder{}
		d, err := Build(context.Background(), cfg, 3, fixtureDir, rec)
		if err != nil {
			t.Fatal(err)
		}
		group := map[string]int{}
		for g, name := range d.GroupNames {
			for _, tr := range strings.Split(name, "+") {
				group[tr] = g
			}
		}
		nCross, n := 0, 0
		for sp, pairs := range d.Splits {
			if d.BayesAccuracy[sp] != 1 {
				t.Errorf("cross %g: split %s: Bayes accuracy %g without noise", cross, sp, d.BayesAccuracy[sp])
			}
			for _, p := range pairs {
				win, lose := p.Left, p.Right
				if !p.LeftPreferred {
					win, lose = lose, win
				}
				g := d.Users[p.User].Group
				w, l := meta[rec.texts[win]], meta[rec.texts[lose]]
				if w[1] != "yes" || group[w[0]] != g {
					t.Fatalf("cross %g: user of group %d preferred %q (%v)", cross, g, rec.texts[win], w)
				}
				switch {
				case l[0] == w[0] && l[1] == "no": // stance pair
				case l[1] == "yes" && group[l[0]] != g:
					nCross++
				default:
					t.Fatalf("cross %g: user of group %d: pair %q over %q (%v over %v) is not in the construction", cross, g, rec.texts[win], rec.texts[lose], w, l)
				}
				n++
			}
		}
		if frac := float64(nCross) / float64(n); math.Abs(frac-cross) > 0.1 {
			t.Errorf("cross_fraction %g: %.2f of %d pairs are cross pairs", cross, frac, n)
		}
	}
}

func TestLabelNoise(t *testing.T) {
	cfg := small()
	cfg.LabelNoise, cfg.SeenUsers, cfg.PairsPerUser = 0.2, 40, 100
	d, err := Build(context.Background(), cfg, 1, fixtureDir, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	if b := d.BayesAccuracy[datasets.Train]; math.Abs(b-0.8) > 0.03 {
		t.Errorf("train labels agree with the noise-free preference %.3f of the time, want about 0.8", b)
	}
	if d.ExpectedBayesAccuracy[datasets.Test] != 0.8 {
		t.Errorf("expected Bayes accuracy %g, want 0.8", d.ExpectedBayesAccuracy[datasets.Test])
	}
}

func TestBuildIsDeterministicAndFingerprinted(t *testing.T) {
	ctx := context.Background()
	a, err := Build(ctx, small(), 5, fixtureDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Build(ctx, small(), 5, fixtureDir, nil)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same files, config and seed gave different data")
	}
	// The same files elsewhere, reached another way, are the same data.
	moved := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(fixtureDir, "*.jsonl"))
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(moved, filepath.Base(f)), raw, 0o644)
	}
	cfg := small()
	cfg.DataDir, cfg.Endpoint = moved, "http://elsewhere:1"
	c, _ := Build(ctx, cfg, 5, moved, nil)
	if c.Fingerprint != a.Fingerprint {
		t.Error("moving the files changed the fingerprint")
	}
	for name, change := range map[string]func(c *Config){
		"seed":      nil,
		"knob":      func(c *Config) { c.CrossFraction = 0.25 },
		"embedder":  func(c *Config) { c.EmbedDim = 4 },
		"file byte": nil,
	} {
		cfg, seed, dir := small(), uint64(5), fixtureDir
		switch name {
		case "seed":
			seed = 6
		case "file byte":
			dir = moved
			for _, f := range files { // change one byte of every file: whichever are read
				p := filepath.Join(moved, filepath.Base(f))
				raw, _ := os.ReadFile(p)
				os.WriteFile(p, append(raw, '\n'), 0o644)
			}
		default:
			change(cfg)
		}
		d, err := Build(ctx, cfg, seed, dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Fingerprint == a.Fingerprint {
			t.Errorf("changing the %s left the fingerprint unchanged", name)
		}
	}
}

func TestMinConfidenceSkipsTraits(t *testing.T) {
	cfg := small()
	cfg.MinConfidence = 0.65 // loves-nature's "No" statements are all below 0.6
	cfg.KTrue, cfg.TraitsPerGroup, cfg.StatementsPerTrait = 2, 2, 2
	for seed := range uint64(8) {
		d, err := Build(context.Background(), cfg, seed, fixtureDir, &recorder{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.Join(d.GroupNames, ","), "loves-nature") {
			t.Fatalf("seed %d chose loves-nature, which has no confident No statement", seed)
		}
	}
	cfg.KTrue, cfg.TraitsPerGroup = 3, 2 // all 6 traits needed, only 5 qualify
	_, err := Build(context.Background(), cfg, 1, fixtureDir, &recorder{})
	if err == nil || !strings.Contains(err.Error(), "only 5 of the 6 traits") || !strings.Contains(err.Error(), "min_label_confidence") {
		t.Errorf("error %v, want one saying only 5 of 6 traits qualify and what to lower", err)
	}
}

func TestBuildErrors(t *testing.T) {
	cfg := small()
	cfg.KTrue, cfg.TraitsPerGroup = 4, 2
	if _, err := Build(context.Background(), cfg, 1, fixtureDir, nil); err == nil || !strings.Contains(err.Error(), "holds 6 statement files") {
		t.Errorf("too few files: %v", err)
	}
	bad := t.TempDir()
	for _, line := range []string{
		`{"statement": "I like tea", "answer_matching_behavior": " Yes", "label_confidence": 0.9}`,
		`{"statement": "I like coffee", "answer_matching_behavior": " Maybe"}`,
	} {
		f, _ := os.OpenFile(filepath.Join(bad, "a.jsonl"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		f.WriteString(line + "\n")
		f.Close()
	}
	os.WriteFile(filepath.Join(bad, "b.jsonl"), []byte("not json\n"), 0o644)
	for _, f := range []string{"a.jsonl", "b.jsonl"} {
		raw, _ := os.ReadFile(filepath.Join(bad, f))
		_, err := parseTrait(f, raw)
		want := map[string]string{"a.jsonl": `a.jsonl line 2: field "answer_matching_behavior" is " Maybe"`, "b.jsonl": "b.jsonl line 1: not a JSON object"}[f]
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", f, err, want)
		}
	}
	cfg = small()
	cfg.KTrue, cfg.CrossFraction = 1, 0.5
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "cross_fraction = 0") {
		t.Errorf("k_true 1 with cross pairs: %v", err)
	}
	cfg.CrossFraction = 0
	if d, err := Build(context.Background(), cfg, 1, fixtureDir, &recorder{}); err != nil || d.NumGroups != 1 {
		t.Errorf("k_true 1 without cross pairs: %v", err)
	}
	// openai without an endpoint parses (it may come from $PAL_EMBED_ENDPOINT) but the kind's
	// check says what to set.
	cfg = small()
	cfg.Embedder = "openai"
	if err := cfg.Validate(); err != nil {
		t.Errorf("openai without endpoint: %v, want it to parse", err)
	}
	cfg.DataDir = fixtureDir
	env := datasets.Env{Getenv: func(string) string { return "" }}
	if err := cfg.Check(env); err == nil || !strings.Contains(err.Error(), "PAL_EMBED_ENDPOINT") {
		t.Errorf("openai without endpoint: check %v, want one naming PAL_EMBED_ENDPOINT", err)
	}
	env.Getenv = func(k string) string {
		return map[string]string{"PAL_EMBED_ENDPOINT": "http://localhost:1", "PAL_EMBED_MODEL": "m"}[k]
	}
	if err := cfg.Check(env); err != nil {
		t.Errorf("openai with $PAL_EMBED_ENDPOINT and $PAL_EMBED_MODEL: check %v", err)
	}
}

func TestResolveDir(t *testing.T) {
	cache := t.TempDir()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	_, err := ResolveDir("", "", cache, getenv)
	var miss *catalog.MissingError
	if !errors.As(err, &miss) || !strings.Contains(err.Error(), "pal data fetch anthropic-persona") || !strings.Contains(err.Error(), cache) {
		t.Fatalf("error %v, want a MissingError naming the cache folder and the fetch command", err)
	}
	cached := filepath.Join(cache, CatalogName)
	os.MkdirAll(cached, 0o755)
	os.WriteFile(filepath.Join(cached, "x.jsonl"), []byte("{}\n"), 0o644)
	if d, err := ResolveDir("", "", cache, getenv); err != nil || d != cached {
		t.Errorf("cache: %q, %v", d, err)
	}
	env[EnvData] = fixtureDir
	if d, err := ResolveDir("", "", cache, getenv); err != nil || d != fixtureDir {
		t.Errorf("$%s must come first: %q, %v", EnvData, d, err)
	}
	if d, err := ResolveDir("traits", "testdata", cache, getenv); err != nil || d != fixtureDir {
		t.Errorf("data_dir relative to the spec: %q, %v", d, err)
	}
	if _, err := ResolveDir("nowhere", "testdata", cache, getenv); !errors.As(err, &miss) || !strings.Contains(err.Error(), "testdata/nowhere") {
		t.Errorf("missing data_dir: %v", err)
	}
}
