package reports

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
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
	XKey     string            // axis of the accuracy-vs-x chart; "" when there is none
	XNote    string            // why XKey is not Options.XAxis, or why there is no chart
	Baseline string            // model name the paired table compares against; "" when none
	BaseNote string            // why there is no paired table, if there is none

	HasUnseen, HasBayes, HasFewShot bool

	PalVersions, GitCommits, GoVersions []string
	// DatasetNotes are the distinct caveats runs recorded about their data (for instance that
	// text embeddings are an offline stand-in for foundation-model features), sorted.
	DatasetNotes []string

	het *heteroCache // the runs' analysis records, read on first use (hetero.go)
}

// datasetGroup is one dataset config: the runs sharing all "dataset.*" values.
type datasetGroup struct {
	Params   paramList
	Label    string // "k_true=3"; "all runs" when no dataset axis is swept
	FileStem string // safe for file names: "k_true=3"
	Rows     []*row // baseline first, then by model name, then by model parameters
	// Fingerprints maps each seed to the distinct dataset fingerprints its runs reported.
	// More than one for a seed means the models did not see the same data.
	Fingerprints map[uint64][]string
	Bayes        Summary // Bayes-optimal seen-user test accuracy over seeds (one value per seed)
}

// row is one model config within a dataset config, aggregated over seeds.
type row struct {
	Group  *datasetGroup
	Model  string
	Params paramList // values of every non-dataset axis (model.*, train.*, ...)
	Label  string    // "pal-a (k=3)"
	Seeds  []uint64  // seeds of its ok runs, ascending

	Seen, Unseen, Bayes, Trainable Summary

	seenBySeed map[uint64]float64
	FewShot    []fewShotPoint // ascending pairs per user
	Runs       []*run         // its ok runs, in store order (the heterogeneity sections read them)
}

type fewShotPoint struct {
	PairsPerUser int
	Acc          Summary
}

func analyse(s *store, o Options) *analysis {
	a := &analysis{Store: s, Opts: o}
	a.Short = shortNames(append(append([]string(nil), s.DatasetKeys...), s.ModelKeys...))

	groups := map[string]*datasetGroup{}
	rows := map[string]*row{}
	type acc struct{ seen, unseen, bayes, trainable []float64 }
	vals := map[*row]*acc{}
	few := map[*row]map[int][]float64{}
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
			rw = &row{Group: g, Model: name, Params: mp, seenBySeed: map[uint64]float64{}}
			rows[rk] = rw
			g.Rows = append(g.Rows, rw)
			vals[rw] = &acc{}
			few[rw] = map[int][]float64{}
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
			few[rw][p.PairsPerUser] = append(few[rw][p.PairsPerUser], p.Accuracy)
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
		rw.Seen = Summarize(v.seen, o.CILevel)
		rw.Unseen = Summarize(v.unseen, o.CILevel)
		rw.Bayes = Summarize(v.bayes, o.CILevel)
		rw.Trainable = Summarize(v.trainable, o.CILevel)
		sort.Slice(rw.Seeds, func(i, j int) bool { return rw.Seeds[i] < rw.Seeds[j] })
		for _, x := range sortedKeys(few[rw]) {
			rw.FewShot = append(rw.FewShot, fewShotPoint{PairsPerUser: x, Acc: Summarize(few[rw][x], o.CILevel)})
		}
		rw.Label = rw.Model
		if l := rw.Params.label(a.Short); l != "" {
			rw.Label += " (" + l + ")"
		}
	}

	sort.Slice(a.Datasets, func(i, j int) bool { return compareParams(a.Datasets[i].Params, a.Datasets[j].Params) < 0 })
	stems := map[string]int{}
	for _, g := range a.Datasets {
		g.Label = g.Params.label(a.Short)
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
		g.Bayes = Summarize(bayesPerSeed(s, g), o.CILevel)
	}
	a.XKey, a.XNote = chooseXAxis(s, o.XAxis)
	return a
}

// bayesPerSeed takes one Bayes accuracy per seed of the group: every model of a replicate sees
// the same data (sweeps.Run.DataSeed), so counting the value once per model would inflate n.
func bayesPerSeed(s *store, g *datasetGroup) []float64 {
	seen := map[uint64]bool{}
	var out []float64
	for _, r := range s.OK {
		if pickParams(r.R.Params, s.DatasetKeys).key() != g.Params.key() || seen[r.R.Seed] {
			continue
		}
		if b, ok := r.R.Metrics.BayesAccuracy[splitSeen]; ok {
			seen[r.R.Seed] = true
			out = append(out, b)
		}
	}
	return out
}

func (a *analysis) lessRow(x, y *row) bool {
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

// chooseXAxis picks the numeric axis of the accuracy-vs-x chart: the requested one (model.k by
// default) when the sweep has it, else the first numeric model axis with at least two values,
// else none. The note tells the reader which happened.
func chooseXAxis(s *store, want string) (string, string) {
	numeric := func(k string) (ok bool, distinct int) {
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
	if ok, _ := numeric(want); ok {
		return want, ""
	}
	var candidates []string
	for _, k := range s.ModelKeys { // model.* axes first: they describe the model, not the training
		if strings.HasPrefix(k, "model.") {
			candidates = append(candidates, k)
		}
	}
	for _, k := range s.ModelKeys {
		if !strings.HasPrefix(k, "model.") {
			candidates = append(candidates, k)
		}
	}
	for _, k := range candidates {
		if ok, n := numeric(k); ok && n >= 2 {
			return k, fmt.Sprintf("This sweep has no numeric %q axis; the chart uses %q instead.", want, k)
		}
	}
	return "", fmt.Sprintf("This sweep has no numeric %q axis (nor another numeric model axis with two or more values), so there is no accuracy-vs-%s chart; the table above has every configuration.", want, shortNames([]string{want})[want])
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
