package datasets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

// matrixNPY is a 2-D array read from a .npy file, converted to float64.
type matrixNPY struct {
	rows, cols int
	data       []float64 // row-major
	raw        []byte    // the file's bytes, for the fingerprint
}

// readMatrixNPY reads a 2-D float32 or float64 array stored in C order. The npyio library
// decodes the header and the data; this function checks everything a malformed or foreign
// file could get wrong before handing it over, because npyio trusts its input: a header with
// no newline makes it panic, a header length beyond the file makes it allocate that much, and
// a truncated data section is not always reported. Every error names the file and says how to
// fix it.
func readMatrixNPY(path string) (*matrixNPY, error) {
	name := filepath.Base(path)
	raw, err := os.ReadFile(path)
	if err != nil {
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

	m := &matrixNPY{rows: rows, cols: cols, raw: raw}
	if size == 4 {
		var v []float32
		if err := guard(func() error { return rd.Read(&v) }); err != nil {
			return nil, fmt.Errorf("%s: reading the data: %v", name, err)
		}
		m.data = make([]float64, len(v))
		for i, x := range v {
			m.data[i] = float64(x)
		}
	} else if err := guard(func() error { return rd.Read(&m.data) }); err != nil {
		return nil, fmt.Errorf("%s: reading the data: %v", name, err)
	}
	if len(m.data) != rows*cols {
		return nil, fmt.Errorf("%s: read %d values, want %d for shape %s", name, len(m.data), rows*cols, shapeText(h.Shape))
	}
	for i, x := range m.data {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%s row %d column %d is %v: embeddings must be finite; drop or repair that row", name, i/cols, i%cols, x)
		}
	}
	return m, nil
}

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

// writeMatrixNPY writes rows x cols float64 values to f as a C-order .npy array.
func writeMatrixNPY(f *os.File, rows, cols int, data []float64) error {
	if rows <= 0 || cols <= 0 || len(data) != rows*cols {
		return fmt.Errorf("cannot write a %d x %d matrix from %d values", rows, cols, len(data))
	}
	return npyio.Write(f, mat.NewDense(rows, cols, data))
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
