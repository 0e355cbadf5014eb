package datasets

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/pal-harness/pal/internal/npytest"
)

// canMap reports whether this system maps items.npy (mmap_unix.go).
func canMap() bool { return runtime.GOOS == "linux" || runtime.GOOS == "darwin" }

// loadRead loads dir with items.npy read into memory instead of mapped.
func loadRead(t *testing.T, dir string) *Data {
	t.Helper()
	mapItemsFile = false
	defer func() { mapItemsFile = true }()
	return mustLoad(t, dir)
}

// TestLoadMapsFloat32Items: a float32 items.npy (as WriteFiles writes it) is mapped, not
// copied, and gives exactly the Data that reading the file gives: values, pairs and fingerprint.
func TestLoadMapsFloat32Items(t *testing.T) {
	orig := mustGenerate(t, smallSynthetic(), 5)
	dir := t.TempDir()
	if err := WriteFiles(dir, orig); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ItemsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw[:64], []byte("'<f4'")) || int(binary.LittleEndian.Uint16(raw[8:]))+10 != 64*((int(binary.LittleEndian.Uint16(raw[8:]))+10+63)/64) {
		t.Fatalf("WriteFiles wrote header %q, want float32 with a header padded to 64 bytes", raw[:64])
	}
	mapped := mustLoad(t, dir)
	if mapped.ItemsMapped != canMap() {
		t.Fatalf("ItemsMapped = %v on %s", mapped.ItemsMapped, runtime.GOOS)
	}
	if !reflect.DeepEqual(mapped.Items, orig.Items) {
		t.Fatal("mapped items differ from the written ones")
	}
	read := loadRead(t, dir)
	if read.ItemsMapped {
		t.Fatal("reading reports a mapping")
	}
	if !reflect.DeepEqual(mapped.Items, read.Items) || mapped.Fingerprint != read.Fingerprint ||
		!reflect.DeepEqual(mapped.Splits, read.Splits) || !reflect.DeepEqual(mapped.Users, read.Users) {
		t.Fatal("mapping and reading the same folder give different data")
	}
	if canMap() {
		// The items are a view of the mapping: the file's data section, not a Go allocation.
		want := raw[len(raw)-4*len(orig.Items):]
		for i, v := range mapped.Items[:10] {
			if math.Float32bits(v) != binary.LittleEndian.Uint32(want[4*i:]) {
				t.Fatalf("item value %d = %v does not match the file's bytes", i, v)
			}
		}
	}
}

// TestLoadNotMapped: files that cannot be viewed in place (float64, big-endian float32, data
// not 4-byte aligned) still load, read into memory, with the values rounded to float32.
func TestLoadNotMapped(t *testing.T) {
	pairs := []byte("user,left,right,label,split\na,0,1,1,train\n")
	f32le := func(vals ...float32) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, vals)
		return b.Bytes()
	}
	f32be := func(vals ...float32) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.BigEndian, vals)
		return b.Bytes()
	}
	// A header whose length puts the data at an odd offset (numpy never writes this, but a
	// hand-made file may).
	hdr := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }"
	for (10+len(hdr)+1)%4 != 1 {
		hdr += " "
	}
	odd := npytest.File(1, hdr+"\n", f32le(0.1, -2))
	for _, c := range []struct {
		name  string
		items []byte
		want  []float32
	}{
		{"float64", handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", f64le(0.1, -2)), []float32{0.1, -2}},
		{"big-endian float32", handNPY("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 1), }", f32be(0.1, -2)), []float32{0.1, -2}},
		{"unaligned float32", odd, []float32{0.1, -2}},
	} {
		d := mustLoad(t, writeFolder(t, map[string][]byte{ItemsFile: c.items, PairsFile: pairs}))
		if d.ItemsMapped || !reflect.DeepEqual(d.Items, c.want) {
			t.Errorf("%s: items %v mapped %v, want %v read into memory", c.name, d.Items, d.ItemsMapped, c.want)
		}
	}
	// A float64 value that float32 cannot hold is an error, not an infinity.
	_, err := LoadFiles(writeFolder(t, map[string][]byte{
		ItemsFile: handNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", f64le(1e300, 1)), PairsFile: pairs}))
	if err == nil || !strings.Contains(err.Error(), "items.npy row 0 column 0") || !strings.Contains(err.Error(), "float32 range") {
		t.Errorf("float64 beyond float32's range: error %v", err)
	}
}

func f64le(vals ...float64) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, vals)
	return b.Bytes()
}

// TestLoadTruncatedFloat32: a float32 items.npy cut short is reported with the file and the
// sizes before any data is touched (a mapped read past the end of the file would be SIGBUS).
func TestLoadTruncatedFloat32(t *testing.T) {
	d := mustGenerate(t, smallSynthetic(), 6)
	dir := t.TempDir()
	if err := WriteFiles(dir, d); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ItemsFile)
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hdrEnd := 10 + int(binary.LittleEndian.Uint16(full[8:]))
	for _, c := range []struct {
		size int
		want string
	}{
		{len(full) - 1, "is truncated: shape"},
		{len(full) - 4*d.Dim, "is truncated: shape"},
		{hdrEnd, "is truncated: shape"}, // the header alone
		{hdrEnd - 10, "is truncated: its header claims"},
		{8, "is not a .npy file"},
	} {
		if err := os.Truncate(path, int64(c.size)); err != nil {
			t.Fatal(err)
		}
		_, err := LoadFiles(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, ItemsFile)) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("truncated to %d bytes: error %v, want it to name %s and say %q", c.size, err, ItemsFile, c.want)
		}
		if err := os.WriteFile(path, full, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := mustLoad(t, dir); !reflect.DeepEqual(got.Items, d.Items) {
		t.Error("the restored file loads other items")
	}
}

// TestNPYWriter checks the streaming writer against the reader and its count checks.
func TestNPYWriter(t *testing.T) {
	var b bytes.Buffer
	w, err := NewNPYWriter(&b, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]float32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "3 values written") {
		t.Errorf("short write closed with %v", err)
	}
	if err := w.Write([]float32{4, 5, 6, 7}); err == nil {
		t.Error("overlong write accepted")
	}
	if err := w.Write([]float32{4, 5, 6.5}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.npy")
	os.WriteFile(path, b.Bytes(), 0o644)
	m, err := readMatrixNPY(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer m.discard()
	if m.rows != 3 || m.cols != 2 || !reflect.DeepEqual(m.f32, []float32{1, 2, 3, 4, 5, 6.5}) || m.mapped != canMap() {
		t.Errorf("read back %d x %d %v (mapped %v)", m.rows, m.cols, m.f32, m.mapped)
	}
	if _, err := NewNPYWriter(&b, 0, 2); err == nil {
		t.Error("0 rows accepted")
	}
}
