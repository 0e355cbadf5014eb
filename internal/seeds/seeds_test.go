package seeds

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The pinned values below were computed by the implementations these functions replaced
// (datasets.newStream and splitmix64, persona's stream, sweeps.deriveSeed, pickapic's seedOf,
// models.NewRand). A failure means the scheme changed, and with it every data set, run seed or
// model built from it: bump the builders' versions and say so, or undo the change.

func three(r *rand.Rand) [3]uint64 { return [3]uint64{r.Uint64(), r.Uint64(), r.Uint64()} }

func TestMixPinned(t *testing.T) {
	for _, c := range []struct{ in, want uint64 }{
		{0, 16294208416658607535},
		{1, 10451216379200822465},
		{Gamma, 7960286522194355700},
	} {
		if got := Mix(c.in); got != c.want {
			t.Errorf("Mix(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestDerivePinned(t *testing.T) {
	for _, c := range []struct {
		seed         uint64
		purpose, key string
		want         uint64
	}{
		{1, "data", `{"kind":"synthetic"}`, 14103275694851723958},
		{0, "model", "d3739e212b90e12d", 8128000021600331217},
		{1 << 63, "", "", 10231992218938696119},
	} {
		if got := Derive(c.seed, c.purpose, c.key); got != c.want {
			t.Errorf("Derive(%d, %q, %q) = %d, want %d", c.seed, c.purpose, c.key, got, c.want)
		}
	}
	// The zero byte separates purpose from key.
	if Derive(1, "ab", "c") == Derive(1, "a", "bc") {
		t.Error("Derive does not separate purpose and key")
	}
}

func TestFromDigestPinned(t *testing.T) {
	for _, c := range []struct {
		sum, purpose string
		want         uint64
	}{
		{"archive digest", "order", 7150329714455661048},
		{"archive digest", "split", 532541472879702740},
		{"", "", 1449310910991872227},
	} {
		if got := FromDigest([]byte(c.sum), c.purpose); got != c.want {
			t.Errorf("FromDigest(%q, %q) = %d, want %d", c.sum, c.purpose, got, c.want)
		}
	}
}

func TestStreamPinned(t *testing.T) {
	for _, c := range []struct {
		seed  uint64
		part  string
		index uint64
		want  [3]uint64
	}{
		{1, "items", 0, [3]uint64{13191415440219137485, 3921921924325298730, 14637646847434569591}},
		{7, "pairs/u", 3, [3]uint64{17144671991279828757, 1917381505258528885, 13172892765860001427}},
		// Persona's parts: its former private copy prefixed every part with "persona/".
		{5, "persona/traits", 0, [3]uint64{14624098859214266906, 6812109236784959569, 16831146609646969297}},
	} {
		if got := three(Stream(c.seed, c.part, c.index)); got != c.want {
			t.Errorf("Stream(%d, %q, %d) draws %v, want %v", c.seed, c.part, c.index, got, c.want)
		}
	}
}

func TestPCGAndFamilyPinned(t *testing.T) {
	if got, want := three(PCG(42, 1)), [3]uint64{3340048434233782323, 10575075704400352483, 10586513658820394000}; got != want {
		t.Errorf("PCG(42, 1) draws %v, want %v", got, want)
	}
	want := [3]uint64{2187680528739613971, 9492842196974000321, 14383771431732331642} // PCG(42, 107)
	if got := three(Family(100).Rand(42, 7)); got != want {
		t.Errorf("Family(100).Rand(42, 7) draws %v, want %v", got, want)
	}
	if got := three(PCG(42, SplitSeenUser.Index(7))); got != want {
		t.Errorf("PCG(42, SplitSeenUser.Index(7)) draws %v, want %v", got, want)
	}
	if got := SplitOrder.Index(5); got != 1005 {
		t.Errorf("SplitOrder.Index(5) = %d, want 1005", got)
	}
}

func TestModelPinned(t *testing.T) {
	for _, c := range []struct {
		seed, stream uint64
		want         [3]uint64
	}{
		{3, 0, [3]uint64{13632851624709749530, 609840220760950707, 13349282576585489696}},
		{0, 0, [3]uint64{8526951665006212644, 13293009889659832503, 18260787277176026961}},
		{11, 0xfff, [3]uint64{16057041065285926979, 244985103252633352, 8054108980608042307}},
	} {
		if got := three(Model(c.seed, c.stream)); got != c.want {
			t.Errorf("Model(%d, %d) draws %v, want %v", c.seed, c.stream, got, c.want)
		}
	}
	if three(Model(9, 4)) != three(PCG(9, 4^Gamma)) {
		t.Error("Model(seed, stream) is not PCG(seed, stream ^ Gamma)")
	}
}

// TestStreamsDiffer checks that every part name the code uses, for the first thousand indices
// and a few seeds, starts a different generator, and that a stream is reproducible.
func TestStreamsDiffer(t *testing.T) {
	parts := []string{
		// datasets: the synthetic generator and LoadFiles.
		"items", "map", "prototypes", "prompts", "prompt_maps", "weights/u", "weights/new",
		"pairs/u", "pairs/new", "shuffle", "shuffle/files",
		// datasets/persona (statements/<file> for each trait file).
		"persona/traits", "persona/pairs/u", "persona/pairs/new", "persona/shuffle",
		"persona/statements/enjoys-math.jsonl", "persona/statements/likes-music.jsonl",
	}
	seen := map[uint64]string{}
	for _, seed := range []uint64{0, 1, 2} {
		for _, part := range parts {
			for i := range uint64(1000) {
				v := Stream(seed, part, i).Uint64()
				name := fmt.Sprintf("(%d, %s, %d)", seed, part, i)
				if prev, dup := seen[v]; dup {
					t.Fatalf("streams %s and %s start alike", prev, name)
				}
				seen[v] = name
			}
		}
	}
	if Stream(5, "items", 0).Uint64() != Stream(5, "items", 0).Uint64() {
		t.Fatal("a stream is not reproducible")
	}
}

// use is the block of stream numbers [base+lo, base+hi) that one purpose draws from.
type use struct {
	name   string
	base   uint64
	lo, hi uint64
}

func single(name string, stream uint64) use { return use{name, stream, 0, 1} }

func members(name string, f Family, lo, hi int) use {
	return use{name, uint64(f), uint64(lo), uint64(hi)}
}

// overlaps lists, for every two uses of one seed whose stream numbers meet, the shared range.
func overlaps(uses []use) []string {
	var out []string
	for a := range uses {
		for b := a + 1; b < len(uses); b++ {
			x, y := uses[a], uses[b]
			lo := max(x.base+x.lo, y.base+y.lo)
			hi := min(x.base+x.hi, y.base+y.hi)
			if lo < hi {
				out = append(out, fmt.Sprintf("%s and %s share streams %d..%d", x.name, y.name, lo, hi-1))
			}
		}
	}
	return out
}

// TestFamilyCollisions checks the streams of each seed over the index ranges the code uses, and
// pins the documented collisions (streams.go) where large enough counts make families meet.
func TestFamilyCollisions(t *testing.T) {
	const splits = 6 // len(datasets.AllSplits)
	tldr := func(seenUsers, users int) []use {
		return []use{
			single("SplitStratify", SplitStratify),
			members("SplitSeenUser", SplitSeenUser, 0, seenUsers),
			members("SplitOrder", SplitOrder, 0, splits),
			members("SplitUnseenUser", SplitUnseenUser, seenUsers, users),
		}
	}
	personaInPAL := func(users int) []use {
		return []use{
			members("SplitSeenUser", SplitSeenUser, 0, users),
			members("SplitOrder", SplitOrder, 0, splits),
		}
	}
	model := func(maxFewShot int) []use {
		return []use{
			single("FitStream", FitStream),
			members("FewShotSize", FewShotSize, 1, maxFewShot+1), // pairs_per_user >= 1
			single("FewShotAll", FewShotAll),
		}
	}
	const chunkRows = 4096 // bench/scale's items per chunk
	scale := func(items int) []use {
		return []use{
			single("ScaleModel", ScaleModel),
			members("ScaleItemChunks", ScaleItemChunks, 0, (items+chunkRows-1)/chunkRows),
			single("ScalePairs", ScalePairs),
		}
	}
	for _, c := range []struct {
		name string
		uses []use
		want []string // the documented collisions; nil = none
	}{
		// TL;DR: the authors' 10 seen users and a million workers' worth of unseen ones.
		{"tldr default", tldr(10, 1_000_000), nil},
		{"tldr 900 seen users", tldr(900, 1_000_000), nil},
		{"tldr 1000 seen users (its maximum)", tldr(1000, 1_000_000),
			[]string{"SplitSeenUser and SplitOrder share streams 1000..1005"}},
		{"persona-in-pal 900 users", personaInPAL(900), nil},
		{"persona-in-pal 5000 users", personaInPAL(5000),
			[]string{"SplitSeenUser and SplitOrder share streams 1000..1005"}},
		{"model, few-shot sizes up to 4093", model(4093), nil},
		{"model, few-shot size 4094", model(4094),
			[]string{"FewShotSize and FewShotAll share streams 4095..4095"}},
		{"bench/scale, 2^50 items", scale(1 << 50), nil},
	} {
		got := overlaps(c.uses)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: collisions %q, want %q", c.name, got, c.want)
		}
	}
}
