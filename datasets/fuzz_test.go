package datasets

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pal-harness/pal/internal/fuzzcheck"
)

// The fuzz targets of this package (make fuzz runs each for a while; `go test` runs their seeds
// and the committed corpus in testdata/fuzz/<name>/). Whatever the bytes, each returns data or
// an error: never a panic, a hang, or an allocation the input's size does not justify.

// npySeeds are the committed corpus of FuzzReadMatrixNPY (testdata/fuzz/FuzzReadMatrixNPY):
// files like the fixtures of files_test.go, and hostile ones.
func npySeeds() map[string][]any {
	f64 := func(vals ...float64) []byte {
		var b bytes.Buffer
		for _, v := range vals {
			binary.Write(&b, binary.LittleEndian, v)
		}
		return b.Bytes()
	}
	f32be := make([]byte, 8)
	binary.BigEndian.PutUint32(f32be, math.Float32bits(0.1))
	binary.BigEndian.PutUint32(f32be[4:], math.Float32bits(-2))
	valid := handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f64(1, 2, 3, 4))
	v2 := []byte("\x93NUMPY\x02\x00\x3a\x00\x00\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2)}\n")
	v2 = append(v2, make([]byte, 8)...)
	seeds := map[string][]byte{
		"f8-2x2":          valid,
		"f4-1x2":          handNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", make([]byte, 8)),
		"f4-big-endian":   handNPY("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 1), }", f32be),
		"f8-fortran":      handNPY("{'descr': '<f8', 'fortran_order': True, 'shape': (1, 1), }", make([]byte, 8)),
		"no-fortran-key":  handNPY("{'descr': '<f8', 'shape': (1, 1), }", make([]byte, 8)),
		"shape-not-tuple": handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (1), }", make([]byte, 8)),
		"version-2":       v2,
		"python2-long":    handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 1L), }", f64(1, 2)),
		"int64":           handNPY("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }", make([]byte, 8)),
		"nan":             handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", f64(1, math.NaN())),
		"truncated-data":  valid[:len(valid)-5],
		"truncated-head":  valid[:30],
		"extra-data":      append(bytes.Clone(valid), 0, 0, 0, 0, 0, 0, 0, 0),
		"huge-shape":      handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }", f64(1)),
		"1e12-rows":       handNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 1), }", make([]byte, 8)),
		"deep-header":     handNPY("{'descr': "+strings.Repeat("(", 5000)+"}", nil),
		"header-4GiB":     []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"),
		"empty":           {},
	}
	out := map[string][]any{}
	for name, raw := range seeds {
		out[name] = []any{raw}
	}
	return out
}

// pairsSeeds are the committed corpus of FuzzParsePairs: (pairs.csv, users.csv) texts.
func pairsSeeds() map[string][]any {
	return map[string][]any{
		"seen-and-unseen":  {"user,left,right,label,split\na,0,1,1,train\nb,2,3,0,unseen_test\n", ""},
		"prompt-any-order": {"split,label,user,right,left,prompt\ntrain,1,a,0,1,0\n", "user,group\na,g\n"},
		"bom-quoted-user":  {"\ufeffuser,left,right,label,split\n\"a\nb\",0,1,1,train\n", ""},
		"seen-then-unseen": {"user,left,right,label,split\na,0,1,1,train\na,0,1,1,test\na,0,2,0,unseen_val\n", "user,group\na,1\na,2\n"},
		"all-splits":       {"user,left,right,label,split\nu1,0,1,1,train\nu1,2,3,0,val\nu1,1,4,1,test\nu2,0,4,0,train\nn1,1,2,1,unseen_train\nn1,2,4,0,unseen_val\nn1,3,4,1,unseen_test\n", "user,group\nu1,x\nu2,y\nn1,x\nzz,q\n"},
		"out-of-range":     {"user,left,right,label,split\na,0,99999999999999999999,1,train\n", ""},
		"negative-index":   {"user,left,right,label,split\na,-1,2,1,train\n", ""},
		"authors-labels":   {"user,left,right,label,split\na,0,1,-1,train\n", ""},
		"header-only":      {"user,left,right,label,split\n", ""},
		"unknown-column":   {"user,left,right,label,split,weight\na,0,1,1,train,3\n", ""},
		"ragged":           {"user,left,right,label,split\na,0,1\n", ""},
		"bare-quote":       {"user,left,right,label,split\na\"b,0,1,1,train\n", "user,group\n\"x"},
		"many-columns":     {strings.Repeat("c,", 2000) + "user,left,right,label,split\n", ""},
		"same-item":        {"user,left,right,label,split\na,3,3,1,train\n", ""},
		"users-duplicate":  {"user,left,right,label,split\na,0,1,1,train\n", "user,group\na,1\na,1\n"},
	}
}

// TestWriteFuzzSeeds rewrites the committed seed corpora of this package's fuzz targets from
// npySeeds and pairsSeeds: PAL_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./datasets
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzcheck.SeedsWanted() {
		t.Skip("set PAL_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	for name, seeds := range map[string]map[string][]any{"FuzzReadMatrixNPY": npySeeds(), "FuzzParsePairs": pairsSeeds()} {
		if err := fuzzcheck.WriteSeeds(filepath.Join("testdata", "fuzz", name), seeds); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzReadMatrixNPY feeds arbitrary bytes to the items.npy reader, read and memory-mapped.
// Seeds: testdata/fuzz/FuzzReadMatrixNPY (npySeeds).
func FuzzReadMatrixNPY(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, raw []byte) {
		path := filepath.Join(dir, ItemsFile)
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, mapped := range []bool{false, true} {
			var m *matrixNPY
			var err error
			// The file's bytes, their float64 decoding (twice the bytes of a float32 file), the
			// messages.
			if aerr := fuzzcheck.Bound(len(raw), 4, 64<<10, func() { m, err = readMatrixNPY(path, mapped) }); aerr != nil {
				t.Fatal(aerr)
			}
			if err == nil && (m.rows <= 0 || m.cols <= 0 || len(m.f32)+len(m.f64) != m.rows*m.cols || (m.f32 == nil) == (m.f64 == nil)) {
				t.Fatalf("accepted an inconsistent matrix %d x %d with %d + %d values", m.rows, m.cols, len(m.f32), len(m.f64))
			}
			if err == nil {
				m.discard()
			}
		}
	})
}

// FuzzParsePairs loads a bring-your-own folder whose items.npy is fixed (5 x 2) and whose
// pairs.csv and users.csv (absent when empty) are the fuzzed text, with and without a
// prompts.npy (2 x 1), through LoadFiles: what it accepts must validate. Seeds:
// testdata/fuzz/FuzzParsePairs (pairsSeeds).
func FuzzParsePairs(f *testing.F) {
	items := make([]float32, 10)
	for i := range items {
		items[i] = float32(i) / 3
	}
	plain, withPrompts := f.TempDir(), f.TempDir()
	for _, dir := range []string{plain, withPrompts} {
		fh, err := os.Create(filepath.Join(dir, ItemsFile))
		if err != nil {
			f.Fatal(err)
		}
		if err := writeMatrixNPY(fh, 5, 2, items); err != nil {
			f.Fatal(err)
		}
		fh.Close()
	}
	fh, err := os.Create(filepath.Join(withPrompts, PromptsFile))
	if err != nil {
		f.Fatal(err)
	}
	if err := writeMatrixNPY(fh, 2, 1, []float32{1, -1}); err != nil {
		f.Fatal(err)
	}
	fh.Close()
	// Each load would keep a mapping of items.npy for the life of the process.
	mapItemsFile = false
	f.Cleanup(func() { mapItemsFile = true })
	f.Fuzz(func(t *testing.T, pairs, users string) {
		for _, dir := range []string{plain, withPrompts} {
			if err := os.WriteFile(filepath.Join(dir, PairsFile), []byte(pairs), 0o644); err != nil {
				t.Fatal(err)
			}
			usersPath := filepath.Join(dir, UsersFile)
			if users == "" {
				os.Remove(usersPath)
			} else if err := os.WriteFile(usersPath, []byte(users), 0o644); err != nil {
				t.Fatal(err)
			}
			var d *Data
			var err error
			// Per line of pairs.csv: a Pair, a user with its maps' entries, the CSV reader's
			// buffers; bounded by the text's size.
			if aerr := fuzzcheck.Bound(len(pairs)+len(users), 200, 1<<20, func() { d, err = LoadFiles(dir) }); aerr != nil {
				t.Fatal(aerr)
			}
			if err != nil {
				continue
			}
			if err := d.Validate(); err != nil {
				t.Fatalf("loaded invalid data: %v", err)
			}
		}
	})
}
