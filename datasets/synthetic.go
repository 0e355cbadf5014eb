package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/internal/seeds"
)

// SyntheticGeneratorVersion is part of every synthetic fingerprint. Bump it whenever a change
// to GenerateSynthetic changes the data some (config, seed) produces, so stored results made
// with the old generator are never mistaken for results on the new data.
//
// Version 2: items and prompts are stored as float32 (rounded from the float64 draws), and
// the ground truth is computed from the rounded values.
const SyntheticGeneratorVersion = 2

// GroundTruth is the model that generated a synthetic Data. All matrices are row-major.
type GroundTruth struct {
	Map         string    // "identity", "linear" or "mlp"
	LatentDim   int       // d
	Scale       float64   // s in g(x) = s * (h(x) - m): makes the latent items' variance 1
	Center      []float64 // m, the mean of h over the items (length d)
	LatentItems []float64 // g(x_j), NumItems x d
	Prototypes  []float64 // p_k, KTrue x d
	IdealPoints []float64 // u_i = sum_k w_ik p_k, one row per Data.Users entry
	Temperature float64   // T of the label noise; 0 = noiseless

	// Weights holds every user's true mixture weights w_i, one row of KTrue per Data.Users
	// entry (the same values as User.TrueWeights).
	Weights []float64
	// PromptPrototypes is set in the prompt-conditioned mode (prompts > 0 and
	// prompt_dependence): the true prototype of group k for prompt c is q_k(c) = G_k c,
	// stored for every prompt as NumPrompts x KTrue x d, and user i's ideal point for a pair
	// with prompt c is sum_k w_ik q_k(c) (IdealPointAt); IdealPoints then hold the unused
	// prompt-free points. Nil otherwise: the ideal point ignores the prompt.
	PromptPrototypes []float64
	// PromptMaps holds the G_k (KTrue x d x PromptDim, each row-major) behind PromptPrototypes.
	PromptMaps []float64
	PromptDim  int
	kTrue      int

	// Adversarial marks, per Data.Users entry, the adversaries (adversarial_fraction > 0);
	// nil when there are none. Adversary is what they do: "random" (every label a fair coin:
	// the true margin is 0) or "inverted" (the true margin of an honest user with the same
	// ideal point, negated).
	Adversarial []bool
	Adversary   string
}

// LatentItem returns g(x_j) (a view).
func (t *GroundTruth) LatentItem(j int) []float64 {
	return t.LatentItems[j*t.LatentDim : (j+1)*t.LatentDim]
}

// Prototype returns p_k (a view).
func (t *GroundTruth) Prototype(k int) []float64 {
	return t.Prototypes[k*t.LatentDim : (k+1)*t.LatentDim]
}

// IdealPoint returns user i's ideal point u_i (a view).
func (t *GroundTruth) IdealPoint(i int) []float64 {
	return t.IdealPoints[i*t.LatentDim : (i+1)*t.LatentDim]
}

// IdealPointAt returns user i's true ideal point for prompt c: sum_k w_ik q_k(c) in the
// prompt-conditioned mode, else IdealPoint(i) (a view then, a new slice otherwise).
func (t *GroundTruth) IdealPointAt(i, c int) []float64 {
	if t.PromptPrototypes == nil || c < 0 {
		return t.IdealPoint(i)
	}
	d := t.LatentDim
	u := make([]float64, d)
	q := t.PromptPrototypes[c*t.kTrue*d : (c+1)*t.kTrue*d]
	for k, wk := range t.Weights[i*t.kTrue : (i+1)*t.kTrue] {
		for j, v := range q[k*d : (k+1)*d] {
			u[j] += wk * v
		}
	}
	return u
}

// Margin is the true margin of a pair, ||g(x_R) - u|| - ||g(x_L) - u||: positive when the
// user's ideal point (for the pair's prompt, in the prompt-conditioned mode) is closer to the
// left item, so the noise-free preference is Left. It has the sign convention of
// metrics.Scorer, so the truth can be scored like a fitted model.
//
// An adversary's margin is 0 ("random": no item is preferred) or the honest margin negated
// ("inverted"), so the truth of an adversary's pair is what its labels are drawn from.
func (t *GroundTruth) Margin(p Pair) float64 {
	u := t.IdealPointAt(p.User, p.Prompt)
	m := euclidean(t.LatentItem(p.Right), u) - euclidean(t.LatentItem(p.Left), u)
	if t.Adversarial != nil && t.Adversarial[p.User] {
		if t.Adversary == "random" {
			return 0
		}
		return -m
	}
	return m
}

// ProbLeft is the true probability that the user prefers Left: sigmoid(Margin / T), and for
// T = 0 the step function (1/2 on an exact tie).
func (t *GroundTruth) ProbLeft(p Pair) float64 {
	return probLeft(t.Margin(p), t.Temperature)
}

func probLeft(margin, temperature float64) float64 {
	if temperature == 0 {
		switch {
		case margin > 0:
			return 1
		case margin < 0:
			return 0
		default:
			return 0.5
		}
	}
	return sigmoid(margin / temperature)
}

func euclidean(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}

// GenerateSynthetic builds the Gaussian ideal-point data set of the PAL paper's synthetic
// experiment. The paper does not publish its constants; this is the harness's own documented
// generator with the paper's knobs. Given cfg and seed the output is bit-identical on every
// machine and run. The model:
//
//   - Items: x_j ~ N(0, I_D) for j < cfg.Items (D = cfg.Dim).
//   - True map g: R^D -> R^d (d = cfg.LatentDim), g(x) = s * (h(x) - m) with h one of
//     "identity" h(x) = x (needs D == d); "linear" h(x) = A x with A_ab ~ N(0, 1/D);
//     "mlp" h(x) = W2 relu(W1 x) with one hidden layer of width d, no biases,
//     W1 ~ N(0, 1/D) and W2 ~ N(0, 1/d) entrywise (scaled by 1/fan_in in variance).
//     m is the mean of h over the items and s makes the mapped items' per-coordinate variance
//     average exactly 1, so whatever the map the items form a cloud centred at the origin with
//     pairwise distances of order sqrt(d), and the N(0, I_d) prototypes sit inside it. (Without
//     the centring, the ReLU network's positive hidden units shift the cloud off the origin and
//     every prototype would lie to one side of the items.)
//   - Prototypes: p_k ~ N(0, I_d) for k < cfg.KTrue.
//   - Users: cfg.SeenUsers seen users then cfg.UnseenUsers unseen ones. "partition": the i-th
//     user of each kind belongs to group i mod KTrue (balanced) and has one-hot weights;
//     "mixture": weights w_i ~ Dirichlet(alpha, ..., alpha) and the group is the argmax
//     weight. The ideal point is u_i = sum_k w_ik p_k. User.Group and User.TrueWeights
//     record the truth; Data.NumGroups = KTrue and GroupNames are g0, g1, ...
//     User IDs are u0001, u0002, ... for seen users and new0001, ... for unseen ones (zero
//     padded to at least four digits, so they sort in index order).
//   - Pairs: two distinct items chosen uniformly; the margin is
//     delta = ||g(x_R) - u|| - ||g(x_L) - u|| (Euclidean, not squared: positive = left closer);
//     P(left preferred) = sigmoid(delta / T) with T = cfg.Temperature; T = 0 gives noiseless
//     labels (left iff delta > 0, an exact tie broken by a fair coin).
//   - Splits: each seen user gets cfg.PairsPerUser pairs, round(TestFraction*n) of them in test,
//     round(ValFraction*n) in val and the rest (at least one) in train; each unseen user gets
//     cfg.UnseenTrain, cfg.UnseenVal and cfg.UnseenTest pairs in unseen_train, unseen_val and
//     unseen_test. Each split's pairs are shuffled across users, so the first n pairs of a user
//     (FirstPairsPerUser) are a random sample of that user's pairs. Data.Splits holds only
//     non-empty splits.
//   - Oracle: BayesAccuracy[split] is the accuracy of the true margin on the split's labels (an
//     exact tie counts half, as metrics score ties), ExpectedBayesAccuracy[split] the mean of
//     max(p, 1-p): the two agree up to sampling noise, and both are 1 when T = 0.
//
// Prompt-conditioned mode (cfg.Prompts > 0, for PAL-B): prompt embeddings c_j ~ N(0, I_Dp) for
// j < cfg.Prompts (Dp = cfg.PromptDim) become Data.Prompts, and every pair gets a prompt drawn
// uniformly from them (drawn from the pair's stream after its two items). With
// cfg.PromptDependence the truth depends on the prompt: group k's prototype for prompt c is
// q_k(c) = G_k c with G_k (d x Dp) ~ N(0, 1/Dp) entrywise, so q_k(c) ~ N(0, I_d) like the p_k,
// and user i's ideal point is u_i(c) = sum_k w_ik q_k(c): PAL-B's u_i(c) = sum_k w_ik g_k(c) with
// linear g_k represents it. Without it the prompts are drawn but the truth ignores them
// (u_i = sum_k w_ik p_k, the PAL-A model). With cfg.Prompts = 0 (the default) nothing is drawn
// for prompts and the output, fingerprint included, is that of the generator before prompts
// existed: pairs have no prompt (Prompt = -1, PromptDim = 0).
//
// Adversarial users (cfg.AdversarialFraction > 0, for robustness checks): round(fraction x
// cfg.SeenUsers) seen users, drawn uniformly without replacement from their own stream, are
// adversaries. Each keeps its ideal point and weights (User.TrueWeights, Truth.Weights) but
// labels its pairs otherwise: Adversary "random" labels every pair by a fair coin (true margin
// 0, so the oracle scores half of them), "inverted" draws its labels from the negated margin,
// preferring what an honest user with its ideal point would not. Adversaries form their own
// group, index KTrue, named "adversarial" (NumGroups = KTrue + 1), so per-group accuracy keeps
// them apart from the honest groups; unseen users are never adversaries, so few-shot accuracy
// is measured on honest users. With fraction 0 (the default) nothing is drawn and the
// fingerprint leaves the adversary fields out, as before they existed.
//
// Every part (items, map, prototypes, each user's weights, each user's pairs, each split's
// shuffle, prompts, prompt maps) draws from its own PCG stream derived from seed (seeds.Stream),
// so changing the number of unseen users, for example, leaves the seen users' data unchanged.
// Data.Truth holds the latent items, prototypes and ideal points.
//
// The config is checked (cfg.Validate and the bounds of its struct tags) before anything is
// drawn; a config that cannot be generated returns an error, never a panic.
func GenerateSynthetic(cfg *SyntheticConfig, seed uint64) (*Data, error) {
	if cfg == nil {
		return nil, fmt.Errorf("synthetic: nil config")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("synthetic: %w", err)
	}
	if err := checkTagBounds(cfg); err != nil {
		return nil, fmt.Errorf("synthetic: %w", err)
	}
	n := cfg.PairsPerUser
	nTest := int(math.Round(cfg.TestFraction * float64(n)))
	nVal := int(math.Round(cfg.ValFraction * float64(n)))
	nTrain := n - nTest - nVal
	if nTest == 0 {
		return nil, fmt.Errorf("synthetic: test_fraction %g of pairs_per_user %d rounds to no test pairs: raise one of them", cfg.TestFraction, n)
	}
	if nTrain < 1 {
		return nil, fmt.Errorf("synthetic: pairs_per_user %d leaves no training pairs after round(%g*%d) = %d test and round(%g*%d) = %d val pairs: raise pairs_per_user or lower the fractions",
			n, cfg.TestFraction, n, nTest, cfg.ValFraction, n, nVal)
	}

	D, d, K := cfg.Dim, cfg.LatentDim, cfg.KTrue
	// Data stores embeddings as float32: each draw is rounded to float32 for storage, and the
	// ground truth (latent items, prompt prototypes, hence labels and Bayes accuracies) is
	// computed from the rounded values widened back to float64, so it is exact for the data.
	items := make([]float64, cfg.Items*D)
	items32 := make([]float32, len(items))
	{
		r := seeds.Stream(seed, "items", 0)
		for i := range items {
			items32[i] = float32(r.NormFloat64())
			items[i] = float64(items32[i])
		}
	}
	truth := &GroundTruth{Map: cfg.Map, LatentDim: d, Temperature: cfg.Temperature}
	if err := truth.mapItems(items, cfg, seeds.Stream(seed, "map", 0)); err != nil {
		return nil, fmt.Errorf("synthetic: %w", err)
	}
	truth.Prototypes = make([]float64, K*d)
	{
		r := seeds.Stream(seed, "prototypes", 0)
		for i := range truth.Prototypes {
			truth.Prototypes[i] = r.NormFloat64()
		}
	}

	var prompts []float64
	var prompts32 []float32
	if cfg.Prompts > 0 {
		prompts = make([]float64, cfg.Prompts*cfg.PromptDim)
		prompts32 = make([]float32, len(prompts))
		r := seeds.Stream(seed, "prompts", 0)
		for i := range prompts {
			prompts32[i] = float32(r.NormFloat64())
			prompts[i] = float64(prompts32[i])
		}
		if cfg.PromptDependence {
			truth.promptPrototypes(prompts, cfg, seeds.Stream(seed, "prompt_maps", 0))
		}
	}
	truth.kTrue = K

	nUsers := cfg.SeenUsers + cfg.UnseenUsers
	nAdversaries := int(math.Round(cfg.AdversarialFraction * float64(cfg.SeenUsers)))
	if nAdversaries > 0 {
		truth.Adversary = cfg.Adversary
		truth.Adversarial = make([]bool, nUsers)
		perm := seeds.Stream(seed, "adversaries", 0).Perm(cfg.SeenUsers)
		for _, i := range perm[:nAdversaries] {
			truth.Adversarial[i] = true // seen users come first in Data.Users
		}
	}

	data := &Data{
		Name:                  "synthetic",
		Dim:                   D,
		Items:                 items32,
		Users:                 make([]User, 0, nUsers),
		Splits:                map[Split][]Pair{},
		NumGroups:             K,
		GroupNames:            make([]string, K),
		BayesAccuracy:         map[Split]float64{},
		ExpectedBayesAccuracy: map[Split]float64{},
		Fingerprint:           syntheticFingerprint(cfg, seed),
		Truth:                 truth,
	}
	if cfg.Prompts > 0 {
		data.PromptDim, data.Prompts = cfg.PromptDim, prompts32
	}
	for k := range K {
		data.GroupNames[k] = "g" + strconv.Itoa(k)
	}
	if nAdversaries > 0 {
		data.NumGroups, data.GroupNames = K+1, append(data.GroupNames, "adversarial")
	}
	truth.IdealPoints = make([]float64, 0, nUsers*d)

	// pairsOf appends user's pairs to the splits in the order given. Test pairs are drawn
	// first so that, for a fixed test size, growing the training set leaves the test set alone.
	pairsOf := func(user int, r *rand.Rand, parts []Split, counts []int) {
		for i, split := range parts {
			for range counts[i] {
				data.Splits[split] = append(data.Splits[split], truth.drawPair(user, cfg.Items, cfg.Prompts, r))
			}
		}
	}
	kinds := []struct {
		prefix string
		count  int
		seen   bool
		parts  []Split
		counts []int
	}{
		{"u", cfg.SeenUsers, true, []Split{Test, Val, Train}, []int{nTest, nVal, nTrain}},
		{"new", cfg.UnseenUsers, false, []Split{UnseenTest, UnseenVal, UnseenTrain}, []int{cfg.UnseenTest, cfg.UnseenVal, cfg.UnseenTrain}},
	}
	for _, kind := range kinds {
		width := max(4, len(strconv.Itoa(kind.count)))
		for i := range kind.count {
			w := make([]float64, K)
			group := i % K
			if cfg.Users == "mixture" {
				dirichlet(seeds.Stream(seed, "weights/"+kind.prefix, uint64(i)), cfg.Alpha, w)
				group = argmax(w)
			} else {
				w[group] = 1
			}
			u := make([]float64, d)
			for k, wk := range w {
				for c, pc := range truth.Prototype(k) {
					u[c] += wk * pc
				}
			}
			truth.IdealPoints = append(truth.IdealPoints, u...)
			truth.Weights = append(truth.Weights, w...)
			if truth.Adversarial != nil && truth.Adversarial[len(data.Users)] {
				group = K
			}
			data.Users = append(data.Users, User{
				ID:          fmt.Sprintf("%s%0*d", kind.prefix, width, i+1),
				Seen:        kind.seen,
				Group:       group,
				TrueWeights: w,
			})
			pairsOf(len(data.Users)-1, seeds.Stream(seed, "pairs/"+kind.prefix, uint64(i)), kind.parts, kind.counts)
		}
	}

	for si, split := range AllSplits {
		pairs := data.Splits[split]
		if len(pairs) == 0 {
			delete(data.Splits, split)
			continue
		}
		r := seeds.Stream(seed, "shuffle", uint64(si))
		r.Shuffle(len(pairs), func(a, b int) { pairs[a], pairs[b] = pairs[b], pairs[a] })
		var agree, expected float64
		for _, p := range pairs {
			m := truth.Margin(p)
			switch {
			case m == 0:
				agree += 0.5
			case (m > 0) == p.LeftPreferred:
				agree++
			}
			q := probLeft(m, cfg.Temperature)
			expected += math.Max(q, 1-q)
		}
		data.BayesAccuracy[split] = agree / float64(len(pairs))
		data.ExpectedBayesAccuracy[split] = expected / float64(len(pairs))
	}
	if err := data.Validate(); err != nil {
		// Unreachable unless the generator itself is wrong; an error beats bad data.
		return nil, fmt.Errorf("synthetic: generator bug: %w", err)
	}
	return data, nil
}

// drawPair draws two distinct items uniformly, a prompt uniformly when there are prompts, and
// the user's label for them.
func (t *GroundTruth) drawPair(user, nItems, nPrompts int, r *rand.Rand) Pair {
	left := r.IntN(nItems)
	right := r.IntN(nItems - 1)
	if right >= left {
		right++
	}
	p := Pair{User: user, Left: left, Right: right, Prompt: -1}
	if nPrompts > 0 {
		p.Prompt = r.IntN(nPrompts)
	}
	m := t.Margin(p)
	switch {
	case t.Temperature > 0:
		p.LeftPreferred = r.Float64() < sigmoid(m/t.Temperature)
	case m == 0:
		p.LeftPreferred = r.IntN(2) == 0
	default:
		p.LeftPreferred = m > 0
	}
	return p
}

// promptPrototypes draws the maps G_k and computes q_k(c) = G_k c for every prompt.
func (t *GroundTruth) promptPrototypes(prompts []float64, cfg *SyntheticConfig, r *rand.Rand) {
	K, d, dp := cfg.KTrue, cfg.LatentDim, cfg.PromptDim
	std := 1 / math.Sqrt(float64(dp))
	t.PromptDim = dp
	t.PromptMaps = make([]float64, K*d*dp)
	for i := range t.PromptMaps {
		t.PromptMaps[i] = std * r.NormFloat64()
	}
	t.PromptPrototypes = make([]float64, cfg.Prompts*K*d)
	for c := range cfg.Prompts {
		pc := prompts[c*dp : (c+1)*dp]
		for k := range K {
			q := t.PromptPrototypes[(c*K+k)*d : (c*K+k+1)*d]
			G := t.PromptMaps[k*d*dp : (k+1)*d*dp]
			for a := range d {
				var s float64
				for b, g := range G[a*dp : (a+1)*dp] {
					s += g * pc[b]
				}
				q[a] = s
			}
		}
	}
}

// mapItems computes LatentItems = s * (h(x) - m) for every item (see GenerateSynthetic).
func (t *GroundTruth) mapItems(items []float64, cfg *SyntheticConfig, r *rand.Rand) error {
	D, d, n := cfg.Dim, cfg.LatentDim, cfg.Items
	gauss := func(rows, cols int, std float64) []float64 {
		m := make([]float64, rows*cols)
		for i := range m {
			m[i] = std * r.NormFloat64()
		}
		return m
	}
	// matVec returns M x for M rows x cols.
	matVec := func(m []float64, rows, cols int, x []float64) []float64 {
		y := make([]float64, rows)
		for a := range rows {
			var s float64
			for b, mb := range m[a*cols : (a+1)*cols] {
				s += mb * x[b]
			}
			y[a] = s
		}
		return y
	}
	var h func(x []float64) []float64
	switch cfg.Map {
	case "identity":
		h = func(x []float64) []float64 { return append([]float64(nil), x...) }
	case "linear":
		A := gauss(d, D, 1/math.Sqrt(float64(D)))
		h = func(x []float64) []float64 { return matVec(A, d, D, x) }
	case "mlp":
		W1 := gauss(d, D, 1/math.Sqrt(float64(D)))
		W2 := gauss(d, d, 1/math.Sqrt(float64(d)))
		h = func(x []float64) []float64 {
			z := matVec(W1, d, D, x)
			for i, v := range z {
				z[i] = math.Max(v, 0)
			}
			return matVec(W2, d, d, z)
		}
	default:
		return fmt.Errorf("map = %q: want identity, linear or mlp", cfg.Map)
	}

	latent := make([]float64, 0, n*d)
	for j := range n {
		latent = append(latent, h(items[j*D:(j+1)*D])...)
	}
	center := make([]float64, d)
	for j := range n {
		for c := range d {
			center[c] += latent[j*d+c]
		}
	}
	for c := range center {
		center[c] /= float64(n)
	}
	var ss float64
	for j := range n {
		for c := range d {
			v := latent[j*d+c] - center[c]
			latent[j*d+c] = v
			ss += v * v
		}
	}
	meanVar := ss / float64(n*d)
	if !(meanVar > 1e-300) || math.IsInf(meanVar, 0) {
		// Possible only for degenerate draws, e.g. an mlp whose every hidden unit is dead on
		// every item (latent_dim 1 and few items).
		return fmt.Errorf("map = %q sends all %d items to the same latent point: use another seed, more items or a larger latent_dim", cfg.Map, n)
	}
	scale := 1 / math.Sqrt(meanVar)
	for i := range latent {
		latent[i] *= scale
	}
	t.LatentItems, t.Center, t.Scale = latent, center, scale
	return nil
}

func argmax(w []float64) int {
	best := 0
	for k, v := range w {
		if v > w[best] {
			best = k
		}
	}
	return best
}

// syntheticFingerprint hashes a canonical text encoding of the generator name and version,
// every config field (by its toml key, in declaration order, floats in shortest round-trip
// form) and the seed. Fields are found by reflection so that a field added to
// SyntheticConfig later is fingerprinted without anyone remembering to list it here. The
// prompt fields are left out when prompts = 0, and the adversary fields when
// adversarial_fraction = 0: they draw nothing then, and leaving them out keeps the fingerprints
// of data made before they existed.
func syntheticFingerprint(cfg *SyntheticConfig, seed uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "generator=synthetic\nversion=%d\n", SyntheticGeneratorVersion)
	WalkConfig(reflect.ValueOf(cfg).Elem(), func(f reflect.StructField, v reflect.Value) {
		key := f.Tag.Get("toml")
		if key == "" {
			key = f.Name
		}
		if cfg.Prompts == 0 && strings.HasPrefix(key, "prompt") {
			return
		}
		if cfg.AdversarialFraction == 0 && strings.HasPrefix(key, "adversar") {
			return
		}
		fmt.Fprintf(&b, "%s=%s\n", key, CanonicalValue(v))
	})
	fmt.Fprintf(&b, "seed=%d\n", seed)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// CanonicalValue writes a config value for a fingerprint: floats in shortest round-trip form,
// strings quoted, the rest as fmt prints them.
func CanonicalValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.String:
		return strconv.Quote(v.String())
	default:
		return fmt.Sprint(v.Interface())
	}
}

// checkTagBounds enforces the min/max/gt/lt/enum struct tags of a config (the bounds the spec
// parser checks) plus finiteness of floats, so a config built in code rather than parsed from
// a spec cannot make the generator allocate a negative length or divide by zero.
func checkTagBounds(cfg any) error {
	var err error
	WalkConfig(reflect.ValueOf(cfg).Elem(), func(f reflect.StructField, fv reflect.Value) {
		if err == nil {
			err = checkFieldBounds(f, fv)
		}
	})
	return err
}

// checkFieldBounds checks one field against its tags.
func checkFieldBounds(f reflect.StructField, fv reflect.Value) error {
	key := f.Tag.Get("toml")
	var x float64
	switch fv.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		x = float64(fv.Int())
	case reflect.Float64, reflect.Float32:
		x = fv.Float()
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s = %v: want a finite number", key, x)
		}
	case reflect.String:
		if enum := f.Tag.Get("enum"); enum != "" {
			allowed := strings.Split(enum, "|")
			if !slices.Contains(allowed, fv.String()) {
				return fmt.Errorf("%s = %q: want one of %s", key, fv.String(), strings.Join(allowed, ", "))
			}
		}
		return nil
	default:
		return nil
	}
	for _, bound := range []struct {
		tag, word string
		bad       func(x, b float64) bool
	}{
		{"min", ">=", func(x, b float64) bool { return x < b }},
		{"max", "<=", func(x, b float64) bool { return x > b }},
		{"gt", ">", func(x, b float64) bool { return x <= b }},
		{"lt", "<", func(x, b float64) bool { return x >= b }},
	} {
		s := f.Tag.Get(bound.tag)
		if s == "" {
			continue
		}
		b, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("config field %s has a malformed %s tag %q", f.Name, bound.tag, s)
		}
		if bound.bad(x, b) {
			return fmt.Errorf("%s = %v: want %s %s", key, fv.Interface(), bound.word, s)
		}
	}
	return nil
}

// WalkConfig calls fn for every field of the config struct v in declaration order, embedded
// structs flattened in place (as the spec schema flattens them): how fingerprints and bound
// checks see a config, so that moving fields into an embedded struct changes neither.
func WalkConfig(v reflect.Value, fn func(f reflect.StructField, v reflect.Value)) {
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			WalkConfig(v.Field(i), fn)
			continue
		}
		fn(f, v.Field(i))
	}
}
