package reports

import (
	"fmt"
	"image/color"

	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/sweeps/runstore"
)

// Split names as written by internal/metrics.
const (
	splitSeen   = "test"
	splitUnseen = "unseen_test"
)

// analysis is the store grouped and summarised: everything the page, the figures and the tables
// show, computed once so that all three agree.
type analysis struct {
	Store    *store
	Opts     Options
	Short    map[string]string // short display name of every axis key
	Datasets []*datasetGroup   // sorted by their dataset parameters
	XKey     string            // the first axis of XKeys; "" when there is none
	XKeys    []string          // axes of the accuracy-against charts, one chart each
	XNote    string            // why XKeys are not what Options asked for, or why there is no chart
	Baseline string            // model name the paired table compares against; "" when none
	BaseNote string            // why there is no paired table, if there is none

	HasUnseen, HasBayes, HasFewShot bool

	PalVersions, GitCommits, GoVersions []string
	// DatasetNotes are the distinct caveats runs recorded about their data (for instance that
	// text embeddings are an offline stand-in for foundation-model features), sorted.
	DatasetNotes []string

	het    *heteroCache           // the runs' analysis records, read on first use (hetero.go)
	colors map[string]color.NRGBA // colorOf: one colour per series name across the report
}

// datasetGroup is one dataset config: the runs sharing all "dataset.*" values.
type datasetGroup struct {
	Params   paramList
	Label    string // "K_true = 3"; "all runs" when no dataset axis is swept
	FileStem string // safe for file names: "k_true=3"
	Rows     []*row // baseline first, then by model name, then by model parameters
	// Fingerprints maps each seed to the distinct dataset fingerprints its runs reported.
	// More than one for a seed means the models did not see the same data.
	Fingerprints map[uint64][]string
	Bayes        Summary // Bayes-optimal seen-user test accuracy over seeds (one value per seed)
	UnseenBayes  Summary // the same for unseen users' test pairs
}

// row is one model config within a dataset config, aggregated over seeds.
type row struct {
	Group  *datasetGroup
	Model  string
	Params paramList // values of every non-dataset axis (model.*, train.*, ...)
	Label  string    // display name: "PAL-A, K = 3"
	Seeds  []uint64  // seeds of its ok runs, ascending

	// Accuracies are fractions; their intervals are clipped to [0, 1] (Summary.Clipped).
	Seen, Unseen, Bayes, Trainable Summary

	seenBySeed, unseenBySeed map[uint64]float64
	FewShot                  []fewShotPoint // ascending pairs per user
	Runs                     []*run         // its ok runs, in store order (the heterogeneity sections read them)

	// Kind is the model kind; config the first run's resolved config fields as
	// "dataset.KEY"/"model.KEY" (claims select runs by fields the sweep may not vary), and
	// splitPairs its number of pairs per split.
	Kind       string
	config     map[string]any
	splitPairs map[string]int
}

// value is what a claim's condition reads of a row: "model" its name, "kind" its model kind,
// else a swept axis or a config field.
func (rw *row) value(key string) (any, bool) {
	switch key {
	case "model":
		return rw.Model, true
	case "kind":
		return rw.Kind, true
	}
	if v, ok := rw.Params.get(key); ok {
		return v, true
	}
	if v, ok := rw.Group.Params.get(key); ok {
		return v, true
	}
	v, ok := rw.config[key]
	return v, ok
}

type fewShotPoint struct {
	PairsPerUser int
	Acc          Summary
	BySeed       map[uint64]float64
}

// fewShotAt is the row's few-shot accuracy with n pairs per unseen user, when it has one.
func (rw *row) fewShotAt(n int) (Summary, bool) {
	for _, p := range rw.FewShot {
		if p.PairsPerUser == n && p.Acc.N > 0 {
			return p.Acc, true
		}
	}
	return Summary{}, false
}

// perSeed lists the values of a by-seed map in seed order (the strip beside a mean).
func perSeed(m map[uint64]float64) []float64 {
	var out []float64
	for _, sd := range sortedKeys(m) {
		out = append(out, m[sd])
	}
	return out
}

func analyse(s *store, o Options) *analysis {
	a := &analysis{Store: s, Opts: o}
	a.Short = shortNames(append(append([]string(nil), s.DatasetKeys...), s.ModelKeys...))

	groups := map[string]*datasetGroup{}
	rows := map[string]*row{}
	type acc struct{ seen, unseen, bayes, trainable []float64 }
	vals := map[*row]*acc{}
	few := map[*row]map[int]map[uint64]float64{}
	for _, r := range s.OK {
		res := &r.R
		dp := pickParams(res.Params, s.DatasetKeys)
		g := groups[dp.key()]
		if g == nil {
			g = &datasetGroup{Params: dp, Fingerprints: map[uint64][]string{}}
			groups[dp.key()] = g
			a.Datasets = append(a.Datasets, g)
		}
		name := modelName(res)
		mp := pickParams(res.Params, s.ModelKeys)
		rk := dp.key() + "\x01" + name + "\x01" + mp.key()
		rw := rows[rk]
		if rw == nil {
			rw = &row{Group: g, Model: name, Params: mp, seenBySeed: map[uint64]float64{}, unseenBySeed: map[uint64]float64{},
				Kind: res.Config.Model.Kind, config: map[string]any{}, splitPairs: map[string]int{}}
			for k, v := range res.Config.Dataset.Fields {
				rw.config["dataset."+k] = v
			}
			for k, v := range res.Config.Model.Fields {
				rw.config["model."+k] = v
			}
			for sp, v := range m0(res).Splits {
				rw.splitPairs[sp] = v.Pairs
			}
			rows[rk] = rw
			g.Rows = append(g.Rows, rw)
			vals[rw] = &acc{}
			few[rw] = map[int]map[uint64]float64{}
		}
		v := vals[rw]
		rw.Seeds = append(rw.Seeds, res.Seed)
		rw.Runs = append(rw.Runs, r)
		m := res.Metrics
		if sp, ok := m.Splits[splitSeen]; ok && sp.Pairs > 0 {
			v.seen = append(v.seen, sp.Accuracy)
			if _, dup := rw.seenBySeed[res.Seed]; !dup {
				rw.seenBySeed[res.Seed] = sp.Accuracy
			}
		}
		if sp, ok := m.Splits[splitUnseen]; ok && sp.Pairs > 0 {
			v.unseen = append(v.unseen, sp.Accuracy)
			a.HasUnseen = true
			if _, dup := rw.unseenBySeed[res.Seed]; !dup {
				rw.unseenBySeed[res.Seed] = sp.Accuracy
			}
		}
		if b, ok := m.BayesAccuracy[splitSeen]; ok {
			v.bayes = append(v.bayes, b)
			a.HasBayes = true
		}
		tp := res.TrainableParams
		if tp == 0 {
			tp = m.TrainableParams
		}
		v.trainable = append(v.trainable, float64(tp))
		for _, p := range m.FewShot {
			if few[rw][p.PairsPerUser] == nil {
				few[rw][p.PairsPerUser] = map[uint64]float64{}
			}
			if _, dup := few[rw][p.PairsPerUser][res.Seed]; !dup {
				few[rw][p.PairsPerUser][res.Seed] = p.Accuracy
			}
			a.HasFewShot = true
		}
		if fp := res.Provenance.DatasetFingerprint; fp != "" && !slices.Contains(g.Fingerprints[res.Seed], fp) {
			g.Fingerprints[res.Seed] = append(g.Fingerprints[res.Seed], fp)
		}
		a.PalVersions = addUnique(a.PalVersions, res.Provenance.PalVersion)
		a.GitCommits = addUnique(a.GitCommits, res.Provenance.GitCommit)
		a.GoVersions = addUnique(a.GoVersions, res.Provenance.GoVersion)
		for _, n := range res.Provenance.DatasetNotes {
			a.DatasetNotes = addUnique(a.DatasetNotes, n)
		}
	}
	for _, v := range [][]string{a.PalVersions, a.GitCommits, a.GoVersions, a.DatasetNotes} {
		sort.Strings(v)
	}

	a.Baseline, a.BaseNote = chooseBaseline(s, o.Baseline)
	for _, rw := range rows {
		v := vals[rw]
		rw.Seen = SummarizeAccuracy(v.seen, o.CILevel)
		rw.Unseen = SummarizeAccuracy(v.unseen, o.CILevel)
		rw.Bayes = SummarizeAccuracy(v.bayes, o.CILevel)
		rw.Trainable = Summarize(v.trainable, o.CILevel)
		sort.Slice(rw.Seeds, func(i, j int) bool { return rw.Seeds[i] < rw.Seeds[j] })
		for _, x := range sortedKeys(few[rw]) {
			rw.FewShot = append(rw.FewShot, fewShotPoint{PairsPerUser: x, Acc: SummarizeAccuracy(perSeed(few[rw][x]), o.CILevel), BySeed: few[rw][x]})
		}
		rw.Label = a.seriesDisplay(rw.Model, rw.Params)
	}

	sort.Slice(a.Datasets, func(i, j int) bool { return compareParams(a.Datasets[i].Params, a.Datasets[j].Params) < 0 })
	stems := map[string]int{}
	for _, g := range a.Datasets {
		g.Label = a.paramsDisplay(g.Params)
		g.FileStem = fileStem(g.Params, a.Short)
		if g.Label == "" {
			g.Label = "all runs"
		}
		// Distinct configs could sanitise to the same stem; number the later ones.
		if n := stems[g.FileStem]; n > 0 {
			g.FileStem = fmt.Sprintf("%s_%d", g.FileStem, n+1)
		}
		stems[g.FileStem]++
		sort.Slice(g.Rows, func(i, j int) bool { return a.lessRow(g.Rows[i], g.Rows[j]) })
		for _, fps := range g.Fingerprints {
			sort.Strings(fps)
		}
		g.Bayes = SummarizeAccuracy(bayesPerSeed(s, g, splitSeen), o.CILevel)
		g.UnseenBayes = SummarizeAccuracy(bayesPerSeed(s, g, splitUnseen), o.CILevel)
	}
	a.XKeys, a.XNote = chooseXAxes(s, o)
	if len(a.XKeys) > 0 {
		a.XKey = a.XKeys[0]
	}
	// Colours (colorOf): first the series of the accuracy-against charts (a model without the
	// axis by its row, a curve by its model and other axes), then every model configuration.
	for _, x := range a.XKeys {
		for _, g := range a.Datasets {
			for _, rw := range g.Rows {
				if _, has := rw.Params.get(x); has {
					a.colorOf(a.seriesDisplay(rw.Model, rw.Params.without(x)))
				} else {
					a.colorOf(rw.Label)
				}
			}
		}
	}
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			a.colorOf(rw.Label)
		}
	}
	return a
}

// m0 is a run's metrics (ok runs always have them).
func m0(res *runstore.Result) *metrics.Metrics { return res.Metrics }

// bayesPerSeed takes one Bayes accuracy per seed of the group: every model of a replicate sees
// the same data (sweeps.Run.DataSeed), so counting the value once per model would inflate n.
func bayesPerSeed(s *store, g *datasetGroup, split string) []float64 {
	seen := map[uint64]bool{}
	var out []float64
	for _, r := range s.OK {
		if pickParams(r.R.Params, s.DatasetKeys).key() != g.Params.key() || seen[r.R.Seed] {
			continue
		}
		if b, ok := r.R.Metrics.BayesAccuracy[split]; ok {
			seen[r.R.Seed] = true
			out = append(out, b)
		}
	}
	return out
}

// lessRow orders rows: the models of Options.Order in that order, then the baseline, then the
// others by name; within a model by its parameters.
func (a *analysis) lessRow(x, y *row) bool {
	if x.Model != y.Model {
		ix, iy := slices.Index(a.Opts.Order, x.Model), slices.Index(a.Opts.Order, y.Model)
		switch {
		case ix >= 0 && iy >= 0:
			return ix < iy
		case ix >= 0 || iy >= 0:
			return ix >= 0
		}
	}
	if (x.Model == a.Baseline) != (y.Model == a.Baseline) {
		return x.Model == a.Baseline
	}
	if x.Model != y.Model {
		return x.Model < y.Model
	}
	return compareParams(x.Params, y.Params) < 0
}

// chooseBaseline returns the model name to compare against: the one the caller named, else
// "btl" when present.
func chooseBaseline(s *store, want string) (string, string) {
	names := map[string]bool{}
	for _, r := range s.OK {
		names[modelName(&r.R)] = true
	}
	if want != "" {
		if names[want] {
			return want, ""
		}
		return "", fmt.Sprintf("the baseline model %q has no successful run in this store (models: %s)", want, strings.Join(sortedKeys(names), ", "))
	}
	if names["btl"] {
		return "btl", ""
	}
	return "", fmt.Sprintf("no model named \"btl\" in this store (models: %s); name a baseline to compare against", strings.Join(sortedKeys(names), ", "))
}

// numericAxis reports whether every ok run that has axis k gives it a number, and how many
// distinct values there are.
func numericAxis(s *store, k string) (ok bool, distinct int) {
	vs := map[float64]bool{}
	for _, r := range s.OK {
		v, present := r.R.Params[k]
		if !present {
			continue
		}
		f, isNum := toFloat(v)
		if !isNum {
			return false, 0
		}
		vs[f] = true
	}
	return len(vs) > 0, len(vs)
}

// chooseXAxes picks the numeric axes of the accuracy-against charts. Options.XAxis (pal report
// --x) asks for one axis and Options.XAxes (the spec's [report] x) for a list; the default is every
// numeric model axis with two or more values, model.k first (K and MLP depth both swept give a
// chart against each). An axis asked for but absent falls back on the first numeric model axis,
// and the note tells the reader which happened.
func chooseXAxes(s *store, o Options) ([]string, string) {
	var want []string
	switch {
	case o.XAxis != "":
		want = []string{o.XAxis}
	case len(o.XAxes) > 0:
		want = o.XAxes
	}
	var got, absent []string
	for _, k := range want {
		if ok, _ := numericAxis(s, k); ok {
			got = append(got, k)
		} else {
			absent = append(absent, k)
		}
	}
	if len(got) > 0 {
		if len(absent) > 0 {
			return got, fmt.Sprintf("This sweep has no numeric %s axis: those charts are left out.", quoteList(absent))
		}
		return got, ""
	}
	// model.* axes first: they describe the model, not the training.
	var candidates []string
	for _, k := range s.ModelKeys {
		if strings.HasPrefix(k, "model.") {
			candidates = append(candidates, k)
		}
	}
	if want == nil {
		if ok, _ := numericAxis(s, "model.k"); ok {
			got = append(got, "model.k")
		}
		for _, k := range candidates {
			if ok, n := numericAxis(s, k); ok && n >= 2 && k != "model.k" {
				got = append(got, k)
			}
		}
		if len(got) > 0 {
			return got, ""
		}
		want = []string{"model.k"}
	}
	for _, k := range s.ModelKeys {
		if !strings.HasPrefix(k, "model.") {
			candidates = append(candidates, k)
		}
	}
	for _, k := range candidates {
		if ok, n := numericAxis(s, k); ok && n >= 2 {
			return []string{k}, fmt.Sprintf("This sweep has no numeric %s axis; the chart uses %q instead.", quoteList(want), k)
		}
	}
	return nil, fmt.Sprintf("This sweep has no numeric %s axis (nor another numeric model axis with two or more values), so there is no accuracy-vs-%s chart; the table above has every configuration.", quoteList(want), shortNames(want)[want[0]])
}

func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(q, ", ")
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._=+-]+`)

// fileStem names a dataset config in file names: "k_true=3__users=mixture".
func fileStem(l paramList, short map[string]string) string {
	var parts []string
	for _, p := range l {
		if p.Present {
			parts = append(parts, unsafeFileChars.ReplaceAllString(short[p.Key]+"="+formatValue(p.Value), "-"))
		}
	}
	return strings.Join(parts, "__")
}

func addUnique(xs []string, x string) []string {
	if x == "" || slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

// ciLevel is the confidence level as the page says it: "95%".
func (a *analysis) ciLevel() string { return fmt.Sprintf("%g%%", 100*a.Opts.CILevel) }

// pct converts a fraction to percent, keeping NaN.
func pct(x float64) float64 { return 100 * x }
