package runstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Seed is a derived 64-bit seed as result.json holds it: a decimal string, because a JSON number
// above 2^53 loses its last digits in jq, JavaScript and every reader that parses numbers as
// doubles, and a seed that cannot be read back exactly cannot reproduce its run. Reading accepts
// the numbers schema version 1 wrote too (Go's decoder reads them exactly).
type Seed uint64

// MarshalJSON writes the seed as a decimal string.
func (s Seed) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatUint(uint64(s), 10) + `"`), nil
}

// UnmarshalJSON reads a decimal string or a JSON integer.
func (s *Seed) UnmarshalJSON(b []byte) error {
	text := string(bytes.Trim(b, `"`))
	if len(b) > 0 && b[0] == '"' && (len(b) < 2 || b[len(b)-1] != '"') {
		return fmt.Errorf("seed %s: unterminated string", b)
	}
	n, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return fmt.Errorf("seed %s: want a non-negative integer below 2^64 (as a decimal string)", b)
	}
	*s = Seed(n)
	return nil
}

var _ json.Marshaler = Seed(0)
