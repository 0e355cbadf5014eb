package datasets

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"codeberg.org/sbinet/npyio"
)

// matrixNPY is a 2-D array read from a .npy file, in the file's own precision: exactly one of
// f32 and f64 is set.
type matrixNPY struct {
	rows, cols int
	f32        []float32 // row-major, float32 files (a view of raw when mapped)
	f64        []float64 // row-major, float64 files
	raw        []byte    // the file's bytes, for the fingerprint (a memory mapping when unmap != nil)
	mapped     bool      // f32 is a view of the mapping raw: no copy of the data was made
	unmap      func() error
}

// float32s returns the values as float32: the stored values of a float32 file, or those of a
// float64 file rounded to the nearest float32. A float64 value beyond float32's range is an
// error (name is the file name for the message).
func (m *matrixNPY) float32s(name string) ([]float32, error) {
	if m.f64 == nil {
		return m.f32, nil
	}
	out := make([]float32, len(m.f64))
	for i, x := range m.f64 {
		v := float32(x)
		if math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%s row %d column %d is %v, beyond the float32 range (about ±3.4e38) the data is stored in: rescale the embeddings", name, i/m.cols, i%m.cols, x)
		}
		out[i] = v
	}
	return out, nil
}

// float64s returns the values as float64 (exactly as stored, widened for a float32 file).
func (m *matrixNPY) float64s() []float64 {
	if m.f32 == nil {
		return m.f64
	}
	out := make([]float64, len(m.f32))
	for i, x := range m.f32 {
		out[i] = float64(x)
	}
	return out
}

// release unmaps raw when it is a mapping that the data does not use (a float64 or big-endian
// file, or a float32 file whose data is not 4-byte aligned, decoded into Go memory), once the
// caller has hashed it. A mapping the data is a view of stays.
func (m *matrixNPY) release() {
	if m == nil || m.unmap == nil || m.mapped {
		return
	}
	m.unmap()
	m.unmap, m.raw = nil, nil
}

// discard unmaps raw whatever uses it: for a load that fails after the file was mapped.
func (m *matrixNPY) discard() {
	if m == nil || m.unmap == nil {
		return
	}
	m.unmap()
	m.unmap, m.raw, m.f32, m.mapped = nil, nil, nil, false
}

// readMatrixNPY reads a 2-D float32 or float64 array stored in C order. The npyio library
// decodes the header and the data; this function checks everything a malformed or foreign
// file could get wrong before handing it over, because npyio trusts its input: a header with
// no newline makes it panic, a header length beyond the file makes it allocate that much, and
// a truncated data section is not always reported. Every error names the file and says how to
// fix it.
//
// With mapFile, on systems that support it (mmap_unix.go), the file is memory-mapped read-only
// instead of read, and a little-endian float32 C-order array whose data starts at a multiple of
// 4 bytes is returned as a view of the mapping (mapped = true): the data is never copied, and
// the kernel pages it in and out as needed. Every size check below runs on the mapping's
// length before any data is touched, so a truncated file is an error, not a fault. Other files
// are decoded from the mapping into Go memory, and the caller unmaps it (release) once it has
// hashed raw.
func readMatrixNPY(path string, mapFile bool) (m *matrixNPY, err error) {
	name := filepath.Base(path)
	var raw []byte
	var unmap func() error
	if mapFile {
		raw, unmap, err = mapReadOnly(path)
		if err != nil {
			return nil, err
		}
	}
	if unmap != nil {
		defer func() {
			if err != nil {
				unmap()
			}
		}()
	} else if raw, err = os.ReadFile(path); err != nil {
		return nil, err
	}
	const fix = "write it with numpy.save(path, array) where array is 2-D float32 or float64"
	magic := npyio.Magic[:]
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s is empty (0 bytes): %s", name, fix)
	}
	if len(raw) < len(magic)+4 || !bytes.Equal(raw[:len(magic)], magic) {
		return nil, fmt.Errorf("%s is not a .npy file (it does not start with the \\x93NUMPY magic): %s", name, fix)
	}
	var hdrLen, hdrStart int
	switch major := raw[len(magic)]; major {
	case 1:
		hdrStart = len(magic) + 4
		hdrLen = int(binary.LittleEndian.Uint16(raw[len(magic)+2:]))
	case 2:
		hdrStart = len(magic) + 6
		if len(raw) < hdrStart {
			return nil, fmt.Errorf("%s is truncated inside its header: %s", name, fix)
		}
		hdrLen = int(binary.LittleEndian.Uint32(raw[len(magic)+2:]))
	default:
		return nil, fmt.Errorf("%s uses .npy format version %d.%d, which is not supported (1.0 and 2.0 are): %s",
			name, major, raw[len(magic)+1], fix)
	}
	if hdrLen > len(raw)-hdrStart {
		return nil, fmt.Errorf("%s is truncated: its header claims %d bytes but the file has only %d after the preamble: %s",
			name, hdrLen, len(raw)-hdrStart, fix)
	}
	if !bytes.Contains(raw[hdrStart:hdrStart+hdrLen], []byte("\n")) {
		return nil, fmt.Errorf("%s has a malformed header (no terminating newline): %s", name, fix)
	}

	body := bytes.NewReader(raw)
	var rd *npyio.Reader
	if err := guard(func() (err error) { rd, err = npyio.NewReader(body); return err }); err != nil {
		// The decoder's own message ("slice bounds out of range") means little to a user; the
		// header text shows what is wrong with it.
		hdr := strings.TrimSpace(string(raw[hdrStart : hdrStart+hdrLen]))
		if len(hdr) > 200 {
			hdr = hdr[:200] + "..."
		}
		return nil, fmt.Errorf("%s has a malformed header %q (%v): %s", name, hdr, err, fix)
	}
	h := rd.Header.Descr
	dtype := strings.Trim(h.Type, `'"`)
	var size int
	switch dtype {
	case "<f8", ">f8":
		size = 8
	case "<f4", ">f4":
		size = 4
	default:
		return nil, fmt.Errorf("%s has dtype %s: want float32 (<f4) or float64 (<f8); convert with array.astype(numpy.float32)", name, dtype)
	}
	if h.Fortran {
		return nil, fmt.Errorf("%s is stored in Fortran (column-major) order: want C order; save numpy.ascontiguousarray(array) instead", name)
	}
	if len(h.Shape) != 2 {
		return nil, fmt.Errorf("%s has shape %s (%d-D): want a 2-D array, one row per entry (N x D); reshape it, e.g. array.reshape(len(array), -1)",
			name, shapeText(h.Shape), len(h.Shape))
	}
	rows, cols := h.Shape[0], h.Shape[1]
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("%s has shape %s: want at least one row and one column", name, shapeText(h.Shape))
	}
	have := body.Len()
	// rows and cols are positive; dividing avoids overflowing rows*cols*size on absurd headers.
	if rows > have/size/cols {
		return nil, fmt.Errorf("%s is truncated: shape %s of %d-byte values needs %.0f bytes of data but the file holds %d",
			name, shapeText(h.Shape), size, float64(rows)*float64(cols)*float64(size), have)
	}
	if want := rows * cols * size; have != want {
		return nil, fmt.Errorf("%s has %d bytes after the %s data its header declares: the shape in the header does not match the data; re-save it with numpy.save",
			name, have-want, shapeText(h.Shape))
	}

	m = &matrixNPY{rows: rows, cols: cols, raw: raw, unmap: unmap}
	offset := len(raw) - have
	switch {
	case unmap != nil && dtype == "<f4" && offset%4 == 0 && nativeLittleEndian:
		// The mapping starts on a page boundary, so a data offset that is a multiple of 4 makes
		// every element 4-byte aligned. numpy pads its headers to 64 bytes.
		m.f32 = unsafe.Slice((*float32)(unsafe.Pointer(&raw[offset])), rows*cols)
		m.mapped = true
	case size == 4:
		if err := guard(func() error { return rd.Read(&m.f32) }); err != nil {
			return nil, fmt.Errorf("%s: reading the data: %v", name, err)
		}
	default:
		if err := guard(func() error { return rd.Read(&m.f64) }); err != nil {
			return nil, fmt.Errorf("%s: reading the data: %v", name, err)
		}
	}
	n := len(m.f32) + len(m.f64)
	if n != rows*cols {
		return nil, fmt.Errorf("%s: read %d values, want %d for shape %s", name, n, rows*cols, shapeText(h.Shape))
	}
	bad := -1
	if m.f64 != nil {
		for i, x := range m.f64 {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				bad = i
				break
			}
		}
	} else {
		for i, x := range m.f32 {
			if v := float64(x); math.IsNaN(v) || math.IsInf(v, 0) {
				bad = i
				break
			}
		}
	}
	if bad >= 0 {
		var x float64
		if m.f64 != nil {
			x = m.f64[bad]
		} else {
			x = float64(m.f32[bad])
		}
		return nil, fmt.Errorf("%s row %d column %d is %v: embeddings must be finite; drop or repair that row", name, bad/cols, bad%cols, x)
	}
	return m, nil
}

// nativeLittleEndian is true on little-endian machines, where the bytes of a '<f4' array are
// the machine's float32s.
var nativeLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// guard runs f and turns a panic inside the third-party decoder into an error: user files must
// never crash the program.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("npyio failed: %v", r)
		}
	}()
	return f()
}

func shapeText(shape []int) string {
	parts := make([]string, len(shape))
	for i, s := range shape {
		parts[i] = fmt.Sprint(s)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// writeMatrixNPY writes rows x cols float32 values to w as a little-endian C-order .npy array.
func writeMatrixNPY(w io.Writer, rows, cols int, data []float32) error {
	if rows <= 0 || cols <= 0 || len(data) != rows*cols {
		return fmt.Errorf("cannot write a %d x %d matrix from %d values", rows, cols, len(data))
	}
	nw, err := NewNPYWriter(w, rows, cols)
	if err != nil {
		return err
	}
	if err := nw.Write(data); err != nil {
		return err
	}
	return nw.Close()
}

// NPYWriter streams a rows x cols float32 array to a .npy file (format 1.0, dtype '<f4', C
// order) in as many Write calls as the caller likes, so a large items.npy never has to be held
// in memory. The header is padded to 64 bytes, which LoadFiles needs to map the data in place.
type NPYWriter struct {
	w          *bufio.Writer
	rows, cols int
	written    int
	buf        []byte
}

// NewNPYWriter writes the header of a rows x cols float32 array to w.
func NewNPYWriter(w io.Writer, rows, cols int) (*NPYWriter, error) {
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("cannot write a %d x %d .npy array: want at least one row and one column", rows, cols)
	}
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	total := 10 + len(dict) + 1 // preamble, dictionary, newline
	total = (total + 63) / 64 * 64
	hdr := make([]byte, 0, total)
	hdr = append(hdr, npyio.Magic[:]...)
	hdr = append(hdr, 1, 0)
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(total-10))
	hdr = append(hdr, dict...)
	for len(hdr) < total-1 {
		hdr = append(hdr, ' ')
	}
	hdr = append(hdr, '\n')
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.Write(hdr); err != nil {
		return nil, err
	}
	return &NPYWriter{w: bw, rows: rows, cols: cols}, nil
}

// Write appends values in row-major order; the total over all calls must be rows x cols.
func (n *NPYWriter) Write(values []float32) error {
	if n.written+len(values) > n.rows*n.cols {
		return fmt.Errorf(".npy writer: %d values would exceed the declared %d x %d", n.written+len(values), n.rows, n.cols)
	}
	const chunk = 1 << 16
	for len(values) > 0 {
		v := values[:min(len(values), chunk)]
		values = values[len(v):]
		n.buf = n.buf[:0]
		for _, x := range v {
			n.buf = binary.LittleEndian.AppendUint32(n.buf, math.Float32bits(x))
		}
		if _, err := n.w.Write(n.buf); err != nil {
			return err
		}
		n.written += len(v)
	}
	return nil
}

// Close flushes the buffered data and checks that every declared value was written. It does
// not close the underlying writer.
func (n *NPYWriter) Close() error {
	if n.written != n.rows*n.cols {
		return fmt.Errorf(".npy writer: %d values written, the header declares %d x %d = %d", n.written, n.rows, n.cols, n.rows*n.cols)
	}
	return n.w.Flush()
}

// fileExists reports whether path exists; other stat errors (permissions) are returned.
func fileExists(path string) (bool, error) {
	_, err := os.Stat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}
