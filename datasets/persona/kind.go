package persona

import (
	"context"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/embed"
)

// The persona kind (datasets.Kind): statements found by ResolveDir, embedded by the configured
// embedder, built into users and pairs by Build.

// Check implements datasets.Kind: the statement files are somewhere ResolveDir looks,
// and the embedder has what it needs (an openai endpoint: datasets.Env.CheckEmbedder).
func (c *Config) Check(env datasets.Env) error {
	_, err := ResolveDir(c.DataDir, env.SpecDir, env.CacheDir, env.Lookup)
	if err != nil {
		return err
	}
	return env.CheckEmbedder(c.Config)
}

// SeedDependent implements datasets.Kind: traits, statements, users and pairs are drawn from
// the seed.
func (c *Config) SeedDependent() bool { return true }

// Build implements datasets.Kind; its note says which features the items are.
func (c *Config) Build(ctx context.Context, env datasets.Env, seed uint64) (*datasets.Data, error) {
	d, _, err := datasets.EmbedAndBuild(ctx, env, c.Config, "persona",
		func() (string, error) { return ResolveDir(c.DataDir, env.SpecDir, env.CacheDir, env.Lookup) },
		func(ctx context.Context, dir string, emb embed.Embedder) (*datasets.Data, error) {
			return Build(ctx, c, seed, dir, emb)
		})
	return d, err
}

// ForPath implements datasets.PathReader: a folder of statement files (*.jsonl).
func (c *Config) ForPath(path string) (datasets.Kind, bool) {
	if n, err := countStatementFiles(path); err != nil || n == 0 {
		return nil, false
	}
	cfg := DefaultConfig()
	cfg.DataDir = path
	return cfg, true
}

// Estimate implements datasets.Estimator: k_true × traits_per_group × statements_per_trait
// embedded statements (all of a trait's when statements_per_trait = 0: counted as 2,000, more
// than any trait file holds) and the users and pairs of the splits.
func (c *Config) Estimate(env datasets.Env) (datasets.Shape, int64, error) {
	per := c.StatementsPerTrait
	if per == 0 {
		per = 2000
	}
	dim := c.EmbedDim
	if c.Embedder == "openai" {
		dim = 4096 // fixed by the server's model; the largest common embedding size
	}
	s := datasets.Shape{
		Items: c.KTrue * c.TraitsPerGroup * per, Dim: dim,
		Users: c.SeenUsers + c.UnseenUsers,
		Pairs: c.SeenUsers*c.PairsPerUser + c.UnseenUsers*(c.UnseenTrain+c.UnseenVal+c.UnseenTest),
	}
	// The embedder works in float64 on the texts (TF-IDF's sparse matrix and SVD: a few
	// times the output) besides the float32 items.
	return s, s.Bytes() + 3*8*int64(s.Items)*int64(dim), nil
}
