package datasets

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadMatrixNPY feeds arbitrary bytes to the .npy reader: whatever the file holds, the
// result is a matrix or an error, never a panic or a runaway allocation. `go test` runs the
// seeds; `go test -fuzz FuzzReadMatrixNPY ./datasets` explores further.
func FuzzReadMatrixNPY(f *testing.F) {
	f.Add(handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", make([]byte, 16)))
	f.Add(handNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", make([]byte, 8)))
	f.Add(handNPY("{'descr': '<f8', 'fortran_order': True, 'shape': (1, 1), }", make([]byte, 8)))
	f.Add(handNPY("{'descr': '<f8', 'shape': (1, 1), }", make([]byte, 8)))
	f.Add(handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (1), }", make([]byte, 8)))
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, raw []byte) {
		path := filepath.Join(dir, ItemsFile)
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, mapped := range []bool{false, true} {
			m, err := readMatrixNPY(path, mapped)
			if err == nil && (m.rows <= 0 || m.cols <= 0 || len(m.f32)+len(m.f64) != m.rows*m.cols || (m.f32 == nil) == (m.f64 == nil)) {
				t.Fatalf("accepted an inconsistent matrix %d x %d with %d + %d values", m.rows, m.cols, len(m.f32), len(m.f64))
			}
			if err == nil {
				m.discard()
			}
		}
	})
}

// FuzzParsePairs does the same for pairs.csv against a fixed 5 x 2 items matrix.
func FuzzParsePairs(f *testing.F) {
	f.Add("user,left,right,label,split\na,0,1,1,train\nb,2,3,0,unseen_test\n")
	f.Add("split,label,user,right,left,prompt\ntrain,1,a,0,1,0\n")
	f.Add("\ufeffuser,left,right,label,split\n\"a\nb\",0,1,1,train\n")
	f.Add("user,left,right,label,split\na,0,1,1,train\na,0,1,1,test\na,0,2,0,unseen_val\n")
	items := &matrixNPY{rows: 5, cols: 2, f32: make([]float32, 10)}
	prompts := &matrixNPY{rows: 2, cols: 1, f32: make([]float32, 2)}
	f.Fuzz(func(t *testing.T, csv string) {
		for _, p := range []*matrixNPY{nil, prompts} {
			d, err := parsePairs("pairs.csv", []byte(csv), items, p)
			if err != nil {
				continue
			}
			d.Dim, d.Items = items.cols, items.f32
			if p != nil {
				d.PromptDim, d.Prompts = p.cols, p.f32
			}
			if err := d.Validate(); err != nil {
				t.Fatalf("parsed into invalid data: %v", err)
			}
		}
	})
}
