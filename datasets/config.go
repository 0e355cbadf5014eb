package datasets

import (
	"fmt"
	"math"
)

// Config structs are decoded from a spec's [dataset] table by the sweeps package. Struct tags
// are the schema: `toml` the key, `help` what it means, `min`/`max` inclusive bounds, `gt`/`lt`
// exclusive bounds, `enum` the allowed values separated by "|". A scalar key given as a list in
// a spec becomes a sweep axis. Validate checks what involves several fields.

// UserSplits is how a generator makes users and splits their pairs: each seen user's pairs
// into train, val and test, each unseen user's into the few-shot pools. The synthetic and
// Persona kinds embed it, so its keys appear in their [dataset] tables.
type UserSplits struct {
	SeenUsers    int     `toml:"seen_users" help:"users whose pairs train the shared model" min:"1" max:"10000000"`
	UnseenUsers  int     `toml:"unseen_users" help:"held-out users for few-shot adaptation" min:"0" max:"10000000"`
	PairsPerUser int     `toml:"pairs_per_user" help:"pairs per seen user, split into train/val/test" min:"3" max:"10000000"`
	ValFraction  float64 `toml:"val_fraction" help:"fraction of each seen user's pairs in val" min:"0" lt:"1"`
	TestFraction float64 `toml:"test_fraction" help:"fraction of each seen user's pairs in test" gt:"0" lt:"1"`
	UnseenTrain  int     `toml:"unseen_train_pairs" help:"pairs per unseen user available for few-shot fitting" min:"0" max:"10000000"`
	UnseenVal    int     `toml:"unseen_val_pairs" help:"pairs per unseen user for few-shot early stopping" min:"0" max:"10000000"`
	UnseenTest   int     `toml:"unseen_test_pairs" help:"pairs per unseen user for evaluation" min:"0" max:"10000000"`
}

// DefaultUserSplits is 60 seen users with 100 pairs each (70/10/20) and 20 unseen users with
// 100 few-shot, 20 early-stopping and 50 test pairs each.
func DefaultUserSplits() UserSplits {
	return UserSplits{
		SeenUsers: 60, UnseenUsers: 20, PairsPerUser: 100, ValFraction: 0.1, TestFraction: 0.2,
		UnseenTrain: 100, UnseenVal: 20, UnseenTest: 50,
	}
}

// Validate checks that seen users keep training pairs and unseen users get test pairs.
func (c *UserSplits) Validate() error {
	if c.ValFraction+c.TestFraction >= 1 {
		return fmt.Errorf("val_fraction + test_fraction = %g leaves no training pairs: keep the sum below 1", c.ValFraction+c.TestFraction)
	}
	if c.UnseenUsers > 0 && c.UnseenTest == 0 {
		return fmt.Errorf("unseen_users = %d but unseen_test_pairs = 0: unseen users need test pairs", c.UnseenUsers)
	}
	return nil
}

// SyntheticConfig parameterises the Gaussian ideal-point generator (kind = "synthetic").
type SyntheticConfig struct {
	Dim       int     `toml:"dim" help:"item embedding dimension D" min:"1" max:"100000"`
	LatentDim int     `toml:"latent_dim" help:"dimension d of the true latent space" min:"1" max:"100000"`
	Map       string  `toml:"map" help:"true map from embeddings to the latent space" enum:"identity|linear|mlp"`
	KTrue     int     `toml:"k_true" help:"number of true prototypes" min:"1" max:"1000"`
	Users     string  `toml:"users" help:"partition: each user is one prototype; mixture: Dirichlet(alpha) weights" enum:"partition|mixture"`
	Alpha     float64 `toml:"alpha" help:"Dirichlet concentration for mixture users" gt:"0"`
	Items     int     `toml:"items" help:"number of items" min:"2" max:"100000000"`
	UserSplits
	Temperature float64 `toml:"temperature" help:"BTL label-noise temperature (0 = noiseless labels)" min:"0"`
	// Prompt-conditioned mode (for PAL-B): see GenerateSynthetic.
	Prompts          int  `toml:"prompts" help:"number of distinct prompts; > 0 gives every pair a prompt drawn uniformly from them (for PAL-B), 0 = no prompts" min:"0" max:"100000000"`
	PromptDim        int  `toml:"prompt_dim" help:"prompt embedding dimension (with prompts > 0)" min:"1" max:"100000"`
	PromptDependence bool `toml:"prompt_dependence" help:"with prompts > 0: true makes each prototype a linear function of the prompt, G_k c; false draws prompts that the truth ignores (PAL-A-like)"`
	// Adversarial users (robustness checks): see GenerateSynthetic.
	AdversarialFraction float64 `toml:"adversarial_fraction" help:"fraction of the seen users who are adversaries: round(fraction x seen_users) of them, drawn at random, forming their own group \"adversarial\"; unseen users stay honest (0 = none)" min:"0" max:"1"`
	Adversary           string  `toml:"adversary" help:"what an adversary does (with adversarial_fraction > 0): random labels every pair by a fair coin; inverted prefers the item its own ideal point prefers less (its group's preferences, reversed)" enum:"random|inverted"`
}

// DefaultSynthetic is the documented default synthetic setting.
func DefaultSynthetic() *SyntheticConfig {
	return &SyntheticConfig{
		Dim: 16, LatentDim: 8, Map: "linear", KTrue: 3, Users: "partition", Alpha: 1,
		Items: 1000, UserSplits: DefaultUserSplits(),
		Temperature: 0.1,
		Prompts:     0, PromptDim: 8, PromptDependence: true,
		AdversarialFraction: 0, Adversary: "random",
	}
}

// Validate checks the constraints between fields.
func (c *SyntheticConfig) Validate() error {
	if c.Map == "identity" && c.Dim != c.LatentDim {
		return fmt.Errorf("map = \"identity\" needs dim == latent_dim (have %d and %d): set them equal or use map = \"linear\"", c.Dim, c.LatentDim)
	}
	if c.AdversarialFraction > 0 && math.Round(c.AdversarialFraction*float64(c.SeenUsers)) == 0 {
		return fmt.Errorf("adversarial_fraction = %g of seen_users = %d rounds to no adversary: raise one of them (or use 0 for none)", c.AdversarialFraction, c.SeenUsers)
	}
	return c.UserSplits.Validate()
}

// FilesConfig loads a bring-your-own folder in the interchange format (kind = "files").
type FilesConfig struct {
	Path string `toml:"path" help:"folder with items.npy and pairs.csv (and optionally users.csv); relative to the spec file"`
}

// DefaultFiles returns an empty FilesConfig; path is required.
func DefaultFiles() *FilesConfig { return &FilesConfig{} }

// Validate requires a path.
func (c *FilesConfig) Validate() error {
	if c.Path == "" {
		return fmt.Errorf("path is required: the folder holding items.npy and pairs.csv")
	}
	return nil
}
