package datasets

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pal-harness/pal/internal/npytest"
	"gonum.org/v1/gonum/mat"
)

// npyOf encodes v (a *mat.Dense, or a slice or nested slices of float64, float32, int64 or
// int32) as numpy.save does: format 1.0, a little-endian dtype, C order, the header padded
// with spaces to a multiple of 64 bytes.
func npyOf(t *testing.T, v any) []byte {
	t.Helper()
	if m, ok := v.(*mat.Dense); ok {
		r, _ := m.Dims()
		rows := make([][]float64, r)
		for i := range rows {
			rows[i] = mat.Row(nil, i, m)
		}
		v = rows
	}
	var shape []string
	for x := reflect.ValueOf(v); x.Kind() == reflect.Slice; {
		shape = append(shape, strconv.Itoa(x.Len()))
		if x.Len() == 0 {
			t.Fatal("npyOf: empty slice")
		}
		x = x.Index(0)
	}
	var data bytes.Buffer
	descr := ""
	var walk func(x reflect.Value)
	walk = func(x reflect.Value) {
		if x.Kind() == reflect.Slice {
			for i := 0; i < x.Len(); i++ {
				walk(x.Index(i))
			}
			return
		}
		switch x.Kind() {
		case reflect.Float64:
			descr = "<f8"
		case reflect.Float32:
			descr = "<f4"
		case reflect.Int64:
			descr = "<i8"
		case reflect.Int32:
			descr = "<i4"
		default:
			t.Fatalf("npyOf: unsupported element %s", x.Kind())
		}
		binary.Write(&data, binary.LittleEndian, x.Interface())
	}
	walk(reflect.ValueOf(v))
	st := "(" + strings.Join(shape, ", ") + ")"
	if len(shape) == 1 {
		st = "(" + shape[0] + ",)"
	}
	return handNPY(fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, st), data.Bytes())
}

// itemsNPY is a rows x cols float64 matrix with entry (i, j) = i + j/10.
func itemsNPY(t *testing.T, rows, cols int) []byte {
	m := mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			m.Set(i, j, float64(i)+float64(j)/10)
		}
	}
	return npyOf(t, m)
}

// handNPY builds a version 1.0 .npy file from a header dictionary and raw data, for the files
// numpy would not write (Fortran order, big-endian, broken headers).
func handNPY(dict string, data []byte) []byte { return npytest.V1(dict, data) }

// writeFolder writes files (name -> content) into a fresh temporary folder.
func writeFolder(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mustLoad(t *testing.T, dir string) *Data {
	t.Helper()
	d, err := LoadFiles(dir)
	if err != nil {
		t.Fatalf("LoadFiles: %v", err)
	}
	return d
}

// sortedPairs returns a split's pairs as user-ID-keyed strings, sorted: the loader shuffles,
// so round trips compare multisets.
func sortedPairs(d *Data, s Split) []string {
	var out []string
	for _, p := range d.Splits[s] {
		out = append(out, fmt.Sprintf("%s %d %d %d %v", d.Users[p.User].ID, p.Left, p.Right, p.Prompt, p.LeftPreferred))
	}
	slices.Sort(out)
	return out
}

func TestFilesRoundTrip(t *testing.T) {
	for _, users := range []string{"partition", "mixture"} {
		c := smallSynthetic()
		c.Users, c.Alpha = users, 0.3
		orig := mustGenerate(t, c, 17)
		dir := filepath.Join(t.TempDir(), "exported")
		if err := WriteFiles(dir, orig); err != nil {
			t.Fatal(err)
		}
		got := mustLoad(t, dir)
		if got.Name != "exported" || len(got.Fingerprint) != 64 {
			t.Errorf("%s: name %q fingerprint %q", users, got.Name, got.Fingerprint)
		}
		if got.Dim != orig.Dim || !reflect.DeepEqual(got.Items, orig.Items) {
			t.Fatalf("%s: items differ after the round trip", users)
		}
		if len(got.Users) != len(orig.Users) {
			t.Fatalf("%s: %d users, want %d", users, len(got.Users), len(orig.Users))
		}
		for i, u := range orig.Users {
			g := got.Users[i]
			if g.ID != u.ID || g.Seen != u.Seen {
				t.Fatalf("%s: user %d is %+v, want %+v", users, i, g, u)
			}
			// Group numbers may be renumbered (by first appearance), group names may not.
			if got.GroupNames[g.Group] != orig.GroupNames[u.Group] {
				t.Errorf("%s: user %s in group %q, want %q", users, u.ID, got.GroupNames[g.Group], orig.GroupNames[u.Group])
			}
			if users == "partition" && g.Group != u.Group {
				t.Errorf("partition: user %s group %d, want %d", u.ID, g.Group, u.Group)
			}
		}
		if users == "partition" && !reflect.DeepEqual(got.GroupNames, orig.GroupNames) {
			t.Errorf("partition: group names %v, want %v", got.GroupNames, orig.GroupNames)
		}
		for _, s := range AllSplits {
			if !reflect.DeepEqual(sortedPairs(got, s), sortedPairs(orig, s)) {
				t.Errorf("%s: split %s differs after the round trip", users, s)
			}
		}
		if got.Truth != nil || got.BayesAccuracy != nil || got.PromptDim != 0 {
			t.Errorf("%s: loaded data claims a ground truth or prompts", users)
		}
		// No temporary files are left behind.
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if want := []string{"items.npy", "pairs.csv", "users.csv"}; !reflect.DeepEqual(names, want) {
			t.Errorf("%s: folder holds %v, want %v", users, names, want)
		}
	}
}

func TestFilesRoundTripPrompts(t *testing.T) {
	d := &Data{
		Name: "handmade", Dim: 2, Items: []float32{0, 1, 2, 3, 4, 5},
		PromptDim: 3, Prompts: []float32{1, 2, 3, 4, 5, 6.1},
		Users: []User{{ID: "ann", Seen: true, Group: -1}, {ID: "bob", Seen: false, Group: -1}},
		Splits: map[Split][]Pair{
			Train:      {{User: 0, Left: 0, Right: 1, Prompt: 1, LeftPreferred: true}, {User: 0, Left: 2, Right: 1, Prompt: 0}},
			UnseenTest: {{User: 1, Left: 1, Right: 2, Prompt: 0, LeftPreferred: true}},
		},
	}
	dir := t.TempDir()
	// A stale users.csv from an earlier export must not survive.
	os.WriteFile(filepath.Join(dir, UsersFile), []byte("user,group\nann,x\n"), 0o644)
	if err := WriteFiles(dir, d); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, UsersFile)); !os.IsNotExist(err) {
		t.Errorf("stale users.csv was kept (stat error %v)", err)
	}
	got := mustLoad(t, dir)
	if got.PromptDim != 3 || !reflect.DeepEqual(got.Prompts, d.Prompts) {
		t.Errorf("prompts %d %v", got.PromptDim, got.Prompts)
	}
	for _, s := range AllSplits {
		if !reflect.DeepEqual(sortedPairs(got, s), sortedPairs(d, s)) {
			t.Errorf("split %s: %v, want %v", s, sortedPairs(got, s), sortedPairs(d, s))
		}
	}
	if got.NumGroups != 0 || got.GroupNames != nil || got.Users[0].Group != -1 {
		t.Errorf("groups appeared from nowhere: %d %v %d", got.NumGroups, got.GroupNames, got.Users[0].Group)
	}
	// Exporting without prompts removes the stale prompts.npy.
	d.PromptDim, d.Prompts = 0, nil
	for _, pairs := range d.Splits {
		for i := range pairs {
			pairs[i].Prompt = -1
		}
	}
	if err := WriteFiles(dir, d); err != nil {
		t.Fatal(err)
	}
	if got := mustLoad(t, dir); got.PromptDim != 0 || got.Splits[Train][0].Prompt != -1 {
		t.Errorf("after exporting without prompts: prompt dim %d, prompt %d", got.PromptDim, got.Splits[Train][0].Prompt)
	}
}

func TestWriteFilesErrors(t *testing.T) {
	base := func() *Data {
		return &Data{Dim: 1, Items: []float32{0, 1}, Users: []User{{ID: "a", Seen: true, Group: -1}, {ID: "b", Seen: true, Group: -1}},
			Splits: map[Split][]Pair{Train: {{User: 0, Left: 0, Right: 1, Prompt: -1}, {User: 1, Left: 1, Right: 0, Prompt: -1}}}}
	}
	cases := []struct {
		change func(d *Data)
		want   string
	}{
		{func(d *Data) { d.Users[1].ID = "a" }, `user ID "a" is used by two users`},
		{func(d *Data) { d.Users[1].ID = " b" }, `user ID " b" would not survive a round trip`},
		{func(d *Data) { d.Users[1].Group = 3 }, `user "b" has group 3`},
		{func(d *Data) { d.NumGroups, d.GroupNames, d.Users[0].Group = 2, []string{"x", "x"}, 0 }, `group name "x"`},
		{func(d *Data) { d.Splits[Train][0].Left = 5 }, "out of range"},
	}
	for _, c := range cases {
		d := base()
		c.change(d)
		dir := t.TempDir()
		err := WriteFiles(dir, d)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("a failed write left %d files", len(entries))
		}
	}
}

func TestLoadFloat32AndBigEndian(t *testing.T) {
	pairs := []byte("user,left,right,label,split\na,0,1,1,train\n")
	rows := [][]float32{{0.1, 0.2, 0.3}, {1.5, -2.25, 1e-3}}
	got := mustLoad(t, writeFolder(t, map[string][]byte{ItemsFile: npyOf(t, rows), PairsFile: pairs}))
	if got.Dim != 3 || got.NumItems() != 2 {
		t.Fatalf("shape %d x %d", got.NumItems(), got.Dim)
	}
	for i, row := range rows {
		for j, v := range row {
			if got.Item(i)[j] != v {
				t.Errorf("item %d[%d] = %v, want the stored float32 %v", i, j, got.Item(i)[j], v)
			}
		}
	}
	// A big-endian float64 file (numpy writes these on big-endian machines or with dtype '>f8').
	data := make([]byte, 16)
	binary.BigEndian.PutUint64(data, math.Float64bits(1.25))
	binary.BigEndian.PutUint64(data[8:], math.Float64bits(-3))
	be := handNPY("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 1), }", data)
	got = mustLoad(t, writeFolder(t, map[string][]byte{ItemsFile: be, PairsFile: pairs}))
	if !reflect.DeepEqual(got.Items, []float32{1.25, -3}) || got.ItemsMapped {
		t.Errorf("big-endian items %v (mapped %v)", got.Items, got.ItemsMapped)
	}
}

func TestLoadUsersAndGroups(t *testing.T) {
	dir := writeFolder(t, map[string][]byte{
		ItemsFile: itemsNPY(t, 4, 2),
		// Columns in another order, a byte-order mark and spaces, as spreadsheets write them.
		PairsFile: []byte("\ufeffsplit, label ,user,right,left\ntrain,1,ann,1,0\nunseen_test,0,cat,3,2\ntest,0,bob,2,1\ntrain,1,ann,3,0\n"),
		UsersFile: []byte("user,group\ncat,red\nann,blue\nzed,green\n"),
	})
	d := mustLoad(t, dir)
	ids := []string{}
	for _, u := range d.Users {
		ids = append(ids, u.ID)
	}
	if !reflect.DeepEqual(ids, []string{"ann", "cat", "bob"}) {
		t.Errorf("users %v, want order of first appearance ann, cat, bob", ids)
	}
	if !reflect.DeepEqual(d.GroupNames, []string{"red", "blue", "green"}) || d.NumGroups != 3 {
		t.Errorf("groups %d %v", d.NumGroups, d.GroupNames)
	}
	wantGroup := map[string]int{"ann": 1, "cat": 0, "bob": -1}
	wantSeen := map[string]bool{"ann": true, "cat": false, "bob": true}
	for _, u := range d.Users {
		if u.Group != wantGroup[u.ID] || u.Seen != wantSeen[u.ID] {
			t.Errorf("user %s: group %d seen %v", u.ID, u.Group, u.Seen)
		}
	}
	if len(d.Splits[Train]) != 2 || len(d.Splits[Test]) != 1 || len(d.Splits[UnseenTest]) != 1 || len(d.Splits) != 3 {
		t.Errorf("split sizes %d %d %d (%d splits)", len(d.Splits[Train]), len(d.Splits[Test]), len(d.Splits[UnseenTest]), len(d.Splits))
	}
	p := d.Splits[UnseenTest][0]
	if p.Left != 2 || p.Right != 3 || p.LeftPreferred || p.Prompt != -1 {
		t.Errorf("unseen pair %+v", p)
	}
}

// TestLoadShufflesDeterministically: a file sorted by user comes back mixed (few-shot takes the
// first n pairs per user), in the same order every time, and the fingerprint depends on the
// bytes, not on the folder.
func TestLoadShufflesDeterministically(t *testing.T) {
	var b strings.Builder
	b.WriteString("user,left,right,label,split\n")
	for u := range 10 {
		for i := range 20 {
			fmt.Fprintf(&b, "u%d,%d,%d,%d,train\n", u, i%7, 7+i%5, i%2)
		}
	}
	files := map[string][]byte{ItemsFile: itemsNPY(t, 12, 2), PairsFile: []byte(b.String())}
	a, c := mustLoad(t, writeFolder(t, files)), mustLoad(t, writeFolder(t, files))
	if !reflect.DeepEqual(a.Splits, c.Splits) || a.Fingerprint != c.Fingerprint {
		t.Fatal("the same files loaded twice differ")
	}
	changes := 0
	for i := 1; i < len(a.Splits[Train]); i++ {
		if a.Splits[Train][i].User != a.Splits[Train][i-1].User {
			changes++
		}
	}
	if changes < 100 {
		t.Errorf("user changes %d times in 200 pairs: not shuffled", changes)
	}
	files[PairsFile] = []byte(strings.Replace(b.String(), "u9,", "u8,", 1))
	if mustLoad(t, writeFolder(t, files)).Fingerprint == a.Fingerprint {
		t.Error("changing pairs.csv left the fingerprint unchanged")
	}
}

// TestLoadErrors runs every malformed case and checks that the message names the file, the line
// or the property at fault, and the problem.
func TestLoadErrors(t *testing.T) {
	items10 := itemsNPY(t, 10, 2)
	good := "user,left,right,label,split\na,0,1,1,train\n"
	f64 := func(vals ...float64) []byte {
		var b bytes.Buffer
		for _, v := range vals {
			binary.Write(&b, binary.LittleEndian, v)
		}
		return b.Bytes()
	}
	validItems := handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f64(1, 2, 3, 4))
	cases := []struct {
		name  string
		files map[string][]byte
		want  []string // every one must appear in the error
	}{
		// items.npy
		{"no items", map[string][]byte{PairsFile: []byte(good)}, []string{"items.npy: no such file"}},
		{"no pairs", map[string][]byte{ItemsFile: items10}, []string{"pairs.csv: no such file"}},
		{"not npy", map[string][]byte{ItemsFile: []byte("0.1,0.2\n0.3,0.4\n"), PairsFile: []byte(good)},
			[]string{"items.npy is not a .npy file", "numpy.save"}},
		{"int dtype", map[string][]byte{ItemsFile: npyOf(t, [][]int64{{1, 2}, {3, 4}}), PairsFile: []byte(good)},
			[]string{"items.npy has dtype <i8", "want float32 (<f4) or float64 (<f8)"}},
		{"float16 dtype", map[string][]byte{ItemsFile: handNPY("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 1), }", make([]byte, 4)), PairsFile: []byte(good)},
			[]string{"items.npy has dtype <f2"}},
		{"1-D", map[string][]byte{ItemsFile: npyOf(t, []float64{1, 2, 3, 4, 5}), PairsFile: []byte(good)},
			[]string{"items.npy has shape (5,) (1-D)", "want a 2-D array"}},
		{"3-D", map[string][]byte{ItemsFile: npyOf(t, [][][]float64{{{1}, {2}}, {{3}, {4}}}), PairsFile: []byte(good)},
			[]string{"items.npy has shape (2, 2, 1) (3-D)"}},
		{"fortran", map[string][]byte{ItemsFile: handNPY("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", f64(1, 2, 3, 4)), PairsFile: []byte(good)},
			[]string{"items.npy is stored in Fortran (column-major) order", "ascontiguousarray"}},
		{"truncated data", map[string][]byte{ItemsFile: validItems[:len(validItems)-5], PairsFile: []byte(good)},
			[]string{"items.npy is truncated", "needs 32 bytes of data but the file holds 27"}},
		{"extra data", map[string][]byte{ItemsFile: append(bytes.Clone(validItems), 0, 0, 0, 0, 0, 0, 0, 0), PairsFile: []byte(good)},
			[]string{"items.npy has 8 bytes after the (2, 2) data"}},
		{"truncated header", map[string][]byte{ItemsFile: validItems[:30], PairsFile: []byte(good)},
			[]string{"items.npy is truncated: its header claims"}},
		{"header without newline", map[string][]byte{ItemsFile: bytes.ReplaceAll(bytes.Clone(validItems), []byte("\n"), []byte(" ")), PairsFile: []byte(good)},
			[]string{"items.npy has a malformed header"}},
		{"garbled header", map[string][]byte{ItemsFile: handNPY("{'shape': (2, 2), 'fortran_order': False, 'descr': '<f8' ", f64(1, 2, 3, 4)), PairsFile: []byte(good)},
			[]string{"items.npy has a malformed header \"{'shape': (2, 2)"}},
		{"header without shape", map[string][]byte{ItemsFile: handNPY("{'descr': '<f8', 'fortran_order': False}", f64(1, 2, 3, 4)), PairsFile: []byte(good)},
			[]string{"items.npy has a malformed header", `no "shape" key`}},
		{"negative shape", map[string][]byte{ItemsFile: handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 2)}", f64(1, 2, 3, 4)), PairsFile: []byte(good)},
			[]string{"items.npy has a malformed header", "non-negative integers"}},
		{"shape beyond int", map[string][]byte{ItemsFile: handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999, 2)}", f64(1, 2, 3, 4)), PairsFile: []byte(good)},
			[]string{"items.npy has a malformed header", "not a number of a supported size"}},
		{"deep header", map[string][]byte{ItemsFile: handNPY("{'descr': "+strings.Repeat("[", 10000)+", 'fortran_order': False, 'shape': (2, 2)}", f64(1, 2, 3, 4)), PairsFile: []byte(good)},
			[]string{"items.npy has a malformed header", "nested too deeply"}},
		{"huge shape", map[string][]byte{ItemsFile: handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }", f64(1)), PairsFile: []byte(good)},
			[]string{"items.npy is truncated"}},
		{"empty npy", map[string][]byte{ItemsFile: {}, PairsFile: []byte(good)},
			[]string{"items.npy is empty (0 bytes)"}},
		{"zero rows", map[string][]byte{ItemsFile: handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", nil), PairsFile: []byte(good)},
			[]string{"items.npy has shape (0, 3): want at least one row"}},
		{"nan", map[string][]byte{ItemsFile: handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f64(1, 2, math.NaN(), 4)), PairsFile: []byte(good)},
			[]string{"items.npy row 1 column 0 is NaN"}},

		// pairs.csv
		{"empty pairs", map[string][]byte{ItemsFile: items10, PairsFile: nil}, []string{"pairs.csv is empty", "user,left,right,label,split"}},
		{"header only", map[string][]byte{ItemsFile: items10, PairsFile: []byte("user,left,right,label,split\n")}, []string{"pairs.csv has a header but no pairs"}},
		{"missing column", map[string][]byte{ItemsFile: items10, PairsFile: []byte("user,left,right,split\na,0,1,train\n")},
			[]string{`pairs.csv line 1: missing column "label"`}},
		{"unknown column", map[string][]byte{ItemsFile: items10, PairsFile: []byte("user,left,right,label,split,weight,date\na,0,1,1,train,2,x\n")},
			[]string{`pairs.csv line 1: unknown columns "weight", "date"`, "optional: prompt"}},
		{"duplicate column", map[string][]byte{ItemsFile: items10, PairsFile: []byte("user,left,right,label,split,left\na,0,1,1,train,0\n")},
			[]string{`pairs.csv line 1: column "left" appears twice`}},
		{"bad integer", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b,0,x,1,train\n")},
			[]string{`pairs.csv line 3: column "right": "x" is not a row index: want an integer from 0 to 9`}},
		{"float index", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b,1.0,2,1,train\n")},
			[]string{`pairs.csv line 3: column "left": "1.0" is not a row index`}},
		{"out of range", map[string][]byte{ItemsFile: itemsNPY(t, 1000, 1), PairsFile: []byte(good + strings.Repeat("a,0,1,1,train\n", 14) + "b,1200,2,1,train\n")},
			[]string{`pairs.csv line 17: column "left": 1200 is out of range: items.npy has 1000 rows (0..999)`}},
		{"negative index", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b,3,-1,1,train\n")},
			[]string{`pairs.csv line 3: column "right": -1 is out of range: items.npy has 10 rows (0..9)`}},
		{"bad label", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b,0,1,2,train\n")},
			[]string{`pairs.csv line 3: column "label": "2" is not a label: use 1 when the user preferred left, 0 when they preferred right`}},
		{"word label", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b,0,1,left,train\n")},
			[]string{`pairs.csv line 3: column "label": "left" is not a label`}},
		{"authors' label", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b,0,1,-1,train\n")},
			[]string{`pairs.csv line 3: column "label": "-1" is not a label`, "map -1 to 1"}},
		{"unknown split", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b,0,1,1,training\n")},
			[]string{`pairs.csv line 3: column "split": "training" is not a split: use one of train, val, test, unseen_train, unseen_val, unseen_test`}},
		{"same item", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b,4,4,1,train\n")},
			[]string{`pairs.csv line 3: columns "left" and "right" are both item 4`}},
		{"field count", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b,0,1,1\n")},
			[]string{"pairs.csv line 3: wrong number of fields: the header has 5 columns"}},
		{"bad quote", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b\"x,0,1,1,train\n")},
			[]string{"pairs.csv line 3: malformed CSV"}},
		{"empty user", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + " ,0,1,1,train\n")},
			[]string{`pairs.csv line 3: column "user": empty user ID`}},
		{"seen and unseen", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "b,0,1,1,unseen_train\nb,2,3,0,val\n")},
			[]string{`pairs.csv line 4: user "b" is in split val here but in split unseen_train on line 3`, "either seen"}},
		{"line numbers count quoted newlines", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good + "\"multi\nline\",0,1,1,train\nb,0,1,7,train\n")},
			[]string{`pairs.csv line 5: column "label"`}},

		// prompts
		{"prompt column without file", map[string][]byte{ItemsFile: items10, PairsFile: []byte("user,left,right,label,split,prompt\na,0,1,1,train,0\n")},
			[]string{`pairs.csv line 1: has a "prompt" column but the folder has no prompts.npy`}},
		{"prompt file without column", map[string][]byte{ItemsFile: items10, PromptsFile: itemsNPY(t, 3, 4), PairsFile: []byte(good)},
			[]string{`pairs.csv line 1: the folder has prompts.npy but there is no "prompt" column`}},
		{"prompt out of range", map[string][]byte{ItemsFile: items10, PromptsFile: itemsNPY(t, 3, 4), PairsFile: []byte("user,left,right,label,split,prompt\na,0,1,1,train,0\na,0,1,1,train,3\n")},
			[]string{`pairs.csv line 3: column "prompt": 3 is out of range: prompts.npy has 3 rows (0..2)`}},
		{"prompt wrong dtype", map[string][]byte{ItemsFile: items10, PromptsFile: npyOf(t, [][]int32{{1}}), PairsFile: []byte("user,left,right,label,split,prompt\na,0,1,1,train,0\n")},
			[]string{"prompts.npy has dtype <i4"}},

		// users.csv
		{"users empty", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good), UsersFile: nil}, []string{"users.csv is empty", "user,group"}},
		{"users missing group", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good), UsersFile: []byte("user\na\n")},
			[]string{`users.csv line 1: missing column "group"`}},
		{"users unknown column", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good), UsersFile: []byte("user,group,age\na,x,3\n")},
			[]string{`users.csv line 1: unknown column "age"`}},
		{"users duplicate", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good), UsersFile: []byte("user,group\na,x\nb,y\na,x\n")},
			[]string{`users.csv line 4: user "a" is listed again (first on line 2)`}},
		{"users empty group", map[string][]byte{ItemsFile: items10, PairsFile: []byte(good), UsersFile: []byte("user,group\na,\n")},
			[]string{`users.csv line 2: column "group": empty group for user "a"`}},
	}
	if _, err := LoadFiles(filepath.Join(t.TempDir(), "nowhere")); err == nil || !strings.Contains(err.Error(), "data folder") {
		t.Errorf("missing folder: error %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFolder(t, c.files)
			_, err := LoadFiles(dir)
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n  %v\nwant it to contain\n  %s", err, w)
				}
			}
			t.Logf("%v", err)
			// Errors name the file by its path in the folder.
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %v does not name the folder %s", err, dir)
			}
		})
	}
}

// TestNPYHeaderVariants: headers numpy reads are read alike whatever the key order, spacing,
// format version (2.0 has a 4-byte header length) or a Python 2 long suffix.
func TestNPYHeaderVariants(t *testing.T) {
	pairs := []byte("user,left,right,label,split\na,0,1,1,train\n")
	data := make([]byte, 16)
	binary.LittleEndian.PutUint64(data, math.Float64bits(1.5))
	binary.LittleEndian.PutUint64(data[8:], math.Float64bits(-2))
	for name, raw := range map[string][]byte{
		"key order":   handNPY("{'shape': (2, 1), 'fortran_order': False, 'descr': '<f8', }", data),
		"no spaces":   handNPY(`{"descr":"<f8","fortran_order":False,"shape":(2,1)}`, data),
		"python 2":    handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 1L), }", data),
		"version 2.0": npytest.File(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }\n", data),
	} {
		got := mustLoad(t, writeFolder(t, map[string][]byte{ItemsFile: raw, PairsFile: pairs}))
		if !reflect.DeepEqual(got.Items, []float32{1.5, -2}) {
			t.Errorf("%s: items %v", name, got.Items)
		}
	}
}

// TestReadVectorNPY reads score-like vectors and checks the declared size before allocating.
func TestReadVectorNPY(t *testing.T) {
	dir := t.TempDir()
	write := func(raw []byte) string {
		path := filepath.Join(dir, "v.npy")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	f32 := make([]byte, 8)
	binary.LittleEndian.PutUint32(f32, math.Float32bits(0.5))
	binary.LittleEndian.PutUint32(f32[4:], math.Float32bits(3))
	for _, shape := range []string{"(2,)", "(2, 1)"} {
		v, err := ReadVectorNPY(write(handNPY("{'descr': '<f4', 'fortran_order': False, 'shape': "+shape+", }", f32)), "")
		if err != nil || !reflect.DeepEqual(v, []float64{0.5, 3}) {
			t.Errorf("shape %s: %v, %v", shape, v, err)
		}
	}
	for _, c := range []struct {
		raw  []byte
		want string
	}{
		{handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", make([]byte, 8)), "v.npy is truncated: shape (1000000000000,) of 8-byte values needs 8000000000000 bytes of data but the file holds 8"},
		{handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", make([]byte, 32)), "v.npy has shape (2, 2): want a vector"},
		{handNPY("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)), "v.npy has dtype <i8"},
		{handNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", []byte{0, 0, 0xc0, 0x7f}), "v.npy entry 0 is NaN"},
	} {
		if _, err := ReadVectorNPY(write(c.raw), ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

// The estimate of a bring-your-own folder reads only the .npy headers: the shape is exact for
// items and prompts, and pairs are bounded from pairs.csv's size.
func TestFilesEstimate(t *testing.T) {
	cfg := DefaultSynthetic()
	cfg.Items, cfg.Prompts, cfg.PromptDim = 70, 9, 5
	d, err := GenerateSynthetic(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteFiles(dir, d); err != nil {
		t.Fatal(err)
	}
	s, bytes, err := (&FilesConfig{Path: dir}).Estimate(Env{})
	if err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for _, p := range d.Splits {
		pairs += len(p)
	}
	if s.Items != 70 || s.Dim != cfg.Dim || s.Prompts != 9 || s.PromptDim != 5 || s.Pairs < pairs || bytes < s.Bytes() {
		t.Errorf("estimate %+v (%d bytes) of %d pairs", s, bytes, pairs)
	}
	if _, _, err := (&FilesConfig{Path: t.TempDir()}).Estimate(Env{}); err == nil {
		t.Error("a folder without items.npy gave an estimate")
	}
}
