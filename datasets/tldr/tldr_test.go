package tldr

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
)

// fakeEmbedder maps a text to 4 numbers derived from its FNV hash: deterministic, distinct for
// distinct texts, and it records what it was asked.
type fakeEmbedder struct{ calls [][]string }

func (f *fakeEmbedder) Name() string { return "fake" }
func (f *fakeEmbedder) Dim() int     { return 4 }
func (f *fakeEmbedder) Embed(_ context.Context, texts []string) ([]float64, error) {
	f.calls = append(f.calls, append([]string(nil), texts...))
	out := make([]float64, 0, 4*len(texts))
	for _, t := range texts {
		h := fnv.New64a()
		h.Write([]byte(t))
		v := h.Sum64()
		for k := 0; k < 4; k++ {
			out = append(out, float64((v>>(16*k))&0xffff)/65536)
		}
	}
	return out, nil
}

// fixtureOptions shrink the construction so the hand-made fixture exercises every rule: 3 seen
// users, rank 1 in the minority, a quarter of the train pool in val, unseen users need 3 kept
// pairs and get 2 in unseen_train.
func fixtureOptions() Options {
	return Options{SeenUsers: 3, MinorityRanks: []int{1}, ValFraction: 0.25, MinUnseenPairs: 3, UnseenTrainPairs: 2, SplitSeed: 42}
}

// key identifies a pair by user and texts.
type key struct{ user, left, right string }

// TestConstructMatchesHandComputation checks testdata/comparisons against counts worked out
// by hand from the lines (the comments give the reasoning).
func TestConstructMatchesHandComputation(t *testing.T) {
	c, err := Construct("testdata/comparisons", fixtureOptions())
	if err != nil {
		t.Fatal(err)
	}
	st := c.Stats
	// Files: batch3.json (13 train lines), batch10.json (13 validation lines), cnndm0.json (one
	// train line of wB and one validation line of wF, both articles without a post).
	if strings.Join(st.FilesRead, ",") != "batch3.json,batch10.json,cnndm0.json" {
		t.Errorf("files read %v, want the HF order batch3, batch10, cnndm0", st.FilesRead)
	}
	if len(st.FilesMissing) != len(ComparisonFiles)-3 {
		t.Errorf("%d files missing, want %d", len(st.FilesMissing), len(ComparisonFiles)-3)
	}
	// Lines 2 (ref vs sup2) and 3 (a ppo policy) of batch3 and V12 (ppo) are dropped.
	if st.Lines != 28 || st.TrainLines != 14 || st.ValidationLines != 14 || st.KeptTrain != 12 || st.KeptValidation != 13 {
		t.Errorf("lines %d train %d validation %d kept %d/%d, want 28, 14, 14, kept 12/13",
			st.Lines, st.TrainLines, st.ValidationLines, st.KeptTrain, st.KeptValidation)
	}
	// Kept train pairs per worker, null posts included: wA 4 (lines 1, 4, 8, 12), wB 4 (5, 6,
	// 10 and the cnndm line), wC 2, wD 2. wA and wB tie: wA appears first, so rank 0. wC and wD
	// tie at the cut-off: wC appears first and is seen, wD is not.
	want := []User{
		{ID: "wA", Seen: true, Rank: 0, Minority: false, Kept: 4},
		{ID: "wB", Seen: true, Rank: 1, Minority: true, Kept: 4},
		{ID: "wC", Seen: true, Rank: 2, Minority: false, Kept: 2},
		// Unseen: kept validation pairs outside the seen users, null posts counted: wE 4 (V3-V6),
		// the authors' majority worker RMw... 3, wF 2 (V10 and cnndm), wD 1. Threshold 3.
		{ID: "wE", Seen: false, Rank: -1, Minority: true, Kept: 4},
		{ID: "RMwrIV50cNusBthNvLs1wSNdqFpQAg", Seen: false, Rank: -1, Minority: false, Kept: 3},
	}
	if len(c.Users) != len(want) {
		t.Fatalf("users %+v, want %+v", c.Users, want)
	}
	for i := range want {
		if fmt.Sprint(c.Users[i]) != fmt.Sprint(want[i]) {
			t.Errorf("user %d = %+v, want %+v", i, c.Users[i], want[i])
		}
	}
	if st.CutoffTie == "" {
		t.Error("the wC/wD tie at the cut-off is not reported")
	}

	// Labels by the length rule in code points (majority: longer wins; minority: shorter
	// wins; equal lengths: right). The human choice is ignored: it disagrees on several lines.
	labels := map[key]bool{
		{"wA", "aaaa", "bb"}:                           true,  // 4 > 2
		{"wA", "xyz", "uvw"}:                           false, // tie
		{"wA", "c", "dd"}:                              false,
		{"wB", "é", "ab"}:                              true, // 1 < 2 code points (2 = 2 bytes would be a tie)
		{"wB", "hello", "hi"}:                          false,
		{"wB", "same", "same"}:                         false, // tie, identical texts
		{"wC", "long text here", "short"}:              true,
		{"wC", "mm", "nnn"}:                            false,
		{"wA", "abc", "a"}:                             true,  // test
		{"wB", "abc", "a"}:                             false, // test, minority
		{"wC", "mmmm", "n"}:                            true,  // test
		{"wE", "x", "xx"}:                              true,  // unseen minority
		{"wE", "yyy", "y"}:                             false,
		{"wE", "zz", "zz"}:                             false,
		{"RMwrIV50cNusBthNvLs1wSNdqFpQAg", "aa", "b"}:  true, // unseen majority
		{"RMwrIV50cNusBthNvLs1wSNdqFpQAg", "c", "dd"}:  false,
		{"RMwrIV50cNusBthNvLs1wSNdqFpQAg", "ee", "ff"}: false,
	}
	where := map[key]datasets.Split{}
	for split, pairs := range c.Splits {
		for _, p := range pairs {
			k := key{c.Users[p.User].ID, p.Left, p.Right}
			lp, ok := labels[k]
			if !ok {
				t.Errorf("unexpected pair %+v in %s", k, split)
				continue
			}
			if p.LeftPreferred != lp {
				t.Errorf("pair %+v: LeftPreferred = %v, want %v", k, p.LeftPreferred, lp)
			}
			if _, dup := where[k]; dup {
				t.Errorf("pair %+v appears twice", k)
			}
			where[k] = split
		}
	}
	if len(where) != len(labels) {
		t.Errorf("%d pairs, want %d (null posts dropped: wA line 8, the cnndm line of wB, V6)", len(where), len(labels))
	}
	// Splits. Seen train pool: wA 3, wB 3, wC 2 (n = 8). ceil(0.25 * 8) = 2 go to val, 6 stay:
	// per user 6*3/8 = 2.25, 2.25, 6*2/8 = 1.5 -> floors 2, 2, 1, and the one left over goes to
	// the largest remainder, wC. So val takes one pair each of wA and wB.
	count := map[datasets.Split]map[string]int{}
	for k, s := range where {
		if count[s] == nil {
			count[s] = map[string]int{}
		}
		count[s][k.user]++
	}
	wantCount := map[datasets.Split]map[string]int{
		datasets.Train:       {"wA": 2, "wB": 2, "wC": 2},
		datasets.Val:         {"wA": 1, "wB": 1},
		datasets.Test:        {"wA": 1, "wB": 1, "wC": 1},
		datasets.UnseenTrain: {"wE": 2, "RMwrIV50cNusBthNvLs1wSNdqFpQAg": 2},
		datasets.UnseenTest:  {"wE": 1, "RMwrIV50cNusBthNvLs1wSNdqFpQAg": 1},
	}
	if fmt.Sprint(count) != fmt.Sprint(wantCount) {
		t.Errorf("pairs per split and user\n got %v\nwant %v", count, wantCount)
	}
	for _, k := range []key{{"wA", "abc", "a"}, {"wB", "abc", "a"}, {"wC", "mmmm", "n"}} {
		if where[k] != datasets.Test {
			t.Errorf("validation-split pair %+v of a seen user is in %s, want test", k, where[k])
		}
	}
	if st.Ties != 4 || st.IdenticalSummaries != 2 || st.DroppedNull != 3 {
		t.Errorf("ties %d identical %d dropped %d, want 4, 2, 3", st.Ties, st.IdenticalSummaries, st.DroppedNull)
	}
	if st.SeenUsers != 3 || st.SeenMinority != 1 || st.UnseenUsers != 2 || st.UnseenMajority != 1 {
		t.Errorf("stats users %+v", st)
	}
	if s := st.String(); !strings.Contains(s, "(paper: 20969)") || !strings.Contains(s, "unseen users: 2, 1 majority") {
		t.Errorf("stats text lacks the paper comparison:\n%s", s)
	}
}

func TestBuildEmbedsDistinctTextsOnce(t *testing.T) {
	c, err := Construct("testdata/comparisons", fixtureOptions())
	if err != nil {
		t.Fatal(err)
	}
	emb := &fakeEmbedder{}
	d, err := Build(context.Background(), c, emb)
	if err != nil {
		t.Fatal(err)
	}
	if len(emb.calls) != 1 {
		t.Fatalf("%d Embed calls, want one (a corpus-fitted embedder must see every text at once)", len(emb.calls))
	}
	// Distinct summaries of the kept pairs, plus one twin row for each identical pair's right
	// side ("same", "zz"); distinct posts of the kept pairs.
	summaries := map[string]bool{}
	posts := map[string]bool{}
	twins := 0
	for _, pairs := range c.Splits {
		for _, p := range pairs {
			summaries[p.Left], summaries[p.Right] = true, true
			posts[p.Post] = true
			if p.Left == p.Right {
				twins++
			}
		}
	}
	if d.NumItems() != len(summaries)+twins || d.NumPrompts() != len(posts) {
		t.Errorf("%d items and %d prompts, want %d (+%d twins) and %d", d.NumItems(), d.NumPrompts(), len(summaries), twins, len(posts))
	}
	if len(emb.calls[0]) != d.NumItems()+d.NumPrompts() {
		t.Errorf("embedded %d texts, want %d", len(emb.calls[0]), d.NumItems()+d.NumPrompts())
	}
	// Every pair's rows hold the vectors of its texts (rounded to float32, as Data stores them).
	vec := func(s string) []float32 {
		v, _ := emb.Embed(context.Background(), []string{s})
		return datasets.Float32s(v)
	}
	for split, pairs := range c.Splits {
		for i, p := range pairs {
			dp := d.Splits[split][i]
			if dp.Left == dp.Right {
				t.Fatalf("%s pair %d compares row %d with itself", split, i, dp.Left)
			}
			for _, chk := range []struct {
				got  []float32
				text string
			}{{d.Item(dp.Left), p.Left}, {d.Item(dp.Right), p.Right}, {d.Prompt(dp.Prompt), p.Post}} {
				if fmt.Sprint(chk.got) != fmt.Sprint(vec(chk.text)) {
					t.Errorf("%s pair %d: row of %q holds another text's vector", split, i, chk.text)
				}
			}
			if dp.LeftPreferred != p.LeftPreferred || d.Users[dp.User].ID != c.Users[p.User].ID {
				t.Errorf("%s pair %d changed in Build", split, i)
			}
		}
	}
	if d.NumGroups != 2 || d.Users[1].Group != GroupMinority || d.Users[0].Group != GroupMajority {
		t.Errorf("groups: %d, users %+v", d.NumGroups, d.Users)
	}
	if d.BayesAccuracy[datasets.Test] != 1 {
		t.Errorf("Bayes accuracy %v, want 1 (the labels are the length rule)", d.BayesAccuracy)
	}
	// Deterministic, and the fingerprint depends on the embedder.
	d2, err := Build(context.Background(), c, &fakeEmbedder{})
	if err != nil {
		t.Fatal(err)
	}
	if d2.Fingerprint != d.Fingerprint || fmt.Sprint(d2.Splits) != fmt.Sprint(d.Splits) {
		t.Error("two builds of one construction differ")
	}
	// A bring-your-own round trip keeps every pair.
	dir := t.TempDir()
	if err := datasets.WriteFiles(dir, d); err != nil {
		t.Fatal(err)
	}
	back, err := datasets.LoadFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range datasets.AllSplits {
		if len(back.Splits[s]) != len(d.Splits[s]) {
			t.Errorf("round trip: %s has %d pairs, want %d", s, len(back.Splits[s]), len(d.Splits[s]))
		}
	}
}

// writeLines writes comparisons in the release's JSON shape.
func writeLines(t *testing.T, path string, lines []map[string]any) {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		raw, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(raw)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func comparisonLine(worker, split, post, left, right string, choice int) map[string]any {
	return map[string]any{
		"info":      map[string]any{"id": "t3_x", "post": post, "title": "T", "subreddit": "s"},
		"summaries": []any{map[string]any{"text": left, "policy": "sup4", "note": nil}, map[string]any{"text": right, "policy": "sup4_6b", "note": nil}},
		"choice":    choice, "worker": worker, "batch": "batch3", "split": split, "extra": map[string]any{"confidence": 5},
	}
}

// TestDefaultsAreTheAuthorsConstruction generates data in the release's shape for the default
// options: 12 workers with 40, 39, ..., 29 train pairs (ranks 3, 4, 5 are the minority), and
// validation pairs for three outsiders: 101 (one of the authors' unseen majority), 100 and 99.
func TestDefaultsAreTheAuthorsConstruction(t *testing.T) {
	dir := t.TempDir()
	var train, valid []map[string]any
	text := func(n int) string { return strings.Repeat("w", n) }
	for w := 0; w < 12; w++ {
		for k := 0; k < 40-w; k++ {
			train = append(train, comparisonLine(fmt.Sprintf("worker%02d", w), "train", fmt.Sprintf("post %d %d", w, k), text(1+k%7), text(1+(k*3)%5), k%2))
		}
		valid = append(valid, comparisonLine(fmt.Sprintf("worker%02d", w), "valid2", fmt.Sprintf("vpost %d", w), text(2), text(9), 0))
	}
	outsiders := map[string]int{AuthorsUnseenMajority[1]: 101, "outsider100": 100, "outsider99": 99}
	for w, n := range outsiders {
		for k := 0; k < n; k++ {
			valid = append(valid, comparisonLine(w, "valid1", fmt.Sprintf("u %s %d", w, k), text(1+k%4), text(1+k%3), 1))
		}
	}
	writeLines(t, filepath.Join(dir, "batch3.json"), train)
	writeLines(t, filepath.Join(dir, "batch11.json"), valid)

	c, err := Construct(dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for r, u := range c.Users[:10] {
		if u.ID != fmt.Sprintf("worker%02d", r) || u.Rank != r || u.Minority != (r >= 3 && r <= 5) || !u.Seen {
			t.Errorf("seen user %d = %+v", r, u)
		}
	}
	if len(c.Users) != 12 || c.Users[10].ID != AuthorsUnseenMajority[1] || c.Users[10].Minority || c.Users[11].ID != "outsider100" || !c.Users[11].Minority {
		t.Fatalf("unseen users %+v, want the authors' majority worker then outsider100 (minority); outsider99 is below 100", c.Users[10:])
	}
	n := 0
	for w := 0; w < 10; w++ {
		n += 40 - w
	}
	if got, want := len(c.Splits[datasets.Val]), int(math.Ceil(0.1*float64(n))); got != want {
		t.Errorf("val has %d pairs, want ceil(0.1 * %d) = %d", got, n, want)
	}
	if got := len(c.Splits[datasets.Train]) + len(c.Splits[datasets.Val]); got != n {
		t.Errorf("train + val = %d, want %d", got, n)
	}
	if got := len(c.Splits[datasets.Test]); got != 10 {
		t.Errorf("test has %d pairs, want the 10 seen users' validation pairs", got)
	}
	if got := len(c.Splits[datasets.UnseenTrain]); got != 200 {
		t.Errorf("unseen_train has %d pairs, want 100 per unseen user", got)
	}
	if got := len(c.Splits[datasets.UnseenTest]); got != 1 {
		t.Errorf("unseen_test has %d pairs, want 1 (101 - 100; the user with exactly 100 has none)", got)
	}
	// Every label follows the rule for the user's group.
	for split, pairs := range c.Splits {
		for _, p := range pairs {
			lp, _ := label(p.Left, p.Right, c.Users[p.User].Minority)
			if p.LeftPreferred != lp {
				t.Errorf("%s: user %s %q vs %q labelled %v", split, c.Users[p.User].ID, p.Left, p.Right, p.LeftPreferred)
			}
		}
	}
	// Stratification: every seen user keeps about 90% in train.
	per := map[int]int{}
	for _, p := range c.Splits[datasets.Val] {
		per[p.User]++
	}
	for u := 0; u < 10; u++ {
		if want := float64(40-u) * 0.1; math.Abs(float64(per[u])-want) > 1 {
			t.Errorf("user %d has %d val pairs, want about %.1f", u, per[u], want)
		}
	}
	// Same files and options, same construction.
	c2, _ := Construct(dir, DefaultOptions())
	if fmt.Sprint(c2.Splits) != fmt.Sprint(c.Splits) {
		t.Error("the construction is not deterministic")
	}
}

func TestConstructErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Construct(dir, DefaultOptions()); err == nil || !strings.Contains(err.Error(), "pal data fetch reddit-tldr") {
		t.Errorf("empty folder: %v, want a hint to fetch", err)
	}
	os.WriteFile(filepath.Join(dir, "batch3.json"), []byte(`{"info": {}, "summaries": [], "split": "train"}`+"\n{not json\n"), 0o644)
	_, err := Construct(dir, DefaultOptions())
	if err == nil || !strings.Contains(err.Error(), "batch3.json line 1") {
		t.Errorf("bad summaries: %v, want file and line", err)
	}
	line := `{"info": {"post": "p"}, "summaries": [{"text": "a", "policy": "sup4"}, {"text": "b", "policy": "sup4"}], "worker": "w", "split": "train"}`
	os.WriteFile(filepath.Join(dir, "batch3.json"), []byte(line+"\n{not json\n"), 0o644)
	if _, err := Construct(dir, DefaultOptions()); err == nil || !strings.Contains(err.Error(), "batch3.json line 2") {
		t.Errorf("malformed JSON: %v, want file and line 2", err)
	}
	os.WriteFile(filepath.Join(dir, "batch3.json"), []byte(strings.Replace(line, `"train"`, `"valid3"`, 1)+"\n"), 0o644)
	if _, err := Construct(dir, DefaultOptions()); err == nil || !strings.Contains(err.Error(), `split "valid3"`) {
		t.Errorf("unknown split: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "batch3.json"), []byte(line+"\n"), 0o644)
	if _, err := Construct(dir, DefaultOptions()); err == nil || !strings.Contains(err.Error(), "only 1 workers") {
		t.Errorf("too few workers: %v", err)
	}
}
