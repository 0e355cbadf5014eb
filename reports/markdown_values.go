package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Generated values: a number in the prose of a Markdown document (REPRODUCE.md), written as
//
//	<!-- pal:value EXPERIMENT EXPR | FORMAT -->20.2<!-- pal:/value -->
//
// where the text between the two comments is rewritten from the run store of EXPERIMENT (its
// spec name), so a sentence such as "PAL-A is 20.2 points above BTL" quotes the runs rather than
// a number someone typed. The comments are invisible in rendered Markdown.
//
// EXPR is arithmetic (+ - * / and parentheses) over numbers, references and the functions
// min, max, mean, sum, count, std, abs, ci_lo, ci_hi and p (over the rows a reference matches,
// or the per-seed differences diff(A, B) of two references to runs: mean, ci_lo, ci_hi and p of
// a diff are the paired difference, its 95% t interval and its paired t-test). A reference is
//
//	TABLE:COLUMN[KEY=VALUE ...]
//
// TABLE is one of the report's tables (the stem of its CSV under report/tables/: accuracy,
// paired, groups, users, recovery, ...) or "runs" (the store's runs.csv); COLUMN one of its
// CSV columns; each KEY=VALUE keeps the rows whose column KEY holds VALUE (KEY may leave out the
// "dataset." or "model." prefix when that names one column; numbers compare as numbers, so
// k_true=3 matches "3"; an empty VALUE matches an empty cell). TABLE@MODEL reads the table of the
// store analysed with MODEL as the paired baseline (paired@pal-a:diff_mean[...]). Outside
// min/max/mean/sum/count a reference must match exactly one row.
//
// FORMAT is ".N" (N decimals), "+.N" (N decimals with a sign), or "p" (a p-value as the
// tables print it: "0.012", "< 0.001"); default ".1". Negative numbers get a true minus sign.

var valueMarker = regexp.MustCompile(`(?s)<!-- pal:value (.*?)-->(.*?)<!-- pal:/value -->`)

// StoreValues are the tables of one run store that values read (built when first asked for)
// and its generated blocks (Blocks), from one analysis of the store.
type StoreValues struct {
	Name string // the store's spec name, which markers use
	dir  string
	opts Options
	a    *analysis // the store analysed with opts
	// tables by baseline ("" for the store's own), then by table name.
	tables map[string]map[string]tidyTable
}

// LoadStoreValues reads the run store in storeDir for the values of a document.
func LoadStoreValues(storeDir string, opts Options) (*StoreValues, error) {
	a, err := analyseStore(storeDir, opts)
	if err != nil {
		return nil, err
	}
	sv := &StoreValues{Name: a.Store.SpecName, dir: storeDir, opts: opts, a: a, tables: map[string]map[string]tidyTable{}}
	if err := sv.addTables("", a); err != nil {
		return nil, err
	}
	return sv, nil
}

// Blocks are the store's generated blocks, by name (MarkdownBlocks).
func (sv *StoreValues) Blocks() map[string][]byte { return markdownBlocks(sv.a) }

// addTables builds every section of the report from a and keeps its CSV tables, and the store's
// runs.csv as "runs".
func (sv *StoreValues) addTables(baseline string, a *analysis) error {
	cells, err := buildCells(a, sections)
	if err != nil {
		return err
	}
	ts := map[string]tidyTable{}
	for _, c := range cells {
		for _, t := range c.Tables {
			if t.Name != "" && t.Tidy != nil {
				ts[t.Name] = *t.Tidy
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(sv.dir, "runs.csv")); err == nil {
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(sv.dir, "runs.csv"), err)
		}
		if len(rows) > 0 {
			ts["runs"] = tidyTable{Header: rows[0], Rows: rows[1:]}
		}
	}
	sv.tables[baseline] = ts
	return nil
}

func (sv *StoreValues) table(name, baseline string) (tidyTable, error) {
	if _, ok := sv.tables[baseline]; !ok {
		o := sv.opts
		o.Baseline = baseline
		a, err := analyseStore(sv.dir, o)
		if err != nil {
			return tidyTable{}, err
		}
		if err := sv.addTables(baseline, a); err != nil {
			return tidyTable{}, err
		}
	}
	t, ok := sv.tables[baseline][name]
	if !ok {
		return tidyTable{}, fmt.Errorf("the store %s has no table %q (it has: %s)", sv.dir, name, strings.Join(sortedKeys(sv.tables[baseline]), ", "))
	}
	return t, nil
}

// UpdateValues rewrites every value of doc whose experiment is in stores and returns the new
// document, the number of values rewritten and the experiments named by values that stores
// lacks (those values stay as they are). A marker that cannot be evaluated is an error naming
// its line.
func UpdateValues(doc []byte, stores map[string]*StoreValues) ([]byte, int, []string, error) {
	var out bytes.Buffer
	pos, done := 0, 0
	missingSet := map[string]bool{}
	fences := fenceOffsets(doc)
	for _, m := range valueMarker.FindAllSubmatchIndex(doc, -1) {
		if inCode(doc, fences, m[0]) {
			continue
		}
		line := 1 + bytes.Count(doc[:m[0]], []byte("\n"))
		spec := strings.TrimSpace(string(doc[m[2]:m[3]]))
		if lineStart := bytes.LastIndexByte(doc[:m[0]], '\n') + 1; len(bytes.TrimLeft(doc[lineStart:m[0]], " \t")) == 0 {
			// CommonMark: "<!--" at the start of a line opens an HTML block, which ends the
			// paragraph or list item around it; the rendered text would break there.
			return nil, 0, nil, fmt.Errorf("line %d: <!-- pal:value %s --> starts the line, which Markdown renders as an HTML block that breaks the paragraph: move a word of the text before it onto its line", line, spec)
		}
		exp, rest, _ := strings.Cut(spec, " ")
		sv, ok := stores[exp]
		if !ok {
			missingSet[exp] = true
			continue
		}
		s, err := evalValue(rest, sv)
		if err != nil {
			return nil, 0, nil, fmt.Errorf("line %d: <!-- pal:value %s -->: %w", line, spec, err)
		}
		out.Write(doc[pos:m[4]])
		out.WriteString(s)
		pos = m[5]
		done++
	}
	out.Write(doc[pos:])
	return out.Bytes(), done, sortedKeys(missingSet), nil
}

// fenceOffsets are the offsets of the lines of doc that open or close a fenced code block.
func fenceOffsets(doc []byte) []int {
	var out []int
	for off := 0; off < len(doc); {
		end := bytes.IndexByte(doc[off:], '\n')
		if end < 0 {
			end = len(doc) - off
		}
		if bytes.HasPrefix(bytes.TrimLeft(doc[off:off+end], " "), []byte("```")) {
			out = append(out, off)
		}
		off += end + 1
	}
	return out
}

// inCode tells whether the marker at pos is text about markers rather than a marker: written
// right after a backtick (inline code) or inside a fenced code block (an odd number of the
// fence lines, fenceOffsets, before it).
func inCode(doc []byte, fences []int, pos int) bool {
	if pos > 0 && doc[pos-1] == '`' {
		return true
	}
	n, _ := slices.BinarySearch(fences, pos)
	return n%2 == 1
}

// evalValue evaluates "EXPR | FORMAT" against a store and formats the result.
func evalValue(spec string, sv *StoreValues) (string, error) {
	expr, format, _ := strings.Cut(spec, "|")
	p := &exprParser{src: expr, sv: sv}
	v, err := p.parse()
	if err != nil {
		return "", err
	}
	return formatDocValue(v, strings.TrimSpace(format))
}

// formatDocValue prints v in the value's format (see the package comment above).
func formatDocValue(v float64, format string) (string, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "", fmt.Errorf("the value is %v", v)
	}
	if format == "" {
		format = ".1"
	}
	if format == "p" {
		return pValue(v), nil
	}
	sign := strings.HasPrefix(format, "+")
	digits, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(format, "+"), "."))
	if err != nil || !strings.HasPrefix(strings.TrimPrefix(format, "+"), ".") || digits < 0 || digits > 9 {
		return "", fmt.Errorf("format %q: use .N (N decimals, 0 to 9), +.N (with a sign) or p (a p-value)", format)
	}
	s := strconv.FormatFloat(v, 'f', digits, 64)
	zero := strings.Trim(s, "-0.") == ""
	if zero { // -0.00: a difference of -1e-17 shown as zero, and zero has no sign
		s = strings.TrimPrefix(s, "-")
	}
	if sign && !zero && !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return strings.Replace(s, "-", minus, 1), nil
}

// exprParser is a recursive-descent parser that evaluates as it reads:
//
//	expr    = term {("+" | "-") term}
//	term    = unary {("*" | "/") unary}
//	unary   = "-" unary | primary
//	primary = number | "(" expr ")" | func "(" list ")" | reference
type exprParser struct {
	src string
	pos int
	sv  *StoreValues
}

func (p *exprParser) parse() (float64, error) {
	if strings.TrimSpace(p.src) == "" {
		return 0, fmt.Errorf("no expression: write EXPERIMENT EXPR | FORMAT, e.g. synthetic 100*paired:diff_mean[k_true=3 model=pal-a k=3] | .1")
	}
	v, err := p.expr()
	if err != nil {
		return 0, err
	}
	p.skip()
	if p.pos < len(p.src) {
		return 0, fmt.Errorf("unexpected %q at column %d of the expression", p.src[p.pos:], p.pos+1)
	}
	return v, nil
}

func (p *exprParser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\n' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *exprParser) peek() byte {
	p.skip()
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *exprParser) expr() (float64, error) {
	v, err := p.term()
	for err == nil {
		op := p.peek()
		if op != '+' && op != '-' {
			break
		}
		p.pos++
		var w float64
		if w, err = p.term(); op == '+' {
			v += w
		} else {
			v -= w
		}
	}
	return v, err
}

func (p *exprParser) term() (float64, error) {
	v, err := p.unary()
	for err == nil {
		op := p.peek()
		if op != '*' && op != '/' {
			break
		}
		p.pos++
		var w float64
		if w, err = p.unary(); op == '*' {
			v *= w
		} else {
			v /= w
		}
	}
	return v, err
}

func (p *exprParser) unary() (float64, error) {
	if p.peek() == '-' {
		p.pos++
		v, err := p.unary()
		return -v, err
	}
	return p.primary()
}

var (
	numberAt = regexp.MustCompile(`^[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?`)
	nameAt   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*`)
)

// A series is what a reference matches: a value per row and, where the table has a seed
// column, each row's seed (diff pairs two series by it).
type series struct {
	vals  []float64
	seeds []string
}

// listFuncs reduce the values of their arguments (every row a reference matches) to one.
var listFuncs = map[string]func([]float64) float64{
	"min":   func(x []float64) float64 { return slices.Min(x) },
	"max":   func(x []float64) float64 { return slices.Max(x) },
	"sum":   sumOf,
	"mean":  Mean,
	"count": func(x []float64) float64 { return float64(len(x)) },
	"std":   StdDev,
	"abs":   func(x []float64) float64 { return math.Abs(x[0]) },
	// The 95% Student-t interval of the mean and the two-sided one-sample t-test of mean zero:
	// of diff(A, B), the paired interval and test that the report's paired table computes.
	"ci_lo": func(x []float64) float64 { return Summarize(x, 0.95).Lo },
	"ci_hi": func(x []float64) float64 { return Summarize(x, 0.95).Hi },
	"p": func(x []float64) float64 {
		t, err := PairedTTest(x, make([]float64, len(x)), 0.95)
		if err != nil {
			return math.NaN()
		}
		return t.P
	},
}

func sumOf(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// funcName is the name of the function called at the parser's position, or "".
func (p *exprParser) funcName() string {
	p.skip()
	rest := p.src[p.pos:]
	name := nameAt.FindString(rest)
	if _, ok := listFuncs[name]; (ok || name == "diff") && strings.HasPrefix(strings.TrimLeft(rest[len(name):], " "), "(") {
		return name
	}
	return ""
}

func (p *exprParser) primary() (float64, error) {
	c := p.peek()
	rest := p.src[p.pos:]
	switch {
	case c == '(':
		p.pos++
		v, err := p.expr()
		if err != nil {
			return 0, err
		}
		if p.peek() != ')' {
			return 0, fmt.Errorf("missing ) at column %d of the expression", p.pos+1)
		}
		p.pos++
		return v, nil
	case c >= '0' && c <= '9':
		n := numberAt.FindString(rest)
		p.pos += len(n)
		return strconv.ParseFloat(n, 64)
	}
	switch name := p.funcName(); name {
	case "":
	case "diff":
		return 0, fmt.Errorf("diff gives one difference per seed: take mean, std, ci_lo, ci_hi or p of it")
	default:
		args, err := p.args(name)
		if err != nil {
			return 0, err
		}
		var xs []float64
		for _, a := range args {
			xs = append(xs, a.vals...)
		}
		if len(xs) == 0 {
			return 0, fmt.Errorf("%s() of nothing", name)
		}
		if name == "abs" && len(xs) != 1 {
			return 0, fmt.Errorf("abs takes one value, got %d", len(xs))
		}
		return listFuncs[name](xs), nil
	}
	if !refAt.MatchString(rest) {
		return 0, fmt.Errorf("expected a number, a reference TABLE:COLUMN[KEY=VALUE ...] or a function at column %d of the expression, found %q", p.pos+1, rest)
	}
	s, ref, err := p.reference()
	if err != nil {
		return 0, err
	}
	if len(s.vals) != 1 {
		return 0, fmt.Errorf("%s matches %d rows: add a filter, or take min, max, mean, sum or count of them", ref, len(s.vals))
	}
	return s.vals[0], nil
}

// args reads the parenthesised arguments of the function name.
func (p *exprParser) args(name string) ([]series, error) {
	p.pos += len(name)
	p.peek()
	p.pos++ // (
	var out []series
	for p.peek() != ')' {
		s, err := p.listItem()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		if c := p.peek(); c == ',' {
			p.pos++
		} else if c != ')' {
			return nil, fmt.Errorf("%s(: expected , or ) at column %d of the expression", name, p.pos+1)
		}
	}
	p.pos++ // )
	return out, nil
}

// listItem is a function's argument: a reference or a diff alone keeps all its rows; anything
// else (a number, arithmetic on references) is one value.
func (p *exprParser) listItem() (series, error) {
	p.skip()
	save := p.pos
	if p.funcName() == "diff" {
		return p.diff()
	}
	if refAt.MatchString(p.src[p.pos:]) {
		s, _, err := p.reference()
		if err != nil {
			return series{}, err
		}
		if c := p.peek(); c == ',' || c == ')' {
			return s, nil
		}
		p.pos = save // a reference inside arithmetic: read it again as an expression
	}
	v, err := p.expr()
	return series{vals: []float64{v}}, err
}

// diff(A, B) pairs two references by seed: A's value minus B's for every seed both have.
func (p *exprParser) diff() (series, error) {
	args, err := p.args("diff")
	if err != nil {
		return series{}, err
	}
	if len(args) != 2 || args[0].seeds == nil || args[1].seeds == nil {
		return series{}, fmt.Errorf("diff takes two references to a table with a seed column (runs): diff(runs:acc_test[...], runs:acc_test[...])")
	}
	bySeed := map[string]float64{}
	for i, sd := range args[1].seeds {
		if _, dup := bySeed[sd]; dup {
			return series{}, fmt.Errorf("diff: the second reference has seed %s twice: add a filter so it names one configuration", sd)
		}
		bySeed[sd] = args[1].vals[i]
	}
	var out series
	seen := map[string]bool{}
	for i, sd := range args[0].seeds {
		if seen[sd] {
			return series{}, fmt.Errorf("diff: the first reference has seed %s twice: add a filter so it names one configuration", sd)
		}
		seen[sd] = true
		if b, ok := bySeed[sd]; ok {
			out.vals, out.seeds = append(out.vals, args[0].vals[i]-b), append(out.seeds, sd)
		}
	}
	if len(out.vals) == 0 {
		return series{}, fmt.Errorf("diff: the two references have no seed in common")
	}
	return out, nil
}

var refAt = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)(@[A-Za-z0-9_.-]+)?:([A-Za-z0-9_.]+)\[([^\]]*)\]`)

// reference reads TABLE[@BASELINE]:COLUMN[FILTERS] and returns the column's values in the
// matching rows, in table order, with their seeds where the table has a seed column.
func (p *exprParser) reference() (series, string, error) {
	p.skip()
	m := refAt.FindStringSubmatch(p.src[p.pos:])
	if m == nil {
		return series{}, "", fmt.Errorf("expected a reference TABLE:COLUMN[KEY=VALUE ...] at column %d of the expression, found %q", p.pos+1, p.src[p.pos:])
	}
	p.pos += len(m[0])
	ref := m[0]
	t, err := p.sv.table(m[1], strings.TrimPrefix(m[2], "@"))
	if err != nil {
		return series{}, ref, err
	}
	col, err := t.column(m[3])
	if err != nil {
		return series{}, ref, fmt.Errorf("%s: %w", ref, err)
	}
	seedCol := slices.Index(t.Header, "seed")
	type filter struct {
		col   int
		value string
	}
	var fs []filter
	for _, kv := range splitFilters(m[4]) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return series{}, ref, fmt.Errorf("%s: filter %q: write KEY=VALUE", ref, kv)
		}
		c, err := t.column(k)
		if err != nil {
			return series{}, ref, fmt.Errorf("%s: filter %s: %w", ref, kv, err)
		}
		fs = append(fs, filter{c, strings.Trim(v, `"`)})
	}
	var out series
	for _, r := range t.Rows {
		keep := true
		for _, f := range fs {
			keep = keep && f.col < len(r) && sameCell(r[f.col], f.value)
		}
		if !keep {
			continue
		}
		if col >= len(r) || r[col] == "" {
			return series{}, ref, fmt.Errorf("%s: a matching row has no %s (an empty cell; a failed run? filter status=ok)", ref, m[3])
		}
		v, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			if b, berr := strconv.ParseBool(r[col]); berr == nil { // "true" counts as 1
				v = map[bool]float64{false: 0, true: 1}[b]
			} else {
				return series{}, ref, fmt.Errorf("%s: %q is not a number", ref, r[col])
			}
		}
		out.vals = append(out.vals, v)
		if seedCol >= 0 && seedCol < len(r) {
			out.seeds = append(out.seeds, r[seedCol])
		}
	}
	if len(out.vals) == 0 {
		return series{}, ref, fmt.Errorf("%s matches no row of the table (%d rows)", ref, len(t.Rows))
	}
	return out, ref, nil
}

// splitFilters splits "k_true=3, dataset=\"K_true = 1\"" at spaces and commas outside quotes.
func splitFilters(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case !quoted && (r == ' ' || r == ','):
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// column finds a column by its CSV name or, when one column alone has it, by the name without
// its "dataset." or "model." prefix.
func (t tidyTable) column(name string) (int, error) {
	if i := slices.Index(t.Header, name); i >= 0 {
		return i, nil
	}
	found := -1
	for i, h := range t.Header {
		if _, short, ok := strings.Cut(h, "."); ok && short == name {
			if found >= 0 {
				return 0, fmt.Errorf("column %q is ambiguous (%s and %s): write it in full", name, t.Header[found], h)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, fmt.Errorf("no column %q (the table has: %s)", name, strings.Join(t.Header, ", "))
	}
	return found, nil
}

// sameCell compares a cell with a filter's value: as numbers when both are numbers.
func sameCell(cell, want string) bool {
	if cell == want {
		return true
	}
	a, errA := strconv.ParseFloat(cell, 64)
	b, errB := strconv.ParseFloat(want, 64)
	return errA == nil && errB == nil && a == b
}
