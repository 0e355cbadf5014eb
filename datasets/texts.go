package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/pal-harness/pal/datasets/embed"
)

// Texts collects what a text data set embeds: its items, then its prompts, each distinct text
// once, so that one call of the embedder sees the whole corpus (an embedder fitted on its
// input, as the offline TF-IDF one is, must see items and prompts together).
type Texts struct {
	all     []string
	item    map[string]int // row of each item text
	prompt  map[string]int // prompt row (counted from the first prompt) of each prompt text
	prompts int
}

// Item returns the row of item text s, adding it the first time. Items come before every
// prompt: an item after a prompt would shift the prompts' rows, so it panics.
func (t *Texts) Item(s string) int {
	if r, ok := t.item[s]; ok {
		return r
	}
	if t.item == nil {
		t.item = map[string]int{}
	}
	t.item[s] = t.AddItem(s)
	return t.item[s]
}

// AddItem adds a row for item text s even when s has one: for a pair that compares a text
// with itself, whose two sides need two rows.
func (t *Texts) AddItem(s string) int {
	if t.prompts > 0 {
		panic("datasets: an item text added after the prompts")
	}
	t.all = append(t.all, s)
	return len(t.all) - 1
}

// Prompt returns the prompt row of s, counted from the first prompt, adding it the first time.
// A prompt and an item of the same text get a row each.
func (t *Texts) Prompt(s string) int {
	if r, ok := t.prompt[s]; ok {
		return r
	}
	if t.prompt == nil {
		t.prompt = map[string]int{}
	}
	t.prompt[s] = t.prompts
	t.all = append(t.all, s)
	t.prompts++
	return t.prompt[s]
}

// Len is the number of rows, items and prompts.
func (t *Texts) Len() int { return len(t.all) }

// Embed embeds every row in one call of emb: vecs holds the items' rows (the first Items() of
// them) then the prompts', dim values each. kind names the data set in errors.
func (t *Texts) Embed(ctx context.Context, emb embed.Embedder, kind string) (vecs []float64, dim int, err error) {
	vecs, err = emb.Embed(ctx, t.all)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: embedding %d texts with %s: %w", kind, len(t.all), emb.Name(), err)
	}
	dim = emb.Dim()
	if dim <= 0 || len(vecs) != len(t.all)*dim {
		return nil, 0, fmt.Errorf("%s: embedder %s returned %d values for %d texts of dimension %d", kind, emb.Name(), len(vecs), len(t.all), dim)
	}
	return vecs, dim, nil
}

// Items is the number of item rows.
func (t *Texts) Items() int { return len(t.all) - t.prompts }

// TextFingerprint is the fingerprint of a data set of embedded texts: sum, the hash of what
// was read (files, options, builder version), extended by the embedder's name and dimension,
// since another embedder gives other vectors from the same texts.
func TextFingerprint(sum []byte, emb embed.Embedder, dim int) string {
	h := sha256.New()
	h.Write(sum)
	fmt.Fprintf(h, "embedder\x00%s\x00%d\n", emb.Name(), dim)
	return hex.EncodeToString(h.Sum(nil))
}
