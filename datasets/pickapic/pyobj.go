package pickapic

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// This file turns the Python objects of the authors' files into Go values: pickles written by
// joblib (numpy arrays stored out of band), plain numpy pickles, and torch tensors (inside a
// pickle through torch.storage._load_from_bytes, or in a torch.save file). The pickle virtual
// machine is github.com/nlpodyssey/gopickle; the classes it meets are resolved here, and any
// class not listed is refused by name rather than guessed at.

// array is a numeric array decoded from numpy or torch: its values in C order as float64
// (and as int64 for integer dtypes, so that large ids survive).
type array struct {
	dtype string // numpy-style code: f2, f4, f8, bf16, i1..i8, u1, b1
	shape []int
	f     []float64
	i     []int64 // integer dtypes only
}

func (a *array) size() int { return len(a.f) }

// dtypeInfo describes one element type.
type dtypeInfo struct {
	size    int
	integer bool
	decode  func(b []byte, order binary.ByteOrder) (float64, int64)
}

var dtypes = map[string]dtypeInfo{
	"f2": {2, false, func(b []byte, o binary.ByteOrder) (float64, int64) {
		return float64(halfToFloat32(o.Uint16(b))), 0
	}},
	"bf16": {2, false, func(b []byte, o binary.ByteOrder) (float64, int64) {
		return float64(math.Float32frombits(uint32(o.Uint16(b)) << 16)), 0
	}},
	"f4": {4, false, func(b []byte, o binary.ByteOrder) (float64, int64) {
		return float64(math.Float32frombits(o.Uint32(b))), 0
	}},
	"f8": {8, false, func(b []byte, o binary.ByteOrder) (float64, int64) { return math.Float64frombits(o.Uint64(b)), 0 }},
	"i1": integer[int8](),
	"u1": integer[uint8](),
	"b1": {1, true, func(b []byte, _ binary.ByteOrder) (float64, int64) {
		if b[0] != 0 {
			return 1, 1
		}
		return 0, 0
	}},
	"i2": integer[int16](),
	"u2": integer[uint16](),
	"i4": integer[int32](),
	"u4": integer[uint32](),
	"i8": integer[int64](),
}

// integer describes the integer type T: its bytes in the array's order, converted to T so that
// signed types keep their sign.
func integer[T int8 | uint8 | int16 | uint16 | int32 | uint32 | int64]() dtypeInfo {
	size := binary.Size(T(0))
	return dtypeInfo{size, true, func(b []byte, o binary.ByteOrder) (float64, int64) {
		var bits uint64
		switch size {
		case 1:
			bits = uint64(b[0])
		case 2:
			bits = uint64(o.Uint16(b))
		case 4:
			bits = uint64(o.Uint32(b))
		default:
			bits = o.Uint64(b)
		}
		v := T(bits)
		return float64(v), int64(v)
	}}
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := int(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch exp {
	case 0:
		if frac == 0 {
			return math.Float32frombits(sign)
		}
		// subnormal: value = frac * 2^-24
		v := float32(frac) * float32(math.Ldexp(1, -24))
		if sign != 0 {
			v = -v
		}
		return v
	case 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | uint32(exp-15+127)<<23 | frac<<13)
}

// decodeArray converts raw bytes of count elements of dtype into an array.
func decodeArray(dtype string, order binary.ByteOrder, raw []byte, shape []int) (*array, error) {
	info, ok := dtypes[dtype]
	if !ok {
		return nil, fmt.Errorf("unsupported element type %q (want a float or integer type)", dtype)
	}
	n := 1
	for _, s := range shape {
		if s < 0 {
			return nil, fmt.Errorf("negative dimension in shape %v", shape)
		}
		n *= s
	}
	if len(raw) != n*info.size {
		return nil, fmt.Errorf("array of shape %v and type %s needs %d bytes, got %d", shape, dtype, n*info.size, len(raw))
	}
	a := &array{dtype: dtype, shape: shape, f: make([]float64, n)}
	if info.integer {
		a.i = make([]int64, n)
	}
	for k := 0; k < n; k++ {
		f, i := info.decode(raw[k*info.size:], order)
		a.f[k] = f
		if a.i != nil {
			a.i[k] = i
		}
	}
	return a, nil
}

// fortranToC reorders column-major values of the given shape into row-major order.
func fortranToC(a *array) {
	if len(a.shape) < 2 {
		return
	}
	n := len(a.f)
	outF := make([]float64, n)
	var outI []int64
	if a.i != nil {
		outI = make([]int64, n)
	}
	idx := make([]int, len(a.shape))
	for c := 0; c < n; c++ { // c walks C order; compute the F-order offset of the same index
		f, stride := 0, 1
		for d := 0; d < len(a.shape); d++ {
			f += idx[d] * stride
			stride *= a.shape[d]
		}
		outF[c] = a.f[f]
		if outI != nil {
			outI[c] = a.i[f]
		}
		for d := len(a.shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < a.shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	a.f, a.i = outF, outI
}

// numpy dtype objects --------------------------------------------------------------------

// npDtype is a numpy.dtype as pickled: numpy.dtype('f4', False, True) then BUILD with
// (3, '<', None, None, None, -1, -1, 0).
type npDtype struct {
	code  string // f4, i8, ... (kind + size)
	order binary.ByteOrder
	obj   bool // dtype('O'): Python objects, not numbers
}

type npDtypeClass struct{}

func (npDtypeClass) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("numpy.dtype() without arguments")
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("numpy.dtype(%v): want a type code string", args[0])
	}
	d := &npDtype{order: binary.LittleEndian}
	switch {
	case s == "O" || s == "O8" || s == "O4":
		d.obj = true
	case s == "b1" || s == "?":
		d.code = "b1"
	default:
		d.code = s
		if len(s) < 2 {
			return nil, fmt.Errorf("numpy.dtype(%q): unsupported type code", s)
		}
	}
	return d, nil
}

func (d *npDtype) PySetState(state any) error {
	t, ok := state.(*types.Tuple)
	if !ok || t.Len() < 2 {
		return fmt.Errorf("numpy dtype state %v: want a tuple", state)
	}
	switch t.Get(1) {
	case ">":
		d.order = binary.BigEndian
	case "<", "|", "=":
		d.order = binary.LittleEndian
	default:
		return fmt.Errorf("numpy dtype byte order %v is not supported", t.Get(1))
	}
	return nil
}

// numpy arrays pickled without joblib -------------------------------------------------------

// npReconstruct is numpy.core.multiarray._reconstruct: it makes an empty ndarray that a BUILD
// with (version, shape, dtype, is_fortran, raw bytes) fills.
type npReconstruct struct{}

func (npReconstruct) Call(args ...any) (any, error) { return &npArray{}, nil }

type npArray struct{ a *array }

func (n *npArray) PySetState(state any) error {
	t, ok := state.(*types.Tuple)
	if !ok || t.Len() < 5 {
		return fmt.Errorf("numpy array state %v: want (version, shape, dtype, is_fortran, data)", state)
	}
	shape, err := intTuple(t.Get(1))
	if err != nil {
		return fmt.Errorf("numpy array shape: %w", err)
	}
	dt, ok := t.Get(2).(*npDtype)
	if !ok {
		return fmt.Errorf("numpy array dtype %v is not a numpy dtype", t.Get(2))
	}
	if dt.obj {
		return fmt.Errorf("numpy array of Python objects (dtype O): want a numeric array")
	}
	raw, ok := t.Get(4).([]byte)
	if !ok {
		return fmt.Errorf("numpy array data has type %T, want bytes", t.Get(4))
	}
	a, err := decodeArray(dt.code, dt.order, raw, shape)
	if err != nil {
		return err
	}
	if fortran, _ := t.Get(3).(bool); fortran {
		fortranToC(a)
	}
	n.a = a
	return nil
}

// npScalar is numpy.core.multiarray.scalar(dtype, raw bytes): a numpy number such as np.int64.
type npScalar struct{}

func (npScalar) Call(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("numpy scalar with %d arguments, want 2", len(args))
	}
	dt, ok := args[0].(*npDtype)
	if !ok || dt.obj {
		return nil, fmt.Errorf("numpy scalar of type %v: want a numeric type", args[0])
	}
	raw, ok := args[1].([]byte)
	if !ok {
		return nil, fmt.Errorf("numpy scalar data has type %T, want bytes", args[1])
	}
	switch dt.code[0] {
	case 'U': // numpy.str_: UTF-32 code units, trailing NULs dropped
		var b strings.Builder
		for i := 0; i+4 <= len(raw); i += 4 {
			if r := rune(dt.order.Uint32(raw[i:])); r != 0 {
				b.WriteRune(r)
			}
		}
		return strings.TrimRight(b.String(), "\x00"), nil
	case 'S': // numpy.bytes_
		return strings.TrimRight(string(raw), "\x00"), nil
	}
	return decodeArray(dt.code, dt.order, raw, nil)
}

// joblib's out-of-band arrays -------------------------------------------------------------------

// joblib pickles a numpy array as a NumpyArrayWrapper object (shape, order, dtype, ...) and
// writes the array's bytes straight into the file after the pickle frame holding the wrapper:
// its unpickler reads them when it BUILDs the wrapper. wrapperClass does the same from the
// stream the pickle machine reads.
type wrapperClass struct{ r *bufio.Reader }

func (c wrapperClass) PyNew(args ...any) (any, error) { return &npWrapper{r: c.r}, nil }

type npWrapper struct {
	r *bufio.Reader
	a *array
}

// maxArrayBytes bounds one out-of-band array: a CLIP embedding is a few KB, so anything near
// this is a corrupt header, not data.
const maxArrayBytes = 1 << 30

func (w *npWrapper) PySetState(state any) error {
	d, ok := state.(*types.Dict)
	if !ok {
		return fmt.Errorf("joblib NumpyArrayWrapper state %v: want a dict", state)
	}
	get := func(k string) any { v, _ := d.Get(k); return v }
	shape, err := intTuple(get("shape"))
	if err != nil {
		return fmt.Errorf("joblib array shape: %w", err)
	}
	dt, ok := get("dtype").(*npDtype)
	if !ok {
		return fmt.Errorf("joblib array dtype %v is not a numpy dtype", get("dtype"))
	}
	if dt.obj {
		return fmt.Errorf("joblib array of Python objects (dtype O): want a numeric array")
	}
	info, ok := dtypes[dt.code]
	if !ok {
		return fmt.Errorf("joblib array: unsupported element type %q", dt.code)
	}
	n := 1
	for _, s := range shape {
		if s < 0 {
			return fmt.Errorf("joblib array: negative dimension in shape %v", shape)
		}
		n *= s
	}
	if n*info.size > maxArrayBytes {
		return fmt.Errorf("joblib array of shape %v is %d bytes: larger than any embedding (corrupt header?)", shape, n*info.size)
	}
	if _, aligned := d.Get("numpy_array_alignment_bytes"); aligned {
		pad, err := w.r.ReadByte()
		if err != nil {
			return fmt.Errorf("joblib array padding: %w", unexpected(err))
		}
		if _, err := w.r.Discard(int(pad)); err != nil {
			return fmt.Errorf("joblib array padding: %w", unexpected(err))
		}
	}
	raw := make([]byte, n*info.size)
	if _, err := io.ReadFull(w.r, raw); err != nil {
		return fmt.Errorf("joblib array data (%d bytes of %s): %w", len(raw), dt.code, unexpected(err))
	}
	a, err := decodeArray(dt.code, dt.order, raw, shape)
	if err != nil {
		return err
	}
	if order, _ := get("order").(string); order == "F" {
		// joblib writes a Fortran-ordered array's bytes in column-major order.
		fortranToC(a)
	}
	w.a = a
	return nil
}

// marker stands for a class the files name only to pass it as an argument (numpy.ndarray as
// joblib's "subclass", torch.FloatStorage in persistent ids).
type marker struct{ module, name string }

func (m *marker) Call(args ...any) (any, error) {
	return nil, fmt.Errorf("the file calls %s.%s, which this reader does not support", m.module, m.name)
}

func (m *marker) PyNew(args ...any) (any, error) { return m.Call(args...) }

// findClass resolves the classes and functions the authors' files use. r is the stream of
// the pickle (joblib reads array bytes from it).
func findClass(r *bufio.Reader) func(module, name string) (any, error) {
	return func(module, name string) (any, error) {
		switch module {
		case "joblib.numpy_pickle":
			switch name {
			case "NumpyArrayWrapper":
				return wrapperClass{r}, nil
			case "NDArrayWrapper", "ZNDArrayWrapper":
				return nil, fmt.Errorf("old joblib format (%s keeps arrays in separate files): re-save it with joblib >= 0.10", name)
			}
		case "numpy":
			switch name {
			case "ndarray":
				return &marker{module, name}, nil
			case "dtype":
				return npDtypeClass{}, nil
			}
		case "numpy.core.multiarray", "numpy._core.multiarray":
			switch name {
			case "_reconstruct":
				return npReconstruct{}, nil
			case "scalar":
				return npScalar{}, nil
			}
		case "builtins", "__builtin__":
			if name == "set" || name == "frozenset" {
				return setClass{}, nil
			}
		case "torch._utils":
			switch name {
			case "_rebuild_tensor_v2", "_rebuild_tensor":
				return rebuildTensor{}, nil
			case "_rebuild_parameter":
				return rebuildParameter{}, nil
			}
		case "torch._tensor":
			if name == "_rebuild_from_type_v2" {
				return rebuildFromType{}, nil
			}
		case "torch.storage":
			if name == "_load_from_bytes" {
				return loadFromBytes{}, nil
			}
		case "torch":
			if _, ok := storageTypes[name]; ok {
				return &marker{module, name}, nil
			}
			if name == "Tensor" || name == "Size" {
				return &marker{module, name}, nil
			}
		}
		return nil, fmt.Errorf("the pickle uses the Python class %s.%s, which this reader does not know: it reads numpy arrays, torch tensors, tuples, lists, numbers and strings", module, name)
	}
}

// unpickle runs one pickle from r and resolves its arrays and tensors.
func unpickle(r *bufio.Reader) (any, error) {
	obj, err := unpickleRaw(r, nil)
	if err != nil {
		return nil, err
	}
	return resolve(obj)
}

// unpickleRaw runs one pickle from r, leaving tensors unresolved (their storages may come
// later in the file). Any panic of the pickle machine on malformed input becomes an error.
func unpickleRaw(r *bufio.Reader, persistent func(any) (any, error)) (obj any, err error) {
	defer func() {
		if p := recover(); p != nil {
			obj, err = nil, fmt.Errorf("malformed pickle (decoder failed: %v)", p)
		}
	}()
	u := pickle.NewUnpickler(r)
	u.FindClass = findClass(r)
	if persistent != nil {
		u.PersistentLoad = persistent
	} else {
		u.PersistentLoad = func(id any) (any, error) {
			return nil, fmt.Errorf("the pickle refers to external data (persistent id %v) that this file cannot hold", id)
		}
	}
	obj, err = u.Load()
	if err != nil {
		return nil, unexpected(err)
	}
	return obj, nil
}

// unexpected turns a bare end of file into an error that says the data was cut short.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("data ends early (truncated file?): %w", io.ErrUnexpectedEOF)
	}
	return err
}

// resolve replaces the helper objects of the decoders (wrappers, lazy tensors) by arrays,
// recursively through tuples and lists.
func resolve(v any) (any, error) {
	switch x := v.(type) {
	case *npWrapper:
		if x.a == nil {
			return nil, fmt.Errorf("joblib array without data")
		}
		return x.a, nil
	case *npArray:
		if x.a == nil {
			return nil, fmt.Errorf("numpy array without data")
		}
		return x.a, nil
	case *tensor:
		return x.materialize()
	}
	items, _ := elements(v) // resolved in place: items shares the tuple's or list's storage
	for i, e := range items {
		r, err := resolve(e)
		if err != nil {
			return nil, err
		}
		items[i] = r
	}
	return v, nil
}

// elements returns the items of a tuple or a list, the unpickler's two sequence types, which
// the readers accept alike; ok is false for any other value.
func elements(v any) (items []any, ok bool) {
	switch x := v.(type) {
	case *types.Tuple:
		return *x, true
	case *types.List:
		return *x, true
	}
	return nil, false
}

// intTuple reads a shape or stride: a tuple (or list) of non-negative ints.
func intTuple(v any) ([]int, error) {
	items, ok := elements(v)
	if !ok {
		return nil, fmt.Errorf("%v (%T) is not a tuple of integers", v, v)
	}
	out := make([]int, len(items))
	for i, e := range items {
		n, ok := e.(int)
		if !ok {
			return nil, fmt.Errorf("%v is not a tuple of integers", v)
		}
		out[i] = n
	}
	return out, nil
}

// asVector flattens an embedding: an array of any shape, or a list or tuple of numbers.
func asVector(v any) ([]float64, string, error) {
	switch x := v.(type) {
	case *array:
		if len(x.f) == 0 {
			return nil, "", fmt.Errorf("empty array")
		}
		return x.f, x.dtype, nil
	case *types.List, *types.Tuple:
		items, _ := elements(x)
		if len(items) == 0 {
			return nil, "", fmt.Errorf("empty list")
		}
		out := make([]float64, len(items))
		for i, e := range items {
			f, ok := asFloat(e)
			if !ok {
				return nil, "", fmt.Errorf("list element %d is %T, not a number", i, e)
			}
			out[i] = f
		}
		return out, "f8", nil
	}
	return nil, "", fmt.Errorf("%T is not an embedding (want a numpy array, a torch tensor or a list of numbers)", v)
}

// asFloat reads a Python number (int, float, bool, numpy or torch scalar).
func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case *array:
		if len(x.f) == 1 {
			return x.f[0], true
		}
	}
	return 0, false
}

// asID renders a user or comparison id (a string, an integer, bytes, or a 1-element
// integer array) as a string, the way Python's str() would.
func asID(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case int:
		return fmt.Sprint(x), nil
	case *big.Int:
		return x.String(), nil
	case *array:
		if len(x.i) == 1 {
			return fmt.Sprint(x.i[0]), nil
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return fmt.Sprint(int64(x)), nil
		}
	}
	return "", fmt.Errorf("%v (%T) is not an id: want a string or an integer", v, v)
}

// describe names a Python value's shape for error messages.
func describe(v any) string {
	switch x := v.(type) {
	case *types.Tuple:
		parts := make([]string, x.Len())
		for i, e := range *x {
			parts[i] = describe(e)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case *types.List:
		return fmt.Sprintf("list of %d", x.Len())
	case *array:
		return fmt.Sprintf("array%v %s", x.shape, x.dtype)
	case nil:
		return "None"
	}
	return fmt.Sprintf("%T", v)
}
