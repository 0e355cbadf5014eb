package baselines

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

// BTLConfig configures the BTL baseline (kind = "btl"). Reward = linear map of the embedding
// (map = "linear"), or a linear head on the PAL MLP (map = "mlp").
type BTLConfig struct {
	Map string `toml:"map" help:"reward model: linear in the embedding, or a linear head on an MLP" enum:"linear|mlp"`
	models.MLPConfig
	LR          float64 `toml:"lr" help:"Adam learning rate" gt:"0"`
	WeightDecay float64 `toml:"weight_decay" help:"decoupled weight decay" min:"0"`
	// EmbeddingParams is as for PAL-A: the frozen model behind the embeddings.
	EmbeddingParams int `toml:"embedding_params" help:"parameters of the frozen model that made the embeddings (e.g. 986000000 for CLIP-H), recorded as frozen_params; pal never sees that model" min:"0" max:"1000000000000000"`
}

// DefaultBTL is an MLP reward with the same MLP defaults as PAL-A, including the authors' MLP
// learning rate 1e-4 and weight decay 0.01.
func DefaultBTL() *BTLConfig {
	return &BTLConfig{
		Map:       "mlp",
		MLPConfig: models.DefaultMLP(),
		LR:        1e-4, WeightDecay: 0.01,
	}
}

// Validate has nothing to check across fields.
func (c *BTLConfig) Validate() error { return nil }

// ImportedConfig configures the imported-score baseline (kind = "imported"): a reward model
// run elsewhere, brought in as a file of scores (format in imported.go and README.md).
type ImportedConfig struct {
	Path            string   `toml:"path" help:"score file, .csv or .npy (format in README); relative to the spec file"`
	Per             string   `toml:"per" help:"item: one reward per item row (margin = reward(left) - reward(right)); pair: one margin per comparison" enum:"item|pair"`
	Splits          []string `toml:"splits" help:"list of splits to evaluate; every pair of these splits needs a score"`
	TrainableParams int      `toml:"trainable_params" help:"parameters of the reward model that made the scores (e.g. 986000000 for PickScore), for parameter-efficiency tables" min:"0" max:"1000000000000000"`
	FrozenParams    int      `toml:"frozen_params" help:"parameters it used without training them, if any" min:"0" max:"1000000000000000"`
}

// DefaultImported scores items and evaluates every split; path is required.
func DefaultImported() *ImportedConfig {
	return &ImportedConfig{Per: "item", Splits: []string{"train", "val", "test", "unseen_train", "unseen_val", "unseen_test"}}
}

// Validate requires a path and known split names.
func (c *ImportedConfig) Validate() error {
	if c.Path == "" {
		return fmt.Errorf("path is required: the file of scores (.csv or .npy) computed by the reward model")
	}
	if ext := strings.ToLower(filepath.Ext(c.Path)); ext != ".csv" && ext != ".npy" {
		return fmt.Errorf("path %q: want a .csv or .npy score file", c.Path)
	}
	if len(c.Splits) == 0 {
		return fmt.Errorf("splits is empty: list the splits to evaluate, e.g. [\"test\", \"unseen_test\"]")
	}
	for _, s := range c.Splits {
		if _, ok := datasets.ParseSplit(s); !ok {
			return fmt.Errorf("splits: %q is not a split: use train, val, test, unseen_train, unseen_val or unseen_test", s)
		}
	}
	return nil
}
