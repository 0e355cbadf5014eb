package sweeps

import (
	"strconv"
	"strings"
)

// The TOML decoder reports no positions for keys (its MetaData has none), yet a spec error is
// only useful with a line number. locator recovers them with a light scan of the source: table
// headers ([x], [[x]] counted per occurrence) and `key = value` lines, skipping comments,
// strings and the continuation lines of multi-line arrays, inline tables and strings. It does
// not validate TOML (the decoder has done that); on anything it does not understand it simply
// records nothing, and lookups fall back to the nearest enclosing table.

// locator maps key paths to 1-based source lines.
type locator struct {
	lines map[string]int
}

// locPath builds a lookup path. Elements of arrays of tables are addressed by an index segment
// after the array's name: locPath("model", idx(1), "k") is key k of the second [[model]].
func locPath(segs ...string) string { return strings.Join(segs, "\x1f") }

// idx is the path segment of element i of an array of tables.
func idx(i int) string { return "[" + strconv.Itoa(i) + "]" }

// line returns the line of path, or of its nearest ancestor that has one (a key inside an
// inline table gets the line of the table's key); 0 when nothing matches.
func (l *locator) line(segs ...string) int {
	for n := len(segs); n > 0; n-- {
		if ln, ok := l.lines[locPath(segs[:n]...)]; ok {
			return ln
		}
	}
	return 0
}

// locate scans src once and records where each table and key is defined.
func locate(src []byte) *locator {
	l := &locator{lines: map[string]int{}}
	record := func(segs []string, line int) {
		k := locPath(segs...)
		if _, ok := l.lines[k]; !ok {
			l.lines[k] = line
		}
	}
	var (
		cur    []string           // current table, with index segments for arrays of tables
		counts = map[string]int{} // occurrences of each array of tables
		sc     valueScanner
	)
	// resolve turns a header's dotted key into a path, descending into the last element of any
	// array of tables on the way (as TOML does for [a.b] after [[a]]).
	resolve := func(parts []string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p)
			if n, ok := counts[locPath(out...)]; ok {
				out = append(out, idx(n-1))
			}
		}
		return out
	}
	for i, text := range strings.Split(string(src), "\n") {
		lineNo := i + 1
		if sc.open() {
			sc.scan(text)
			continue
		}
		s := strings.TrimLeft(text, " \t")
		switch {
		case strings.HasPrefix(s, "[["):
			parts, rest, ok := parseDottedKey(s[2:])
			if !ok || !strings.HasPrefix(strings.TrimLeft(rest, " \t"), "]]") {
				continue
			}
			base := resolve(parts[:len(parts)-1])
			arr := append(base, parts[len(parts)-1])
			key := locPath(arr...)
			n := counts[key]
			counts[key] = n + 1
			record(arr, lineNo)
			cur = append(append([]string(nil), arr...), idx(n))
			record(cur, lineNo)
		case strings.HasPrefix(s, "["):
			parts, rest, ok := parseDottedKey(s[1:])
			if !ok || !strings.HasPrefix(strings.TrimLeft(rest, " \t"), "]") {
				continue
			}
			cur = resolve(parts)
			record(cur, lineNo)
		default:
			parts, rest, ok := parseDottedKey(s)
			if !ok {
				continue
			}
			rest = strings.TrimLeft(rest, " \t")
			if !strings.HasPrefix(rest, "=") {
				continue
			}
			full := append(append([]string(nil), cur...), parts...)
			for n := len(cur) + 1; n <= len(full); n++ {
				record(full[:n], lineNo)
			}
			sc.scan(rest[1:])
		}
	}
	return l
}

// parseDottedKey reads a TOML key (bare, "quoted" or 'literal' parts joined by dots) from the
// start of s, after optional blanks. It returns the parts and the text after the key.
func parseDottedKey(s string) (parts []string, rest string, ok bool) {
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return nil, "", false
		}
		var part string
		switch s[0] {
		case '"':
			end := 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return nil, "", false
			}
			raw := s[:end+1]
			if u, err := strconv.Unquote(raw); err == nil {
				part = u
			} else {
				part = raw[1 : len(raw)-1]
			}
			s = s[end+1:]
		case '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return nil, "", false
			}
			part = s[1 : end+1]
			s = s[end+2:]
		default:
			n := 0
			for n < len(s) && isBareKeyChar(s[n]) {
				n++
			}
			if n == 0 {
				return nil, "", false
			}
			part = s[:n]
			s = s[n:]
		}
		parts = append(parts, part)
		t := strings.TrimLeft(s, " \t")
		if strings.HasPrefix(t, ".") {
			s = t[1:]
			continue
		}
		return parts, s, true
	}
}

func isBareKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// valueScanner follows a value across lines: the nesting depth of arrays and inline tables and
// whether a multi-line string is open, so continuation lines are not mistaken for keys.
type valueScanner struct {
	depth int
	ml    string // `"""` or `'''` while inside a multi-line string
}

func (v *valueScanner) open() bool { return v.depth > 0 || v.ml != "" }

func (v *valueScanner) scan(s string) {
	for i := 0; i < len(s); {
		if v.ml != "" {
			j := strings.Index(s[i:], v.ml)
			if j < 0 {
				return
			}
			i += j + 3
			v.ml = ""
			continue
		}
		switch c := s[i]; c {
		case '#':
			return
		case '"', '\'':
			delim := s[i : i+1]
			if strings.HasPrefix(s[i:], strings.Repeat(delim, 3)) {
				v.ml = strings.Repeat(delim, 3)
				i += 3
				continue
			}
			i++
			for i < len(s) && s[i] != c {
				if c == '"' && s[i] == '\\' {
					i++
				}
				i++
			}
			i++
		case '[', '{':
			v.depth++
			i++
		case ']', '}':
			if v.depth > 0 {
				v.depth--
			}
			i++
		default:
			i++
		}
	}
}
