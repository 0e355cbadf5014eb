package baselines

import (
	"context"
	"fmt"
	"math"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
)

// ZeroShotConfig is the reward of a CLIP-style model read off the data's own embeddings
// (kind = "zero-shot"): r(c, x) = scale · cos(c, x), c the pair's prompt embedding and x the
// item's, so the margin of a pair is scale · (cos(c, x_left) − cos(c, x_right)). It trains
// nothing.
//
// This is exactly how CLIP zero-shot and PickScore score an image for a prompt: PickScore's
// reference code (github.com/yuvalkirstain/PickScore, README "Inference with PickScore" and
// trainer/scripts/eval_preference_predictor.py) takes get_text_features and
// get_image_features, the projected embeddings, normalises both and multiplies their dot
// product by logit_scale.exp(). On embeddings that are those projected features (the
// PAL authors' 1024-dimensional OpenCLIP ViT-H/14 and PickScore releases: 1024 is the
// projection's output, the ViT-H image tower itself is 1280 wide), this kind is therefore
// CLIP-H zero-shot, or PickScore on the PickScore release, with no GPU and no model
// download. The cosine ignores the vectors' norms, so it does not matter whether the release
// normalised them; the scale changes no ranking and no accuracy, only the logistic loss.
type ZeroShotConfig struct {
	Scale        float64  `toml:"scale" help:"the model's logit scale exp(t) multiplying the cosine (CLIP caps it at 100); changes the loss, never the accuracy" gt:"0" max:"1000000"`
	Splits       []string `toml:"splits" help:"list of splits to evaluate"`
	FrozenParams int      `toml:"frozen_params" help:"parameters of the model that made the embeddings (e.g. 986000000 for CLIP-H or PickScore), for parameter-efficiency tables" min:"0" max:"1000000000000000"`
}

// DefaultZeroShot scores with CLIP's maximal logit scale, 100, on every split.
func DefaultZeroShot() *ZeroShotConfig {
	return &ZeroShotConfig{Scale: 100, Splits: []string{"train", "val", "test", "unseen_train", "unseen_val", "unseen_test"}}
}

// Validate checks the split names.
func (c *ZeroShotConfig) Validate() error {
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

// CheckData implements models.DataChecker: every pair needs a prompt in the items' space.
func (c *ZeroShotConfig) CheckData(d *datasets.Data, _ datasets.Env) error {
	if d.NumPrompts() == 0 {
		return fmt.Errorf("zero-shot scores an item by its cosine with the pair's prompt, and this data set has no prompts: use a data set with prompt embeddings (Pick-a-Pic, Pick-a-Filter, synthetic with prompts > 0)")
	}
	if d.PromptDim != d.Dim {
		return fmt.Errorf("zero-shot needs prompts and items in one embedding space: prompts have %d dimensions, items %d", d.PromptDim, d.Dim)
	}
	for sp, pairs := range d.Splits {
		for _, p := range pairs {
			if p.Prompt < 0 {
				return fmt.Errorf("zero-shot: a pair of split %s (user %s, items %d and %d) has no prompt", sp, d.Users[p.User].ID, p.Left, p.Right)
			}
		}
	}
	return nil
}

// TrainsNothing implements models.Untrained.
func (c *ZeroShotConfig) TrainsNothing() {}

// Fit implements models.Kind: the margins of every pair of the listed splits, evaluated like
// every model's. Without per-user parameters each few-shot point is its unseen_test accuracy.
func (c *ZeroShotConfig) Fit(ctx context.Context, in models.FitInput) (models.Fitted, error) {
	d := in.Data
	if err := c.CheckData(d, in.Env); err != nil {
		return models.Fitted{}, err
	}
	if err := ctx.Err(); err != nil {
		return models.Fitted{}, err
	}
	view := *d
	view.Splits = map[datasets.Split][]datasets.Pair{}
	for _, s := range c.Splits {
		sp, _ := datasets.ParseSplit(s)
		if len(d.Splits[sp]) > 0 {
			view.Splits[sp] = d.Splits[sp]
		}
	}
	out, err := models.Evaluate(zeroShot{c.Scale, d}, &view)
	if err != nil {
		return models.Fitted{}, fmt.Errorf("zero-shot: %w", err)
	}
	models.SameForEveryUser(&out, in.FewShot)
	out.FrozenParams = c.FrozenParams
	return models.Fitted{Metrics: out}, nil
}

// zeroShot is the models.Scorer of the kind.
type zeroShot struct {
	scale float64
	d     *datasets.Data
}

// Cosine is the cosine of a and b in float64; 0 when either is the zero vector.
func Cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

func (z zeroShot) Margin(p datasets.Pair) float64 {
	c := z.d.Prompt(p.Prompt)
	return z.scale * (Cosine(c, z.d.Item(p.Left)) - Cosine(c, z.d.Item(p.Right)))
}

func (z zeroShot) PairLoss(p datasets.Pair) float64 {
	l, _ := models.PairLoss("logistic", z.Margin(p), p.LeftPreferred)
	return l
}
