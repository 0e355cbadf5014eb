package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/sweeps/runstore"
)

// A param is one swept axis of a run: its key ("dataset.k_true") and value as decoded from
// result.json (float64, string, bool), or absent when the run has no such axis (BTL has no K).
type param struct {
	Key     string
	Value   any
	Present bool
}

// paramList is the values of a fixed, sorted list of keys for one run or one group of runs.
type paramList []param

func pickParams(p map[string]any, keys []string) paramList {
	out := make(paramList, len(keys))
	for i, k := range keys {
		v, ok := p[k]
		out[i] = param{Key: k, Value: v, Present: ok}
	}
	return out
}

// key is a canonical string identifying the values, used to group runs.
func (l paramList) key() string {
	var b strings.Builder
	for _, p := range l {
		b.WriteString(p.Key)
		if p.Present {
			b.WriteString("=")
			b.WriteString(fmt.Sprintf("%T:", p.Value))
			b.WriteString(formatValue(p.Value))
		} else {
			b.WriteString("!")
		}
		b.WriteString("\x00")
	}
	return b.String()
}

// label renders the present values as "k_true=3, users=mixture" with short key names.
func (l paramList) label(short map[string]string) string {
	var parts []string
	for _, p := range l {
		if p.Present {
			parts = append(parts, short[p.Key]+"="+formatValue(p.Value))
		}
	}
	return strings.Join(parts, ", ")
}

func (l paramList) get(key string) (any, bool) {
	for _, p := range l {
		if p.Key == key {
			return p.Value, p.Present
		}
	}
	return nil, false
}

// without returns the list less one key.
func (l paramList) without(key string) paramList {
	out := make(paramList, 0, len(l))
	for _, p := range l {
		if p.Key != key {
			out = append(out, p)
		}
	}
	return out
}

// compareParams orders two lists of the same keys: absent first, then numbers by value, then
// strings, so K=10 sorts after K=9.
func compareParams(a, b paramList) int {
	for i := range a {
		if c := compareValue(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

func compareValue(a, b param) int {
	if a.Present != b.Present {
		if !a.Present {
			return -1
		}
		return 1
	}
	if !a.Present {
		return 0
	}
	af, aNum := toFloat(a.Value)
	bf, bNum := toFloat(b.Value)
	switch {
	case aNum && bNum:
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	case aNum:
		return -1
	case bNum:
		return 1
	}
	return strings.Compare(formatValue(a.Value), formatValue(b.Value))
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

// formatValue prints integers without a decimal point and other numbers in the shortest form
// that reads back exactly.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		if f, ok := toFloat(v); ok {
			return formatValue(f)
		}
		return fmt.Sprint(v)
	}
}

// shortNames maps each key to its last dotted component ("dataset.k_true" -> "k_true") unless
// two keys would share a short name, in which case both keep their full name.
func shortNames(keys []string) map[string]string {
	count := map[string]int{}
	short := func(k string) string {
		if i := strings.LastIndexByte(k, '.'); i >= 0 {
			return k[i+1:]
		}
		return k
	}
	for _, k := range keys {
		count[short(k)]++
	}
	out := map[string]string{}
	for _, k := range keys {
		if count[short(k)] > 1 {
			out[k] = k
		} else {
			out[k] = short(k)
		}
	}
	return out
}

func isDatasetKey(k string) bool { return strings.HasPrefix(k, "dataset.") }

// modelName is the model's name as the sweep knows it ("model" axis), falling back on the
// resolved config for stores written before that axis existed.
func modelName(r *runstore.Result) string {
	if v, ok := r.Params["model"]; ok {
		if s := formatValue(v); s != "" {
			return s
		}
	}
	if r.Config.Model.Name != "" {
		return r.Config.Model.Name
	}
	if r.Config.Model.Kind != "" {
		return r.Config.Model.Kind
	}
	return "?"
}

// paramsText renders every swept axis of a run, sorted by key, for the failed-runs table.
func paramsText(p map[string]any) string {
	keys := sortedKeys(p)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+formatValue(p[k]))
	}
	return strings.Join(parts, " ")
}
