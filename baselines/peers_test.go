package baselines

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
)

// tinyUsers is a small data set with three seen users and one unseen user, each with pairs
// among ten random items of dimension 3, for gradient checks.
func tinyUsers() (*datasets.Data, []datasets.Pair) {
	rng := rand.New(rand.NewPCG(3, 4))
	d := &datasets.Data{Name: "tiny", Dim: 3, Items: make([]float32, 30), Splits: map[datasets.Split][]datasets.Pair{}}
	for i := range d.Items {
		d.Items[i] = float32(rng.NormFloat64())
	}
	for u := range 4 {
		d.Users = append(d.Users, datasets.User{ID: string(rune('a' + u)), Seen: u < 3, Group: -1})
	}
	var pairs []datasets.Pair
	for j := range 12 {
		pairs = append(pairs, datasets.Pair{User: j % 4, Left: j % 10, Right: (j*7 + 3) % 10, Prompt: -1, LeftPreferred: j%3 != 0})
	}
	return d, pairs
}

// checkGradients compares every analytic gradient of obj on pairs with a central difference.
func checkGradients(t *testing.T, name string, obj models.Objective, pairs []datasets.Pair) {
	t.Helper()
	checkGradientsRand(t, name, obj, pairs, func() *rand.Rand { return nil })
}

// checkGradientsRand is checkGradients in training mode: every loss is computed with a fresh
// source from newRand, so the random draws (contexts, latents) are the same in each.
func checkGradientsRand(t *testing.T, name string, obj models.Objective, pairs []datasets.Pair, newRand func() *rand.Rand) {
	t.Helper()
	ps := obj.Params()
	for _, p := range ps {
		clear(p.Grad)
	}
	obj.BatchLoss(pairs, newRand(), true)
	const h = 1e-6
	checked := 0
	for _, p := range ps {
		for i := range p.Value {
			num := models.FiniteDifference(p, i, h, func() float64 { return obj.BatchLoss(pairs, newRand(), false) })
			if math.Abs(num-p.Grad[i]) > 1e-6*math.Max(1, math.Abs(num)) {
				t.Errorf("%s: %s[%d]: analytic %g, numeric %g", name, p.Name, i, p.Grad[i], num)
			}
			if num != 0 {
				checked++
			}
		}
	}
	if checked == 0 {
		t.Errorf("%s: every gradient is zero: the check checks nothing", name)
	}
}

var float64MLP = models.MLPConfig{Layers: 1, Width: 4, Activation: "gelu", Precision: models.Float64}

func TestItemModelGradients(t *testing.T) {
	d, pairs := tinyUsers()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, mp := range []string{"linear", "mlp"} {
		mc := &MixBTLConfig{K: 3, PeerNet: PeerNet{Map: mp, MLPConfig: float64MLP}}
		m, err := mc.newModel(d, rng)
		if err != nil {
			t.Fatal(err)
		}
		checkGradients(t, "mix-btl "+mp, m, pairs)
		lc := &LoReConfig{K: 3, PeerNet: PeerNet{Map: mp, MLPConfig: float64MLP}}
		l, err := lc.newModel(d, rng)
		if err != nil {
			t.Fatal(err)
		}
		checkGradients(t, "lore "+mp, l, pairs)
	}
	for _, mp := range []string{"linear", "mlp"} {
		uc := &UserIDConfig{Dim: 2, PeerNet: PeerNet{Map: mp, MLPConfig: float64MLP}}
		u, err := uc.newModel(d, rng)
		if err != nil {
			t.Fatal(err)
		}
		checkGradients(t, "user-id "+mp, u, pairs)
		for _, link := range []string{"probit", "logistic"} {
			dc := &DPLConfig{Link: link, PeerNet: PeerNet{Map: mp, MLPConfig: float64MLP}}
			m, err := dc.newModel(d, rng)
			if err != nil {
				t.Fatal(err)
			}
			checkGradients(t, "dpl "+mp+" "+link, m, pairs)
		}
	}
	for _, mp := range []string{"linear", "mlp"} {
		vc := &VPLConfig{Latent: 2, PeerNet: PeerNet{Map: mp, MLPConfig: float64MLP}, EncoderLayers: 1, EncoderWidth: 3, ContextPairs: 2, KL: 0.3}
		vc.Activation = "gelu"
		var train []datasets.Pair
		for _, p := range pairs {
			if p.User < 3 {
				train = append(train, p)
			}
		}
		dv := *d
		dv.Splits = map[datasets.Split][]datasets.Pair{datasets.Train: train}
		v, err := vc.newModel(&dv, rng)
		if err != nil {
			t.Fatal(err)
		}
		checkGradients(t, "vpl "+mp, v, train[:5])
		checkGradientsRand(t, "vpl sampled "+mp, v, train[:5], func() *rand.Rand { return rand.New(rand.NewPCG(8, 9)) })
	}
	for _, h := range []int{0, 5} {
		checkGradients(t, fmt.Sprintf("individual hidden=%d", h), (&IndividualConfig{Hidden: h}).newModel(d, rng), pairs)
	}
}

// TestMixBTLLossByHand checks the mixture's loss and margin against values computed by hand:
// pi = (0.25, 0.75), margins m = (2, -1): P(left) = 0.25 sigmoid(2) + 0.75 sigmoid(-1).
func TestMixBTLLossByHand(t *testing.T) {
	w := []float64{0.25, 0.75}
	oL, oR := []float64{3, 0}, []float64{1, 1}
	s := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	pl := 0.25*s(2) + 0.75*s(-1)
	loss, margin := mixBTLLoss(oL, oR, w, true, nil, nil, nil)
	if math.Abs(loss+math.Log(pl)) > 1e-12 || math.Abs(margin-math.Log(pl/(1-pl))) > 1e-12 {
		t.Errorf("left: loss %g margin %g, want %g and %g", loss, margin, -math.Log(pl), math.Log(pl/(1-pl)))
	}
	loss, _ = mixBTLLoss(oL, oR, w, false, nil, nil, nil)
	if math.Abs(loss+math.Log(1-pl)) > 1e-12 {
		t.Errorf("right: loss %g, want %g", loss, -math.Log(1-pl))
	}
	// With one class the mixture is BTL: the loss is the logistic loss of the margin.
	loss, margin = mixBTLLoss([]float64{0.5}, []float64{2}, []float64{1}, false, nil, nil, nil)
	want, _ := models.PairLoss("logistic", -1.5, false)
	if math.Abs(loss-want) > 1e-12 || math.Abs(margin+1.5) > 1e-12 {
		t.Errorf("K = 1: loss %g margin %g, want %g and -1.5", loss, margin, want)
	}
}

// peerData is two-group partition data with a nonlinear (MLP) truth: the setting where a
// single reward cannot fit both groups and every personalized method should.
func peerData(t *testing.T, pairsPerUser int) *datasets.Data {
	t.Helper()
	dc := datasets.DefaultSynthetic()
	dc.KTrue, dc.SeenUsers, dc.UnseenUsers, dc.PairsPerUser = 2, 30, 6, pairsPerUser
	d, err := datasets.GenerateSynthetic(dc, 7)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	peerTrain   = &models.TrainConfig{Epochs: 150, BatchSize: 64, Patience: 10}
	peerFewShot = &models.FewShotConfig{PairsPerUser: []int{1, 40}, Epochs: 100, LR: 5e-2, BatchSize: 64, Patience: 10}
)

func fitKind(t *testing.T, k models.Kind, d *datasets.Data) metrics.Metrics {
	t.Helper()
	f, err := k.Fit(context.Background(), models.FitInput{Data: d, Train: peerTrain, FewShot: peerFewShot, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return f.Metrics
}

// palAndBTL fits the references of the recovery tests: PAL-A K=2 and BTL.
func palAndBTL(t *testing.T, d *datasets.Data) (pal, btl metrics.Metrics) {
	pc := models.DefaultPALA()
	pc.K, pc.Layers, pc.LR, pc.LRUser = 2, 0, 3e-3, 1e-2
	bc := DefaultBTL()
	bc.LR = 3e-3
	return fitKind(t, pc, d), fitKind(t, bc, d)
}

// TestMixtureAndLoReRecoverGroups: on two-group partition data the mixture of two BTL rewards
// puts (at least 90% of) the seen users on the class of their true group, and the mixture, LoRe
// of rank 2 and the user-ID-conditioned reward beat BTL by more than 5 points and come within
// noise of PAL-A (3 points; the mixture, whose two rewards each learn from half of the pairs,
// 5), and their few-shot accuracy rises from 1 to 40 pairs per new user.
func TestMixtureAndLoReRecoverGroups(t *testing.T) {
	d := peerData(t, 120)
	pal, btl := palAndBTL(t, d)
	net := PeerNet{Map: "mlp", MLPConfig: models.MLPConfig{Layers: 2, Width: 64, Activation: "gelu"}}
	palAcc, btlAcc := pal.Splits["test"].Accuracy, btl.Splits["test"].Accuracy

	// The mixture is fitted by hand, as its Fit does, to keep the model and look at its classes.
	mix := &MixBTLConfig{K: 2, PeerNet: net, LR: 1e-3, LRUser: 3e-2}
	rng := models.NewRand(1, seeds.FitStream)
	mm, err := mix.newModel(d, rng)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]models.GroupHyper{models.GroupMLP: {LR: mix.LR}, models.GroupUser: {LR: mix.LRUser}}
	mixOut, err := models.FitPersonalized(context.Background(), mm, d, groups, peerTrain, peerFewShot, 1, rng)
	if err != nil {
		t.Fatal(err)
	}
	mixOut.ParamsPerUser = 2
	agree, seen := 0, d.SeenUsers()
	for _, u := range seen {
		w := make([]float64, 2)
		mm.userRow(u, w)
		if (w[1] > w[0]) == (d.Users[u].Group == 1) {
			agree++
		}
	}
	match := max(agree, len(seen)-agree)
	t.Logf("the mixture's dominant class matches the true group for %d of %d seen users", match, len(seen))
	if match < len(seen)*9/10 {
		t.Errorf("the mixture's dominant class matches the true group for only %d of %d users", match, len(seen))
	}

	for _, c := range []struct {
		name string
		m    metrics.Metrics
		tol  float64
	}{
		{"mix-btl", mixOut, 0.05},
		{"lore", fitKind(t, &LoReConfig{K: 2, PeerNet: net, LR: 1e-3, LRUser: 3e-2}, d), 0.03},
		{"user-id", fitKind(t, &UserIDConfig{Dim: 2, PeerNet: net, LR: 1e-3, LRUser: 3e-2}, d), 0.03},
	} {
		m := c.m
		acc := m.Splits["test"].Accuracy
		t.Logf("%s: test %.3f unseen %.3f few-shot %+v; PAL-A %.3f, BTL %.3f, oracle %.3f", c.name, acc, m.Splits["unseen_test"].Accuracy, m.FewShot, palAcc, btlAcc, d.BayesAccuracy[datasets.Test])
		if acc < palAcc-c.tol {
			t.Errorf("%s: test accuracy %.3f is more than %.0f points below PAL-A's %.3f", c.name, acc, 100*c.tol, palAcc)
		}
		if acc < btlAcc+0.05 {
			t.Errorf("%s: test accuracy %.3f does not beat BTL's %.3f by 5 points", c.name, acc, btlAcc)
		}
		if fs := m.FewShot; len(fs) != 2 || fs[1].Accuracy < fs[0].Accuracy+0.02 {
			t.Errorf("%s: few-shot accuracy should rise with pairs per user: %+v", c.name, fs)
		}
		if m.TrainableParams != m.SharedParams+30*2 || m.ParamsPerUser != 2 || m.SharedParams == 0 {
			t.Errorf("%s: parameters trainable %d shared %d per user %d, want shared + 60 and 2", c.name, m.TrainableParams, m.SharedParams, m.ParamsPerUser)
		}
	}
}

// TestIndividualNeedsManyPairs: per-user rewards learn nothing from others, so with few pairs
// per user they fall well short of PAL-A, and with many they come close.
func TestIndividualNeedsManyPairs(t *testing.T) {
	acc := map[int][2]float64{}
	for _, n := range []int{20, 400} {
		d := peerData(t, n)
		pal, _ := palAndBTL(t, d)
		m := fitKind(t, DefaultIndividual(), d)
		acc[n] = [2]float64{m.Splits["test"].Accuracy, pal.Splits["test"].Accuracy}
		t.Logf("%d pairs per user: individual %.3f, PAL-A %.3f (few-shot %+v)", n, acc[n][0], acc[n][1], m.FewShot)
		if m.SharedParams != 0 || m.ParamsPerUser != 8*d.Dim+16 || m.TrainableParams != 30*m.ParamsPerUser {
			t.Errorf("parameters trainable %d shared %d per user %d", m.TrainableParams, m.SharedParams, m.ParamsPerUser)
		}
	}
	if gap := acc[20][1] - acc[20][0]; gap < 0.2 {
		t.Errorf("with 20 pairs per user individual rewards are only %.3f below PAL-A", gap)
	}
	if gap := acc[400][1] - acc[400][0]; gap > acc[20][1]-acc[20][0]-0.1 {
		t.Errorf("with 400 pairs per user the gap to PAL-A (%.3f) should shrink from that at 20 (%.3f)", gap, acc[20][1]-acc[20][0])
	}
}

// TestLogPhi checks log Phi and its derivative against math.Erfc and a central difference, on
// both sides of the switch to the tail series at z = -30, and that the two sides meet.
func TestLogPhi(t *testing.T) {
	for _, z := range []float64{3, 0.5, 0, -1, -5, -20, -29.9, -30.1, -40, -200} {
		v, d := logPhi(z)
		if z > -25 {
			if want := math.Log(0.5 * math.Erfc(-z/math.Sqrt2)); math.Abs(v-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("logPhi(%g) = %g, want %g", z, v, want)
			}
		}
		const h = 1e-5
		up, _ := logPhi(z + h)
		down, _ := logPhi(z - h)
		if num := (up - down) / (2 * h); math.Abs(num-d) > 1e-5*math.Max(1, math.Abs(d)) {
			t.Errorf("d/dz logPhi(%g) = %g, numeric %g", z, d, num)
		}
	}
	a, _ := logPhi(-30 + 1e-9)
	b, _ := logPhi(-30 - 1e-9)
	if math.Abs(a-b) > 1e-6 {
		t.Errorf("logPhi jumps at -30: %g and %g", a, b)
	}
}

// disputedItems is data whose disagreement sits in the items: each item has a quality q that
// everybody likes and a stance s (zero for half of the items) that two camps of users value
// with opposite signs, r_g(x) = q +- 3 s; labels are drawn with P(left) = sigmoid((r(left) -
// r(right)) / 0.3). It returns the data and, per item, whether its stance is non-zero.
func disputedItems() (*datasets.Data, []bool) {
	rng := rand.New(rand.NewPCG(5, 6))
	const items, users, pairs = 200, 40, 150
	d := &datasets.Data{Name: "disputed", Dim: 2, Splits: map[datasets.Split][]datasets.Pair{}, NumGroups: 2}
	polar := make([]bool, items)
	for i := range items {
		q, st := rng.NormFloat64(), 0.0
		if polar[i] = i%2 == 0; polar[i] {
			st = rng.NormFloat64()
		}
		d.Items = append(d.Items, float32(q), float32(st))
	}
	reward := func(g, i int) float64 {
		sign := 1.0
		if g == 1 {
			sign = -1
		}
		return float64(d.Items[2*i]) + sign*3*float64(d.Items[2*i+1])
	}
	for u := range users {
		d.Users = append(d.Users, datasets.User{ID: fmt.Sprintf("u%02d", u), Seen: true, Group: u % 2})
		for j := range pairs {
			l, r := rng.IntN(items), rng.IntN(items)
			if l == r {
				continue
			}
			pl := 1 / (1 + math.Exp(-(reward(u%2, l)-reward(u%2, r))/0.3))
			p := datasets.Pair{User: u, Left: l, Right: r, Prompt: -1, LeftPreferred: rng.Float64() < pl}
			split := datasets.Train
			switch j % 10 {
			case 0:
				split = datasets.Val
			case 1, 2:
				split = datasets.Test
			}
			d.Splits[split] = append(d.Splits[split], p)
		}
	}
	return d, polar
}

// TestDPLExplainsDisagreementByVariance: DPL, which does not know the user, scores users about
// as well as BTL (within 3 points), and puts its variance where the users disagree: the items
// the camps value oppositely get a larger sigma than those everybody values alike, so the pairs
// the camps dispute get a larger sigma_L^2 + sigma_R^2 than the pairs they agree on.
func TestDPLExplainsDisagreementByVariance(t *testing.T) {
	d, polar := disputedItems()
	net := PeerNet{Map: "mlp", MLPConfig: models.MLPConfig{Layers: 1, Width: 32, Activation: "relu"}}
	c := &DPLConfig{PeerNet: net, Link: "probit", LR: 3e-3}
	out, m, err := FitDPL(context.Background(), d, c, peerTrain, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	bc := DefaultBTL()
	bc.MLPConfig, bc.LR = net.MLPConfig, 3e-3
	btl, err := FitBTL(context.Background(), d, bc, peerTrain, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	acc, btlAcc := out.Splits["test"].Accuracy, btl.Splits["test"].Accuracy
	if math.Abs(acc-btlAcc) > 0.03 {
		t.Errorf("DPL test accuracy %.3f is not within 3 points of BTL's %.3f", acc, btlAcc)
	}
	var sp, sa, np, na float64
	for i, isPolar := range polar {
		if isPolar {
			sp, np = sp+m.Std(i), np+1
		} else {
			sa, na = sa+m.Std(i), na+1
		}
	}
	prefers := func(g int, p datasets.Pair) bool {
		sign := 1.0
		if g == 1 {
			sign = -1
		}
		r := func(i int) float64 { return float64(d.Items[2*i]) + sign*3*float64(d.Items[2*i+1]) }
		return r(p.Left) > r(p.Right)
	}
	var vd, va, nd, nag float64
	for _, p := range d.Splits[datasets.Test] {
		v := m.Std(p.Left)*m.Std(p.Left) + m.Std(p.Right)*m.Std(p.Right)
		if prefers(0, p) != prefers(1, p) {
			vd, nd = vd+v, nd+1
		} else {
			va, nag = va+v, nag+1
		}
	}
	t.Logf("DPL test %.3f, BTL %.3f; mean sigma: disputed items %.3f, shared %.3f; mean sigma_L^2+sigma_R^2: disputed pairs %.3f (%v), agreed %.3f (%v)",
		acc, btlAcc, sp/np, sa/na, vd/nd, nd, va/nag, nag)
	if sp/np < 1.5*sa/na {
		t.Errorf("sigma of the disputed items %.3f is not clearly above that of the shared ones %.3f", sp/np, sa/na)
	}
	if nd < 30 || vd/nd < 1.5*va/nag {
		t.Errorf("sigma_L^2+sigma_R^2 on disputed pairs %.3f (%v pairs) is not clearly above that on agreed pairs %.3f", vd/nd, nd, va/nag)
	}
}

// TestVPLInfersUsersFromTheirPairs: on two-group partition data VPL, which has no per-user
// parameter, beats BTL by more than 5 points on seen users, and a new user encoded from 40 of
// its pairs is scored clearly better than one encoded from a single pair.
func TestVPLInfersUsersFromTheirPairs(t *testing.T) {
	d := peerData(t, 120)
	_, btl := palAndBTL(t, d)
	c := &VPLConfig{Latent: 4, PeerNet: PeerNet{Map: "mlp", MLPConfig: models.MLPConfig{Layers: 2, Width: 64, Activation: "gelu"}},
		EncoderLayers: 1, EncoderWidth: 32, ContextPairs: 16, KL: 0.01, LR: 1e-3}
	c.Activation = "gelu"
	out, _, err := FitVPL(context.Background(), d, c, peerTrain, peerFewShot, 1)
	if err != nil {
		t.Fatal(err)
	}
	acc, btlAcc := out.Splits["test"].Accuracy, btl.Splits["test"].Accuracy
	t.Logf("VPL test %.3f unseen %.3f few-shot %+v; BTL %.3f", acc, out.Splits["unseen_test"].Accuracy, out.FewShot, btlAcc)
	if acc < btlAcc+0.05 {
		t.Errorf("VPL test accuracy %.3f does not beat BTL's %.3f by 5 points", acc, btlAcc)
	}
	if fs := out.FewShot; len(fs) != 2 || fs[1].Accuracy < fs[0].Accuracy+0.03 {
		t.Errorf("few-shot accuracy should rise with pairs per user: %+v", fs)
	}
	if out.ParamsPerUser != 0 || out.SharedParams != out.TrainableParams {
		t.Errorf("parameters trainable %d shared %d per user %d, want all shared", out.TrainableParams, out.SharedParams, out.ParamsPerUser)
	}
}

// TestVPLEncodesInChunks: encoding users from many pairs in chunks of rows (evaluation) gives
// the latents of one pass over all rows (training), bit for bit.
func TestVPLEncodesInChunks(t *testing.T) {
	d := peerData(t, 40)
	m, err := DefaultVPL().newModel(d, models.NewRand(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	users := d.SeenUsers()
	var ctxs [][]datasets.Pair
	for _, u := range users {
		ctxs = append(ctxs, m.train[u])
	}
	ctxs[3] = nil // a user without pairs gets the prior's mean
	whole := m.encode(users, ctxs, true)
	m.chunk = 7
	chunked := m.encode(users, ctxs, false)
	for i := range users {
		for k := range whole.mu.Row(i) {
			if math.Float64bits(whole.mu.Row(i)[k]) != math.Float64bits(chunked.mu.Row(i)[k]) || math.Float64bits(whole.lv.Row(i)[k]) != math.Float64bits(chunked.lv.Row(i)[k]) {
				t.Fatalf("user %d: chunked encoding (%v, %v) differs from one pass (%v, %v)", i, chunked.mu.Row(i), chunked.lv.Row(i), whole.mu.Row(i), whole.lv.Row(i))
			}
		}
	}
	for k, v := range whole.mu.Row(3) {
		if v != 0 || whole.lv.Row(3)[k] != 0 {
			t.Fatalf("a user without pairs is encoded as %v, %v, want the prior's zeros", whole.mu.Row(3), whole.lv.Row(3))
		}
	}
}
