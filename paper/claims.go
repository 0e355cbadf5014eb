package paper

import (
	_ "embed"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// claimsFile is paper/claims.toml: the paper's published numbers and claims.
//
//go:embed claims.toml
var claimsFile []byte

// ClaimsPath is where the claims live in the repository, for error messages.
const ClaimsPath = "paper/claims.toml"

// The rules a claim is checked by (claims.toml's header says what each means).
const (
	RuleTolerance   = "tolerance"
	RuleDifference  = "difference"
	RuleBeats       = "beats"
	RuleReaches     = "reaches"
	RuleCostsAtMost = "costs_at_most_spread"
	RuleCount       = "count"
	RuleRecovers    = "recovers"
	RuleUnmeasured  = "unmeasured"
)

// The measures a claim compares.
const (
	MeasureSeenAcc    = "seen_acc"
	MeasureUnseenAcc  = "unseen_acc"
	MeasureSplitPairs = "split_pairs"
)

var (
	rules    = []string{RuleTolerance, RuleDifference, RuleBeats, RuleReaches, RuleCostsAtMost, RuleCount, RuleRecovers, RuleUnmeasured}
	measures = []string{MeasureSeenAcc, MeasureUnseenAcc, MeasureSplitPairs}
	splits   = []string{"train", "val", "test", "unseen_train", "unseen_val", "unseen_test"}
	idRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
	keyRE    = regexp.MustCompile(`^(model|kind|(dataset|model|train|fewshot)\.[a-z0-9_]+)$`)
)

// A Claim is one published number or qualitative statement of the paper, with how to compute
// ours from a run store and how to compare the two.
type Claim struct {
	ID         string
	Experiment string // the embedded spec's name whose run store checks the claim
	Quantity   string
	// Value is the published number (percent, points, or a count); Known is false when the
	// paper's value is unknown, and Value is then NaN.
	Value     float64
	Known     bool
	Source    string
	Secondary bool // the source is not the paper's own text
	Rule      string
	Measure   string
	Split     string // for MeasureSplitPairs
	Tolerance float64
	Pairs     int     // RuleReaches: at most this many pairs per unseen user
	Within    float64 // RuleReaches: points below seen-user accuracy still counted as reached
	MinARI    float64 // RuleRecovers: the least mean adjusted Rand index counted as recovered
	Select    []Condition
	// Best compares only the best of the selected configurations of each dataset config (the
	// highest mean of the measure): "PAL" in a claim whose K the paper does not give.
	Best     bool
	Against  []Condition
	Datasets []Condition // restricts the dataset configs checked; empty = all
	// Comparable is false when our setup cannot give the paper's number; Why says why (and,
	// for RuleUnmeasured, what is missing).
	Comparable bool
	Why        string
}

// A Condition is one test a run must pass to be selected: Key compared with a value or with
// another key of the same run.
type Condition struct {
	Key string
	Op  string // == != < <= > >=
	// Operand: a number (Num, IsNum), another key of the run (OtherKey) or a string (Str).
	Num      float64
	IsNum    bool
	OtherKey string
	Str      string
}

// String writes the condition as claims.toml does.
func (c Condition) String() string {
	switch {
	case c.OtherKey != "":
		return fmt.Sprintf("%s %s %s", c.Key, c.Op, c.OtherKey)
	case c.IsNum:
		return fmt.Sprintf("%s %s %s", c.Key, c.Op, strconv.FormatFloat(c.Num, 'g', -1, 64))
	}
	return fmt.Sprintf("%s %s %s", c.Key, c.Op, c.Str)
}

// Holds reports whether a run satisfies the condition. get returns the run's value of a key
// (a swept axis or a config field; "model" the model's name, "kind" its kind) and whether it
// has one; a run without the key fails the condition.
func (c Condition) Holds(get func(key string) (any, bool)) bool {
	v, ok := get(c.Key)
	if !ok {
		return false
	}
	var operand any
	switch {
	case c.OtherKey != "":
		if operand, ok = get(c.OtherKey); !ok {
			return false
		}
	case c.IsNum:
		operand = c.Num
	default:
		operand = c.Str
	}
	x, xNum := asFloat(v)
	y, yNum := asFloat(operand)
	var cmp int
	switch {
	case xNum && yNum:
		cmp = compareFloat(x, y)
	case !xNum && !yNum:
		cmp = strings.Compare(fmt.Sprint(v), fmt.Sprint(operand))
	default:
		return false // a number against a string never matches
	}
	switch c.Op {
	case "==":
		return cmp == 0
	case "!=":
		return cmp != 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return false
}

// HoldsAll reports whether every condition holds.
func HoldsAll(cs []Condition, get func(key string) (any, bool)) bool {
	for _, c := range cs {
		if !c.Holds(get) {
			return false
		}
	}
	return true
}

func compareFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case bool:
		return 0, false
	case string:
		return 0, false
	}
	return 0, false
}

// Claims returns the claims of paper/claims.toml. The file is embedded and checked by the
// package's tests, so an error here means a broken build.
func Claims() []Claim {
	cs, err := ParseClaims(ClaimsPath, claimsFile)
	if err != nil {
		panic(err)
	}
	return cs
}

// ClaimsFor returns the claims of one experiment, in file order.
func ClaimsFor(experiment string) []Claim {
	var out []Claim
	for _, c := range Claims() {
		if c.Experiment == experiment {
			out = append(out, c)
		}
	}
	return out
}

// rawClaim is a [[claim]] as written.
type rawClaim struct {
	ID         string         `toml:"id"`
	Experiment string         `toml:"experiment"`
	Quantity   string         `toml:"quantity"`
	Value      any            `toml:"value"`
	Source     string         `toml:"source"`
	Secondary  *bool          `toml:"secondary"`
	Rule       string         `toml:"rule"`
	Measure    string         `toml:"measure"`
	Split      string         `toml:"split"`
	Tolerance  *float64       `toml:"tolerance"`
	Pairs      int            `toml:"pairs"`
	Within     *float64       `toml:"within"`
	MinARI     *float64       `toml:"min_ari"`
	Select     map[string]any `toml:"select"`
	Best       bool           `toml:"best"`
	Against    map[string]any `toml:"against"`
	Datasets   map[string]any `toml:"datasets"`
	Comparable *bool          `toml:"comparable"`
	Why        string         `toml:"why"`
}

// ParseClaims reads and validates a claims file. Errors name the file, the claim (number and
// id) and the field, and say what would fix them; every problem is reported, not only the first.
func ParseClaims(path string, src []byte) ([]Claim, error) {
	var f struct {
		Claim []rawClaim `toml:"claim"`
	}
	md, err := toml.Decode(string(src), &f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var errs []string
	if und := md.Undecoded(); len(und) > 0 {
		for _, k := range und {
			errs = append(errs, fmt.Sprintf("unknown key %q (the header of %s lists the fields)", k.String(), ClaimsPath))
		}
	}
	if len(f.Claim) == 0 && len(errs) == 0 {
		errs = append(errs, "no [[claim]] table")
	}
	ids := map[string]int{}
	var out []Claim
	for i, r := range f.Claim {
		where := fmt.Sprintf("claim #%d", i+1)
		if r.ID != "" {
			where += fmt.Sprintf(" (%s)", r.ID)
		}
		bad := func(field, format string, args ...any) {
			errs = append(errs, fmt.Sprintf("%s, %s: %s", where, field, fmt.Sprintf(format, args...)))
		}
		c, ok := r.build(bad)
		if ok {
			if prev, dup := ids[c.ID]; dup {
				bad("id", "%q is also the id of claim #%d: ids must be unique", c.ID, prev)
			}
			ids[c.ID] = i + 1
			out = append(out, c)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s:\n  %s", path, strings.Join(errs, "\n  "))
	}
	return out, nil
}

// build checks one raw claim and converts it; bad records each problem.
func (r rawClaim) build(bad func(field, format string, args ...any)) (Claim, bool) {
	n := 0
	fail := func(field, format string, args ...any) {
		n++
		bad(field, format, args...)
	}
	c := Claim{ID: r.ID, Experiment: r.Experiment, Quantity: r.Quantity, Source: r.Source, Rule: r.Rule,
		Measure: r.Measure, Split: r.Split, Pairs: r.Pairs, Why: r.Why, Comparable: true, Value: math.NaN(), Best: r.Best}
	if !idRE.MatchString(r.ID) {
		fail("id", "%q: want lower-case letters, digits and - _ . (e.g. \"synthetic-pal-beats-btl\")", r.ID)
	}
	for _, req := range []struct{ field, v string }{{"experiment", r.Experiment}, {"quantity", r.Quantity}, {"source", r.Source}} {
		if strings.TrimSpace(req.v) == "" {
			fail(req.field, "missing: every claim says %s", req.field)
		}
	}
	switch v := r.Value.(type) {
	case nil:
		fail("value", "missing: give the published number, or \"unknown\" when the paper's value is not known")
	case string:
		if v != "unknown" {
			fail("value", "%q: want a number or the string \"unknown\"", v)
		}
	case int64:
		c.Value, c.Known = float64(v), true
	case float64:
		c.Value, c.Known = v, true
	default:
		fail("value", "want a number or \"unknown\", got %T", v)
	}
	if r.Secondary == nil {
		fail("secondary", "missing: say whether the source is the paper's own text (false) or a second-hand quote (true)")
	} else {
		c.Secondary = *r.Secondary
	}
	if r.Comparable != nil {
		c.Comparable = *r.Comparable
		if !c.Comparable && r.Why == "" {
			fail("why", "comparable = false needs why: the reason our numbers cannot match the paper's")
		}
	}
	if r.Tolerance != nil {
		c.Tolerance = *r.Tolerance
		if !(c.Tolerance >= 0) {
			fail("tolerance", "%g: want a number of points >= 0", c.Tolerance)
		}
	}
	if r.Within != nil {
		c.Within = *r.Within
	}
	if r.MinARI != nil {
		c.MinARI = *r.MinARI
	}
	var err error
	parse := func(field string, m map[string]any) []Condition {
		var cs []Condition
		if cs, err = parseConditions(m); err != nil {
			fail(field, "%v", err)
		}
		return cs
	}
	c.Select, c.Against, c.Datasets = parse("select", r.Select), parse("against", r.Against), parse("datasets", r.Datasets)
	needMeasure := func() {
		if !slices.Contains(measures, r.Measure) {
			fail("measure", "%q: want one of %s", r.Measure, strings.Join(measures, ", "))
		}
		if r.Measure == MeasureSplitPairs && !slices.Contains(splits, r.Split) {
			fail("split", "%q: measure split_pairs needs a split, one of %s", r.Split, strings.Join(splits, ", "))
		}
	}
	need := func(field string, ok bool, what string) {
		if !ok {
			fail(field, "rule %q needs %s", r.Rule, what)
		}
	}
	switch r.Rule {
	case RuleTolerance, RuleDifference:
		needMeasure()
		need("value", c.Known || !c.Comparable, "a published number, or comparable = false with why")
		need("tolerance", r.Tolerance != nil, "a tolerance in points")
		need("select", len(c.Select) > 0, "a select table naming the model")
		if r.Rule == RuleDifference {
			need("against", len(c.Against) > 0, "an against table naming what the difference is taken from")
		}
	case RuleBeats, RuleCostsAtMost:
		needMeasure()
		need("select", len(c.Select) > 0, "a select table")
		need("against", len(c.Against) > 0, "an against table")
	case RuleReaches:
		need("pairs", r.Pairs > 0, "pairs > 0 (the most pairs per unseen user allowed)")
		need("within", r.Within != nil && *r.Within >= 0, "within >= 0 (points below seen-user accuracy still counted)")
		need("select", len(c.Select) > 0, "a select table")
	case RuleCount:
		needMeasure()
		need("value", c.Known, "the published count")
		need("measure", r.Measure == MeasureSplitPairs, `measure = "split_pairs"`)
	case RuleRecovers:
		need("min_ari", r.MinARI != nil && *r.MinARI > -1 && *r.MinARI <= 1, "min_ari in (-1, 1] (the least mean adjusted Rand index counted as recovered)")
		need("select", len(c.Select) > 0, "a select table")
	case RuleUnmeasured:
		need("why", r.Why != "", "why: what a run store would need to check it")
	default:
		fail("rule", "%q: want one of %s", r.Rule, strings.Join(rules, ", "))
	}
	return c, n == 0
}

var ops = []string{"==", "!=", "<=", ">=", "<", ">"}

// parseConditions reads a select table: key = value, where a string value may start with an
// operator.
func parseConditions(m map[string]any) ([]Condition, error) {
	var out []Condition
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !keyRE.MatchString(k) {
			return nil, fmt.Errorf("key %q: want \"model\", \"kind\" or a key such as \"model.k\" or \"dataset.k_true\"", k)
		}
		c := Condition{Key: k, Op: "=="}
		switch v := m[k].(type) {
		case int64:
			c.Num, c.IsNum = float64(v), true
		case float64:
			c.Num, c.IsNum = v, true
		case bool:
			c.Str = strconv.FormatBool(v)
		case string:
			s := strings.TrimSpace(v)
			for _, op := range ops {
				if strings.HasPrefix(s, op) {
					c.Op, s = op, strings.TrimSpace(s[len(op):])
					break
				}
			}
			if s == "" {
				return nil, fmt.Errorf("key %q: %q has an operator but nothing to compare with", k, v)
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				c.Num, c.IsNum = f, true
			} else if strings.Contains(s, ".") && keyRE.MatchString(s) {
				c.OtherKey = s
			} else {
				c.Str = s
			}
		default:
			return nil, fmt.Errorf("key %q: want a number, a boolean or a string, got %T", k, v)
		}
		out = append(out, c)
	}
	return out, nil
}
