package tldr

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
)

// The reddit-tldr kind (datasets.Kind): where the comparison files are, whether they are all
// there, and the build (Construct, then Build with the configured embedder).

// Check implements datasets.Kind: the folder holds every comparison file,
// and the embedder has what it needs (an openai endpoint: datasets.Env.CheckEmbedder).
func (c *Config) Check(env datasets.Env) error {
	_, err := c.locate(env)
	if err != nil {
		return err
	}
	return env.CheckEmbedder(c.Config)
}

// locate is where the comparison files are, or why they are not there.
func (c *Config) locate(env datasets.Env) (catalog.Place, error) {
	pl, st, err := catalog.Find(catalogEntries()[0], env.Resolve(c.Path), env.CacheDir, false)
	if err != nil {
		return pl, err
	}
	if !st.IsDir() {
		return pl, pl.Missing("it is a file; want the folder of the comparison files")
	}
	var absent []string
	for _, f := range ComparisonFiles {
		if _, err := os.Stat(filepath.Join(pl.Path, f)); err != nil {
			absent = append(absent, f)
		}
	}
	if len(absent) > 0 {
		return pl, pl.Missing(fmt.Sprintf("%d of %d comparison files are absent (%s)", len(absent), len(ComparisonFiles), strings.Join(absent, ", ")))
	}
	return pl, nil
}

// SeedDependent implements datasets.Kind: the splits come from split_seed, not the replicate.
func (c *Config) SeedDependent() bool { return false }

// Build implements datasets.Kind. Its notes name the embedder and compare the split sizes with
// the paper's.
func (c *Config) Build(ctx context.Context, env datasets.Env, seed uint64) (*datasets.Data, error) {
	pl, err := c.locate(env)
	if err != nil {
		return nil, err
	}
	d, con, err := datasets.EmbedAndBuild(ctx, env, c.Config, "reddit-tldr",
		func() (*Construction, error) { return Construct(pl.Path, c.Options()) }, Build)
	if err != nil {
		return nil, err
	}
	s := con.Stats
	d.Notes = append(d.Notes, fmt.Sprintf("reddit-tldr: train %d / val %d / test %d pairs, %d unseen users (%d majority); the paper reports %d / %d / %d and %d (%d)",
		s.Pairs[datasets.Train], s.Pairs[datasets.Val], s.Pairs[datasets.Test], s.UnseenUsers, s.UnseenMajority,
		PaperTrain, PaperVal, PaperTest, PaperUnseenUsers, PaperUnseenMajority))
	if s.CutoffTie != "" {
		d.Notes = append(d.Notes, "reddit-tldr: "+s.CutoffTie)
	}
	return d, nil
}
