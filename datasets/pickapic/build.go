package pickapic

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/seeds"
)

// table stores embeddings once: identical vectors (the same image in several comparisons,
// the same prompt for several pairs) share a row. Rows go to sink in order of first
// appearance; only a 16-byte digest per row stays in memory besides what the sink keeps.
type table struct {
	what  string // "image" or "prompt", for messages
	dim   int
	index map[[16]byte]int
	n     int
	sink  func(v []float64, dtype string) error
}

func newTable(what string, sink func([]float64, string) error) *table {
	return &table{what: what, index: map[[16]byte]int{}, sink: sink}
}

func (t *table) row(v []float64, dtype string) (int, error) {
	if t.dim == 0 {
		t.dim = len(v)
	} else if len(v) != t.dim {
		return 0, fmt.Errorf("%s embedding has %d values but earlier ones have %d: all must have one dimension", t.what, len(v), t.dim)
	}
	h := sha256.New()
	var b [8]byte
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%s embedding value %d is %v: embeddings must be finite", t.what, i, x)
		}
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		h.Write(b[:])
	}
	var key [16]byte
	copy(key[:], h.Sum(nil))
	if r, ok := t.index[key]; ok {
		return r, nil
	}
	if err := t.sink(v, dtype); err != nil {
		return 0, err
	}
	t.index[key] = t.n
	t.n++
	return t.n - 1, nil
}

// rawPair is a comparison before labels and splits are settled.
type rawPair struct {
	user, left, right, prompt int
	y                         float64
	split                     datasets.Split
	order                     int
	id                        string
}

// builder turns scanned comparisons into users, pairs and embedding tables.
type builder struct {
	images, prompts *table
	userIndex       map[string]int
	userIDs         []string
	pairs           []rawPair
	// With scale > 0, scores holds the zero-shot margin of every (left, right, prompt) row
	// triple, computed from the embeddings as they stream past (the converter keeps none).
	scale  float64
	scores map[[3]int]float64
}

func newBuilder(images, prompts func([]float64, string) error) *builder {
	return &builder{images: newTable("image", images), prompts: newTable("prompt", prompts), userIndex: map[string]int{}}
}

func (b *builder) add(sc *scanned) error {
	s := sc.s
	p, err := b.prompts.row(s.prompt, s.dtype)
	if err != nil {
		return err
	}
	l, err := b.images.row(s.left, s.dtype)
	if err != nil {
		return fmt.Errorf("left: %w", err)
	}
	r, err := b.images.row(s.right, s.dtype)
	if err != nil {
		return fmt.Errorf("right: %w", err)
	}
	if l == r {
		return fmt.Errorf("the left and right images have identical embeddings: a pair compares two different images")
	}
	u, ok := b.userIndex[s.user]
	if !ok {
		u = len(b.userIDs)
		b.userIndex[s.user] = u
		b.userIDs = append(b.userIDs, s.user)
	}
	b.pairs = append(b.pairs, rawPair{user: u, left: l, right: r, prompt: p, y: s.y, split: sc.split, order: sc.order, id: sc.id})
	if b.scale > 0 {
		if len(s.prompt) != len(s.left) {
			return fmt.Errorf("zero-shot scores need the prompt and the images in one embedding space: the prompt has %d dimensions, the images %d", len(s.prompt), len(s.left))
		}
		if b.scores == nil {
			b.scores = map[[3]int]float64{}
		}
		b.scores[[3]int{l, r, p}] = ZeroShotMargin(b.scale, s.prompt, s.left, s.right)
	}
	return nil
}

// ZeroShotMargin is the margin of a CLIP-style reward r(c, x) = scale · cos(c, x) between the
// left and right images x_l, x_r for prompt c: how CLIP zero-shot and PickScore rank two
// images (PickScore's code: logit_scale.exp() times the dot product of the normalised
// get_text_features and get_image_features). A zero vector has cosine 0.
func ZeroShotMargin(scale float64, prompt, left, right []float64) float64 {
	return scale * (cosine(prompt, left) - cosine(prompt, right))
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// labelConvention names the convention the labels follow, or says why they fit none.
func labelConvention(pairs []rawPair) (string, error) {
	seen := map[float64]string{}
	for _, p := range pairs {
		if _, ok := seen[p.y]; !ok {
			seen[p.y] = p.id
		}
	}
	if name, ok := datasets.LabelConvention(seen); ok {
		return name, nil
	}
	var vals []float64
	for y := range seen {
		vals = append(vals, y)
	}
	slices.Sort(vals)
	ex := make([]string, len(vals))
	for i, y := range vals {
		ex[i] = fmt.Sprintf("%g (e.g. id %s)", y, seen[y])
	}
	return "", fmt.Errorf("labels %s fit no PAL convention: want y in {-1,+1}, {-1,3} or {0,1}, where -1 (or 0) means the left image was preferred",
		strings.Join(ex, ", "))
}

// settled is the outcome of finish: users and pairs in the Data layout.
type settled struct {
	users      []datasets.User
	splits     map[datasets.Split][]datasets.Pair
	convention string
	left       int // pairs whose left image was preferred
}

// finish normalises labels, assigns splits (from the lists, or seeded per user when there
// were none) and orders each split: by list position, then shuffled with a seed derived from
// the fingerprint, because few-shot runs take the first n pairs of each user.
func (b *builder) finish(info *archiveInfo, opt Options) (*settled, error) {
	conv, err := labelConvention(b.pairs)
	if err != nil {
		return nil, err
	}
	if info.listSource == "" {
		b.seededSplit(info.sum, opt)
	}
	out := &settled{convention: conv, splits: map[datasets.Split][]datasets.Pair{}}
	users := make([]datasets.User, len(b.userIDs))
	kind := make([]string, len(b.userIDs)) // "seen"/"unseen" and the id that decided it
	firstID := make([]string, len(b.userIDs))
	for i, id := range b.userIDs {
		users[i] = datasets.User{ID: id, Group: -1}
	}
	slices.SortStableFunc(b.pairs, func(x, y rawPair) int { return x.order - y.order })
	for _, p := range b.pairs {
		unseen := p.split == datasets.UnseenTrain || p.split == datasets.UnseenVal || p.split == datasets.UnseenTest
		k := "seen"
		if unseen {
			k = "unseen"
		}
		switch kind[p.user] {
		case "":
			kind[p.user], firstID[p.user] = k, p.id
			users[p.user].Seen = !unseen
		case k:
		default:
			return nil, fmt.Errorf("user %s has comparisons in %s split lists (id %s) and in %s ones (id %s): a user is either seen or unseen; fix the split lists",
				b.userIDs[p.user], kind[p.user], firstID[p.user], k, p.id)
		}
		lp := p.y <= 0
		if lp {
			out.left++
		}
		out.splits[p.split] = append(out.splits[p.split], datasets.Pair{User: p.user, Left: p.left, Right: p.right, Prompt: p.prompt, LeftPreferred: lp})
	}
	for i, split := range datasets.AllSplits {
		pairs := out.splits[split]
		r := seeds.PCG(seeds.FromDigest(info.sum, "order"), uint64(i))
		r.Shuffle(len(pairs), func(a, c int) { pairs[a], pairs[c] = pairs[c], pairs[a] })
	}
	out.users = users
	return out, nil
}

// seededSplit gives each user round(test_fraction*n) test pairs, round(val_fraction*n) val
// pairs and the rest train, drawn with a seed derived from the archive.
func (b *builder) seededSplit(sum []byte, opt Options) {
	byUser := make([][]int, len(b.userIDs))
	for i, p := range b.pairs {
		byUser[p.user] = append(byUser[p.user], i)
	}
	for u, idx := range byUser {
		r := seeds.PCG(seeds.FromDigest(sum, "split"), uint64(u))
		r.Shuffle(len(idx), func(a, c int) { idx[a], idx[c] = idx[c], idx[a] })
		nTest := int(math.Round(opt.TestFraction * float64(len(idx))))
		nVal := int(math.Round(opt.ValFraction * float64(len(idx))))
		for k, i := range idx {
			switch {
			case k < nTest:
				b.pairs[i].split = datasets.Test
			case k < nTest+nVal:
				b.pairs[i].split = datasets.Val
			default:
				b.pairs[i].split = datasets.Train
			}
		}
	}
}

// Load reads an archive of the PAL authors' Pick-a-Pic or Pick-a-Filter release (a zip of one
// joblib pickle per comparison and torch-saved split lists) into Data:
//
//   - Items are the image embeddings, Prompts the prompt embeddings; identical vectors are
//     stored once (deduplicated by a SHA-256 of their values), in order of first appearance.
//   - Labels are normalised from the authors' y: -1 (or 0) means the left image was preferred,
//     +1 (or 3, or 1 in {0,1} files) the right one; Pair.LeftPreferred is y <= 0.
//   - Splits come from split lists (entries named like train_ranking_ids.pt,
//     val_ranking_ids_seen_users.pt, test_ranking_ids_seen_users.pt, and *_unseen_* for unseen
//     users) in the archive or in opt.SplitLists; comparisons in no list are skipped. Without
//     any list, each user's pairs are split with opt.ValFraction and opt.TestFraction.
//
// The archive is streamed: memory holds the embeddings (stored as float32, 4 bytes a value,
// rounded when the release's are wider) and one pickle at a time. Errors name the archive and the entry.
func Load(ctx context.Context, zipPath string, opt Options) (*datasets.Data, *Stats, error) {
	var items, prompts []float32
	appendRounded := func(dst *[]float32, v []float64) {
		for _, x := range v {
			*dst = append(*dst, float32(x))
		}
	}
	b := newBuilder(
		func(v []float64, _ string) error { appendRounded(&items, v); return nil },
		func(v []float64, _ string) error { appendRounded(&prompts, v); return nil })
	info, err := scanArchive(ctx, zipPath, opt, b.add)
	if err != nil {
		return nil, nil, err
	}
	s, err := b.finish(info, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", zipPath, err)
	}
	d := &datasets.Data{
		Name:      strings.TrimSuffix(filepath.Base(zipPath), filepath.Ext(zipPath)),
		Dim:       b.images.dim,
		Items:     items,
		PromptDim: b.prompts.dim,
		Prompts:   prompts,
		Users:     s.users,
		Splits:    s.splits,
	}
	d.Fingerprint = hex.EncodeToString(info.sum)
	if len(d.Splits) == 0 {
		return nil, nil, fmt.Errorf("%s: no comparison is in any split list (%d entries skipped): the lists and the archive do not match", zipPath, info.unlisted)
	}
	if err := d.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", zipPath, err)
	}
	return d, newStats(zipPath, info, b, s), nil
}
