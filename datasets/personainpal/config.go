package personainpal

import (
	"fmt"

	"github.com/pal-harness/pal/datasets/embed"
)

// Config is the [dataset] table of kind = "persona-in-pal". Struct tags are the spec schema
// (see datasets/config.go).
type Config struct {
	K               int     `toml:"k" help:"number of groups of the authors' release (folders k-<k>_seen and k-<k>_unseen)" min:"2" max:"6"`
	Path            string  `toml:"path" help:"folder holding k-<k>_seen/ and k-<k>_unseen/ with the parquet files; empty = where pal data fetch persona-in-pal-k<k> puts them; relative to the spec file"`
	UserColumn      string  `toml:"user_column" help:"column of the user id; empty = detect (uid, user_id, user, ...)"`
	LeftColumn      string  `toml:"left_column" help:"column of the left statement; empty = detect (left, statement_1, ...)"`
	RightColumn     string  `toml:"right_column" help:"column of the right statement; empty = detect (right, statement_2, ...)"`
	LabelColumn     string  `toml:"label_column" help:"column of the label, -1/+1 (or 0/1, -1/3) with the smaller value meaning the left statement won; empty = detect (y, label, ...)"`
	PromptColumn    string  `toml:"prompt_column" help:"column of the prompt (for PAL-B); empty = detect (prompt, question, context) or none; \"-\" = none"`
	GroupColumn     string  `toml:"group_column" help:"column of the user's true group; empty = detect (group, group_id, ...) or none; \"-\" = none"`
	ValFraction     float64 `toml:"val_fraction" help:"only when the release has no validation split: fraction of each seen user's train pairs moved to val" min:"0" lt:"1"`
	MaxPairsPerUser int     `toml:"max_pairs_per_user" help:"keep at most this many pairs per user and split, the first in file order (0 = all; the release is large)" min:"0"`
	SplitSeed       int     `toml:"split_seed" help:"seed of the val draw and of each split's order" min:"0"`
	embed.Config
}

// DefaultConfig reads the K = 2 release with the offline embedder.
func DefaultConfig() *Config {
	return &Config{K: 2, ValFraction: 0.1, SplitSeed: 42, Config: embed.DefaultConfig()}
}

// Options returns the reader options of the config.
func (c *Config) Options() Options {
	return Options{
		K:               c.K,
		Columns:         Columns{User: c.UserColumn, Left: c.LeftColumn, Right: c.RightColumn, Label: c.LabelColumn, Prompt: c.PromptColumn, Group: c.GroupColumn},
		ValFraction:     c.ValFraction,
		MaxPairsPerUser: c.MaxPairsPerUser,
		SplitSeed:       uint64(c.SplitSeed),
	}
}

// Validate checks the constraints between fields.
func (c *Config) Validate() error {
	for key, v := range map[string]string{"user_column": c.UserColumn, "left_column": c.LeftColumn, "right_column": c.RightColumn, "label_column": c.LabelColumn} {
		if v == "-" {
			return fmt.Errorf("%s = \"-\": this column is required", key)
		}
	}
	return c.Config.Check()
}
