package pickapic

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pal-harness/pal/datasets"
)

// The fixtures in testdata were written by testdata/make_fixtures.py with Debian's
// python3-joblib, python3-numpy and python3-torch, in the layout of the authors' release;
// expected.json holds every comparison as plain JSON.

type expectedPair struct {
	ID     string    `json:"id"`
	UID    string    `json:"uid"`
	Y      float64   `json:"y"`
	Split  *string   `json:"split"`
	Prompt []float64 `json:"prompt"`
	Left   []float64 `json:"left"`
	Right  []float64 `json:"right"`
}

func expected(t *testing.T) map[string][]expectedPair {
	t.Helper()
	raw, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var out map[string][]expectedPair
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// pairText renders a comparison as text: user, the three vectors, label and split.
func pairText(user string, prompt, left, right []float64, leftPreferred bool, split datasets.Split) string {
	return fmt.Sprintf("%s|%v|%v|%v|%v|%s", user, prompt, left, right, leftPreferred, split)
}

// widened returns float32 values as float64 (exactly).
func widened(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// rounded returns v rounded to float32 and widened back: the values Data stores for v.
func rounded(v []float64) []float64 { return widened(datasets.Float32s(v)) }

// dataPairs lists every pair of d as text, sorted.
func dataPairs(d *datasets.Data) []string {
	var out []string
	for split, pairs := range d.Splits {
		for _, p := range pairs {
			out = append(out, pairText(d.Users[p.User].ID, widened(d.Prompt(p.Prompt)), widened(d.Item(p.Left)), widened(d.Item(p.Right)), p.LeftPreferred, split))
		}
	}
	sort.Strings(out)
	return out
}

func TestLoadMatchesFixtures(t *testing.T) {
	exp := expected(t)
	for _, tc := range []struct {
		file      string
		unlisted  int
		missing   int
		labels    string
		seen      int
		unseen    int
		hasSplits bool
	}{
		{"numpy.zip", 1, 1, "{-1,+1}", 4, 0, true},
		{"torch.zip", 0, 0, "{0,1}", 3, 1, true},
		{"labels.zip", 0, 0, "{-1,3}", 3, 0, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d, st, err := Load(context.Background(), filepath.Join("testdata", tc.file), Options{ValFraction: 0.25, TestFraction: 0.25})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			images := map[string]bool{}
			prompts := map[string]bool{}
			for _, e := range exp[tc.file] {
				if tc.hasSplits && e.Split == nil {
					continue // listed in no split list: skipped
				}
				split := datasets.Split("?")
				if e.Split != nil {
					split = datasets.Split(*e.Split)
				}
				// The authors' convention: y = -1 (or 0) means the LEFT image won. Data stores
				// embeddings as float32: the float32 fixtures exactly, labels.zip's float64 rounded.
				want = append(want, pairText(e.UID, rounded(e.Prompt), rounded(e.Left), rounded(e.Right), e.Y <= 0, split))
				images[fmt.Sprint(e.Left)], images[fmt.Sprint(e.Right)] = true, true
				prompts[fmt.Sprint(e.Prompt)] = true
			}
			sort.Strings(want)
			got := dataPairs(d)
			if !tc.hasSplits { // seeded split: compare without the split, check it separately
				strip := func(s []string) []string {
					out := make([]string, len(s))
					for i, x := range s {
						out[i] = x[:strings.LastIndex(x, "|")]
					}
					sort.Strings(out)
					return out
				}
				got, want = strip(got), strip(want)
				for _, u := range d.Users { // 4 pairs each: round(0.25*4) = 1 test, 1 val, 2 train
					n := map[datasets.Split]int{}
					for s, ps := range d.Splits {
						for _, p := range ps {
							if d.Users[p.User].ID == u.ID {
								n[s]++
							}
						}
					}
					if n[datasets.Train] != 2 || n[datasets.Val] != 1 || n[datasets.Test] != 1 {
						t.Errorf("user %s: seeded split %v, want 2 train, 1 val, 1 test", u.ID, n)
					}
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("pairs differ\n got %d: %v\nwant %d: %v", len(got), got, len(want), want)
			}
			if d.NumItems() != len(images) || d.NumPrompts() != len(prompts) {
				t.Errorf("%d items and %d prompts, want %d distinct images and %d distinct prompts (stored once)",
					d.NumItems(), d.NumPrompts(), len(images), len(prompts))
			}
			if st.Unlisted != tc.unlisted || st.Missing != tc.missing || st.Labels != tc.labels || st.SeenUsers != tc.seen || st.UnseenUsers != tc.unseen {
				t.Errorf("stats %+v", st)
			}
			if !strings.Contains(st.String(), "labels: "+tc.labels) {
				t.Errorf("stats text:\n%s", st)
			}
			// Deterministic: the same archive gives the same data, in the same order.
			d2, _, err := Load(context.Background(), filepath.Join("testdata", tc.file), Options{ValFraction: 0.25, TestFraction: 0.25})
			if err != nil {
				t.Fatal(err)
			}
			if d2.Fingerprint != d.Fingerprint || fmt.Sprint(d2.Splits) != fmt.Sprint(d.Splits) || fmt.Sprint(d2.Items) != fmt.Sprint(d.Items) {
				t.Error("two loads of one archive differ")
			}
		})
	}
}

func TestConvertRoundTrip(t *testing.T) {
	for _, file := range []string{"numpy.zip", "torch.zip", "labels.zip"} {
		t.Run(file, func(t *testing.T) {
			src := filepath.Join("testdata", file)
			d, _, err := Load(context.Background(), src, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out")
			if err := Convert(src, out); err != nil {
				t.Fatal(err)
			}
			back, err := datasets.LoadFiles(out)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := strings.Join(dataPairs(back), "\n"), strings.Join(dataPairs(d), "\n"); a != b {
				t.Errorf("converted files differ from Load:\n%s\nvs\n%s", a, b)
			}
			raw, _ := os.ReadFile(filepath.Join(out, datasets.ItemsFile))
			wantType := "'<f4'"
			if file == "labels.zip" {
				wantType = "'<f8'" // the release stores float64 there
			}
			if !bytes.Contains(raw[:128], []byte(wantType)) {
				t.Errorf("items.npy header %q, want dtype %s", raw[:128], wantType)
			}
			ents, _ := os.ReadDir(out)
			if len(ents) != 3 {
				t.Errorf("output holds %d files, want items.npy, prompts.npy, pairs.csv", len(ents))
			}
		})
	}
}

// rezip copies the entries of a fixture into a new archive, letting edit change an entry's
// bytes (return nil to drop it), and stores entries uncompressed when store is set.
func rezip(t *testing.T, src string, store bool, edit func(name string, b []byte) []byte) string {
	return rezipAs(t, src, store, func(name string, b []byte) (string, []byte) { return name, edit(name, b) })
}

// rezipAs is rezip whose edit may also rename an entry.
func rezipAs(t *testing.T, src string, store bool, edit func(name string, b []byte) (string, []byte)) string {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		name, b := edit(f.Name, b)
		if b == nil {
			continue
		}
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		if store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	zw.Close()
	p := filepath.Join(t.TempDir(), "edited.zip")
	os.WriteFile(p, buf.Bytes(), 0o644)
	return p
}

// convertFails runs Convert into a folder holding a previous file and checks the error and
// that the folder was left as it was.
func convertFails(t *testing.T, src string, want ...string) {
	t.Helper()
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "pairs.csv"), []byte("previous"), 0o644)
	err := Convert(src, out)
	if err == nil {
		t.Fatalf("Convert(%s) succeeded, want an error", src)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	ents, _ := os.ReadDir(out)
	if len(ents) != 1 || ents[0].Name() != "pairs.csv" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("output folder holds %v after a failed conversion, want only the previous pairs.csv", names)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "pairs.csv")); string(b) != "previous" {
		t.Error("a failed conversion changed the previous pairs.csv")
	}
	if _, _, err := Load(context.Background(), src, DefaultOptions()); err == nil {
		t.Errorf("Load(%s) succeeded, want an error", src)
	}
}

func TestCorruptZip(t *testing.T) {
	raw, err := os.ReadFile("testdata/numpy.zip")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cut.zip")
	os.WriteFile(p, raw[:len(raw)/2], 0o644) // the central directory is gone
	convertFails(t, p, "cut.zip", "not a readable zip archive", "fetch it again")

	// A flipped byte inside a stored entry, the CRC-32 left as it was: the check catches it,
	// whether the damage stops the decoder or not.
	for _, back := range []int{12, 40} {
		stored := rezip(t, "testdata/numpy.zip", true, func(name string, b []byte) []byte { return b })
		zr, err := zip.OpenReader(stored)
		if err != nil {
			t.Fatal(err)
		}
		var off int64
		for _, f := range zr.File {
			if strings.HasSuffix(f.Name, "/1005.joblib") {
				o, _ := f.DataOffset()
				off = o + int64(f.UncompressedSize64) - int64(back)
			}
		}
		zr.Close()
		raw, _ := os.ReadFile(stored)
		raw[off] ^= 0x40
		os.WriteFile(stored, raw, 0o644)
		convertFails(t, stored, "edited.zip", "entry pickapic_v1-openclip-h14_default/1005.joblib", "corrupt entry")
	}
}

func TestTruncatedPickle(t *testing.T) {
	for _, fixture := range []string{"numpy.zip", "torch.zip"} {
		p := rezip(t, filepath.Join("testdata", fixture), false, func(name string, b []byte) []byte {
			if strings.HasSuffix(name, "1003.joblib") || strings.HasSuffix(name, "r003.joblib") {
				return b[:len(b)*2/3]
			}
			return b
		})
		convertFails(t, p, "edited.zip", "003.joblib", "truncated")
	}
}

// Every prefix of every sample of the fixtures is an error, never a panic or a hang.
func TestTruncationsNeverPanic(t *testing.T) {
	for _, fixture := range []string{"numpy.zip", "torch.zip", "labels.zip"} {
		zr, err := zip.OpenReader(filepath.Join("testdata", fixture))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File[:min(4, len(zr.File))] {
			if !strings.HasSuffix(f.Name, ".joblib") {
				continue
			}
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			for n := 0; n < len(b); n++ {
				if _, err := decodeSample(bytes.NewReader(b[:n])); err == nil {
					t.Errorf("%s %s cut at %d of %d bytes decoded without error", fixture, f.Name, n, len(b))
				}
			}
		}
		zr.Close()
	}
}

func TestLabelAndSplitErrors(t *testing.T) {
	// A label outside every convention: rewrite the int label of an even id of labels.zip
	// (odd ids hold numpy floats) from 3 or -1 to 2.
	var target string
	for _, e := range expected(t)["labels.zip"] {
		if n, _ := strconv.Atoi(e.ID); n%2 == 0 {
			target = e.ID
			break
		}
	}
	p := rezip(t, "testdata/labels.zip", false, func(name string, b []byte) []byte {
		if strings.HasSuffix(name, "/"+target+".joblib") {
			b = append([]byte(nil), b...)
			i := bytes.LastIndex(b, []byte{'K', 3})
			j := bytes.LastIndex(b, []byte{'J', 0xff, 0xff, 0xff, 0xff})
			switch {
			case i > j:
				b[i+1] = 2
			case j >= 0:
				copy(b[j:], []byte{'J', 2, 0, 0, 0})
			default:
				t.Fatalf("cannot find the label of labels.zip %s.joblib", target)
			}
		}
		return b
	})
	convertFails(t, p, "2 (e.g. id "+target+")", "want y in {-1,+1}, {-1,3} or {0,1}")

	// Two lists for one split.
	p = rezipAs(t, "testdata/torch.zip", false, func(name string, b []byte) (string, []byte) {
		if strings.HasSuffix(name, "splits/val_ranking_ids_seen_users.pt") {
			return "splits/train_ranking_ids_v2.pt", b
		}
		return name, b
	})
	convertFails(t, p, "edited.zip", "are train lists: keep one")

	// One id in two lists.
	var trainList []byte
	p = rezipAs(t, "testdata/torch.zip", false, func(name string, b []byte) (string, []byte) {
		if strings.HasSuffix(name, "splits/train_ranking_ids.pt") {
			trainList = b
		}
		if strings.HasSuffix(name, "splits/test_ranking_ids_seen_users.pt") {
			return name, trainList // the entries come in the order the script wrote them
		}
		return name, b
	})
	convertFails(t, p, "edited.zip", "is in split list", "must not overlap")

	// A seen user's test pairs listed as unseen: the user is then both seen and unseen.
	p = rezipAs(t, "testdata/torch.zip", false, func(name string, b []byte) (string, []byte) {
		switch {
		case strings.HasSuffix(name, "splits/test_ranking_ids_unseen_users.pt"):
			return name, nil
		case strings.HasSuffix(name, "splits/test_ranking_ids_seen_users.pt"):
			return "splits/test_ranking_ids_unseen_users.pt", b
		}
		return name, b
	})
	convertFails(t, p, "edited.zip", "is either seen or unseen")
}

func TestSplitListNames(t *testing.T) {
	for name, want := range map[string]datasets.Split{
		"x/train_ranking_ids.pt":            datasets.Train,
		"val_ranking_ids_seen_users.pt":     datasets.Val,
		"test_ranking_ids_seen_users.pth":   datasets.Test,
		"train_ranking_ids_unseen_users.pt": datasets.UnseenTrain,
		"Validation-Unseen.pt":              datasets.UnseenVal,
		"test_ranking_ids_unseen_users.pt":  datasets.UnseenTest,
		"user_ids.pt":                       "",
		"uid_rid_table.pt":                  "",
		"train_test.pt":                     "",
		"train_ranking_ids.txt":             "",
		"pickapicv2_non_leakage_rids.pt":    "",
		"attestation.pt":                    "",
	} {
		got, ok := splitOfList(name)
		if got != want || ok != (want != "") {
			t.Errorf("splitOfList(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

func TestExternalSplitLists(t *testing.T) {
	// Lists given as a folder replace the archive's: here only the val and test lists, so the
	// train list inside the archive is not used and its ids are skipped.
	dir := t.TempDir()
	zr, err := zip.OpenReader("testdata/numpy.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.Contains(f.Name, "instructions/val") || strings.Contains(f.Name, "instructions/test") {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			os.WriteFile(filepath.Join(dir, filepath.Base(f.Name)), b, 0o644)
		}
	}
	d, st, err := Load(context.Background(), "testdata/numpy.zip", Options{SplitLists: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Splits[datasets.Train]) != 0 || len(d.Splits[datasets.Val]) != 4 || len(d.Splits[datasets.Test]) != 3 || st.Unlisted != 17 {
		t.Errorf("splits %d/%d/%d, unlisted %d; want 0/4/3 and 17", len(d.Splits[datasets.Train]), len(d.Splits[datasets.Val]), len(d.Splits[datasets.Test]), st.Unlisted)
	}
	if _, _, err := Load(context.Background(), "testdata/numpy.zip", Options{SplitLists: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "holds no split lists") {
		t.Errorf("empty split_lists folder: %v", err)
	}
}

func TestConfigs(t *testing.T) {
	c := DefaultPickAFilter()
	if c.CatalogName() != "pick-a-filter-0.4" || c.Validate() != nil {
		t.Errorf("default pick-a-filter: %s, %v", c.CatalogName(), c.Validate())
	}
	c.MixRatio = 1
	if c.CatalogName() != "pick-a-filter-1.0" {
		t.Errorf("beta 1 gives %s, want pick-a-filter-1.0", c.CatalogName())
	}
	c.MixRatio = 0.3
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "mix_ratio = 0.3") {
		t.Errorf("beta 0.3: %v", err)
	}
	p := DefaultPickAPic()
	p.ValFraction, p.TestFraction = 0.5, 0.5
	if err := p.Validate(); err == nil {
		t.Error("val_fraction + test_fraction = 1 accepted")
	}
	if p.CatalogName() != "pickapic-v1" {
		t.Errorf("catalog name %s", p.CatalogName())
	}
}
