package personainpal

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/parquet-go/parquet-go"
)

var update = flag.Bool("update", false, "rewrite the parquet fixture in testdata/release")

// fixtureRow is a row of the fixture in the column layout the loader assumes by default.
type fixtureRow struct {
	UID    int64  `parquet:"uid"`
	Prompt string `parquet:"prompt"`
	Left   string `parquet:"left"`
	Right  string `parquet:"right"`
	Y      int64  `parquet:"y"`
	Group  string `parquet:"group"`
}

// Statements a holder of each group's trait would say; every pair sets one of each against
// each other, and the user prefers their group's.
var statements = [2][]string{
	{"I like meeting new people", "Parties give me energy", "I talk to strangers easily"},
	{"I prefer quiet evenings alone", "Crowds tire me out", "I think before I speak"},
}

// fixtureRows generates the rows of one file: users uid0.. of alternating groups.
func fixtureRows(r *rand.Rand, users, pairs int, split string) []fixtureRow {
	var out []fixtureRow
	for u := 0; u < users; u++ {
		g := u % 2
		for k := 0; k < pairs; k++ {
			mine := statements[g][r.IntN(3)]
			other := statements[1-g][r.IntN(3)]
			row := fixtureRow{UID: int64(u), Prompt: "Which would you say? (" + split + ")", Left: mine, Right: other, Y: -1, Group: fmt.Sprintf("g%d", g)}
			if r.IntN(2) == 0 {
				row.Left, row.Right, row.Y = other, mine, 1
			}
			out = append(out, row)
		}
	}
	return out
}

func writeParquet[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// fixtureFiles are the files of testdata/release, written by TestWriteFixture -update.
func fixtureFiles() map[string][]fixtureRow {
	r := rand.New(rand.NewPCG(7, 7))
	return map[string][]fixtureRow{
		"k-2_seen/train-00000-of-00001.parquet":   fixtureRows(r, 4, 6, "train"),
		"k-2_seen/test-00000-of-00001.parquet":    fixtureRows(r, 4, 2, "test"),
		"k-2_unseen/train-00000-of-00001.parquet": fixtureRows(r, 2, 3, "train"),
		"k-2_unseen/test-00000-of-00001.parquet":  fixtureRows(r, 2, 2, "test"),
	}
}

// TestWriteFixture rewrites testdata/release with -update; without it, it checks that the
// committed files hold what the generator gives.
func TestWriteFixture(t *testing.T) {
	files := fixtureFiles()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if *update {
		for _, n := range names {
			writeParquet(t, filepath.Join("testdata/release", n), files[n])
		}
	}
	for _, n := range names {
		f, err := os.Open(filepath.Join("testdata/release", n))
		if err != nil {
			t.Fatalf("%v (run go test ./datasets/personainpal -run TestWriteFixture -update)", err)
		}
		rows, err := parquet.Read[fixtureRow](f, mustSize(t, f))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(rows) != fmt.Sprint(files[n]) {
			t.Errorf("%s differs from the generator: rerun with -update", n)
		}
	}
}

func mustSize(t *testing.T, f *os.File) int64 {
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// fakeEmbedder maps a text to 3 numbers from its hash.
type fakeEmbedder struct{ calls int }

func (f *fakeEmbedder) Name() string { return "fake" }
func (f *fakeEmbedder) Dim() int     { return 3 }
func (f *fakeEmbedder) Embed(_ context.Context, texts []string) ([]float64, error) {
	f.calls++
	var out []float64
	for _, s := range texts {
		h := fnv.New64a()
		h.Write([]byte(s))
		v := h.Sum64()
		out = append(out, float64(v&0xfff)/4096, float64(v>>12&0xfff)/4096, float64(v>>24&0xfff)/4096)
	}
	return out, nil
}

func TestReadFixture(t *testing.T) {
	rel, err := Read("testdata/release", Options{K: 2, ValFraction: 0.5, SplitSeed: 42})
	if err != nil {
		t.Fatal(err)
	}
	st := rel.Stats
	// 4 seen users x 6 train pairs, half of each user's moved to val (no validation files);
	// 4 x 2 test; 2 unseen users x 3 train and x 2 test.
	want := map[datasets.Split]int{datasets.Train: 12, datasets.Val: 12, datasets.Test: 8, datasets.UnseenTrain: 6, datasets.UnseenTest: 4}
	if fmt.Sprint(st.Pairs) != fmt.Sprint(want) || !st.ValCarved {
		t.Errorf("pairs %v (val carved %v), want %v", st.Pairs, st.ValCarved, want)
	}
	if st.Files != 4 || st.Rows != 42 || st.SeenUsers != 4 || st.UnseenUsers != 2 || st.Groups != 2 || st.Labels != "{-1,+1}" {
		t.Errorf("stats %+v", st)
	}
	// The unseen ids 0 and 1 also name seen users: renamed.
	if st.RenamedUsers != 2 || rel.Users[4].ID != "unseen-0" {
		t.Errorf("renamed %d, users %+v", st.RenamedUsers, rel.Users)
	}
	// Every label says the user preferred their group's statement.
	for sp, ps := range rel.Pairs {
		for _, p := range ps {
			g := rel.Users[p.User].Group
			winner := p.Right
			if p.LeftPreferred {
				winner = p.Left
			}
			if !slices.Contains(statements[g], winner) {
				t.Errorf("%s: user %s of group %d preferred %q", sp, rel.Users[p.User].ID, g, winner)
			}
		}
	}
	emb := &fakeEmbedder{}
	d, err := Build(context.Background(), rel, emb)
	if err != nil {
		t.Fatal(err)
	}
	if emb.calls != 1 || d.NumItems() != 6 || d.NumPrompts() != 2 || d.NumGroups != 2 {
		t.Errorf("%d embed calls, %d items, %d prompts, %d groups; want 1, 6 statements, 2 prompts, 2 groups", emb.calls, d.NumItems(), d.NumPrompts(), d.NumGroups)
	}
	if d.Fingerprint == "" {
		t.Error("no fingerprint")
	}
	rel2, _ := Read("testdata/release", Options{K: 2, ValFraction: 0.5, SplitSeed: 42})
	d2, _ := Build(context.Background(), rel2, &fakeEmbedder{})
	if d2.Fingerprint != d.Fingerprint || fmt.Sprint(d2.Splits) != fmt.Sprint(d.Splits) {
		t.Error("two reads of the same files differ")
	}
}

// otherRow uses other column names and a {0,1} label.
type otherRow struct {
	UserID     string `parquet:"user_id"`
	Statement1 string `parquet:"statement_1"`
	Statement2 string `parquet:"statement_2"`
	Label      int32  `parquet:"label"`
}

func TestOtherLayoutAndColumns(t *testing.T) {
	dir := t.TempDir()
	rows := []otherRow{
		{"a", "s1", "s2", 0}, {"a", "s3", "s1", 1}, {"b", "s2", "s3", 0}, {"b", "s1", "s3", 1},
	}
	// The Hub's parquet-conversion layout: <config>/<split>/NNNN.parquet; no unseen folder.
	writeParquet(t, filepath.Join(dir, "k-3_seen", "train", "0000.parquet"), rows)
	writeParquet(t, filepath.Join(dir, "k-3_seen", "validation", "0000.parquet"), rows[:2])
	rel, err := Read(dir, Options{K: 3, SplitSeed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rel.Stats.Labels != "{0,1}" || rel.Stats.Pairs[datasets.Train] != 4 || rel.Stats.Pairs[datasets.Val] != 2 || rel.Stats.ValCarved {
		t.Errorf("stats %+v", rel.Stats)
	}
	for _, p := range rel.Pairs[datasets.Train] {
		// label 0 = left (the smaller value of the convention)
		want := map[string]bool{"s1>s2": true, "s3>s1": false, "s2>s3": true, "s1>s3": false}[p.Left+">"+p.Right]
		if p.LeftPreferred != want {
			t.Errorf("pair %s vs %s: LeftPreferred %v", p.Left, p.Right, p.LeftPreferred)
		}
	}
	// Ambiguous columns: both "left" and "statement_1" exist.
	type amb struct {
		UID   string `parquet:"uid"`
		Left  string `parquet:"left"`
		S1    string `parquet:"statement_1"`
		Right string `parquet:"right"`
		Y     int64  `parquet:"y"`
	}
	dir2 := t.TempDir()
	writeParquet(t, filepath.Join(dir2, "k-2_seen", "train-00000-of-00001.parquet"), []amb{{"u", "a", "b", "c", -1}})
	if _, err := Read(dir2, Options{K: 2}); err == nil || !strings.Contains(err.Error(), "set left_column") {
		t.Errorf("ambiguous columns: %v", err)
	}
	rel, err = Read(dir2, Options{K: 2, Columns: Columns{Left: "statement_1"}})
	if err != nil || rel.Pairs[datasets.Train][0].Left != "b" {
		t.Errorf("explicit left_column: %v %+v", err, rel)
	}
	if _, err := Read(dir2, Options{K: 2, Columns: Columns{Left: "nope"}}); err == nil || !strings.Contains(err.Error(), `left_column = "nope" names no column`) {
		t.Errorf("unknown column: %v", err)
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := Read(t.TempDir(), Options{K: 4}); err == nil || !strings.Contains(err.Error(), "pal data fetch persona-in-pal-k4") {
		t.Errorf("missing folder: %v", err)
	}
	// A truncated parquet file.
	dir := t.TempDir()
	raw, err := os.ReadFile("testdata/release/k-2_seen/train-00000-of-00001.parquet")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "k-2_seen", "train-00000-of-00001.parquet")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, raw[:len(raw)/2], 0o644)
	if _, err := Read(dir, Options{K: 2}); err == nil || !strings.Contains(err.Error(), "train-00000-of-00001.parquet") || !strings.Contains(err.Error(), "fetch it again") {
		t.Errorf("truncated parquet: %v", err)
	}
	// A file whose name gives no split.
	os.WriteFile(p, raw, 0o644)
	os.WriteFile(filepath.Join(dir, "k-2_seen", "extra.parquet"), raw, 0o644)
	if _, err := Read(dir, Options{K: 2}); err == nil || !strings.Contains(err.Error(), "cannot tell the split") {
		t.Errorf("unnamed split: %v", err)
	}
	// Labels outside the conventions.
	dir3 := t.TempDir()
	writeParquet(t, filepath.Join(dir3, "k-2_seen", "train-00000-of-00001.parquet"), []fixtureRow{{UID: 1, Left: "a", Right: "b", Y: 5}})
	if _, err := Read(dir3, Options{K: 2}); err == nil || !strings.Contains(err.Error(), "fit no PAL convention") {
		t.Errorf("label 5: %v", err)
	}
}
