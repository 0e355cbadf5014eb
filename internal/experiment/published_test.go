package experiment

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/sweeps"
)

func publishedSpec(t *testing.T, dataset string) *sweeps.Spec {
	t.Helper()
	src := "seeds = [1, 2]\n[dataset]\n" + dataset + "\n[[model]]\nkind = \"btl\"\n[train]\nepochs = 1\n"
	s, err := sweeps.ParseBytes("t.toml", []byte(src), Schema())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fixture(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPublishedDataMissingNamesTheFetchCommand(t *testing.T) {
	cache := t.TempDir()
	for dataset, name := range map[string]string{
		`kind = "reddit-tldr"`:                      "reddit-tldr",
		`kind = "pickapic"`:                         "pickapic-v1",
		"kind = \"pickapic\"\nrelease = \"v2\"":     "pickapic-v2",
		"kind = \"pick-a-filter\"\nmix_ratio = 1.0": "pick-a-filter-1.0",
		"kind = \"persona-in-pal\"\nk = 4":          "persona-in-pal-k4",
	} {
		s := publishedSpec(t, dataset)
		r := &Runner{Env: datasets.Env{CacheDir: cache}}
		err := r.Preflight(s)
		if err == nil || !catalog.IsMissing(err) || !strings.Contains(err.Error(), "pal data fetch "+name) {
			t.Errorf("%s: preflight error %v, want a missing-data error naming `pal data fetch %s`", dataset, err, name)
		}
	}
	// An incomplete TL;DR download is missing too.
	os.MkdirAll(filepath.Join(cache, "reddit-tldr"), 0o755)
	os.WriteFile(filepath.Join(cache, "reddit-tldr", "batch3.json"), []byte("{}\n"), 0o644)
	err := (&Runner{Env: datasets.Env{CacheDir: cache}}).Preflight(publishedSpec(t, `kind = "reddit-tldr"`))
	if err == nil || !strings.Contains(err.Error(), "22 of 23 comparison files are absent") {
		t.Errorf("incomplete download: %v", err)
	}
}

func TestPublishedDataFromCacheAndPath(t *testing.T) {
	cache := t.TempDir()
	dst := filepath.Join(cache, "pick-a-filter-0.4", "paf_0.4_mix_ratio.zip")
	os.MkdirAll(filepath.Dir(dst), 0o755)
	raw, err := os.ReadFile(fixture(t, "datasets/pickapic/testdata/labels.zip"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dst, raw, 0o644)
	r := &Runner{Env: datasets.Env{CacheDir: cache}}
	s := publishedSpec(t, `kind = "pick-a-filter"`)
	if err := r.Preflight(s); err != nil {
		t.Fatal(err)
	}
	d1, err := r.data(context.Background(), s.Runs[0])
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := r.data(context.Background(), s.Runs[1])
	if s.Runs[0].Seed == s.Runs[1].Seed || d1 != d2 {
		t.Error("the replicates of a published data set should share one build")
	}
	if d1.Name != "pick-a-filter-0.4" || d1.NumPrompts() == 0 {
		t.Errorf("data %q with %d prompts", d1.Name, d1.NumPrompts())
	}
	out, err := r.Run(context.Background(), s.Runs[0])
	if err != nil {
		t.Fatal(err)
	}
	if out.DatasetFingerprint != d1.Fingerprint || len(out.DatasetNotes) == 0 {
		t.Errorf("outcome fingerprint %q, notes %v", out.DatasetFingerprint, out.DatasetNotes)
	}

	// path in the spec, here the Persona release fixture with the offline embedder.
	s = publishedSpec(t, "kind = \"persona-in-pal\"\npath = \""+fixture(t, "datasets/personainpal/testdata/release")+"\"\nembed_dim = 2")
	r = &Runner{}
	if err := r.Preflight(s); err != nil {
		t.Fatal(err)
	}
	d, err := r.data(context.Background(), s.Runs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Splits[datasets.UnseenTest]) == 0 || d.NumGroups != 2 || d.Dim != 2 {
		t.Errorf("persona-in-pal: %d unseen_test pairs, %d groups, dim %d", len(d.Splits[datasets.UnseenTest]), d.NumGroups, d.Dim)
	}
}

// Every catalog entry is read by the config ConfigForEntry gives: with an empty cache, that
// config's Check names exactly this entry's fetch command.
func TestConfigForEntry(t *testing.T) {
	entries := Catalog()
	if err := entries.Validate(); err != nil {
		t.Fatal(err)
	}
	env := datasets.Env{CacheDir: t.TempDir(), Getenv: func(string) string { return "" }}
	for _, e := range entries {
		kind, cfg, err := ConfigForEntry(e)
		if err != nil {
			t.Fatal(err)
		}
		if kind != e.Kind {
			t.Errorf("entry %s: kind %s, want %s", e.Name, kind, e.Kind)
		}
		var missing *catalog.MissingError
		if err := cfg.Check(env); !errors.As(err, &missing) || missing.Name != e.Name {
			t.Errorf("entry %s: its config's Check on an empty cache says %v, want it missing", e.Name, err)
		}
	}
	if len(entries) != 1+1+6+6+5 {
		t.Errorf("%d catalog entries, want 19", len(entries))
	}
}
