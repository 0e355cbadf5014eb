package persona

import (
	"fmt"

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
	SeenUsers          int     `toml:"seen_users" help:"users whose pairs train the shared model" min:"1" max:"10000000"`
	UnseenUsers        int     `toml:"unseen_users" help:"held-out users for few-shot adaptation" min:"0" max:"10000000"`
	PairsPerUser       int     `toml:"pairs_per_user" help:"pairs per seen user, split into train/val/test" min:"3" max:"10000000"`
	ValFraction        float64 `toml:"val_fraction" help:"fraction of each seen user's pairs in val" min:"0" lt:"1"`
	TestFraction       float64 `toml:"test_fraction" help:"fraction of each seen user's pairs in test" gt:"0" lt:"1"`
	UnseenTrain        int     `toml:"unseen_train_pairs" help:"pairs per unseen user available for few-shot fitting" min:"0" max:"10000000"`
	UnseenVal          int     `toml:"unseen_val_pairs" help:"pairs per unseen user for few-shot early stopping" min:"0" max:"10000000"`
	UnseenTest         int     `toml:"unseen_test_pairs" help:"pairs per unseen user for evaluation" min:"0" max:"10000000"`
	LabelNoise         float64 `toml:"label_noise" help:"probability that a pair's label is flipped" min:"0" lt:"0.5"`
	embed.Config
}

// DefaultConfig is the documented default Persona setting.
func DefaultConfig() *Config {
	return &Config{
		KTrue: 3, TraitsPerGroup: 2, StatementsPerTrait: 100, MinConfidence: 0.7, CrossFraction: 0.5,
		SeenUsers: 60, UnseenUsers: 20, PairsPerUser: 100, ValFraction: 0.1, TestFraction: 0.2,
		UnseenTrain: 100, UnseenVal: 20, UnseenTest: 50,
		LabelNoise: 0.05,
		Config:     embed.DefaultConfig(),
	}
}

// Validate checks the constraints between fields.
func (c *Config) Validate() error {
	if c.KTrue == 1 && c.CrossFraction > 0 {
		return fmt.Errorf("k_true = 1 has no other group to contrast with: set cross_fraction = 0 (or k_true >= 2)")
	}
	if c.ValFraction+c.TestFraction >= 1 {
		return fmt.Errorf("val_fraction + test_fraction = %g leaves no training pairs: keep the sum below 1", c.ValFraction+c.TestFraction)
	}
	if c.UnseenUsers > 0 && c.UnseenTest == 0 {
		return fmt.Errorf("unseen_users = %d but unseen_test_pairs = 0: unseen users need test pairs", c.UnseenUsers)
	}
	if c.StatementsPerTrait == 1 {
		return fmt.Errorf("statements_per_trait = 1 cannot hold a statement a holder would say and one it would not: use 0 (all) or at least 2")
	}
	return c.Config.Check()
}
