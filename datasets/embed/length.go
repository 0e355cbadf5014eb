package embed

import (
	"context"
	"math"
	"unicode/utf8"
)

// Length is the shortcut feature: one value per text, ln(1 + its length in code points). It
// knows nothing of what a text says, so a model trained on it measures how much of a task the
// length alone decides (on the authors' Reddit TL;DR construction the labels are a length rule,
// so a per-user sign of the length difference is right on every pair but ties). Code points
// are what Python's len() counts, as in the authors' labelling; the logarithm keeps the scale
// of differences near 1 without changing their sign.
type Length struct{}

// Name is "length(ln1p-codepoints)": the cache key of its vectors, so a change of the feature
// changes the key.
func (Length) Name() string { return "length(ln1p-codepoints)" }

// Dim is 1.
func (Length) Dim() int { return 1 }

// Embed returns ln(1 + code points) of each text.
func (Length) Embed(ctx context.Context, texts []string) ([]float64, error) {
	out := make([]float64, len(texts))
	for i, s := range texts {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out[i] = math.Log1p(float64(utf8.RuneCountInString(s)))
	}
	return out, nil
}
