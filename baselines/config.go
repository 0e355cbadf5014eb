package baselines

import "github.com/pal-harness/pal/models"

// BTLConfig configures the BTL baseline (kind = "btl"). Reward = linear map of the embedding
// (map = "linear"), or a linear head on the PAL MLP (map = "mlp").
type BTLConfig struct {
	Map string `toml:"map" help:"reward model: linear in the embedding, or a linear head on an MLP" enum:"linear|mlp"`
	models.MLPConfig
	LR          float64 `toml:"lr" help:"Adam learning rate" gt:"0"`
	WeightDecay float64 `toml:"weight_decay" help:"decoupled weight decay" min:"0"`
}

// DefaultBTL is an MLP reward with the same MLP defaults as PAL-A, including the authors' MLP
// learning rate 1e-4 and weight decay 0.01.
func DefaultBTL() *BTLConfig {
	return &BTLConfig{
		Map:       "mlp",
		MLPConfig: models.MLPConfig{Layers: 1, Width: 16, Activation: "relu"},
		LR:        1e-4, WeightDecay: 0.01,
	}
}

// Validate has nothing to check across fields.
func (c *BTLConfig) Validate() error { return nil }
