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
	"strconv"
	"strings"
	"unsafe"

	"github.com/pal-harness/pal/internal/regular"
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

// npyMagic starts every .npy file.
const npyMagic = "\x93NUMPY"

// npyHeader is what the header of a .npy file declares.
type npyHeader struct {
	dtype   string // as written, e.g. "<f4"
	size    int    // bytes per value: 4 or 8 (float32 or float64)
	big     bool   // big-endian values
	fortran bool
	shape   []int
	text    string // the header dictionary, for messages
}

// parseNPY checks the preamble of a .npy file and parses its header dictionary. It returns
// the header and the offset of the data. h.size is 0 for a dtype other than float32 and float64
// (the callers refuse it with their own advice). It trusts nothing in the file: the
// header length is checked against the file's length, the dictionary is parsed by a small
// literal parser of its own with bounded nesting, and every number is checked for range.
func parseNPY(name string, raw []byte, fix string) (h npyHeader, offset int, err error) {
	if len(raw) == 0 {
		return h, 0, fmt.Errorf("%s is empty (0 bytes): %s", name, fix)
	}
	if len(raw) < len(npyMagic)+4 || string(raw[:len(npyMagic)]) != npyMagic {
		return h, 0, fmt.Errorf("%s is not a .npy file (it does not start with the \\x93NUMPY magic): %s", name, fix)
	}
	var hdrLen uint64
	var hdrStart int
	switch major := raw[len(npyMagic)]; major {
	case 1:
		hdrStart = len(npyMagic) + 4
		hdrLen = uint64(binary.LittleEndian.Uint16(raw[len(npyMagic)+2:]))
	case 2, 3:
		hdrStart = len(npyMagic) + 6
		if len(raw) < hdrStart {
			return h, 0, fmt.Errorf("%s is truncated inside its header: %s", name, fix)
		}
		hdrLen = uint64(binary.LittleEndian.Uint32(raw[len(npyMagic)+2:]))
	default:
		return h, 0, fmt.Errorf("%s uses .npy format version %d.%d, which is not supported (1.0, 2.0 and 3.0 are): %s",
			name, major, raw[len(npyMagic)+1], fix)
	}
	if hdrLen > uint64(len(raw)-hdrStart) {
		return h, 0, fmt.Errorf("%s is truncated: its header claims %d bytes but the file has only %d after the preamble: %s",
			name, hdrLen, len(raw)-hdrStart, fix)
	}
	end := hdrStart + int(hdrLen)
	text := raw[hdrStart:end]
	if !bytes.Contains(text, []byte("\n")) {
		return h, 0, fmt.Errorf("%s has a malformed header (no terminating newline): %s", name, fix)
	}
	h.text = strings.TrimSpace(string(text))
	malformed := func(why string) error {
		hdr := h.text
		if len(hdr) > 200 {
			hdr = hdr[:200] + "..."
		}
		return fmt.Errorf("%s has a malformed header %q (%s): %s", name, hdr, why, fix)
	}
	p := &pyLiteral{s: h.text}
	v, err := p.parse()
	if err != nil {
		return h, 0, malformed(err.Error())
	}
	dict, ok := v.(map[string]any)
	if !ok {
		return h, 0, malformed("not a dictionary")
	}
	for _, key := range []string{"descr", "fortran_order", "shape"} {
		if _, ok := dict[key]; !ok {
			return h, 0, malformed(fmt.Sprintf("no %q key", key))
		}
	}
	if len(dict) != 3 {
		return h, 0, malformed("keys other than descr, fortran_order and shape")
	}
	switch d := dict["descr"].(type) {
	case string:
		h.dtype = d
	default:
		h.dtype = fmt.Sprint(d) // a structured dtype: refused below
	}
	if h.fortran, ok = dict["fortran_order"].(bool); !ok {
		return h, 0, malformed("fortran_order is not True or False")
	}
	shape, ok := dict["shape"].([]any)
	if !ok {
		return h, 0, malformed("shape is not a tuple")
	}
	for _, s := range shape {
		n, ok := s.(int)
		if !ok || n < 0 {
			return h, 0, malformed("shape holds something other than non-negative integers")
		}
		h.shape = append(h.shape, n)
	}
	switch h.dtype {
	case "<f4", ">f4":
		h.size = 4
	case "<f8", ">f8":
		h.size = 8
	}
	h.big = strings.HasPrefix(h.dtype, ">")
	return h, end, nil
}

// checkDataSize compares the bytes the header's shape declares with the bytes after the
// header (have), before anything is allocated from the shape.
func (h npyHeader) checkDataSize(name string, have int) error {
	need := h.size
	for _, n := range h.shape {
		if n == 0 {
			need = 0
			break
		}
	}
	for _, n := range h.shape {
		if need == 0 {
			break
		}
		// need <= have/n keeps need*n <= have, so the product never overflows.
		if need > have/n {
			total := float64(h.size)
			for _, n := range h.shape {
				total *= float64(n)
			}
			return fmt.Errorf("%s is truncated: shape %s of %d-byte values needs %.0f bytes of data but the file holds %d",
				name, shapeText(h.shape), h.size, total, have)
		}
		need *= n
	}
	if need != have {
		return fmt.Errorf("%s has %d bytes after the %s data its header declares: the shape in the header does not match the data; re-save it with numpy.save",
			name, have-need, shapeText(h.shape))
	}
	return nil
}

// decodeFloat64s decodes n values of the header's dtype from data into float64s.
func (h npyHeader) decodeFloat64s(data []byte, n int) []float64 {
	out := make([]float64, n)
	order := binary.ByteOrder(binary.LittleEndian)
	if h.big {
		order = binary.BigEndian
	}
	if h.size == 4 {
		for i := range out {
			out[i] = float64(math.Float32frombits(order.Uint32(data[4*i:])))
		}
		return out
	}
	for i := range out {
		out[i] = math.Float64frombits(order.Uint64(data[8*i:]))
	}
	return out
}

// decodeFloat32s decodes n float32 values.
func (h npyHeader) decodeFloat32s(data []byte, n int) []float32 {
	out := make([]float32, n)
	order := binary.ByteOrder(binary.LittleEndian)
	if h.big {
		order = binary.BigEndian
	}
	for i := range out {
		out[i] = math.Float32frombits(order.Uint32(data[4*i:]))
	}
	return out
}

// readMatrixNPY reads a 2-D float32 or float64 array stored in C order. The header is parsed
// here (parseNPY), and the size its shape declares is checked against the file's size before
// any data is allocated. Every error names the file and says how to fix it. Only regular
// files are read (package internal/regular): a pipe or a device would never end.
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
	f, size, err := regular.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var raw []byte
	var unmap func() error
	if mapFile {
		raw, unmap, err = mapReadOnly(f, size)
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
	} else if raw, err = regular.ReadAll(path, f, size); err != nil {
		return nil, err
	}
	const fix = "write it with numpy.save(path, array) where array is 2-D float32 or float64"
	h, offset, err := parseNPY(name, raw, fix)
	if err != nil {
		return nil, err
	}
	if h.size == 0 {
		return nil, fmt.Errorf("%s has dtype %s: want float32 (<f4) or float64 (<f8); convert with array.astype(numpy.float32)", name, h.dtype)
	}
	if h.fortran {
		return nil, fmt.Errorf("%s is stored in Fortran (column-major) order: want C order; save numpy.ascontiguousarray(array) instead", name)
	}
	if len(h.shape) != 2 {
		return nil, fmt.Errorf("%s has shape %s (%d-D): want a 2-D array, one row per entry (N x D); reshape it, e.g. array.reshape(len(array), -1)",
			name, shapeText(h.shape), len(h.shape))
	}
	rows, cols := h.shape[0], h.shape[1]
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("%s has shape %s: want at least one row and one column", name, shapeText(h.shape))
	}
	data := raw[offset:]
	if err := h.checkDataSize(name, len(data)); err != nil {
		return nil, err
	}

	m = &matrixNPY{rows: rows, cols: cols, raw: raw, unmap: unmap}
	switch {
	case unmap != nil && h.dtype == "<f4" && offset%4 == 0 && nativeLittleEndian:
		// The mapping starts on a page boundary, so a data offset that is a multiple of 4 makes
		// every element 4-byte aligned. numpy pads its headers to 64 bytes.
		m.f32 = unsafe.Slice((*float32)(unsafe.Pointer(&raw[offset])), rows*cols)
		m.mapped = true
	case h.size == 4:
		m.f32 = h.decodeFloat32s(data, rows*cols)
	default:
		m.f64 = h.decodeFloat64s(data, rows*cols)
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

// ReadVectorNPY reads a float32 or float64 .npy vector, shape (N,) or (N, 1), as float64
// values exactly as stored (float32 widened). Like ReadMatrixNPY it reads regular files only,
// checks the size the header declares against the file's size before allocating, and refuses
// NaN and infinite values. Errors name the file (its base name) and say how to fix it; fix
// replaces the default advice ("write it with numpy.save(path, vector) ...") when not empty.
func ReadVectorNPY(path, fix string) ([]float64, error) {
	name := filepath.Base(path)
	if fix == "" {
		fix = "write it with numpy.save(path, vector) where vector is 1-D float32 or float64"
	}
	raw, err := regular.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h, offset, err := parseNPY(name, raw, fix)
	if err != nil {
		return nil, err
	}
	if h.size == 0 {
		return nil, fmt.Errorf("%s has dtype %s: want float32 (<f4) or float64 (<f8): %s", name, h.dtype, fix)
	}
	// (N,) and (N, 1) have the same layout in C and Fortran order.
	if !(len(h.shape) == 1 || len(h.shape) == 2 && h.shape[1] == 1) {
		return nil, fmt.Errorf("%s has shape %s: want a vector, shape (N,) or (N, 1): %s", name, shapeText(h.shape), fix)
	}
	data := raw[offset:]
	if err := h.checkDataSize(name, len(data)); err != nil {
		return nil, err
	}
	out := h.decodeFloat64s(data, h.shape[0])
	for i, x := range out {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%s entry %d is %v: values must be finite; drop or repair it", name, i, x)
		}
	}
	return out, nil
}

// pyLiteral parses the Python literal of a .npy header: a dictionary whose values are
// strings, True/False/None, integers and tuples or lists of those. Nesting is bounded, so a
// hostile header cannot exhaust the stack.
type pyLiteral struct {
	s     string
	i     int
	depth int
}

const maxLiteralDepth = 16

func (p *pyLiteral) parse() (any, error) {
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q after the dictionary", p.s[p.i:min(p.i+10, len(p.s))])
	}
	return v, nil
}

func (p *pyLiteral) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyLiteral) value() (any, error) {
	p.space()
	if p.i >= len(p.s) {
		return nil, errors.New("it ends early")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.container('{', '}')
	case c == '(':
		return p.container('(', ')')
	case c == '[':
		return p.container('[', ']')
	case c == '\'' || c == '"':
		j := strings.IndexByte(p.s[p.i+1:], c)
		if j < 0 {
			return nil, errors.New("a string is not closed")
		}
		s := p.s[p.i+1 : p.i+1+j]
		if strings.IndexByte(s, '\\') >= 0 {
			return nil, errors.New("escapes in strings are not supported")
		}
		p.i += j + 2
		return s, nil
	case c == '-' || c >= '0' && c <= '9':
		j := p.i + 1
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, fmt.Errorf("%q is not a number of a supported size", clip(p.s[p.i:j]))
		}
		if j < len(p.s) && (p.s[j] == 'L' || p.s[j] == 'l') { // Python 2 long
			j++
		}
		p.i = j
		return n, nil
	}
	for word, v := range map[string]any{"True": true, "False": false, "None": nil} {
		if strings.HasPrefix(p.s[p.i:], word) {
			p.i += len(word)
			return v, nil
		}
	}
	return nil, fmt.Errorf("unexpected %q", p.s[p.i:min(p.i+10, len(p.s))])
}

// container parses a dictionary (open '{') or a tuple or list into map[string]any or []any.
func (p *pyLiteral) container(open, close byte) (any, error) {
	if p.depth++; p.depth > maxLiteralDepth {
		return nil, errors.New("nested too deeply")
	}
	defer func() { p.depth-- }()
	p.i++ // the opening bracket
	var list []any
	var dict map[string]any
	if open == '{' {
		dict = map[string]any{}
	} else {
		list = []any{}
	}
	comma := false // a comma after the last element: (1,) is a tuple, (1) the number 1
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == close {
			p.i++
			switch {
			case dict != nil:
				return dict, nil
			case open == '(' && len(list) == 1 && !comma:
				return list[0], nil
			}
			return list, nil
		}
		comma = false
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if dict != nil {
			key, ok := v.(string)
			if !ok {
				return nil, errors.New("a dictionary key is not a string")
			}
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, fmt.Errorf("no ':' after key %q", clip(key))
			}
			p.i++
			if v, err = p.value(); err != nil {
				return nil, err
			}
			if _, dup := dict[key]; dup {
				return nil, fmt.Errorf("key %q appears twice", clip(key))
			}
			dict[key] = v
		} else {
			list = append(list, v)
		}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			comma = true
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == close {
			continue
		}
		return nil, fmt.Errorf("want ',' or '%c'", close)
	}
}

// clip shortens a header's string for an error message: a hostile header's key may be the whole
// header (kilobytes), and quoting it made the message many times the file's size.
func clip(s string) string {
	const most = 40
	if len(s) <= most {
		return s
	}
	return s[:most] + "..."
}

// nativeLittleEndian is true on little-endian machines, where the bytes of a '<f4' array are
// the machine's float32s.
var nativeLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

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
	hdr = append(hdr, npyMagic...)
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

// npyShape reads only the header of a .npy file: its shape and bytes per value (for estimates
// made before anything is loaded).
func npyShape(path string) (shape []int, size int, err error) {
	f, n, err := regular.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	head := make([]byte, min(n, 1<<20))
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	h, _, err := parseNPY(filepath.Base(path), head, "write it with numpy.save")
	if err != nil {
		return nil, 0, err
	}
	return h.shape, h.size, nil
}
