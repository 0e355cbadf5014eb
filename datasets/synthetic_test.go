package datasets

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// smallSynthetic is a quick configuration for tests.
func smallSynthetic() *SyntheticConfig {
	c := DefaultSynthetic()
	c.Items = 200
	c.SeenUsers = 12
	c.UnseenUsers = 6
	c.PairsPerUser = 50
	c.UnseenTrain, c.UnseenVal, c.UnseenTest = 20, 5, 10
	return c
}

func mustGenerate(t *testing.T, c *SyntheticConfig, seed uint64) *Data {
	t.Helper()
	d, err := GenerateSynthetic(c, seed)
	if err != nil {
		t.Fatalf("GenerateSynthetic: %v", err)
	}
	return d
}

func TestSyntheticDeterministic(t *testing.T) {
	for _, m := range []string{"identity", "linear", "mlp"} {
		for _, users := range []string{"partition", "mixture"} {
			c := smallSynthetic()
			c.Map, c.Users, c.Alpha = m, users, 0.5
			if m == "identity" {
				c.LatentDim = c.Dim
			}
			a, b := mustGenerate(t, c, 7), mustGenerate(t, c, 7)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s/%s: same config and seed gave different data", m, users)
			}
			other := mustGenerate(t, c, 8)
			if reflect.DeepEqual(a.Items, other.Items) || reflect.DeepEqual(a.Splits, other.Splits) {
				t.Errorf("%s/%s: seeds 7 and 8 gave the same items or pairs", m, users)
			}
			if a.Fingerprint == other.Fingerprint {
				t.Errorf("%s/%s: seeds 7 and 8 have the same fingerprint", m, users)
			}
		}
	}
}

func TestSyntheticFingerprintCoversConfig(t *testing.T) {
	base := smallSynthetic()
	fp := syntheticFingerprint(base, 1)
	if len(fp) != 64 {
		t.Fatalf("fingerprint %q is not hex sha256", fp)
	}
	if fp != syntheticFingerprint(smallSynthetic(), 1) {
		t.Fatal("equal configs have different fingerprints")
	}
	// Changing any single field must change the fingerprint (with prompts and adversaries on,
	// so that their fields count).
	base.Prompts, base.AdversarialFraction = 3, 0.25
	fp = syntheticFingerprint(base, 1)
	var fields [][]int // index paths of every field, embedded structs flattened
	var collect func(t reflect.Type, prefix []int)
	collect = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			path := append(slices.Clone(prefix), i)
			if t.Field(i).Anonymous {
				collect(t.Field(i).Type, path)
				continue
			}
			fields = append(fields, path)
		}
	}
	collect(reflect.TypeOf(*base), nil)
	for _, path := range fields {
		c := *base
		f := reflect.ValueOf(&c).Elem().FieldByIndex(path)
		switch f.Kind() {
		case reflect.Int:
			f.SetInt(f.Int() + 1)
		case reflect.Float64:
			f.SetFloat(f.Float() + 0.01)
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Bool:
			f.SetBool(!f.Bool())
		}
		if syntheticFingerprint(&c, 1) == fp {
			t.Errorf("changing %s leaves the fingerprint unchanged", reflect.TypeOf(*base).FieldByIndex(path).Name)
		}
	}
}

// TestSyntheticWithoutPromptsIsUnchanged pins the fingerprint of the default config: with
// prompts = 0 the prompt fields draw nothing and are left out of the fingerprint, so stored
// data stays identifiable. The pinned value is that of generator version 2 (float32 storage);
// version 1, before and after the prompt-conditioned mode existed, gave
// c925a8761d7732dd9ec63eefd21f5436b0de18c7c9bfed2fe7841258e42f0f10.
func TestSyntheticWithoutPromptsIsUnchanged(t *testing.T) {
	const before = "921f83396013636706594d1c86ac4fcf41963bff90c382a503d828305ac753f7"
	c := DefaultSynthetic()
	if fp := syntheticFingerprint(c, 1); fp != before {
		t.Fatalf("default fingerprint %s, want the pre-prompt %s", fp, before)
	}
	c.PromptDim, c.PromptDependence = 3, false
	if fp := syntheticFingerprint(c, 1); fp != before {
		t.Fatal("prompt_dim or prompt_dependence changed the fingerprint although prompts = 0")
	}
	d := mustGenerate(t, smallSynthetic(), 4)
	if d.PromptDim != 0 || d.Prompts != nil {
		t.Fatalf("prompts = 0 gave prompt embeddings (dim %d)", d.PromptDim)
	}
	for _, pairs := range d.Splits {
		for _, p := range pairs {
			if p.Prompt != -1 {
				t.Fatalf("pair %+v has a prompt although prompts = 0", p)
			}
		}
	}
}

// TestSyntheticPromptMode checks the prompt-conditioned generator: every pair has a prompt,
// items and pairs' items are those of the prompt-free data (prompts have their own streams), the
// truth depends on the prompt exactly when prompt_dependence is on, and the oracle scores the
// labels it made.
func TestSyntheticPromptMode(t *testing.T) {
	c := smallSynthetic()
	c.Temperature = 0
	plain := mustGenerate(t, c, 5)
	c.Prompts, c.PromptDim = 7, 3
	dep := mustGenerate(t, c, 5)
	c.PromptDependence = false
	indep := mustGenerate(t, c, 5)

	for _, d := range []*Data{dep, indep} {
		if d.PromptDim != 3 || d.NumPrompts() != 7 {
			t.Fatalf("prompts: dim %d, count %d; want 3 and 7", d.PromptDim, d.NumPrompts())
		}
		if !reflect.DeepEqual(d.Items, plain.Items) {
			t.Fatal("prompts changed the items")
		}
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, split := range AllSplits {
			for _, p := range d.Splits[split] {
				if p.Prompt < 0 || p.Prompt >= 7 {
					t.Fatalf("pair %+v: prompt out of range", p)
				}
			}
		}
		if acc := d.BayesAccuracy[Test]; acc != 1 {
			t.Errorf("noiseless labels: oracle accuracy %g, want 1", acc)
		}
	}
	if !reflect.DeepEqual(indep.Prompts, dep.Prompts) {
		t.Error("prompt_dependence changed the prompt embeddings")
	}
	if indep.Truth.PromptPrototypes != nil {
		t.Error("prompt_dependence = false has prompt prototypes")
	}
	// Without dependence the truth is the prompt-free one: same ideal point for every prompt.
	u0, u1 := indep.Truth.IdealPointAt(0, 0), indep.Truth.IdealPointAt(0, 1)
	if !reflect.DeepEqual(u0, u1) {
		t.Error("prompt_dependence = false: the ideal point moves with the prompt")
	}
	// With dependence a partition user's ideal point is its group's G_k c.
	g := dep.Users[0].Group
	K, dd := c.KTrue, c.LatentDim
	for pc := 0; pc < 2; pc++ {
		want := dep.Truth.PromptPrototypes[(pc*K+g)*dd : (pc*K+g+1)*dd]
		if got := dep.Truth.IdealPointAt(0, pc); !reflect.DeepEqual(got, want) {
			t.Errorf("prompt %d: ideal point %v, want q_%d(c) = %v", pc, got, g, want)
		}
	}
	if reflect.DeepEqual(dep.Truth.IdealPointAt(0, 0), dep.Truth.IdealPointAt(0, 1)) {
		t.Error("prompt_dependence = true: the ideal point does not move with the prompt")
	}
	if dep.Fingerprint == indep.Fingerprint || dep.Fingerprint == plain.Fingerprint {
		t.Error("prompt settings do not change the fingerprint")
	}
}

func TestSyntheticSplitSizes(t *testing.T) {
	c := smallSynthetic()
	c.PairsPerUser, c.TestFraction, c.ValFraction = 33, 0.2, 0.15 // round(6.6)=7, round(4.95)=5, 21 train
	d := mustGenerate(t, c, 3)
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[Split]int{Test: 7, Val: 5, Train: 21, UnseenTrain: c.UnseenTrain, UnseenVal: c.UnseenVal, UnseenTest: c.UnseenTest}
	for split, n := range want {
		perUser := map[int]int{}
		for _, p := range d.Splits[split] {
			perUser[p.User]++
			if p.Prompt != -1 || p.Left == p.Right {
				t.Fatalf("%s: bad pair %+v", split, p)
			}
		}
		users := d.SeenUsers()
		if strings.HasPrefix(string(split), "unseen") {
			users = d.UnseenUsers()
		}
		if len(perUser) != len(users) {
			t.Errorf("%s: pairs of %d users, want %d", split, len(perUser), len(users))
		}
		for _, u := range users {
			if perUser[u] != n {
				t.Errorf("%s: user %s has %d pairs, want %d", split, d.Users[u].ID, perUser[u], n)
			}
		}
	}
	if len(d.Users) != c.SeenUsers+c.UnseenUsers || d.Users[0].ID != "u0001" || d.Users[c.SeenUsers].ID != "new0001" {
		t.Errorf("users: %d, first IDs %q %q", len(d.Users), d.Users[0].ID, d.Users[c.SeenUsers].ID)
	}
	if d.NumItems() != c.Items || d.Dim != c.Dim || d.PromptDim != 0 || d.Name != "synthetic" {
		t.Errorf("items %d x %d, prompt dim %d, name %q", d.NumItems(), d.Dim, d.PromptDim, d.Name)
	}
}

// TestSyntheticSplitsShuffled checks that a split is not stored user by user: the few-shot code
// takes the first n pairs per user and needs them to be a random sample, and a split grouped by
// user would also bias mini-batches.
func TestSyntheticSplitsShuffled(t *testing.T) {
	d := mustGenerate(t, smallSynthetic(), 5)
	for split, pairs := range d.Splits {
		changes := 0
		for i := 1; i < len(pairs); i++ {
			if pairs[i].User != pairs[i-1].User {
				changes++
			}
		}
		// Grouped storage has (users - 1) changes; a shuffle almost every step.
		if changes < len(pairs)/2 {
			t.Errorf("%s: user changes %d times over %d pairs: not shuffled", split, changes, len(pairs))
		}
	}
}

func TestSyntheticEmptySplitsOmitted(t *testing.T) {
	c := smallSynthetic()
	c.ValFraction, c.UnseenUsers, c.UnseenTrain, c.UnseenVal, c.UnseenTest = 0, 0, 0, 0, 0
	d := mustGenerate(t, c, 1)
	for _, s := range []Split{Val, UnseenTrain, UnseenVal, UnseenTest} {
		if _, ok := d.Splits[s]; ok {
			t.Errorf("empty split %s is present", s)
		}
		if _, ok := d.BayesAccuracy[s]; ok {
			t.Errorf("empty split %s has a Bayes accuracy", s)
		}
	}
}

func TestSyntheticBayesAccuracy(t *testing.T) {
	c := smallSynthetic()
	c.Temperature = 0
	d := mustGenerate(t, c, 11)
	for split := range d.Splits {
		if d.BayesAccuracy[split] != 1 || d.ExpectedBayesAccuracy[split] != 1 {
			t.Errorf("T = 0, %s: Bayes %v expected %v, want 1 and 1", split, d.BayesAccuracy[split], d.ExpectedBayesAccuracy[split])
		}
	}
	// With noise the oracle is wrong on some labels, and the realised accuracy is close to its
	// expectation: 300 users x 50 pairs gives a standard error near 0.003 for train.
	c.Temperature, c.SeenUsers, c.UnseenUsers = 0.5, 300, 0
	c.UnseenTrain, c.UnseenVal, c.UnseenTest = 0, 0, 0
	d = mustGenerate(t, c, 11)
	for _, split := range []Split{Train, Test} {
		b, e := d.BayesAccuracy[split], d.ExpectedBayesAccuracy[split]
		if !(b < 1 && b > 0.5) || !(e < 1 && e > 0.5) {
			t.Errorf("T = 0.5, %s: Bayes %v expected %v, want both in (0.5, 1)", split, b, e)
		}
		if math.Abs(b-e) > 0.025 {
			t.Errorf("T = 0.5, %s: Bayes %v far from its expectation %v", split, b, e)
		}
	}
	// Recompute the train figure independently from the ground truth.
	var agree float64
	for _, p := range d.Splits[Train] {
		if (d.Truth.Margin(p) > 0) == p.LeftPreferred {
			agree++
		}
	}
	if got := agree / float64(len(d.Splits[Train])); math.Abs(got-d.BayesAccuracy[Train]) > 1e-12 {
		t.Errorf("recomputed Bayes accuracy %v, stored %v", got, d.BayesAccuracy[Train])
	}
	// Higher temperature, noisier labels.
	c.Temperature = 2
	if noisy := mustGenerate(t, c, 11); noisy.ExpectedBayesAccuracy[Train] >= d.ExpectedBayesAccuracy[Train] {
		t.Errorf("T = 2 expected Bayes %v not below T = 0.5's %v", noisy.ExpectedBayesAccuracy[Train], d.ExpectedBayesAccuracy[Train])
	}
}

func TestSyntheticLabelsFollowTheTruth(t *testing.T) {
	// With T = 0 every label is the side whose latent item is closer to the ideal point, computed
	// here from Truth's latent items and the users' weights and prototypes.
	c := smallSynthetic()
	c.Temperature, c.Users, c.Alpha = 0, "mixture", 1
	d := mustGenerate(t, c, 2)
	tr := d.Truth
	for split, pairs := range d.Splits {
		for _, p := range pairs {
			u := make([]float64, tr.LatentDim)
			for k, w := range d.Users[p.User].TrueWeights {
				for j := range u {
					u[j] += w * tr.Prototype(k)[j]
				}
			}
			dl, dr := euclidean(tr.LatentItem(p.Left), u), euclidean(tr.LatentItem(p.Right), u)
			if (dl < dr) != p.LeftPreferred {
				t.Fatalf("%s: pair %+v: left distance %v right %v but LeftPreferred %v", split, p, dl, dr, p.LeftPreferred)
			}
		}
	}
}

func TestSyntheticMapScaling(t *testing.T) {
	for _, m := range []string{"identity", "linear", "mlp"} {
		c := smallSynthetic()
		c.Map = m
		if m == "identity" {
			c.LatentDim = c.Dim
		}
		d := mustGenerate(t, c, 4)
		tr := d.Truth
		n, k := d.NumItems(), tr.LatentDim
		mean := make([]float64, k)
		for j := range n {
			for a, v := range tr.LatentItem(j) {
				mean[a] += v / float64(n)
			}
		}
		var ss float64
		for j := range n {
			for a, v := range tr.LatentItem(j) {
				ss += (v - mean[a]) * (v - mean[a])
			}
		}
		if v := ss / float64(n*k); math.Abs(v-1) > 1e-9 {
			t.Errorf("%s: mean per-coordinate variance of latent items %v, want 1", m, v)
		}
		for a := range mean {
			if math.Abs(mean[a]) > 1e-9 {
				t.Errorf("%s: latent items not centred: coordinate %d mean %v", m, a, mean[a])
			}
		}
		if m == "identity" {
			// g(x) = s (x - mean x): check against the items directly.
			for j := range n {
				for a, x := range d.Item(j) {
					if want := tr.Scale * (float64(x) - tr.Center[a]); math.Abs(tr.LatentItem(j)[a]-want) > 1e-12 {
						t.Fatalf("identity: latent item %d[%d] = %v, want %v", j, a, tr.LatentItem(j)[a], want)
					}
				}
			}
			if math.Abs(tr.Scale-1) > 0.1 {
				t.Errorf("identity: scale %v for standard normal items, want about 1", tr.Scale)
			}
		}
	}
}

func TestSyntheticPartitionUsers(t *testing.T) {
	c := smallSynthetic()
	c.KTrue, c.SeenUsers, c.UnseenUsers = 3, 12, 6
	d := mustGenerate(t, c, 9)
	if d.NumGroups != 3 || !reflect.DeepEqual(d.GroupNames, []string{"g0", "g1", "g2"}) {
		t.Fatalf("groups %d %v", d.NumGroups, d.GroupNames)
	}
	for _, users := range [][]int{d.SeenUsers(), d.UnseenUsers()} {
		count := map[int]int{}
		for _, u := range users {
			user := d.Users[u]
			count[user.Group]++
			for k, w := range user.TrueWeights {
				if want := map[bool]float64{true: 1, false: 0}[k == user.Group]; w != want {
					t.Fatalf("user %s group %d weights %v: not one-hot", user.ID, user.Group, user.TrueWeights)
				}
			}
			if !reflect.DeepEqual(d.Truth.IdealPoint(u), d.Truth.Prototype(user.Group)) {
				t.Fatalf("user %s: ideal point is not its prototype", user.ID)
			}
		}
		for g := range 3 {
			if count[g] != len(users)/3 {
				t.Errorf("group %d has %d of %d users: not balanced", g, count[g], len(users))
			}
		}
	}
}

func TestSyntheticMixtureUsers(t *testing.T) {
	for _, alpha := range []float64{0.01, 0.3, 1, 20} {
		c := smallSynthetic()
		c.Users, c.Alpha, c.KTrue, c.SeenUsers = "mixture", alpha, 4, 200
		d := mustGenerate(t, c, 21)
		var maxW float64
		for i, u := range d.Users {
			var sum float64
			for _, w := range u.TrueWeights {
				if w < 0 || math.IsNaN(w) {
					t.Fatalf("alpha %g user %s: weight %v", alpha, u.ID, w)
				}
				sum += w
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Fatalf("alpha %g user %s: weights sum to %v", alpha, u.ID, sum)
			}
			if u.TrueWeights[u.Group] != slicesMax(u.TrueWeights) {
				t.Fatalf("alpha %g user %s: group %d is not the argmax of %v", alpha, u.ID, u.Group, u.TrueWeights)
			}
			maxW += slicesMax(u.TrueWeights) / float64(len(d.Users))
			for j := range c.LatentDim {
				var want float64
				for k, w := range u.TrueWeights {
					want += w * d.Truth.Prototype(k)[j]
				}
				if math.Abs(d.Truth.IdealPoint(i)[j]-want) > 1e-12 {
					t.Fatalf("alpha %g user %s: ideal point is not sum_k w_k p_k", alpha, u.ID)
				}
			}
		}
		// Small alpha concentrates on a corner of the simplex, large alpha on its centre.
		switch {
		case alpha == 0.01 && maxW < 0.95:
			t.Errorf("alpha 0.01: mean largest weight %v, want near 1", maxW)
		case alpha == 20 && maxW > 0.4:
			t.Errorf("alpha 20: mean largest weight %v, want near 1/4", maxW)
		}
	}
}

func slicesMax(w []float64) float64 {
	m := w[0]
	for _, v := range w {
		m = math.Max(m, v)
	}
	return m
}

// TestSyntheticPlantedHeterogeneity checks that the generator really makes users who disagree:
// with two partition groups and noiseless labels, users of the same group agree on every pair
// of items both saw, and users of different groups disagree on a substantial share. With one
// group nobody disagrees: the control that shows the measure is not an artefact.
func TestSyntheticPlantedHeterogeneity(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		for _, k := range []int{1, 2} {
			c := smallSynthetic()
			c.KTrue, c.Temperature, c.Items, c.PairsPerUser, c.SeenUsers, c.UnseenUsers = k, 0, 20, 200, 10, 0
			c.UnseenTrain, c.UnseenVal, c.UnseenTest = 0, 0, 0
			d := mustGenerate(t, c, seed)
			// verdict[group][{a,b}] = whether the smaller item index was preferred.
			type key struct{ a, b int }
			verdict := [2]map[key]bool{{}, {}}
			half := func(u int) int { // the group, or for k = 1 an arbitrary half of the users
				if k == 1 {
					return u % 2
				}
				return d.Users[u].Group
			}
			for _, pairs := range d.Splits {
				for _, p := range pairs {
					kk, smallerWins := key{p.Left, p.Right}, p.LeftPreferred
					if p.Left > p.Right {
						kk, smallerWins = key{p.Right, p.Left}, !p.LeftPreferred
					}
					g := half(p.User)
					if prev, ok := verdict[g][kk]; ok && prev != smallerWins {
						t.Fatalf("seed %d, k_true %d: users of half %d disagree on items %v", seed, k, g, kk)
					}
					verdict[g][kk] = smallerWins
				}
			}
			var both, differ int
			for kk, v := range verdict[0] {
				if w, ok := verdict[1][kk]; ok {
					both++
					if v != w {
						differ++
					}
				}
			}
			frac := float64(differ) / float64(both)
			if both < 100 {
				t.Fatalf("seed %d: only %d item pairs seen by both halves", seed, both)
			}
			if k == 1 && differ != 0 {
				t.Errorf("seed %d, k_true 1: halves disagree on %d of %d pairs, want 0", seed, differ, both)
			}
			if k == 2 && frac < 0.15 {
				t.Errorf("seed %d, k_true 2: groups disagree on %.2f of %d shared pairs, want a substantial share", seed, frac, both)
			}
			t.Logf("seed %d k_true %d: disagreement %.3f over %d shared pairs", seed, k, frac, both)
		}
	}
}

// TestSyntheticStreamsIndependent checks the promise that each part draws from its own stream:
// more unseen users leave the seen users' data and the items untouched.
func TestSyntheticStreamsIndependent(t *testing.T) {
	c := smallSynthetic()
	a := mustGenerate(t, c, 5)
	c.UnseenUsers = 9
	b := mustGenerate(t, c, 5)
	if !reflect.DeepEqual(a.Items, b.Items) || !reflect.DeepEqual(a.Truth.Prototypes, b.Truth.Prototypes) {
		t.Fatal("adding unseen users changed the items or prototypes")
	}
	if !reflect.DeepEqual(a.Splits[Train], b.Splits[Train]) || !reflect.DeepEqual(a.Splits[Test], b.Splits[Test]) {
		t.Fatal("adding unseen users changed the seen users' pairs")
	}
}

func TestSyntheticConfigErrors(t *testing.T) {
	cases := []struct {
		name   string
		change func(c *SyntheticConfig)
		want   string
	}{
		{"identity dims", func(c *SyntheticConfig) { c.Map, c.Dim, c.LatentDim = "identity", 16, 8 }, `map = "identity" needs dim == latent_dim`},
		{"unknown map", func(c *SyntheticConfig) { c.Map = "cubic" }, `map = "cubic": want one of identity, linear, mlp`},
		{"unknown users", func(c *SyntheticConfig) { c.Users = "cliques" }, `users = "cliques"`},
		{"k_true 0", func(c *SyntheticConfig) { c.KTrue = 0 }, "k_true = 0: want >= 1"},
		{"one item", func(c *SyntheticConfig) { c.Items = 1 }, "items = 1: want >= 2"},
		{"negative unseen", func(c *SyntheticConfig) { c.UnseenUsers = -1 }, "unseen_users = -1: want >= 0"},
		{"alpha 0", func(c *SyntheticConfig) { c.Alpha = 0 }, "alpha = 0: want > 0"},
		{"nan temperature", func(c *SyntheticConfig) { c.Temperature = math.NaN() }, "temperature = NaN: want a finite number"},
		{"negative temperature", func(c *SyntheticConfig) { c.Temperature = -1 }, "temperature = -1: want >= 0"},
		{"fractions", func(c *SyntheticConfig) { c.ValFraction, c.TestFraction = 0.5, 0.5 }, "leaves no training pairs"},
		{"rounding", func(c *SyntheticConfig) { c.PairsPerUser, c.ValFraction, c.TestFraction = 3, 0.45, 0.5 }, "pairs_per_user 3 leaves no training pairs"},
		{"no test", func(c *SyntheticConfig) { c.PairsPerUser, c.TestFraction = 10, 0.01 }, "rounds to no test pairs"},
		{"unseen without test", func(c *SyntheticConfig) { c.UnseenTest = 0 }, "unseen_test_pairs = 0"},
	}
	for _, tc := range cases {
		c := smallSynthetic()
		tc.change(c)
		_, err := GenerateSynthetic(c, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	if _, err := GenerateSynthetic(nil, 1); err == nil {
		t.Error("nil config: no error")
	}
}

func TestSyntheticDegenerateMLP(t *testing.T) {
	// One latent dimension and two items: the single ReLU unit is dead on both items for some
	// seeds. That must be an error, never NaN data.
	c := smallSynthetic()
	c.Map, c.Dim, c.LatentDim, c.Items = "mlp", 1, 1, 2
	found := false
	for seed := range uint64(64) {
		d, err := GenerateSynthetic(c, seed)
		if err != nil {
			if !strings.Contains(err.Error(), "same latent point") {
				t.Fatalf("seed %d: unexpected error %v", seed, err)
			}
			found = true
			continue
		}
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if !found {
		t.Error("no degenerate draw in 64 seeds: the test no longer exercises the error")
	}
}

// TestSyntheticAdversaries checks the adversarial users: exactly round(fraction x seen_users)
// seen users and no unseen one, in their own group; honest users' data is that of the
// adversary-free data set (each user draws from its own stream); inverted adversaries' noiseless labels are the honest labels
// flipped; random adversaries' labels are coin flips and the oracle scores them half.
func TestSyntheticAdversaries(t *testing.T) {
	c := smallSynthetic()
	c.Temperature, c.SeenUsers, c.PairsPerUser = 0, 20, 200
	clean := mustGenerate(t, c, 5)
	honestLabel := map[[3]int]bool{} // (user, left, right) -> label of the clean data
	for _, pairs := range clean.Splits {
		for _, p := range pairs {
			honestLabel[[3]int{p.User, p.Left, p.Right}] = p.LeftPreferred
		}
	}
	for _, mode := range []string{"random", "inverted"} {
		c.AdversarialFraction, c.Adversary = 0.25, mode
		d := mustGenerate(t, c, 5)
		if d.NumGroups != c.KTrue+1 || d.GroupNames[c.KTrue] != "adversarial" {
			t.Fatalf("%s: %d groups %v, want %d with the last named adversarial", mode, d.NumGroups, d.GroupNames, c.KTrue+1)
		}
		var adversaries int
		for i, u := range d.Users {
			adv := d.Truth.Adversarial[i]
			if adv != (u.Group == c.KTrue) {
				t.Fatalf("%s: user %s adversarial %v but group %d", mode, u.ID, adv, u.Group)
			}
			if adv && !u.Seen {
				t.Fatalf("%s: unseen user %s is an adversary", mode, u.ID)
			}
			if adv {
				adversaries++
			} else if u.Group != clean.Users[i].Group {
				t.Fatalf("%s: honest user %s moved from group %d to %d", mode, u.ID, clean.Users[i].Group, u.Group)
			}
		}
		if adversaries != 5 {
			t.Fatalf("%s: %d adversaries, want round(0.25 x 20) = 5", mode, adversaries)
		}
		var advPairs, flipped, advTest, honestTest int
		for split, pairs := range d.Splits {
			for _, p := range pairs {
				if !d.Truth.Adversarial[p.User] {
					want, ok := honestLabel[[3]int{p.User, p.Left, p.Right}]
					if !ok {
						t.Fatalf("%s: honest user's %s pair %+v is not in the adversary-free data", mode, split, p)
					}
					if p.LeftPreferred != want {
						t.Fatalf("%s: honest user's pair %+v changed label", mode, p)
					}
					if split == Test {
						honestTest++
					}
					continue
				}
				advPairs++
				if split == Test {
					advTest++
				}
				// The label an honest user with the adversary's ideal point would give.
				u := d.Truth.IdealPoint(p.User)
				want := euclidean(d.Truth.LatentItem(p.Left), u) < euclidean(d.Truth.LatentItem(p.Right), u)
				if p.LeftPreferred != want {
					flipped++
				}
			}
		}
		switch mode {
		case "inverted":
			if flipped != advPairs {
				t.Errorf("inverted: %d of %d adversary labels flipped, want all (T = 0)", flipped, advPairs)
			}
			if d.BayesAccuracy[Test] != 1 {
				t.Errorf("inverted, T = 0: Bayes accuracy %v, want 1 (the truth knows the adversaries)", d.BayesAccuracy[Test])
			}
		case "random":
			// 1000 fair coins: agreement with the honest label within 4.5 standard deviations.
			if math.Abs(float64(flipped)/float64(advPairs)-0.5) > 4.5*0.5/math.Sqrt(float64(advPairs)) {
				t.Errorf("random: %d of %d adversary labels differ from the honest ones, want about half", flipped, advPairs)
			}
			want := (float64(honestTest) + 0.5*float64(advTest)) / float64(honestTest+advTest)
			if got := d.BayesAccuracy[Test]; math.Abs(got-want) > 1e-12 {
				t.Errorf("random, T = 0: Bayes accuracy %v, want %v (ties on the adversaries' pairs count half)", got, want)
			}
		}
	}
	c.AdversarialFraction, c.SeenUsers = 0.01, 20
	if _, err := GenerateSynthetic(c, 1); err == nil || !strings.Contains(err.Error(), "rounds to no adversary") {
		t.Errorf("adversarial_fraction 0.01 of 20 users: error %v, want one saying it rounds to no adversary", err)
	}
}
