package embed

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// counting embeds a text as (len, first byte) and counts the texts it was asked for.
type counting struct {
	texts  atomic.Int64
	calls  atomic.Int64
	fitted bool
}

func (c *counting) Name() string { return "counting" }
func (c *counting) Dim() int     { return 2 }
func (c *counting) Embed(_ context.Context, texts []string) ([]float64, error) {
	c.calls.Add(1)
	c.texts.Add(int64(len(texts)))
	out := make([]float64, 0, 2*len(texts))
	for _, t := range texts {
		v := float64(len(t))
		if c.fitted {
			v += float64(len(texts)) / 1000 // depends on the corpus, like TF-IDF
		}
		out = append(out, v, float64(t[0]))
	}
	return out, nil
}

type fittedCounting struct{ counting }

func (c *fittedCounting) FitsOnInput() bool { return true }

func TestCacheReusesAndAddsOnlyMissing(t *testing.T) {
	inner := &counting{}
	c := NewCached(inner, t.TempDir())
	ctx := context.Background()
	first, err := c.Embed(ctx, []string{"aa", "bbb", "aa"})
	if err != nil {
		t.Fatal(err)
	}
	if inner.texts.Load() != 2 {
		t.Errorf("computed %d texts, want 2 (a repeated text once)", inner.texts.Load())
	}
	again, err := c.Embed(ctx, []string{"bbb", "aa"})
	if err != nil {
		t.Fatal(err)
	}
	if inner.calls.Load() != 1 {
		t.Error("a cached text was recomputed")
	}
	if !slices.Equal(again, []float64{3, 'b', 2, 'a'}) || !slices.Equal(first[:2], first[4:]) {
		t.Errorf("vectors %v / %v", first, again)
	}
	if _, err := c.Embed(ctx, []string{"aa", "cccc"}); err != nil {
		t.Fatal(err)
	}
	if inner.texts.Load() != 3 {
		t.Errorf("computed %d texts in all, want 3: only the new text", inner.texts.Load())
	}
}

func TestCacheOfCorpusFittedEmbedder(t *testing.T) {
	inner := &fittedCounting{counting{fitted: true}}
	dir := t.TempDir()
	c := NewCached(inner, dir)
	ctx := context.Background()
	a, _ := c.Embed(ctx, []string{"aa", "bbb"})
	b, _ := c.Embed(ctx, []string{"aa", "bbb"})
	if inner.calls.Load() != 1 || !slices.Equal(a, b) {
		t.Errorf("same corpus: %d calls, %v vs %v", inner.calls.Load(), a, b)
	}
	// Another corpus holding "aa" must not reuse its vector: it was fitted on other texts.
	d, _ := c.Embed(ctx, []string{"aa", "bbb", "cc"})
	if inner.calls.Load() != 2 || d[0] == a[0] {
		t.Errorf("another corpus: %d calls, vector of aa %v (was %v)", inner.calls.Load(), d[0], a[0])
	}
}

func TestCacheIsBitIdenticalAndSurvivesCorruption(t *testing.T) {
	e, _ := NewTFIDFSVD(6)
	dir := t.TempDir()
	texts := corpus(120, 5)
	direct, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCached(e, dir)
	for range 2 {
		got, err := c.Embed(context.Background(), texts)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, direct) {
			t.Fatal("cached vectors differ from computed ones")
		}
	}
	// Truncate every shard: the cache must ignore them and recompute, not fail or misread.
	shards, _ := filepath.Glob(filepath.Join(dir, "*", "*.emb"))
	if len(shards) != 1 {
		t.Fatalf("%d shards, want 1", len(shards))
	}
	if err := os.Truncate(shards[0], 100); err != nil {
		t.Fatal(err)
	}
	got, err := c.Embed(context.Background(), texts)
	if err != nil || !slices.Equal(got, direct) {
		t.Fatalf("after corruption: %v, equal %v", err, slices.Equal(got, direct))
	}
	if Note(c) != Note(e) || c.Name() != e.Name() {
		t.Error("the cache must not change the name or the note")
	}
}

// Several runs sharing a cache folder at once (goroutines here, processes in practice).
func TestCacheConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	inner := &counting{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := NewCached(inner, dir)
			in := []string{"shared", "text", string(rune('a' + i))}
			got, err := c.Embed(context.Background(), in)
			if err != nil {
				t.Error(err)
				return
			}
			if got[0] != 6 || got[2] != 4 || got[4] != 1 {
				t.Errorf("vectors %v", got)
			}
		}()
	}
	wg.Wait()
	tmp, _ := filepath.Glob(filepath.Join(dir, "*", ".tmp-*"))
	if len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	c := NewCached(inner, dir)
	before := inner.calls.Load()
	if _, err := c.Embed(context.Background(), []string{"shared", "a", "h"}); err != nil {
		t.Fatal(err)
	}
	if inner.calls.Load() != before {
		t.Error("texts stored by concurrent calls were recomputed")
	}
}

func TestNewFromConfig(t *testing.T) {
	cfg := DefaultConfig()
	e, err := New(cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "tfidf-svd(dim=64)" {
		t.Errorf("name %q", e.Name())
	}
	if n := Note(e); !strings.Contains(n, "stand-in for the frozen foundation-model features") {
		t.Errorf("note %q does not say it is a stand-in", n)
	}
	cfg.Embedder = "openai"
	if _, err := New(cfg, ""); err == nil || !strings.Contains(err.Error(), "endpoint") || !strings.Contains(err.Error(), EnvEndpoint) {
		t.Errorf("openai without endpoint: %v, want one naming endpoint and $%s", err, EnvEndpoint)
	}
	env := map[string]string{EnvEndpoint: "http://localhost:2", EnvModel: "from-env"}
	if got := cfg.WithEnv(func(k string) string { return env[k] }); got.Endpoint != "http://localhost:2" || got.Model != "from-env" || got.Ready() != nil {
		t.Errorf("WithEnv: %+v (ready: %v), want the environment's endpoint and model", got, got.Ready())
	}
	cfg.Endpoint = "http://spec"
	if got := cfg.WithEnv(func(k string) string { return env[k] }); got.Endpoint != "http://spec" {
		t.Errorf("WithEnv replaced the spec's endpoint: %q", got.Endpoint)
	}
	cfg.Endpoint, cfg.Model = "http://localhost:1", "bge-m3"
	if e, err := New(cfg, ""); err != nil || e.Name() != "openai(model=bge-m3)" {
		t.Errorf("openai: %v, %v", e, err)
	}
}
