package datasets

import "github.com/pal-harness/pal/internal/seeds"

// What the readers of the authors' releases (persona-in-pal, pick-a-pic, reddit-tldr) share:
// the codings of their labels and the final order of each split.

// labelConventions are the codings of "which side was preferred" in the authors' files. In
// each, the smaller value means the left item was preferred (the authors' y = -1), the larger
// the right one: y <= 0 is left preferred in all three.
var labelConventions = []struct {
	name        string
	left, right float64
}{{"{-1,+1}", -1, 1}, {"{-1,3}", -1, 3}, {"{0,1}", 0, 1}}

// LabelConvention names the first convention ({-1,+1}, {-1,3} or {0,1}) that every label of
// labels follows (the map's keys; its values, an example of each, are for the caller's error
// message); ok is false when none does.
func LabelConvention(labels map[float64]string) (name string, ok bool) {
	for _, c := range labelConventions {
		ok := true
		for y := range labels {
			if y != c.left && y != c.right {
				ok = false
				break
			}
		}
		if ok {
			return c.name, true
		}
	}
	return "", false
}

// ShuffleSplits puts the pairs of every split in their final order, a shuffle seeded by seed
// and the split's place in AllSplits (seeds.SplitOrder), and removes the splits without pairs.
// Few-shot runs take the first pairs of each user, so this order decides which they get.
func ShuffleSplits[P any](splits map[Split][]P, seed uint64) {
	for i, sp := range AllSplits {
		ps := splits[sp]
		if len(ps) == 0 {
			delete(splits, sp)
			continue
		}
		r := seeds.SplitOrder.Rand(seed, i)
		r.Shuffle(len(ps), func(a, b int) { ps[a], ps[b] = ps[b], ps[a] })
	}
}
