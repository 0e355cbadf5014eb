package sweeps

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pal-harness/pal/sweeps/runstore"
)

// expand forms the product of all axes in a fixed order: dataset combinations outermost, then
// models in spec order with each model's own combinations, then [train] and [fewshot]
// combinations, and seeds innermost (so the replicates of one configuration sit together).
func (p *parser) expand(spec *Spec) {
	spec.Axes = p.axisNames()
	total := len(p.dataset.combos)
	perModel := 0
	for _, m := range p.models {
		perModel += len(m.combos)
	}
	total = saturatingMul(total, perModel)
	for _, s := range []*section{p.train, p.fewshot} {
		if s != nil {
			total = saturatingMul(total, len(s.combos))
		}
	}
	total = saturatingMul(total, len(p.seeds))
	if total > MaxRuns {
		p.errorf(0, "", "", "the spec expands to %d runs; the limit is %d: shorten some sweep lists", total, MaxRuns)
		return
	}
	if p.checkRepeatedModels(); len(p.errs) > 0 {
		return
	}
	trainCombos := combosOf(p.train)
	fewCombos := combosOf(p.fewshot)
	specDir := filepath.Dir(spec.Path)
	byID := map[string]*Run{}
	for _, dc := range p.dataset.combos {
		for _, m := range p.models {
			for _, mc := range m.combos {
				for _, tc := range trainCombos {
					for _, fc := range fewCombos {
						for _, seed := range p.seeds {
							r := &Run{
								Seed:        seed,
								SpecDir:     specDir,
								DatasetKind: p.dataset.kind,
								Dataset:     p.dataset.build(dc),
								ModelName:   m.name,
								ModelKind:   m.kind,
								Model:       m.build(mc),
								Train:       buildOrNil(p.train, tc),
								FewShot:     buildOrNil(p.fewshot, fc),
							}
							r.ID = runID(r.Resolved(), seed)
							r.Params = runParams(r, spec.Axes)
							r.axes = spec.Axes
							if prev, dup := byID[r.ID]; dup {
								p.errorf(m.header, m.label, "", "run %s (%s) has the same resolved config and seed as run %s (%s): remove the duplicate",
									r.ID, r.Label(), prev.ID, prev.Label())
								continue
							}
							byID[r.ID] = r
							spec.Runs = append(spec.Runs, r)
						}
					}
				}
			}
		}
	}
}

// checkRepeatedModels rejects two [[model]] tables that resolve to the same configuration (say
// a table copied twice, or k = [1, 2, 3] next to a k = 2 of the same kind). The model name is
// part of a run's identity, so both would run, costing time and showing one model twice in
// every table; more likely than not the repeat is a mistake.
func (p *parser) checkRepeatedModels() {
	type first struct {
		model *section
		combo []any
	}
	seen := map[string]first{}
	reported := map[[2]*section]bool{}
	for _, m := range p.models {
		for _, c := range m.combos {
			key := canonicalJSON(KindConfig{Kind: m.kind, Fields: fieldsOf(m.build(c))})
			f, dup := seen[key]
			if !dup {
				seen[key] = first{m, c}
				continue
			}
			if f.model == m || reported[[2]*section{f.model, m}] {
				continue
			}
			reported[[2]*section{f.model, m}] = true
			where := ""
			if len(m.axes) > 0 {
				parts := make([]string, len(m.axes))
				for i, a := range m.axes {
					parts[i] = fmt.Sprintf("%s = %s", a.field.Key, tomlLiteral(c[i]))
				}
				where = " (" + strings.Join(parts, ", ") + ")"
			}
			p.errorf(m.header, m.label, "", "repeats the configuration of %s%s: every run would be done twice; remove one or change a setting",
				f.model.label, where)
		}
	}
}

func combosOf(s *section) [][]any {
	if s == nil {
		return [][]any{nil}
	}
	return s.combos
}

func buildOrNil(s *section, combo []any) any {
	if s == nil {
		return nil
	}
	return s.build(combo)
}

// axisNames lists the swept keys as "<table>.<key>": dataset, then models (first appearance
// across models), then train and fewshot, each in source order; then "model" and "seed".
func (p *parser) axisNames() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s *section) {
		if s == nil {
			return
		}
		for _, a := range s.axes {
			name := s.table + "." + a.field.Key
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	add(p.dataset)
	for _, m := range p.models {
		add(m)
	}
	add(p.train)
	add(p.fewshot)
	return append(out, "model", "seed")
}

// runParams gives the run's value for every axis. A model that has the swept key without
// sweeping it (a second PAL-A with a fixed k) still reports its value, so that runs.csv stays
// tidy; a model without the key (BTL has no k) leaves it out.
func runParams(r *Run, axes []string) map[string]any {
	cfg := r.Resolved()
	sections := map[string]map[string]any{
		"dataset": cfg.Dataset.Fields,
		"model":   cfg.Model.Fields,
	}
	if m, ok := cfg.Train.(map[string]any); ok {
		sections["train"] = m
	}
	if m, ok := cfg.FewShot.(map[string]any); ok {
		sections["fewshot"] = m
	}
	params := map[string]any{}
	for _, a := range axes {
		switch a {
		case "model":
			params[a] = r.ModelName
		case "seed":
			params[a] = r.Seed
		default:
			table, key := splitAxis(a)
			if v, ok := sections[table][key]; ok {
				params[a] = v
			}
		}
	}
	return params
}

// splitAxis splits "model.k" into ("model", "k").
func splitAxis(a string) (table, key string) {
	for i := 0; i < len(a); i++ {
		if a[i] == '.' {
			return a[:i], a[i+1:]
		}
	}
	return "", a
}

// Label is a short human name of the run for progress lines: the model name, the swept values
// and the seed ("pal-a k_true=2 k=3 seed=1"). A key swept in two tables is written in full
// ("dataset.lr=...") to stay unambiguous.
func (r *Run) Label() string {
	axes := r.axes
	if axes == nil {
		axes = mapKeys(r.Params)
	}
	short := map[string]int{}
	for _, a := range axes {
		_, key := splitAxis(a)
		short[key]++
	}
	s := r.ModelName
	for _, a := range axes {
		v, ok := r.Params[a]
		if a == "model" || a == "seed" || !ok {
			continue
		}
		name := a
		if _, key := splitAxis(a); short[key] == 1 {
			name = key
		}
		s += " " + name + "=" + runstore.FormatParam(v)
	}
	return s + fmt.Sprintf(" seed=%d", r.Seed)
}
