package tldr

import "github.com/pal-harness/pal/datasets/embed"

// Config is the [dataset] table of kind = "reddit-tldr". Struct tags are the spec schema (see
// datasets/config.go); the defaults are the PAL authors' construction.
type Config struct {
	Path             string  `toml:"path" help:"folder holding the comparisons files (batch3.json ... edit_b2_eval_test.json); empty = where pal data fetch reddit-tldr puts them; relative to the spec file"`
	SeenUsers        int     `toml:"seen_users" help:"the most active workers (by supervised-only train pairs) who form the seen users" min:"1" max:"1000"`
	MinorityRanks    []int   `toml:"minority_ranks" help:"0-based activity ranks of the seen users who prefer the shorter summary (the rest prefer the longer)"`
	ValFraction      float64 `toml:"val_fraction" help:"fraction of the seen users' train pairs moved to val, stratified by user" min:"0" lt:"1"`
	MinUnseenPairs   int     `toml:"min_unseen_pairs" help:"supervised-only validation-split pairs a worker outside the seen users needs to be an unseen user" min:"1" max:"10000000"`
	UnseenTrainPairs int     `toml:"unseen_train_pairs" help:"per unseen user, pairs in unseen_train (the few-shot pool: few-shot runs take the first N)" min:"0" max:"10000000"`
	UnseenValPairs   int     `toml:"unseen_val_pairs" help:"per unseen user, pairs in unseen_val (few-shot early stopping); the rest is unseen_test" min:"0"`
	SplitSeed        int     `toml:"split_seed" help:"seed of the stratified train/val draw and of the unseen users' pools (fixed across replicates, as in the authors' code)" min:"0"`
	embed.Config
}

// DefaultConfig is the authors' construction with the offline embedder.
func DefaultConfig() *Config {
	o := DefaultOptions()
	return &Config{
		SeenUsers: o.SeenUsers, MinorityRanks: o.MinorityRanks, ValFraction: o.ValFraction,
		MinUnseenPairs: o.MinUnseenPairs, UnseenTrainPairs: o.UnseenTrainPairs, UnseenValPairs: o.UnseenValPairs,
		SplitSeed: int(o.SplitSeed), Config: embed.DefaultConfig(),
	}
}

// Options returns the construction options of the config.
func (c *Config) Options() Options {
	return Options{SeenUsers: c.SeenUsers, MinorityRanks: c.MinorityRanks, ValFraction: c.ValFraction,
		MinUnseenPairs: c.MinUnseenPairs, UnseenTrainPairs: c.UnseenTrainPairs, UnseenValPairs: c.UnseenValPairs,
		SplitSeed: uint64(c.SplitSeed)}
}

// Validate checks the constraints between fields.
func (c *Config) Validate() error {
	o := c.Options()
	if err := o.check(); err != nil {
		return err
	}
	return c.Config.Check()
}
