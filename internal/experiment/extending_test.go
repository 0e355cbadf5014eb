package experiment_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps"
)

// The examples of docs/extending.md: a dataset kind and a model kind written outside the
// packages pal ships, registered on one line each, run by the same runner. The code between
// the "doc:" markers is what the document shows; TestExtendingDocShowsThisCode keeps the two
// equal.

// doc:dataset-kind begin
// TwoCamps is a dataset kind: items on a line, and two camps of users, one preferring the
// item further right, the other the item further left.
type TwoCamps struct {
	Items int `toml:"items" help:"number of items" min:"2" max:"1000000"`
	Users int `toml:"users" help:"users per camp" min:"1" max:"10000"`
	Pairs int `toml:"pairs" help:"pairs per user" min:"4" max:"10000"`
}

func (c *TwoCamps) Build(ctx context.Context, env datasets.Env, seed uint64) (*datasets.Data, error) {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &datasets.Data{Name: "two-camps", Dim: 1, Splits: map[datasets.Split][]datasets.Pair{}, NumGroups: 2}
	for range c.Items {
		d.Items = append(d.Items, float32(r.NormFloat64()))
	}
	for u := range 2 * c.Users {
		d.Users = append(d.Users, datasets.User{ID: fmt.Sprintf("u%04d", u), Seen: true, Group: u % 2})
		for j := range c.Pairs {
			l, rt := r.IntN(c.Items), r.IntN(c.Items)
			if l == rt {
				continue
			}
			right := d.Items[l] > d.Items[rt]
			p := datasets.Pair{User: u, Left: l, Right: rt, Prompt: -1, LeftPreferred: right == (u%2 == 0)}
			split := datasets.Train
			if j%4 == 0 {
				split = datasets.Test
			}
			d.Splits[split] = append(d.Splits[split], p)
		}
	}
	d.Fingerprint = fmt.Sprintf("two-camps items=%d users=%d pairs=%d seed=%d", c.Items, c.Users, c.Pairs, seed)
	return d, nil
}

func (c *TwoCamps) Check(env datasets.Env) error { return nil } // reads no files
func (c *TwoCamps) SeedDependent() bool          { return true }

// doc:dataset-kind end

// doc:model-kind begin
// LinearMix is a model kind: K linear rewards r_k(x) = v_k·x shared by everybody, and each
// user a mixture of them, w_u = softmax(W_u) from models.UserTable:
// P(left) = sigmoid(sum_k w_uk (r_k(left) - r_k(right))).
type LinearMix struct {
	K  int     `toml:"k" help:"number of rewards" min:"1" max:"100"`
	LR float64 `toml:"lr" help:"Adam learning rate" gt:"0"`
}

func (c *LinearMix) Fit(ctx context.Context, in models.FitInput) (models.Fitted, error) {
	rng := models.NewRand(in.Seed, 0)
	m := &linearMix{d: in.Data, v: models.NewParam("V", models.GroupMLP, c.K*in.Data.Dim)}
	for i := range m.v.Value {
		m.v.Value[i] = 0.1 * rng.NormFloat64()
	}
	m.users = models.NewUserTable(in.Data.Users, c.K, 1, false, rng)
	groups := map[string]models.GroupHyper{models.GroupMLP: {LR: c.LR}, models.GroupUser: {LR: c.LR}}
	out, err := models.FitPersonalized(ctx, m, in.Data, groups, in.Train, in.FewShot, in.Seed, rng)
	out.ParamsPerUser = c.K
	return models.Fitted{Metrics: out}, err
}

// linearMix is the fitted model: a models.Personalized, so models.FitPersonalized trains it,
// adapts new users (models.FitUnseenUsers) and evaluates it as it does PAL.
type linearMix struct {
	d      *datasets.Data
	v      *models.Param // K x D
	users  *models.UserTable
	frozen bool
}

func (m *linearMix) rewards(x []float32) []float64 { // r_k(x) for every k
	D := m.d.Dim
	r := make([]float64, m.users.K())
	for k := range r {
		for j, xj := range x {
			r[k] += m.v.Value[k*D+j] * float64(xj)
		}
	}
	return r
}

func (m *linearMix) Margin(p datasets.Pair) float64 {
	w, rl, rr := make([]float64, m.users.K()), m.rewards(m.d.Item(p.Left)), m.rewards(m.d.Item(p.Right))
	m.users.WeightsInto(p.User, true, w)
	var s float64
	for k := range w {
		s += w[k] * (rl[k] - rr[k])
	}
	return s
}

func (m *linearMix) PairLoss(p datasets.Pair) float64 {
	l, _ := models.PairLoss("logistic", m.Margin(p), p.LeftPreferred)
	return l
}

func (m *linearMix) BatchLoss(pairs []datasets.Pair, rng *rand.Rand, backward bool) float64 {
	K, D := m.users.K(), m.d.Dim
	wb := m.users.MixWeights(pairs, !backward)
	gW := models.NewMatrix(len(pairs), K)
	var total float64
	for i, p := range pairs {
		w, rl, rr := wb.Row(i), m.rewards(m.d.Item(p.Left)), m.rewards(m.d.Item(p.Right))
		var s float64
		for k := range w {
			s += w[k] * (rl[k] - rr[k])
		}
		loss, dm := models.PairLoss("logistic", s, p.LeftPreferred)
		total += loss
		if !backward {
			continue
		}
		dm /= float64(len(pairs))
		for k := range w {
			gW.Row(i)[k] = dm * (rl[k] - rr[k])
			if !m.frozen {
				for j := range D {
					m.v.Grad[k*D+j] += dm * w[k] * float64(m.d.Item(p.Left)[j]-m.d.Item(p.Right)[j])
				}
			}
		}
	}
	if backward {
		m.users.SoftmaxBackward(pairs, wb, gW)
	}
	return total / float64(len(pairs))
}

func (m *linearMix) Params() []*models.Param {
	return []*models.Param{m.v, m.users.Seen(), m.users.Unseen()}
}
func (m *linearMix) Users() *models.UserTable { return m.users }
func (m *linearMix) Freeze()                  { m.frozen = true }
func (m *linearMix) FrozenObjective() models.Objective {
	return frozenMix{m}
}
func (m *linearMix) PrepareEval()         {}
func (m *linearMix) SharedParams() int    { return len(m.v.Value) }
func (m *linearMix) TrainableParams() int { return len(m.v.Value) + len(m.users.Seen().Value) }

// frozenMix trains only the unseen users' weights (few-shot adaptation).
type frozenMix struct{ *linearMix }

func (f frozenMix) Params() []*models.Param { return []*models.Param{f.users.Unseen()} }

// doc:model-kind end

// registered is the registry with the two examples added, one line each, as
// docs/extending.md says to add them to experiment.Schema.
func registered() sweeps.Schema {
	s := experiment.Schema()
	// doc:register begin
	s.Datasets["two-camps"] = func() any { return &TwoCamps{Items: 200, Users: 10, Pairs: 40} }
	s.Models["linear-mix"] = func() any { return &LinearMix{K: 2, LR: 0.05} }
	// doc:register end
	return s
}

// The example kinds run as any kind does: parsed from a spec, checked by the registry's
// interfaces, built and fitted by the runner; the mixture with K = 2 finds both camps, which a
// single reward (K = 1) cannot.
func TestExampleKindsRun(t *testing.T) {
	spec := `
seeds = [1, 2]
[dataset]
kind = "two-camps"
[[model]]
kind = "linear-mix"
k = [1, 2]
[train]
epochs = 60
batch_size = 32
`
	s, err := sweeps.ParseBytes("ext.toml", []byte(spec), registered())
	if err != nil {
		t.Fatal(err)
	}
	r := &experiment.Runner{}
	acc := map[int][]float64{}
	for _, run := range s.Runs {
		out, err := r.Run(context.Background(), run)
		if err != nil {
			t.Fatalf("%s: %v", run.Label(), err)
		}
		k := run.Model.(*LinearMix).K
		acc[k] = append(acc[k], out.Metrics.Splits["test"].Accuracy)
	}
	t.Logf("test accuracy by seed: K=1 %.3f, K=2 %.3f", acc[1], acc[2])
	for i := range acc[2] {
		if acc[2][i] < 0.9 || acc[1][i] > 0.7 {
			t.Errorf("seed %d: test accuracy K=2 %.3f (want > 0.9), K=1 %.3f (want near 0.5)", i+1, acc[2][i], acc[1][i])
		}
	}
}

// The example's hand-written gradient agrees with finite differences.
func TestExampleGradient(t *testing.T) {
	d, _ := (&TwoCamps{Items: 20, Users: 2, Pairs: 8}).Build(context.Background(), datasets.Env{}, 3)
	rng := models.NewRand(1, 0)
	m := &linearMix{d: d, v: models.NewParam("V", models.GroupMLP, 2)}
	for i := range m.v.Value {
		m.v.Value[i] = rng.NormFloat64()
	}
	m.users = models.NewUserTable(d.Users, 2, 1, false, rng)
	pairs := d.Splits[datasets.Train]
	for _, p := range m.Params()[:2] {
		for i := range p.Value {
			for _, q := range m.Params() {
				clear(q.Grad)
			}
			m.BatchLoss(pairs, nil, true)
			g := p.Grad[i]
			num := models.FiniteDifference(p, i, 1e-6, func() float64 { return m.BatchLoss(pairs, nil, false) })
			if math.Abs(num-g) > 1e-6*(1+math.Abs(num)) {
				t.Errorf("%s[%d]: gradient %g, finite difference %g", p.Name, i, g, num)
			}
		}
	}
}

// docs/extending.md shows exactly the code of this file between its doc: markers.
func TestExtendingDocShowsThisCode(t *testing.T) {
	doc, err := os.ReadFile("../../docs/extending.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("extending_test.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)// doc:([a-z-]+) begin\n(.*?)\s*// doc:([a-z-]+) end`)
	blocks := re.FindAllStringSubmatch(string(src), -1)
	if len(blocks) != 3 {
		t.Fatalf("%d doc blocks in extending_test.go, want 3", len(blocks))
	}
	for _, b := range blocks {
		code := dedent(b[2])
		if !strings.Contains(string(doc), "```go\n"+code+"\n```") {
			t.Errorf("docs/extending.md does not show the %s block of extending_test.go as it is (copy it into a ```go block):\n%s", b[1], code)
		}
	}
}

// dedent removes the indentation common to every non-empty line.
func dedent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n\t "), "\n")
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if common < 0 || n < common {
			common = n
		}
	}
	for i, l := range lines {
		if len(l) >= common && common > 0 {
			lines[i] = l[common:]
		}
	}
	return strings.Join(lines, "\n")
}
