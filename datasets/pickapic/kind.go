package pickapic

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
)

// The pickapic and pick-a-filter kinds (datasets.Kind, catalog.Published): each reads one
// archive of the PAL authors' releases, in place.

// entry is the catalog entry of the archive a config reads by default.
func entry(name string, entries []catalog.Entry) catalog.Entry {
	e, _ := catalog.New(entries).Lookup(name)
	if e.Name == "" { // a mix ratio outside the catalog with path given: name it all the same
		e = catalog.Entry{Name: name, Files: []catalog.File{{Name: name + ".zip"}}}
	}
	return e
}

// check says whether the archive is on disk.
func (c *archiveConfig) check(env datasets.Env, e catalog.Entry) (catalog.Place, error) {
	pl, st, err := catalog.Find(e, env.Resolve(c.Path), env.CacheDir, true)
	if err != nil {
		return pl, err
	}
	if st.IsDir() {
		return pl, pl.Missing("it is a folder; want the release's .zip file")
	}
	return pl, nil
}

// build loads the archive; the notes say where embeddings, splits and labels come from.
func (c *archiveConfig) build(ctx context.Context, env datasets.Env, e catalog.Entry) (*datasets.Data, error) {
	pl, err := c.check(env, e)
	if err != nil {
		return nil, err
	}
	d, st, err := Load(ctx, pl.Path, c.Options())
	if err != nil {
		return nil, err
	}
	name := e.Name
	d.Name = name
	d.Notes = append(d.Notes, fmt.Sprintf("%s: embeddings as published by the PAL authors; splits from %s; labels %s", name, st.SplitSource, st.Labels))
	if st.Unlisted > 0 || st.Missing > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%s: %d comparisons in no split list were skipped; %d listed ids have no comparison in the archive", name, st.Unlisted, st.Missing))
	}
	return d, nil
}

// Check implements datasets.Kind.
func (c *PickAPicConfig) Check(env datasets.Env) error {
	_, err := c.check(env, entry(c.CatalogName(), pickAPicEntries()))
	return err
}

// Build implements datasets.Kind.
func (c *PickAPicConfig) Build(ctx context.Context, env datasets.Env, seed uint64) (*datasets.Data, error) {
	return c.build(ctx, env, entry(c.CatalogName(), pickAPicEntries()))
}

// SeedDependent implements datasets.Kind: splits come from the release's lists (or a fixed
// seed of the reader's), not from the replicate.
func (c *PickAPicConfig) SeedDependent() bool { return false }

// CatalogEntries implements catalog.Published.
func (c *PickAPicConfig) CatalogEntries() []catalog.Entry { return pickAPicEntries() }

// ForEntry implements catalog.Published: the release named by the entry.
func (c *PickAPicConfig) ForEntry(name string) (any, bool) {
	release, ok := strings.CutPrefix(name, "pickapic-")
	if !ok {
		return nil, false
	}
	cfg := DefaultPickAPic()
	cfg.Release = release
	return cfg, cfg.CatalogName() == name
}

// Check implements datasets.Kind.
func (c *PickAFilterConfig) Check(env datasets.Env) error {
	_, err := c.check(env, entry(c.CatalogName(), pickAFilterEntries()))
	return err
}

// Build implements datasets.Kind.
func (c *PickAFilterConfig) Build(ctx context.Context, env datasets.Env, seed uint64) (*datasets.Data, error) {
	return c.build(ctx, env, entry(c.CatalogName(), pickAFilterEntries()))
}

// SeedDependent implements datasets.Kind.
func (c *PickAFilterConfig) SeedDependent() bool { return false }

// CatalogEntries implements catalog.Published.
func (c *PickAFilterConfig) CatalogEntries() []catalog.Entry { return pickAFilterEntries() }

// ForEntry implements catalog.Published: the mixture ratio named by the entry.
func (c *PickAFilterConfig) ForEntry(name string) (any, bool) {
	for _, b := range MixRatios {
		if "pick-a-filter-"+BetaText(b) == name {
			cfg := DefaultPickAFilter()
			cfg.MixRatio = b
			return cfg, true
		}
	}
	return nil, false
}

// ForPath implements datasets.PathReader: a release's .zip file, read as a Pick-a-Pic archive.
func (c *PickAPicConfig) ForPath(path string) (datasets.Kind, bool) {
	if st, err := os.Stat(path); err != nil || st.IsDir() || !strings.EqualFold(filepath.Ext(path), ".zip") {
		return nil, false
	}
	cfg := DefaultPickAPic()
	cfg.Path = path
	return cfg, true
}

// Convert implements datasets.Converter.
func (c *PickAPicConfig) Convert(ctx context.Context, env datasets.Env, out string) ([]string, error) {
	return c.convert(ctx, env, entry(c.CatalogName(), pickAPicEntries()), out)
}

// Convert implements datasets.Converter.
func (c *PickAFilterConfig) Convert(ctx context.Context, env datasets.Env, out string) ([]string, error) {
	return c.convert(ctx, env, entry(c.CatalogName(), pickAFilterEntries()), out)
}

// ConvertZeroShot implements datasets.ZeroShotConverter.
func (c *PickAPicConfig) ConvertZeroShot(ctx context.Context, env datasets.Env, out string, scale float64) ([]string, error) {
	return c.convertScores(ctx, env, entry(c.CatalogName(), pickAPicEntries()), out, scale)
}

// ConvertZeroShot implements datasets.ZeroShotConverter.
func (c *PickAFilterConfig) ConvertZeroShot(ctx context.Context, env datasets.Env, out string, scale float64) ([]string, error) {
	return c.convertScores(ctx, env, entry(c.CatalogName(), pickAFilterEntries()), out, scale)
}

// convert writes the archive as a bring-your-own folder (ConvertWith).
func (c *archiveConfig) convert(ctx context.Context, env datasets.Env, e catalog.Entry, out string) ([]string, error) {
	return c.convertScores(ctx, env, e, out, 0)
}

// convertScores is convert, with scale > 0 also writing the zero-shot scores (ScoresFile).
func (c *archiveConfig) convertScores(ctx context.Context, env datasets.Env, e catalog.Entry, out string, scale float64) ([]string, error) {
	pl, err := c.check(env, e)
	if err != nil {
		return nil, err
	}
	opt := c.Options()
	opt.ZeroShotScale = scale
	st, err := ConvertWith(ctx, pl.Path, out, opt)
	if err != nil {
		return nil, err
	}
	lines := []string{fmt.Sprintf("wrote %s: %d items (dim %d), %d prompts (dim %d), %d comparisons of %d users; labels %s; splits from %s",
		out, st.Items, st.Dim, st.Prompts, st.PromptDim, st.Read, st.SeenUsers+st.UnseenUsers, st.Labels, st.SplitSource)}
	if st.Unlisted > 0 || st.Missing > 0 {
		lines = append(lines, fmt.Sprintf("note: %d comparisons were in no split list and were skipped; %d listed ids had no comparison (e.g. %v)",
			st.Unlisted, st.Missing, st.MissingExamples))
	}
	if scale > 0 {
		lines = append(lines, fmt.Sprintf("wrote %s: the zero-shot margin %g x (cos(prompt, left) - cos(prompt, right)) of every pair; read it with [[model]] kind = \"imported\", per = \"pair\" on a kind = \"files\" data set of this folder",
			filepath.Join(out, ScoresFile), scale))
	}
	return lines, nil
}
