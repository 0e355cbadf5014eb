package sweeps

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// MaxRuns bounds the size of a sweep, so a typo (a long list on every axis) is an error naming
// the count rather than an out-of-memory crash.
const MaxRuns = 1_000_000

// Parse reads, validates and expands the spec at path. Every problem found is returned at once
// as *SpecError values joined with errors.Join (see Errors); nothing is returned half-valid.
func Parse(path string, schema Schema) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	return ParseBytes(path, src, schema)
}

// ParseBytes is Parse on the given source; path names the file in errors and supplies the
// default spec name.
func ParseBytes(path string, src []byte, schema Schema) (*Spec, error) {
	cs, err := compileSchema(schema)
	if err != nil {
		return nil, err
	}
	p := &parser{file: path, schema: cs, loc: locate(src)}
	var raw map[string]any
	if _, err := toml.Decode(string(src), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line, col := errorPosition(src, pe.Position)
			return nil, joinSpecErrors([]*SpecError{{
				File: path, Line: line, Col: col,
				Msg: "TOML syntax error: " + pe.Message,
			}})
		}
		return nil, joinSpecErrors([]*SpecError{{File: path, Msg: "TOML: " + err.Error()}})
	}
	spec := p.parseTop(raw)
	if len(p.errs) > 0 {
		return nil, joinSpecErrors(p.errs)
	}
	spec.Path = path
	spec.Source = append([]byte(nil), src...)
	if spec.Name == "" {
		base := filepath.Base(path)
		spec.Name = strings.TrimSuffix(base, filepath.Ext(base))
		if err := checkName(spec.Name); err != nil {
			return nil, joinSpecErrors([]*SpecError{{File: path, Msg: fmt.Sprintf("the spec has no name, and its file name does not make one: %v; set name = \"...\" at the top", err)}})
		}
	}
	p.expand(spec)
	if len(p.errs) > 0 {
		return nil, joinSpecErrors(p.errs)
	}
	return spec, nil
}

// errorPosition turns the decoder's error position into a line and column. The decoder's own
// column is off after a line break (v1.6.0 reports column 11 on an 8-character line), while its
// byte offset is right, so the column is recomputed from the offset.
func errorPosition(src []byte, pos toml.Position) (line, col int) {
	if pos.Start < 0 || pos.Start > len(src) {
		return pos.Line, 0
	}
	before := src[:pos.Start]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = pos.Start - bytes.LastIndexByte(before, '\n')
	return line, col
}

// compiledSchema is a Schema with the tags of every struct read once per Parse.
type compiledSchema struct {
	datasets map[string]func() any
	models   map[string]func() any
	dsSchema map[string]*structSchema
	mdSchema map[string]*structSchema
	train    *structSchema
	fewshot  *structSchema
	src      Schema
}

func compileSchema(s Schema) (*compiledSchema, error) {
	cs := &compiledSchema{
		datasets: s.Datasets, models: s.Models, src: s,
		dsSchema: map[string]*structSchema{}, mdSchema: map[string]*structSchema{},
	}
	var errs []error
	for kind, ctor := range s.Datasets {
		st, err := schemaOf(ctor, "kind")
		if err != nil {
			errs = append(errs, fmt.Errorf("sweeps: schema of dataset kind %q: %w", kind, err))
		}
		cs.dsSchema[kind] = st
	}
	for kind, ctor := range s.Models {
		st, err := schemaOf(ctor, "kind", "name")
		if err != nil {
			errs = append(errs, fmt.Errorf("sweeps: schema of model kind %q: %w", kind, err))
		}
		cs.mdSchema[kind] = st
	}
	var err error
	if s.Train != nil {
		if cs.train, err = schemaOf(s.Train); err != nil {
			errs = append(errs, fmt.Errorf("sweeps: schema of [train]: %w", err))
		}
	}
	if s.FewShot != nil {
		if cs.fewshot, err = schemaOf(s.FewShot); err != nil {
			errs = append(errs, fmt.Errorf("sweeps: schema of [fewshot]: %w", err))
		}
	}
	// A default outside its own bounds would make every spec fail on a key it never set.
	check := func(what string, ctor func() any, st *structSchema) {
		if st == nil {
			return
		}
		cfg := reflect.ValueOf(ctor()).Elem()
		for i := range st.Fields {
			f := &st.Fields[i]
			if _, msg := convertDefault(cfg.FieldByIndex(f.Index), f); msg != "" {
				errs = append(errs, fmt.Errorf("sweeps: schema of %s: default of %q: %s", what, f.Key, msg))
			}
		}
	}
	for _, kind := range mapKeys(s.Datasets) {
		check(fmt.Sprintf("dataset kind %q", kind), s.Datasets[kind], cs.dsSchema[kind])
	}
	for _, kind := range mapKeys(s.Models) {
		check(fmt.Sprintf("model kind %q", kind), s.Models[kind], cs.mdSchema[kind])
	}
	if s.Train != nil {
		check("[train]", s.Train, cs.train)
	}
	if s.FewShot != nil {
		check("[fewshot]", s.FewShot, cs.fewshot)
	}
	if len(s.Datasets) == 0 || len(s.Models) == 0 {
		errs = append(errs, errors.New("sweeps: schema needs at least one dataset kind and one model kind"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cs, nil
}

// parser accumulates errors while reading a spec.
type parser struct {
	file   string
	schema *compiledSchema
	loc    *locator
	errs   []*SpecError

	dataset *section
	models  []*section
	train   *section
	fewshot *section
	seeds   []uint64
}

func (p *parser) errorf(line int, sectionLabel, key, format string, args ...any) {
	p.errs = append(p.errs, &SpecError{File: p.file, Line: line, Section: sectionLabel, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// section is one decoded table: its fixed values and its sweep axes.
type section struct {
	label  string   // for messages: [dataset] "synthetic", [[model]] #2 "pal-a", [train]
	table  string   // "dataset", "model", "train", "fewshot": prefix of its axis names
	path   []string // locator path of the table
	header int      // line of the table header (or of its first key)
	kind   string
	name   string
	schema *structSchema
	ctor   func() any
	values map[string]any // key -> converted fixed value
	axes   []axis         // in source order
	combos [][]any        // one value per axis, last axis varying fastest
}

// axis is a scalar key given as a list: one run per value.
type axis struct {
	field  *fieldInfo
	values []any
	line   int
}

// build returns a fresh config struct with the defaults, the fixed values and one combination.
func (s *section) build(combo []any) any {
	if s.ctor == nil {
		return nil
	}
	cfg := s.ctor()
	for key, v := range s.values {
		f, _ := s.schema.field(key)
		setField(cfg, f, v)
	}
	for i, a := range s.axes {
		setField(cfg, a.field, combo[i])
	}
	return cfg
}

func (p *parser) parseTop(raw map[string]any) *Spec {
	spec := &Spec{}
	known := []string{"name", "description", "seeds", "dataset", "model"}
	if p.schema.train != nil {
		known = append(known, "train")
	}
	if p.schema.fewshot != nil {
		known = append(known, "fewshot")
	}
	for _, key := range p.sortedKeys(raw, nil) {
		v := raw[key]
		line := p.loc.line(key)
		switch {
		case key == "name" || key == "description":
			s, ok := v.(string)
			if !ok {
				p.errorf(line, "", key, "want string, got %s", describeValue(v))
				continue
			}
			if key == "name" {
				if err := checkName(s); err != nil {
					p.errorf(line, "", key, "%v", err)
					continue
				}
				spec.Name = s
			} else {
				spec.Description = s
			}
		case key == "seeds":
			p.seeds = p.parseSeeds(v, line)
		case key == "dataset":
			t, ok := v.(map[string]any)
			if !ok {
				p.errorf(line, "", key, "want a table [dataset], got %s", describeValue(v))
				continue
			}
			p.dataset = p.parseKinded(t, "dataset", []string{"dataset"}, "[dataset]", p.schema.datasets, p.schema.dsSchema, "", nil)
		case key == "model":
			p.parseModels(v, line)
		case key == "train" && p.schema.train != nil:
			p.train = p.parsePlain(v, "train", p.schema.train, p.schema.src.Train)
		case key == "fewshot" && p.schema.fewshot != nil:
			p.fewshot = p.parsePlain(v, "fewshot", p.schema.fewshot, p.schema.src.FewShot)
		default:
			p.errorf(line, "", key, "unknown top-level key%s", didYouMean(key, known, "top-level keys"))
		}
	}
	if _, ok := raw["dataset"]; !ok {
		p.errorf(0, "", "", "no [dataset] table: a spec needs one (kinds: %s)", knownList(mapKeys(p.schema.datasets)))
	}
	if _, ok := raw["model"]; !ok {
		p.errorf(0, "", "", "no [[model]] table: a spec needs at least one (kinds: %s)", knownList(mapKeys(p.schema.models)))
	}
	if p.seeds == nil {
		p.seeds = []uint64{1}
	}
	// Sections absent from the spec still resolve to their defaults.
	if p.train == nil && p.schema.train != nil {
		p.train = p.parsePlain(map[string]any{}, "train", p.schema.train, p.schema.src.Train)
	}
	if p.fewshot == nil && p.schema.fewshot != nil {
		p.fewshot = p.parsePlain(map[string]any{}, "fewshot", p.schema.fewshot, p.schema.src.FewShot)
	}
	spec.Seeds = p.seeds
	return spec
}

// sortedKeys orders a table's keys by source line (then name), so errors and axes follow the
// file rather than Go's map order.
func (p *parser) sortedKeys(t map[string]any, prefix []string) []string {
	keys := mapKeys(t)
	line := func(k string) int {
		return p.loc.line(append(append([]string(nil), prefix...), k)...)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		li, lj := line(keys[i]), line(keys[j])
		if li != lj {
			return li < lj
		}
		return keys[i] < keys[j]
	})
	return keys
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (p *parser) parseSeeds(v any, line int) []uint64 {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
		if len(items) == 0 {
			p.errorf(line, "", "seeds", "empty list: give at least one seed")
			return []uint64{}
		}
	default:
		items = []any{v}
	}
	seen := map[int64]bool{}
	var out []uint64
	for _, it := range items {
		n, ok := it.(int64)
		if !ok {
			p.errorf(line, "", "seeds", "want integer, got %s", describeValue(it))
			continue
		}
		if n < 0 {
			p.errorf(line, "", "seeds", "seed %d is negative: seeds are non-negative integers", n)
			continue
		}
		if seen[n] {
			p.errorf(line, "", "seeds", "seed %d is listed twice: each replicate needs its own seed", n)
			continue
		}
		seen[n] = true
		out = append(out, uint64(n))
	}
	return out
}

func (p *parser) parseModels(v any, line int) {
	var tables []map[string]any
	switch x := v.(type) {
	case []map[string]any:
		tables = x
	case []any: // model = [{...}, {...}]
		for _, it := range x {
			t, ok := it.(map[string]any)
			if !ok {
				p.errorf(line, "", "model", "want an array of tables [[model]], got a list holding %s", describeValue(it))
				return
			}
			tables = append(tables, t)
		}
	case map[string]any:
		p.errorf(line, "", "model", "[model] must be an array of tables: write [[model]] (one per model)")
		return
	default:
		p.errorf(line, "", "model", "want an array of tables [[model]], got %s", describeValue(v))
		return
	}
	if len(tables) == 0 {
		p.errorf(line, "", "model", "no models: a spec needs at least one [[model]]")
		return
	}
	// Names: explicit ones first (duplicates are errors), then kinds made unique for the rest.
	taken := map[string]int{}
	names := make([]string, len(tables))
	for i, t := range tables {
		n, ok := t["name"]
		if !ok {
			continue
		}
		path := []string{"model", idx(i), "name"}
		label := fmt.Sprintf("[[model]] #%d", i+1)
		s, ok := n.(string)
		if !ok {
			p.errorf(p.loc.line(path...), label, "name", "want string, got %s", describeValue(n))
			continue
		}
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, "\n\r\t") {
			p.errorf(p.loc.line(path...), label, "name", "name %q must be non-empty and on one line", s)
			continue
		}
		if j, dup := taken[s]; dup {
			p.errorf(p.loc.line(path...), label, "name", "duplicate model name %q (also [[model]] #%d at line %d): give each model its own name", s, j+1, p.loc.line("model", idx(j)))
			continue
		}
		taken[s] = i
		names[i] = s
	}
	for i, t := range tables {
		if names[i] != "" {
			continue
		}
		base, _ := t["kind"].(string)
		if base == "" {
			base = "model"
		}
		name := base
		for n := 2; ; n++ {
			if _, dup := taken[name]; !dup {
				break
			}
			name = base + "-" + strconv.Itoa(n)
		}
		taken[name] = i
		names[i] = name
	}
	for i, t := range tables {
		path := []string{"model", idx(i)}
		label := fmt.Sprintf("[[model]] #%d %q", i+1, names[i])
		if s := p.parseKinded(t, "model", path, label, p.schema.models, p.schema.mdSchema, names[i], []string{"name"}); s != nil {
			p.models = append(p.models, s)
		}
	}
}

// parseKinded decodes a table with a `kind` key selecting its struct. It returns nil when the
// kind is missing or unknown (the error is recorded).
func (p *parser) parseKinded(t map[string]any, table string, path []string, label string,
	ctors map[string]func() any, schemas map[string]*structSchema, name string, extra []string) *section {
	header := p.loc.line(path...)
	kinds := mapKeys(ctors)
	kv, ok := t["kind"]
	if !ok {
		p.errorf(header, label, "", "missing key \"kind\" (known kinds: %s)", knownList(kinds))
		return nil
	}
	kline := p.loc.line(append(append([]string(nil), path...), "kind")...)
	kind, ok := kv.(string)
	if !ok {
		if _, isList := kv.([]any); isList {
			p.errorf(kline, label, "kind", "kind cannot be swept: use one [[model]] (or one spec) per kind")
		} else {
			p.errorf(kline, label, "kind", "want string, got %s", describeValue(kv))
		}
		return nil
	}
	ctor, ok := ctors[kind]
	if !ok {
		p.errorf(kline, label, "kind", "unknown kind %q%s", kind, didYouMean(kind, kinds, "kinds"))
		return nil
	}
	if table == "dataset" {
		label = fmt.Sprintf("[dataset] %q", kind)
	}
	s := &section{label: label, table: table, path: path, header: header, kind: kind, name: name, schema: schemas[kind], ctor: ctor}
	skip := append([]string{"kind"}, extra...)
	p.decodeFields(s, t, skip, fmt.Sprintf("kind %q", kind))
	return s
}

// parsePlain decodes [train] or [fewshot]: a table without a kind.
func (p *parser) parsePlain(v any, table string, schema *structSchema, ctor func() any) *section {
	path := []string{table}
	label := "[" + table + "]"
	s := &section{label: label, table: table, path: path, header: p.loc.line(path...), schema: schema, ctor: ctor}
	t, ok := v.(map[string]any)
	if !ok {
		p.errorf(p.loc.line(path...), "", table, "want a table [%s], got %s", table, describeValue(v))
		t = map[string]any{}
	}
	p.decodeFields(s, t, nil, label)
	return s
}

// decodeFields converts every key of t against the section's struct, recording fixed values
// and axes, then validates every combination with the struct's Validate method.
func (p *parser) decodeFields(s *section, t map[string]any, skip []string, owner string) {
	s.values = map[string]any{}
	nerr := len(p.errs)
	for _, key := range p.sortedKeys(t, s.path) {
		if slices.Contains(skip, key) {
			continue
		}
		line := p.loc.line(append(append([]string(nil), s.path...), key)...)
		f, ok := s.schema.field(key)
		if !ok {
			known := append(append([]string(nil), skip...), s.schema.keys()...)
			p.errorf(line, s.label, key, "unknown key for %s%s", owner, didYouMean(key, known, "keys"))
			continue
		}
		raw := t[key]
		if list, isList := raw.([]any); isList && !f.Kind.isList() {
			if len(list) == 0 {
				p.errorf(line, s.label, key, "empty list: a list makes a sweep axis and needs at least one value")
				continue
			}
			var vals []any
			bad := false
			for i, it := range list {
				v, msg := convertScalar(it, f, f.Kind)
				if msg != "" {
					p.errorf(line, s.label, key, "sweep value #%d: %s", i+1, msg)
					bad = true
					continue
				}
				for j, prev := range vals {
					if prev == v {
						p.errorf(line, s.label, key, "sweep value #%d repeats value #%d (%v): each value would run twice", i+1, j+1, v)
						bad = true
					}
				}
				vals = append(vals, v)
			}
			if !bad {
				s.axes = append(s.axes, axis{field: f, values: vals, line: line})
			}
			continue
		}
		v, msg := convertValue(raw, f)
		if msg != "" {
			p.errorf(line, s.label, key, "%s", msg)
			continue
		}
		s.values[key] = v
	}
	if len(p.errs) > nerr {
		return // Validate would only repeat the field errors in another form
	}
	p.enumerate(s)
}

// enumerate lists the section's combinations and validates each; errors that several
// combinations share are reported once, with the first combination and a count.
func (p *parser) enumerate(s *section) {
	total := 1
	for _, a := range s.axes {
		total = saturatingMul(total, len(a.values))
	}
	if total > MaxRuns {
		p.errorf(s.header, s.label, "", "the sweep lists %d combinations; the limit is %d", total, MaxRuns)
		return
	}
	type failure struct {
		first []any
		count int
	}
	failures := map[string]*failure{}
	var order []string
	combo := make([]any, len(s.axes))
	var rec func(i int)
	rec = func(i int) {
		if i < len(s.axes) {
			for _, v := range s.axes[i].values {
				combo[i] = v
				rec(i + 1)
			}
			return
		}
		c := append([]any(nil), combo...)
		s.combos = append(s.combos, c)
		cfg := s.build(c)
		val, ok := cfg.(interface{ Validate() error })
		if !ok {
			return
		}
		if err := val.Validate(); err != nil {
			msg := err.Error()
			f := failures[msg]
			if f == nil {
				f = &failure{first: c}
				failures[msg] = f
				order = append(order, msg)
			}
			f.count++
		}
	}
	rec(0)
	for _, msg := range order {
		f := failures[msg]
		if len(s.axes) > 0 {
			parts := make([]string, len(s.axes))
			for i, a := range s.axes {
				parts[i] = fmt.Sprintf("%s = %s", a.field.Key, tomlLiteral(f.first[i]))
			}
			where := "with " + strings.Join(parts, ", ")
			if f.count > 1 {
				where += fmt.Sprintf(" (and %d more of the %d combinations)", f.count-1, len(s.combos))
			}
			msg = where + ": " + msg
		}
		p.errorf(s.header, s.label, "", "%s", msg)
	}
}

func saturatingMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}

// tomlLiteral writes a converted value as it would appear in a spec.
func tomlLiteral(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case float64:
		return formatTOMLFloat(x)
	}
	return fmt.Sprint(v)
}

// convertValue checks a fixed (non-swept) value against its field.
func convertValue(raw any, f *fieldInfo) (any, string) {
	if !f.Kind.isList() {
		return convertScalar(raw, f, f.Kind)
	}
	items, ok := raw.([]any)
	if !ok {
		items = []any{raw} // a scalar where a list is expected is a list of one
	}
	switch f.Kind {
	case kindIntList:
		return convertList[int](items, f, kindInt)
	case kindFloatList:
		return convertList[float64](items, f, kindFloat)
	default:
		return convertList[string](items, f, kindString)
	}
}

// convertList checks every element of a list-valued key as a scalar of kind elem.
func convertList[T any](items []any, f *fieldInfo, elem fieldKind) (any, string) {
	out := make([]T, 0, len(items))
	for i, it := range items {
		v, msg := convertScalar(it, f, elem)
		if msg != "" {
			return nil, listMsg(len(items), i, msg)
		}
		out = append(out, v.(T))
	}
	return out, ""
}

// convertDefault checks a struct's default value as if a spec had given it.
func convertDefault(fv reflect.Value, f *fieldInfo) (any, string) {
	v := plainValue(fv, f.Kind)
	var raw any
	switch x := v.(type) {
	case int:
		raw = int64(x)
	case []int:
		l := make([]any, len(x))
		for i, n := range x {
			l[i] = int64(n)
		}
		raw = l
	case []float64:
		l := make([]any, len(x))
		for i, n := range x {
			l[i] = n
		}
		raw = l
	case []string:
		l := make([]any, len(x))
		for i, n := range x {
			l[i] = n
		}
		raw = l
	default:
		raw = v
	}
	return convertValue(raw, f)
}

func listMsg(n, i int, msg string) string {
	if n == 1 {
		return msg
	}
	return fmt.Sprintf("element #%d: %s", i+1, msg)
}

// convertScalar converts one decoded TOML value to the Go value of kind k and checks bounds and
// enums; the returned message is empty on success.
func convertScalar(raw any, f *fieldInfo, k fieldKind) (any, string) {
	want := "want " + k.name()
	if f.Kind.isList() {
		want = "want " + f.Kind.name() + " (elements: " + k.name() + ")"
	}
	var out any
	switch k {
	case kindInt:
		n, ok := raw.(int64)
		if !ok {
			if _, isList := raw.([]any); isList && f.Kind.isList() {
				return nil, want + ", got a list of lists: list-valued keys cannot be swept"
			}
			return nil, want + ", got " + describeValue(raw)
		}
		if n > math.MaxInt || n < math.MinInt {
			return nil, fmt.Sprintf("value %d does not fit an integer", n)
		}
		out = int(n)
	case kindFloat:
		switch x := raw.(type) {
		case int64:
			out = float64(x)
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Sprintf("value %s is not a finite number", formatTOMLFloat(x))
			}
			out = x
		default:
			if _, isList := raw.([]any); isList && f.Kind.isList() {
				return nil, want + ", got a list of lists: list-valued keys cannot be swept"
			}
			return nil, want + ", got " + describeValue(raw)
		}
	case kindString:
		s, ok := raw.(string)
		if !ok {
			if _, isList := raw.([]any); isList && f.Kind.isList() {
				return nil, want + ", got a list of lists: list-valued keys cannot be swept"
			}
			return nil, want + ", got " + describeValue(raw)
		}
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
			quoted := make([]string, len(f.Enum))
			for i, e := range f.Enum {
				quoted[i] = strconv.Quote(e)
			}
			return nil, fmt.Sprintf("value %q is not allowed; want one of %s%s", s, strings.Join(quoted, ", "), helpSuffix(f))
		}
		return s, ""
	case kindBool:
		b, ok := raw.(bool)
		if !ok {
			return nil, want + ", got " + describeValue(raw)
		}
		return b, ""
	}
	x := 0.0
	lit := ""
	switch v := out.(type) {
	case int:
		x, lit = float64(v), strconv.Itoa(v)
	case float64:
		x, lit = v, strconv.FormatFloat(v, 'g', -1, 64)
	}
	switch {
	case f.Min != nil && x < *f.Min:
		return nil, fmt.Sprintf("value %s is below the minimum %s%s", lit, fmtBound(*f.Min), helpSuffix(f))
	case f.Max != nil && x > *f.Max:
		return nil, fmt.Sprintf("value %s is above the maximum %s%s", lit, fmtBound(*f.Max), helpSuffix(f))
	case f.Gt != nil && !(x > *f.Gt):
		return nil, fmt.Sprintf("value %s must be greater than %s%s", lit, fmtBound(*f.Gt), helpSuffix(f))
	case f.Lt != nil && !(x < *f.Lt):
		return nil, fmt.Sprintf("value %s must be less than %s%s", lit, fmtBound(*f.Lt), helpSuffix(f))
	}
	return out, ""
}

func fmtBound(b float64) string { return strconv.FormatFloat(b, 'g', -1, 64) }

// helpSuffix reminds the user what the key means: " (k: number of prototypes)".
func helpSuffix(f *fieldInfo) string {
	if f.Help == "" {
		return ""
	}
	return fmt.Sprintf(" (%s: %s)", f.Key, f.Help)
}
