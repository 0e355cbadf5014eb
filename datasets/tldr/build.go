package tldr

import (
	"context"
	"fmt"
	"math"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/embed"
)

// Group numbers of Data.Users: the length rule each user follows.
const (
	GroupMajority = 0 // prefers the longer summary
	GroupMinority = 1 // prefers the shorter summary
)

// GroupNames name the groups in reports.
var GroupNames = []string{"majority (longer)", "minority (shorter)"}

// Build embeds a construction into Data. Items are the distinct summary texts, Prompts the
// distinct posts (for PAL-B); both are embedded in one call of emb (summaries first, then
// posts), so an embedder fitted on its input (the offline TF-IDF one) sees one corpus. A pair
// whose two summaries are the same text gets a second row for the right one (same vector), so
// that every pair compares two rows. Groups are the length rule of each user (majority,
// minority); since the labels follow that rule exactly, the Bayes-optimal accuracy is 1 on every
// split. The fingerprint covers the files, the options, the embedder's name and BuilderVersion.
func Build(ctx context.Context, c *Construction, emb embed.Embedder) (*datasets.Data, error) {
	if emb == nil {
		return nil, fmt.Errorf("reddit-tldr needs a text embedder")
	}
	var texts datasets.Texts
	twin := map[string]int{}
	type ref struct{ left, right, post int }
	refs := map[datasets.Split][]ref{}
	for _, split := range datasets.AllSplits {
		for _, p := range c.Splits[split] {
			l := texts.Item(p.Left)
			r := texts.Item(p.Right)
			if l == r {
				t, ok := twin[p.Right]
				if !ok {
					t = texts.AddItem(p.Right)
					twin[p.Right] = t
				}
				r = t
			}
			refs[split] = append(refs[split], ref{left: l, right: r})
		}
	}
	for _, split := range datasets.AllSplits {
		for i, p := range c.Splits[split] {
			refs[split][i].post = texts.Prompt(p.Post)
		}
	}
	if texts.Len() == 0 {
		return nil, fmt.Errorf("reddit-tldr: the construction has no pairs")
	}
	vecs, dim, err := texts.Embed(ctx, emb, "reddit-tldr")
	if err != nil {
		return nil, err
	}
	for i, v := range vecs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("reddit-tldr: embedder %s gave a non-finite value for text %d", emb.Name(), i/dim)
		}
	}

	nItems := texts.Items()
	d := &datasets.Data{
		Name:      CatalogName,
		Dim:       dim,
		Items:     datasets.Float32s(vecs[:nItems*dim]), // embedders compute in float64; stored as float32
		PromptDim: dim,
		Prompts:   datasets.Float32s(vecs[nItems*dim:]),
		Splits:    map[datasets.Split][]datasets.Pair{},
		NumGroups: 2, GroupNames: append([]string(nil), GroupNames...),
		BayesAccuracy:         map[datasets.Split]float64{},
		ExpectedBayesAccuracy: map[datasets.Split]float64{},
	}
	for _, u := range c.Users {
		g := GroupMajority
		if u.Minority {
			g = GroupMinority
		}
		d.Users = append(d.Users, datasets.User{ID: u.ID, Seen: u.Seen, Group: g})
	}
	for _, split := range datasets.AllSplits {
		for i, p := range c.Splits[split] {
			r := refs[split][i]
			d.Splits[split] = append(d.Splits[split], datasets.Pair{User: p.User, Left: r.left, Right: r.right, Prompt: r.post, LeftPreferred: p.LeftPreferred})
		}
		if len(d.Splits[split]) > 0 {
			d.BayesAccuracy[split] = 1
			d.ExpectedBayesAccuracy[split] = 1
		}
	}
	d.Fingerprint = datasets.TextFingerprint(c.sum, emb, dim)
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("reddit-tldr: %w", err)
	}
	return d, nil
}
