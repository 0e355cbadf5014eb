package persona

import (
	"fmt"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/embed"
)

// Config parameterises the Persona builder (kind = "persona"). Tags are the spec schema (see
// datasets/config.go for the conventions).
type Config struct {
	DataDir            string  `toml:"data_dir" help:"folder of the persona statement files (*.jsonl); empty: $PAL_PERSONA_DATA, else the cache folder of anthropic-persona (pal data fetch anthropic-persona); a relative path is relative to the spec"`
	KTrue              int     `toml:"k_true" help:"number of user groups, each holding its own persona traits (the authors released 2..6)" min:"1" max:"30"`
	TraitsPerGroup     int     `toml:"traits_per_group" help:"persona traits (statement files) defining each group; groups never share a trait" min:"1" max:"100"`
	StatementsPerTrait int     `toml:"statements_per_trait" help:"statements kept per trait, half that a holder would say and half not (0 = all that pass min_label_confidence)" min:"0" max:"100000"`
	MinConfidence      float64 `toml:"min_label_confidence" help:"drop statements whose label_confidence is below this; traits with too few statements left are skipped" min:"0" max:"1"`
	CrossFraction      float64 `toml:"cross_fraction" help:"fraction of pairs setting a statement of the user's group against one of another group (groups disagree on these); the rest set it against a statement of the same trait a holder would not say (groups agree)" min:"0" max:"1"`
	datasets.UserSplits
	LabelNoise float64 `toml:"label_noise" help:"probability that a pair's label is flipped" min:"0" lt:"0.5"`
	embed.Config
}

// DefaultConfig is the documented default Persona setting.
func DefaultConfig() *Config {
	return &Config{
		KTrue: 3, TraitsPerGroup: 2, StatementsPerTrait: 100, MinConfidence: 0.7, CrossFraction: 0.5,
		UserSplits: datasets.DefaultUserSplits(),
		LabelNoise: 0.05,
		Config:     embed.DefaultConfig(),
	}
}

// Validate checks the constraints between fields.
func (c *Config) Validate() error {
	if c.KTrue == 1 && c.CrossFraction > 0 {
		return fmt.Errorf("k_true = 1 has no other group to contrast with: set cross_fraction = 0 (or k_true >= 2)")
	}
	if err := c.UserSplits.Validate(); err != nil {
		return err
	}
	if c.StatementsPerTrait == 1 {
		return fmt.Errorf("statements_per_trait = 1 cannot hold a statement a holder would say and one it would not: use 0 (all) or at least 2")
	}
	return c.Config.Check()
}
