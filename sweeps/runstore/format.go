package runstore

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// FormatNumber writes a float for runs.csv so that equal bits give equal bytes: integral values
// below 2^53 as plain integers (a parameter count reads 123456, not 1.23456e+05), the rest in
// the shortest form that reads back exactly. NaN is the empty cell pandas and R read as missing.
func FormatNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return ""
	case v == math.Trunc(v) && math.Abs(v) < 1<<53:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// FormatParam writes an axis value plainly. A value read back from result.json is a float64
// where the run had an int; FormatNumber makes both print alike, so runs.csv does not depend on
// whether a row came from memory or from disk.
func FormatParam(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return FormatNumber(x)
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return FormatNumber(f)
		}
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
