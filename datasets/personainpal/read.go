package personainpal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/internal/regular"

	"github.com/pal-harness/pal/datasets"
	"github.com/parquet-go/parquet-go"
)

// Columns names the columns that hold each field; "" means "detect it from Candidates".
type Columns struct {
	User, Left, Right, Label, Prompt, Group string
}

// Candidates are the column names tried, in order, for a field whose column is not named.
// The release's real names could not be checked here (see the package documentation); the
// lists cover the usual spellings, and a spec names the columns when none fits.
var Candidates = map[string][]string{
	"user":   {"uid", "user_id", "user", "worker_id", "worker", "annotator"},
	"left":   {"left", "x_left", "statement_left", "statement_1", "statement1", "response_1", "response1", "item_1", "text_a"},
	"right":  {"right", "x_right", "statement_right", "statement_2", "statement2", "response_2", "response2", "item_2", "text_b"},
	"label":  {"y", "label", "preference", "pref"},
	"prompt": {"prompt", "question", "context"},
	"group":  {"group", "group_id", "persona_group", "cluster"},
}

// configKey is the spec key that names a field's column, for messages.
var configKey = map[string]string{
	"user": "user_column", "left": "left_column", "right": "right_column",
	"label": "label_column", "prompt": "prompt_column", "group": "group_column",
}

// shard is one parquet file and the split it belongs to.
type shard struct {
	path  string
	split datasets.Split
}

var shardName = regexp.MustCompile(`^(train|validation|valid|val|test)(-\d+-of-\d+)?([-_][0-9a-f]+)?\.parquet$`)

// splitOf maps a split name of the release ("train", "validation", "test") to our split for
// seen or unseen users.
func splitOf(name string, unseen bool) (datasets.Split, bool) {
	var s datasets.Split
	switch name {
	case "train":
		s = datasets.Train
	case "validation", "valid", "val":
		s = datasets.Val
	case "test":
		s = datasets.Test
	default:
		return "", false
	}
	if unseen {
		s = map[datasets.Split]datasets.Split{datasets.Train: datasets.UnseenTrain, datasets.Val: datasets.UnseenVal, datasets.Test: datasets.UnseenTest}[s]
	}
	return s, true
}

// findShards lists the parquet files of k-<K>_seen and k-<K>_unseen under dir, in either of
// the Hugging Face layouts: <config>/<split>-00000-of-00003.parquet (push_to_hub) or
// <config>/<split>/0000.parquet (the Hub's parquet conversion).
func findShards(dir string, k int) ([]shard, error) {
	var out []shard
	for _, unseen := range []bool{false, true} {
		config := fmt.Sprintf("k-%d_seen", k)
		if unseen {
			config = fmt.Sprintf("k-%d_unseen", k)
		}
		root := filepath.Join(dir, config)
		if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
			if unseen {
				continue // a release without unseen users is usable
			}
			return nil, fmt.Errorf("%s: no folder %s: want the k-%d_seen (and k-%d_unseen) folders of kitkatdafu/persona_in_pal; fetch them with pal data fetch %s", dir, config, k, k, CatalogName(k))
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(d.Name(), ".parquet") {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			parts := strings.Split(filepath.ToSlash(rel), "/")
			var name string
			switch {
			case len(parts) == 1:
				m := shardName.FindStringSubmatch(parts[0])
				if m == nil {
					return fmt.Errorf("%s: cannot tell the split from the file name: want train-00000-of-00001.parquet, validation-..., test-... or a train/, validation/, test/ folder", p)
				}
				name = m[1]
			case len(parts) == 2:
				name = strings.TrimPrefix(parts[0], "partial-")
			default:
				return fmt.Errorf("%s: unexpected folder depth: want <config>/<split>-NNNNN-of-NNNNN.parquet or <config>/<split>/NNNN.parquet", p)
			}
			sp, ok := splitOf(name, unseen)
			if !ok {
				return fmt.Errorf("%s: split %q is not train, validation or test", p, name)
			}
			out = append(out, shard{p, sp})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no parquet files under k-%d_seen: fetch them with pal data fetch %s", dir, k, CatalogName(k))
	}
	slices.SortFunc(out, func(a, b shard) int { return strings.Compare(a.path, b.path) })
	return out, nil
}

// row is one comparison read from a shard.
type row struct {
	user, left, right, prompt, group string
	y                                float64
	split                            datasets.Split
	where                            string // file and row, for messages
}

// resolveColumns finds the column index of every field in a file's schema.
func resolveColumns(path string, schema *parquet.Schema, cols Columns) (map[string]int, error) {
	var names []string
	for _, c := range schema.Columns() {
		names = append(names, strings.Join(c, "."))
	}
	given := map[string]string{"user": cols.User, "left": cols.Left, "right": cols.Right, "label": cols.Label, "prompt": cols.Prompt, "group": cols.Group}
	out := map[string]int{}
	for _, field := range []string{"user", "left", "right", "label", "prompt", "group"} {
		optional := field == "prompt" || field == "group"
		name := given[field]
		if name == "-" { // explicitly absent
			continue
		}
		if name == "" {
			var found []string
			for _, c := range Candidates[field] {
				if slices.Contains(names, c) {
					found = append(found, c)
				}
			}
			switch {
			case len(found) == 1:
				name = found[0]
			case len(found) > 1:
				return nil, fmt.Errorf("%s: columns %s could each be the %s column: set %s = \"...\" in the spec", path, strings.Join(found, ", "), field, configKey[field])
			case optional:
				continue
			default:
				return nil, fmt.Errorf("%s: no %s column (tried %s); the file has columns %s: set %s = \"...\" in the spec",
					path, field, strings.Join(Candidates[field], ", "), strings.Join(names, ", "), configKey[field])
			}
		}
		leaf, ok := schema.Lookup(strings.Split(name, ".")...)
		if !ok {
			return nil, fmt.Errorf("%s: %s = %q names no column; the file has columns %s", path, configKey[field], name, strings.Join(names, ", "))
		}
		if leaf.MaxRepetitionLevel > 0 {
			return nil, fmt.Errorf("%s: column %q (the %s) is a list: want one value per row", path, name, field)
		}
		out[field] = leaf.ColumnIndex
	}
	return out, nil
}

// readShard reads every row of one parquet file, hashing its bytes into the digest.
func readShard(s shard, cols Columns, h io.Writer, visit func(row) error) (err error) {
	f, _, err := regular.Open(s.path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(s.path), st.Size())
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: corrupt parquet file (decoder failed: %v): fetch it again", s.path, p)
		}
	}()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: not a readable parquet file (%v): fetch it again", s.path, err)
	}
	idx, err := resolveColumns(s.path, pf.Schema(), cols)
	if err != nil {
		return err
	}
	field := map[int]string{}
	for name, i := range idx {
		field[i] = name
	}
	n := 0
	buf := make([]parquet.Row, 256)
	for _, rg := range pf.RowGroups() {
		rows := rg.Rows()
		for {
			k, rerr := rows.ReadRows(buf)
			for _, r := range buf[:k] {
				n++
				out := row{split: s.split, where: fmt.Sprintf("%s row %d", s.path, n)}
				var have = map[string]bool{}
				for _, v := range r {
					name, ok := field[v.Column()]
					if !ok || v.IsNull() {
						continue
					}
					have[name] = true
					if name == "label" {
						y, ok := number(v)
						if !ok {
							rows.Close()
							return fmt.Errorf("%s: column %s holds %v, not a number", out.where, configKey["label"], v)
						}
						out.y = y
						continue
					}
					text := valueText(v)
					switch name {
					case "user":
						out.user = text
					case "left":
						out.left = text
					case "right":
						out.right = text
					case "prompt":
						out.prompt = text
					case "group":
						out.group = text
					}
				}
				for _, req := range []string{"user", "left", "right", "label"} {
					if !have[req] {
						rows.Close()
						return fmt.Errorf("%s: the %s is null: every row needs a user, two statements and a label", out.where, req)
					}
				}
				if err := visit(out); err != nil {
					rows.Close()
					return fmt.Errorf("%s: %w", out.where, err)
				}
			}
			if errors.Is(rerr, io.EOF) {
				break
			}
			if rerr != nil {
				rows.Close()
				return fmt.Errorf("%s: reading rows: %v (the file is corrupt; fetch it again)", s.path, rerr)
			}
		}
		rows.Close()
	}
	return nil
}

// number reads a label value.
func number(v parquet.Value) (float64, bool) {
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			return 1, true
		}
		return 0, true
	case parquet.Int32:
		return float64(v.Int32()), true
	case parquet.Int64:
		return float64(v.Int64()), true
	case parquet.Float:
		return float64(v.Float()), true
	case parquet.Double:
		return v.Double(), true
	case parquet.ByteArray:
		f, err := strconv.ParseFloat(strings.TrimSpace(string(v.ByteArray())), 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

// valueText renders a user id, statement, prompt or group as text.
func valueText(v parquet.Value) string {
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray())
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10)
	case parquet.Boolean:
		return strconv.FormatBool(v.Boolean())
	case parquet.Float:
		return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32)
	case parquet.Double:
		return strconv.FormatFloat(v.Double(), 'g', -1, 64)
	}
	return v.String()
}
