package personainpal

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
)

// The persona-in-pal kind (datasets.Kind): the authors' parquet release for one K, its
// statements embedded by the configured embedder.

// Check implements datasets.Kind: the folder holds parquet files of the seen users,
// and the embedder has what it needs (an openai endpoint: datasets.Env.CheckEmbedder).
func (c *Config) Check(env datasets.Env) error {
	_, err := c.locate(env)
	if err != nil {
		return err
	}
	return env.CheckEmbedder(c.Config)
}

// locate is where the release is, or why it is not there.
func (c *Config) locate(env datasets.Env) (catalog.Place, error) {
	e, _ := catalog.New(catalogEntries()).Lookup(CatalogName(c.K))
	pl, _, err := catalog.Find(e, env.Resolve(c.Path), env.CacheDir, false)
	if err != nil {
		return pl, err
	}
	seen := filepath.Join(pl.Path, fmt.Sprintf("k-%d_seen", c.K))
	parquet := false
	filepath.WalkDir(seen, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			parquet = true
			return filepath.SkipAll
		}
		return nil
	})
	if !parquet {
		return pl, pl.Missing(fmt.Sprintf("no parquet files under %s", seen))
	}
	return pl, nil
}

// SeedDependent implements datasets.Kind: the release fixes the users and pairs; split_seed
// draws what it does not.
func (c *Config) SeedDependent() bool { return false }

// Build implements datasets.Kind.
func (c *Config) Build(ctx context.Context, env datasets.Env, seed uint64) (*datasets.Data, error) {
	pl, err := c.locate(env)
	if err != nil {
		return nil, err
	}
	d, rel, err := datasets.EmbedAndBuild(ctx, env, c.Config, "persona-in-pal",
		func() (*Release, error) { return Read(pl.Path, c.Options()) }, Build)
	if err != nil {
		return nil, err
	}
	name := CatalogName(c.K)
	d.Name = name
	if rel.Stats.ValCarved {
		d.Notes = append(d.Notes, name+": the release has no validation split; val was drawn from each seen user's train pairs")
	}
	return d, nil
}
