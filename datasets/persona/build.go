package persona

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/internal/regular"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/embed"
	"github.com/pal-harness/pal/internal/seeds"
)

// BuilderVersion is part of every Persona fingerprint. Bump it whenever a change to Build
// changes the data some (files, config, seed, embedder) produce, so stored results made on the
// old data are never mistaken for results on the new. Version 2: embeddings stored as float32.
const BuilderVersion = 2

// Build makes the Persona data set from the statement files in dir (see ResolveDir), with the
// embedder emb (nil: the one cfg describes, uncached). Given the same files, cfg, seed and
// embedder the result is bit-identical. The construction:
//
//   - Traits: the *.jsonl files of dir, sorted by name, are the pool; they are visited in a
//     random order drawn from seed, and each is kept when, after dropping the statements whose
//     label_confidence is below cfg.MinConfidence, it still has ceil(S/2) statements a holder of
//     the trait would say ("Yes") and floor(S/2) it would not ("No") (S = StatementsPerTrait; for
//     S = 0, at least one of each), until K = KTrue groups of T = TraitsPerGroup traits are found:
//     the first T kept traits form group 0, the next T group 1, and so on; groups share no trait.
//     Group names (Data.GroupNames) are the trait names joined by "+".
//   - Items: per kept trait, ceil(S/2) Yes and floor(S/2) No statements drawn without
//     replacement (all of them when S = 0), in file order; items are grouped by group, trait,
//     then Yes before No. Each item is its statement's text, embedded by emb in one call.
//   - Users: SeenUsers seen users (IDs u0001, ...) and UnseenUsers unseen ones (new0001, ...);
//     the i-th user of each kind is in group i mod K (balanced, one-hot TrueWeights).
//   - Pairs of a user of group g: with probability CrossFraction (when K > 1) a "cross" pair: a
//     Yes statement of a random trait of g against a Yes statement of a random trait of a random
//     other group; otherwise a "stance" pair: a Yes statement of a random trait t of g against a
//     No statement of the same trait. The user prefers the first (what a holder of the group's
//     traits would say). The two are shown in random order; with probability LabelNoise the
//     label is flipped.
//   - Why groups disagree: every group prefers Yes over No within its own traits, so a single
//     reward ("say what the persona says") can fit all stance pairs. On cross pairs the groups
//     are exactly opposed: group g prefers its own Yes statements over group h's and h the
//     reverse, with equal frequencies, so any single reward is right on half of them in
//     expectation. A one-reward-for-all model (BTL) is thus capped at 1 - CrossFraction/2
//     noise-free accuracy, while a model with one ideal point per group can reach 1.
//   - Splits: as the synthetic generator: each seen user's PairsPerUser pairs go
//     round(TestFraction*n) to test, round(ValFraction*n) to val and the rest to train; each
//     unseen user gets UnseenTrain, UnseenVal, UnseenTest pairs in unseen_train, unseen_val,
//     unseen_test; each split is shuffled. Pairs are split by pair, not by statement: a statement
//     met in training may appear in a test pair (with another partner, or for another user).
//   - Oracle: Data.BayesAccuracy is the fraction of labels that agree with the noise-free
//     preference, ExpectedBayesAccuracy is 1 - LabelNoise.
//   - Fingerprint: sha256 of the builder version, every knob except where files are and how the
//     embedder is reached (data_dir, endpoint, api_key_env, embed_batch), the embedder's name,
//     the seed, the pool's file names and the name and bytes of every file read.
//
// Every random part (trait order, each trait's statements, each user's pairs, each split's
// shuffle) draws from its own PCG stream derived from seed (seeds.Stream, parts "persona/traits",
// "persona/statements/<file>", "persona/pairs/<u|new>", "persona/shuffle").
func Build(ctx context.Context, cfg *Config, seed uint64, dir string, emb embed.Embedder) (*datasets.Data, error) {
	if cfg == nil {
		return nil, fmt.Errorf("persona: nil config")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("persona: %w", err)
	}
	if err := checkCounts(cfg); err != nil {
		return nil, fmt.Errorf("persona: %w", err)
	}
	if emb == nil {
		var err error
		if emb, err = embed.New(cfg.Config, ""); err != nil {
			return nil, fmt.Errorf("persona: %w", err)
		}
	}
	n := cfg.PairsPerUser
	nTest := int(math.Round(cfg.TestFraction * float64(n)))
	nVal := int(math.Round(cfg.ValFraction * float64(n)))
	nTrain := n - nTest - nVal
	if nTest == 0 || nTrain < 1 {
		return nil, fmt.Errorf("persona: pairs_per_user %d gives %d test and %d train pairs after rounding the fractions (%g test, %g val): raise pairs_per_user or change the fractions",
			n, nTest, nTrain, cfg.TestFraction, cfg.ValFraction)
	}

	fp := sha256.New()
	fmt.Fprintf(fp, "builder=persona\nversion=%d\n", BuilderVersion)
	writeKnobs(fp, reflect.ValueOf(cfg).Elem())
	fmt.Fprintf(fp, "embedder=%s\nseed=%d\n", emb.Name(), seed)

	traits, err := chooseTraits(cfg, seed, dir, fp)
	if err != nil {
		return nil, err
	}
	K, T := cfg.KTrue, cfg.TraitsPerGroup

	// Items, grouped by group, trait, then Yes before No.
	var texts []string
	yes := make([][]int, len(traits)) // item indices per trait
	no := make([][]int, len(traits))
	for ti, t := range traits {
		for _, s := range t.Yes {
			yes[ti] = append(yes[ti], len(texts))
			texts = append(texts, s.Text)
		}
		for _, s := range t.No {
			no[ti] = append(no[ti], len(texts))
			texts = append(texts, s.Text)
		}
	}
	items, err := emb.Embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("persona: embedding %d statements with %s: %w", len(texts), emb.Name(), err)
	}
	if len(items) == 0 || len(items)%len(texts) != 0 {
		return nil, fmt.Errorf("persona: embedder %s returned %d values for %d statements", emb.Name(), len(items), len(texts))
	}
	dim := len(items) / len(texts)

	data := &datasets.Data{
		Name:                  "persona",
		Dim:                   dim,
		Items:                 datasets.Float32s(items), // embedders compute in float64; stored as float32
		Splits:                map[datasets.Split][]datasets.Pair{},
		NumGroups:             K,
		GroupNames:            make([]string, K),
		BayesAccuracy:         map[datasets.Split]float64{},
		ExpectedBayesAccuracy: map[datasets.Split]float64{},
		Fingerprint:           hex.EncodeToString(fp.Sum(nil)),
	}
	for g := range K {
		names := make([]string, T)
		for j := range T {
			names[j] = traits[g*T+j].Name
		}
		data.GroupNames[g] = strings.Join(names, "+")
	}

	truth := map[datasets.Split][]bool{} // noise-free "left preferred", parallel to the split's pairs
	draw := func(r *rand.Rand, user, g int) (datasets.Pair, bool) {
		cross := r.Float64() < cfg.CrossFraction && K > 1
		t := g*T + r.IntN(T)
		a := yes[t][r.IntN(len(yes[t]))]
		var b int
		if cross {
			h := r.IntN(K - 1)
			if h >= g {
				h++
			}
			t2 := h*T + r.IntN(T)
			b = yes[t2][r.IntN(len(yes[t2]))]
		} else {
			b = no[t][r.IntN(len(no[t]))]
		}
		p := datasets.Pair{User: user, Left: a, Right: b, Prompt: -1, LeftPreferred: true}
		if r.IntN(2) == 1 {
			p.Left, p.Right, p.LeftPreferred = b, a, false
		}
		clean := p.LeftPreferred
		if r.Float64() < cfg.LabelNoise {
			p.LeftPreferred = !p.LeftPreferred
		}
		return p, clean
	}
	kinds := []struct {
		prefix string
		count  int
		seen   bool
		parts  []datasets.Split
		counts []int
	}{
		{"u", cfg.SeenUsers, true, []datasets.Split{datasets.Test, datasets.Val, datasets.Train}, []int{nTest, nVal, nTrain}},
		{"new", cfg.UnseenUsers, false, []datasets.Split{datasets.UnseenTest, datasets.UnseenVal, datasets.UnseenTrain}, []int{cfg.UnseenTest, cfg.UnseenVal, cfg.UnseenTrain}},
	}
	for _, kind := range kinds {
		width := max(4, len(strconv.Itoa(kind.count)))
		for i := range kind.count {
			g := i % K
			w := make([]float64, K)
			w[g] = 1
			data.Users = append(data.Users, datasets.User{
				ID: fmt.Sprintf("%s%0*d", kind.prefix, width, i+1), Seen: kind.seen, Group: g, TrueWeights: w,
			})
			user := len(data.Users) - 1
			r := seeds.Stream(seed, "persona/pairs/"+kind.prefix, uint64(i))
			for si, split := range kind.parts {
				for range kind.counts[si] {
					p, clean := draw(r, user, g)
					data.Splits[split] = append(data.Splits[split], p)
					truth[split] = append(truth[split], clean)
				}
			}
		}
	}
	for si, split := range datasets.AllSplits {
		pairs, clean := data.Splits[split], truth[split]
		if len(pairs) == 0 {
			delete(data.Splits, split)
			continue
		}
		seeds.Stream(seed, "persona/shuffle", uint64(si)).Shuffle(len(pairs), func(a, b int) {
			pairs[a], pairs[b] = pairs[b], pairs[a]
			clean[a], clean[b] = clean[b], clean[a]
		})
		agree := 0
		for j, p := range pairs {
			if p.LeftPreferred == clean[j] {
				agree++
			}
		}
		data.BayesAccuracy[split] = float64(agree) / float64(len(pairs))
		data.ExpectedBayesAccuracy[split] = 1 - cfg.LabelNoise
	}
	if err := data.Validate(); err != nil {
		return nil, fmt.Errorf("persona: %w", err)
	}
	return data, nil
}

// chooseTraits visits the pool in a seeded order and keeps the first K*T eligible traits, with
// their statements sampled. Every file read is hashed into fp.
func chooseTraits(cfg *Config, seed uint64, dir string, fp hash.Hash) ([]*trait, error) {
	pool, err := statementFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("persona: statement folder %s: %w", dir, err)
	}
	need := cfg.KTrue * cfg.TraitsPerGroup
	if len(pool) < need {
		return nil, fmt.Errorf("persona: %s holds %d statement files (*.jsonl) but k_true %d x traits_per_group %d needs %d traits: lower one of them, or fetch the full set with `pal data fetch anthropic-persona`",
			dir, len(pool), cfg.KTrue, cfg.TraitsPerGroup, need)
	}
	fmt.Fprintf(fp, "pool=%s\n", strings.Join(pool, ","))
	nYes, nNo := (cfg.StatementsPerTrait+1)/2, cfg.StatementsPerTrait/2
	var kept []*trait
	skipped := 0
	for _, idx := range seeds.Stream(seed, "persona/traits", 0).Perm(len(pool)) {
		name := pool[idx]
		raw, err := regular.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("persona: %w", err)
		}
		fmt.Fprintf(fp, "file=%s\x00%d\x00", name, len(raw))
		fp.Write(raw)
		t, err := parseTrait(filepath.Join(dir, name), raw)
		if err != nil {
			return nil, fmt.Errorf("persona: %w", err)
		}
		t.Name = strings.TrimSuffix(name, ".jsonl")
		t.Yes, t.No = confident(t.Yes, cfg.MinConfidence), confident(t.No, cfg.MinConfidence)
		if cfg.StatementsPerTrait == 0 {
			if len(t.Yes) == 0 || len(t.No) == 0 {
				skipped++
				continue
			}
		} else {
			if len(t.Yes) < nYes || len(t.No) < nNo {
				skipped++
				continue
			}
			r := seeds.Stream(seed, "persona/statements/"+name, 0)
			t.Yes, t.No = sample(r, t.Yes, nYes), sample(r, t.No, nNo)
		}
		kept = append(kept, t)
		if len(kept) == need {
			return kept, nil
		}
	}
	return nil, fmt.Errorf("persona: only %d of the %d traits in %s have at least %d statements a holder would say and %d it would not with label_confidence >= %g (%d skipped), but %d are needed: lower min_label_confidence or statements_per_trait, or k_true x traits_per_group",
		len(kept), len(pool), dir, max(nYes, 1), max(nNo, 1), cfg.MinConfidence, skipped, need)
}

func confident(ss []statement, min float64) []statement {
	var out []statement
	for _, s := range ss {
		if s.Confidence >= min {
			out = append(out, s)
		}
	}
	return out
}

// sample draws n of ss without replacement and returns them in their original order.
func sample(r *rand.Rand, ss []statement, n int) []statement {
	idx := r.Perm(len(ss))[:n]
	sort.Ints(idx)
	out := make([]statement, n)
	for i, j := range idx {
		out[i] = ss[j]
	}
	return out
}

// unfingerprinted reports the knobs that say where inputs are or how they are reached, not what
// they are: the same statements and settings give the same data wherever they are read from.
func unfingerprinted(key string) bool {
	switch key {
	case "data_dir", "endpoint", "api_key_env", "embed_batch":
		return true
	}
	return false
}

// writeKnobs writes every config field (by toml key, embedded structs flattened, floats in
// shortest round-trip form) except the unfingerprinted ones. Fields are found by reflection so a
// knob added later is fingerprinted without anyone remembering to list it.
func writeKnobs(w hash.Hash, v reflect.Value) {
	datasets.WalkConfig(v, func(f reflect.StructField, fv reflect.Value) {
		if key := f.Tag.Get("toml"); key != "" && !unfingerprinted(key) {
			fmt.Fprintf(w, "%s=%s\n", key, datasets.CanonicalValue(fv))
		}
	})
}

// checkCounts guards a config built in code (a parsed spec has been checked against the tags).
func checkCounts(c *Config) error {
	switch {
	case c.KTrue < 1 || c.TraitsPerGroup < 1:
		return fmt.Errorf("k_true = %d and traits_per_group = %d: both must be >= 1", c.KTrue, c.TraitsPerGroup)
	case c.StatementsPerTrait < 0 || c.SeenUsers < 1 || c.UnseenUsers < 0 || c.PairsPerUser < 3 ||
		c.UnseenTrain < 0 || c.UnseenVal < 0 || c.UnseenTest < 0:
		return fmt.Errorf("negative or too small counts: statements_per_trait %d, seen_users %d (>= 1), unseen_users %d, pairs_per_user %d (>= 3), unseen pairs %d/%d/%d",
			c.StatementsPerTrait, c.SeenUsers, c.UnseenUsers, c.PairsPerUser, c.UnseenTrain, c.UnseenVal, c.UnseenTest)
	case !(c.LabelNoise >= 0 && c.LabelNoise < 0.5):
		return fmt.Errorf("label_noise = %v: want 0 <= label_noise < 0.5", c.LabelNoise)
	case !(c.CrossFraction >= 0 && c.CrossFraction <= 1):
		return fmt.Errorf("cross_fraction = %v: want a number in [0, 1]", c.CrossFraction)
	case !(c.MinConfidence >= 0 && c.MinConfidence <= 1):
		return fmt.Errorf("min_label_confidence = %v: want a number in [0, 1]", c.MinConfidence)
	case !(c.ValFraction >= 0 && c.TestFraction > 0):
		return fmt.Errorf("val_fraction %v and test_fraction %v: want val >= 0 and test > 0", c.ValFraction, c.TestFraction)
	}
	return nil
}
