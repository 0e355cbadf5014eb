package sweeps

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SpecError is one problem found in a spec file. Parse collects every problem it can find and
// returns them together (errors.Join), so a user fixes a spec in one pass rather than one error
// per attempt; Errors recovers the list.
//
// Error() reads like a compiler message:
//
//	spec.toml:12: [[model]] #2 "pal-a": key "k": value 0 is below the minimum 1 (k: number of prototypes)
type SpecError struct {
	File    string // the spec path as given to Parse
	Line    int    // 1-based; 0 when the problem has no single place (a missing table)
	Col     int    // 1-based column, known only for TOML syntax errors; 0 otherwise
	Section string // `[dataset] "synthetic"`, `[[model]] #2 "pal-a"`, `[train]`; "" at top level
	Key     string // the offending key within Section; "" when the section itself is at fault
	Msg     string // what is wrong and what is allowed
}

func (e *SpecError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	if e.Section != "" {
		b.WriteString(e.Section)
		b.WriteString(": ")
	}
	if e.Key != "" {
		fmt.Fprintf(&b, "key %q: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors returns the SpecErrors inside err (as returned by Parse), in file order; nil when err
// holds none (for example an I/O error reading the file).
func Errors(err error) []*SpecError {
	if err == nil {
		return nil
	}
	if se, ok := err.(*SpecError); ok {
		return []*SpecError{se}
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*SpecError
		for _, c := range j.Unwrap() {
			out = append(out, Errors(c)...)
		}
		return out
	}
	var se *SpecError
	if errors.As(err, &se) {
		return []*SpecError{se}
	}
	return nil
}

// joinSpecErrors orders errors by line (stable, so same-line errors keep discovery order) and
// joins them; nil when there are none.
func joinSpecErrors(errs []*SpecError) error {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}

// describeValue names a decoded TOML value for "want X, got Y" messages.
func describeValue(v any) string {
	switch x := v.(type) {
	case int64:
		return "integer " + strconv.FormatInt(x, 10)
	case float64:
		return "float " + formatTOMLFloat(x)
	case string:
		return "string " + strconv.Quote(x)
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	case time.Time:
		return "a date-time"
	}
	return fmt.Sprintf("%T", v)
}

// formatTOMLFloat prints a float the way a user would write it in TOML (3.0, not 3).
func formatTOMLFloat(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// knownList renders known keys or kinds for an error message: "a, b, c".
func knownList(names []string) string {
	s := append([]string(nil), names...)
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// suggest returns the known name closest to a misspelt one, or "" when none is close enough to
// be a plausible typo (edit distance at most 1 for short names, 2 otherwise, after ignoring case
// and treating '-' like '_').
func suggest(got string, known []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	g := norm(got)
	best, bestD := "", math.MaxInt
	for _, k := range known {
		d := editDistance(g, norm(k))
		if d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	limit := 2
	if len(got) <= 4 {
		limit = 1
	}
	if best == "" || bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes; keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// didYouMean is the tail of a message about a name that is not among the known ones: the
// nearest known name, if one is close, and the full list.
func didYouMean(got string, known []string, plural string) string {
	msg := ""
	if s := suggest(got, known); s != "" {
		msg = fmt.Sprintf("; did you mean %q?", s)
	}
	return msg + fmt.Sprintf(" (known %s: %s)", plural, knownList(known))
}
