package models

import "fmt"

// Config structs are decoded from a spec by the sweeps package; their tags are the schema (see
// datasets/config.go for the tag conventions).

// MLPConfig is the authors' "mlpL": Layers blocks of Linear -> Dropout -> activation, then a
// final Linear; Layers = 0 is a single linear map. Residual adds the input to the output and
// needs the input dimension to equal Width.
type MLPConfig struct {
	Layers     int     `toml:"layers" help:"MLP depth L: hidden blocks before the final linear layer" min:"0" max:"16"`
	Width      int     `toml:"width" help:"hidden and output width d of the MLP" min:"1" max:"65536"`
	Activation string  `toml:"activation" help:"hidden activation" enum:"relu|gelu"`
	Residual   bool    `toml:"residual" help:"output = input + MLP(input); needs width == input dimension"`
	Dropout    float64 `toml:"dropout" help:"dropout probability in hidden blocks" min:"0" lt:"1"`
	Precision  string  `toml:"precision" help:"arithmetic of the MLP's forward and backward passes: float32 (about twice as fast; parameters and optimiser stay float64) or float64 (the last bits; gradient checks)" enum:"float32|float64"`
}

// DefaultMLP is the map every model starts from: one hidden block of 16 ReLU units, computed in
// float32.
func DefaultMLP() MLPConfig {
	return MLPConfig{Layers: 1, Width: 16, Activation: "relu", Precision: Float32}
}

// HeadConfig is how a pair is scored from the mapped items f(x), f(x') and the user's ideal
// point u, and what loss trains it: the options of the authors' code (PAL.md §2; their
// src/pal_rm_*/learner.py, src/loss_function.py and lightningmodule.py), shared by PAL-A and
// PAL-B. Validate rejects the combinations their code never forms.
type HeadConfig struct {
	Score         string  `toml:"score" help:"pair score: dist ||f(x)-u||, dist_normalization (on unit vectors), angle (scaled cosine, two logits), angle_hinge (scaled cosine difference, fixed scale), dist_logistic (scaled distance, two logits)" enum:"dist|dist_normalization|angle|angle_hinge|dist_logistic"`
	Loss          string  `toml:"loss" help:"pair loss: hinge max(0,1-t*m), smooth_hinge (quadratically smoothed, gamma 5), logistic log(1+exp(-t*m)) on a score difference; cross_entropy on the two logits of angle or dist_logistic" enum:"hinge|smooth_hinge|logistic|cross_entropy"`
	UserWeighting bool    `toml:"user_weighting" help:"weight each training pair by 1/(its user's training pairs), normalised within the batch (the authors' *_w losses), so every user counts alike"`
	Bound         bool    `toml:"bound" help:"add the prototype-norm bound bound_lambda * sum over the batch of max(0, ||u|| - bound_b) to the training loss"`
	BoundB        float64 `toml:"bound_b" help:"norm B above which ideal points are penalised (with bound = true)" gt:"0"`
	BoundLambda   float64 `toml:"bound_lambda" help:"weight lambda of the prototype-norm bound (with bound = true)" min:"0"`
	Partition     bool    `toml:"partition" help:"at evaluation give each user only its largest-weight prototype (one-hot argmax weights); training keeps the softmax"`
	LRScale       float64 `toml:"lr_scale" help:"Adam learning rate of the logit scale theta (score = angle or dist_logistic)" gt:"0"`
}

// defaultHead is the head both PAL kinds start from: the authors' bound B = 4, lambda = 1 (off
// unless bound = true) and logit-scale learning rate 0.1 (PAL.md §2).
func defaultHead(score, loss string) HeadConfig {
	return HeadConfig{Score: score, Loss: loss, BoundB: 4, BoundLambda: 1, LRScale: 0.1}
}

// twoLogitScores are the scores whose output is a pair of logits, one per item: the authors'
// code trains them with cross-entropy only, and the others (a score difference) with hinge or
// logistic losses only (lightningmodule._wrap_forward).
func twoLogitScore(score string) bool { return score == "angle" || score == "dist_logistic" }

// Validate rejects a loss that the score cannot feed.
func (c *HeadConfig) Validate() error {
	switch {
	case twoLogitScore(c.Score) && c.Loss != "cross_entropy":
		return fmt.Errorf("score = %q with loss = %q: %s gives two logits (one per item), which the authors train with a 2-way cross-entropy only; set loss = \"cross_entropy\", or use score = \"angle_hinge\" or \"dist\" with %s",
			c.Score, c.Loss, c.Score, c.Loss)
	case !twoLogitScore(c.Score) && c.Loss == "cross_entropy":
		return fmt.Errorf("score = %q with loss = \"cross_entropy\": %s gives one score difference, not the two logits a cross-entropy needs; set loss = \"hinge\", \"smooth_hinge\" or \"logistic\", or use score = \"angle\" or \"dist_logistic\"",
			c.Score, c.Score)
	}
	return nil
}

// PALOptim is what PAL-A and PAL-B share besides the head and the MLP shape: the authors'
// parameter groups (the MLPs; the prototypes and user weights), the softmax temperature of
// the user weights, and the size of the frozen model behind the embeddings.
type PALOptim struct {
	LR              float64 `toml:"lr" help:"Adam learning rate of the MLPs (f, and PAL-B's g_k)" gt:"0"`
	WeightDecay     float64 `toml:"weight_decay" help:"decoupled weight decay of the MLPs" min:"0"`
	LRUser          float64 `toml:"lr_user" help:"Adam learning rate of the user weights W (and PAL-A's prototypes P)" gt:"0"`
	WeightDecayUser float64 `toml:"weight_decay_user" help:"decoupled weight decay of W (and P)" min:"0"`
	Tau             float64 `toml:"tau" help:"softmax temperature of user weights w = softmax(W/tau)" gt:"0"`
	EmbeddingParams int     `toml:"embedding_params" help:"parameters of the frozen model that made the embeddings (e.g. 986000000 for CLIP-H), recorded as frozen_params; pal never sees that model" min:"0" max:"1000000000000000"`
}

// defaultOptim is the authors' values (PAL.md §2): the MLPs at lr 1e-4 with weight decay 0.01,
// P and W at lr 5e-3 without, tau = 1.
func defaultOptim() PALOptim { return PALOptim{LR: 1e-4, WeightDecay: 0.01, LRUser: 5e-3, Tau: 1} }

// PALAConfig configures PAL-A (kind = "pal-a"). Its Validate is HeadConfig's: the only
// constraints between fields that need no data (Build checks those that do).
type PALAConfig struct {
	K          int    `toml:"k" help:"number of prototypes" min:"1" max:"1000"`
	IdealPoint string `toml:"ideal_point" help:"user ideal point: f(Pw) maps the mixed prototype, f(P)w mixes mapped prototypes, Pw mixes prototypes that live in the mapped space" enum:"f(Pw)|f(P)w|Pw"`
	HeadConfig
	MLPConfig
	PALOptim
}

// DefaultPALA is PAL-A with the authors' parameter groups and their values (PAL.md §2): the MLP
// at lr 1e-4 with weight decay 0.01, P and W at lr 5e-3 without; a 1-hidden-layer MLP; K = 2;
// the distance score with the hinge loss, as their text PAL-A configs use.
// The authors tuned these for batch 4 on text; at the batch of 64 used by the embedded synthetic
// experiment its spec sets lr = 3e-3 and lr_user = 1e-2 instead.
func DefaultPALA() *PALAConfig {
	return &PALAConfig{
		K: 2, IdealPoint: "f(Pw)",
		HeadConfig: defaultHead("dist", "hinge"),
		MLPConfig:  DefaultMLP(),
		PALOptim:   defaultOptim(),
	}
}

// PALBConfig configures PAL-B (kind = "pal-b"): items mapped by f, the prompt by K mappings g_k
// (MLPs of the same shape as f), user i's ideal point for prompt c u_i(c) = sum_k w_ik g_k(c).
// Its Validate, as PAL-A's, is HeadConfig's.
type PALBConfig struct {
	K int `toml:"k" help:"number of prompt mappings g_k (prototypes)" min:"1" max:"1000"`
	HeadConfig
	MLPConfig
	PALOptim
}

// DefaultPALB is PAL-B as the authors configure it (PAL.md §2; config/prefLearner_config/b-*.yaml):
// the scaled-cosine score "angle" with a 2-way cross-entropy, logit scale exp(theta) from
// theta = log(1/0.07), clamped at 100, learned at lr 0.1; MLPs at lr 1e-4, weight decay 0.01;
// W at lr 5e-3.
func DefaultPALB() *PALBConfig {
	return &PALBConfig{
		K:          2,
		HeadConfig: defaultHead("angle", "cross_entropy"),
		MLPConfig:  DefaultMLP(),
		PALOptim:   defaultOptim(),
	}
}

// TrainConfig is the [train] table: the mini-batch loop shared by every trained model.
type TrainConfig struct {
	Epochs    int     `toml:"epochs" help:"maximum passes over the training pairs" min:"1" max:"100000"`
	BatchSize int     `toml:"batch_size" help:"pairs per mini-batch" min:"1" max:"10000000"`
	Patience  int     `toml:"patience" help:"stop after this many epochs without a better val loss (0 = never stop early)" min:"0" max:"100000"`
	MinDelta  float64 `toml:"min_delta" help:"improvement of val loss that counts as better" min:"0"`
}

// DefaultTrain is the default [train] table.
func DefaultTrain() *TrainConfig {
	return &TrainConfig{Epochs: 100, BatchSize: 64, Patience: 10, MinDelta: 1e-4}
}

// Validate has nothing to check across fields.
func (c *TrainConfig) Validate() error { return nil }

// FewShotConfig is the [fewshot] table: how unseen users are fitted with the shared model frozen.
type FewShotConfig struct {
	PairsPerUser []int   `toml:"pairs_per_user" help:"list of training pairs per unseen user; one few-shot fit each" max:"10000000"`
	Epochs       int     `toml:"epochs" help:"maximum epochs of each few-shot fit" min:"1" max:"100000"`
	LR           float64 `toml:"lr" help:"Adam learning rate of the new users' weights" gt:"0"`
	BatchSize    int     `toml:"batch_size" help:"pairs per mini-batch" min:"1" max:"10000000"`
	Patience     int     `toml:"patience" help:"early stopping on unseen_val loss (0 = never)" min:"0" max:"100000"`
}

// DefaultFewShot is the default [fewshot] table.
func DefaultFewShot() *FewShotConfig {
	return &FewShotConfig{PairsPerUser: []int{1, 2, 5, 10, 20, 40, 100}, Epochs: 200, LR: 5e-2, BatchSize: 64, Patience: 20}
}

// Validate requires positive sizes.
func (c *FewShotConfig) Validate() error {
	for i, n := range c.PairsPerUser {
		if n < 1 {
			return fmt.Errorf("pairs_per_user[%d] = %d: sizes must be >= 1", i, n)
		}
	}
	return nil
}
