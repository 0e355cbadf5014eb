package pickapic

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/nlpodyssey/gopickle/types"
)

// Torch files come in two layouts (torch/serialization.py):
//   - the zip layout of torch.save since 1.6: <prefix>/data.pkl, whose persistent ids
//     ('storage', torch.FloatStorage, key, location, numel) name raw entries <prefix>/data/<key>;
//   - the legacy layout: pickles of a magic number, the protocol version and system info, then
//     the object (persistent ids ('storage', type, key, location, numel, view)), then the list
//     of storage keys, then per key an int64 element count and the raw bytes. A tensor inside an
//     ordinary pickle (as joblib writes it) carries its storage in this layout through
//     torch.storage._load_from_bytes.

// storageTypes maps torch's typed storage classes to element types.
var storageTypes = map[string]string{
	"FloatStorage": "f4", "DoubleStorage": "f8", "HalfStorage": "f2", "BFloat16Storage": "bf16",
	"LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1",
	"ByteStorage": "u1", "BoolStorage": "b1", "UntypedStorage": "u1",
}

// legacyMagic is torch's MAGIC_NUMBER, the first pickle of a legacy file.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

// storage is a torch storage: numel elements of dtype, raw little-endian bytes (nil until
// the file's data section has been read).
type storage struct {
	dtype string
	numel int
	raw   []byte
}

// tensor is a view of a storage, materialised into an array once the storage has its bytes.
type tensor struct {
	st     *storage
	offset int
	shape  []int
	stride []int
}

func (t *tensor) materialize() (*array, error) {
	if t.st.raw == nil {
		return nil, fmt.Errorf("torch tensor refers to a storage whose data is missing from the file")
	}
	info, ok := dtypes[t.st.dtype]
	if !ok {
		return nil, fmt.Errorf("torch tensor of unsupported element type %q", t.st.dtype)
	}
	n := 1
	for _, s := range t.shape {
		n *= s
	}
	if len(t.stride) != len(t.shape) {
		return nil, fmt.Errorf("torch tensor with shape %v but stride %v", t.shape, t.stride)
	}
	raw := make([]byte, 0, n*info.size)
	idx := make([]int, len(t.shape))
	for c := 0; c < n; c++ {
		off := t.offset
		for d := range idx {
			off += idx[d] * t.stride[d]
		}
		if off < 0 || off >= t.st.numel {
			return nil, fmt.Errorf("torch tensor (shape %v, stride %v, offset %d) reaches outside its storage of %d elements", t.shape, t.stride, t.offset, t.st.numel)
		}
		raw = append(raw, t.st.raw[off*info.size:(off+1)*info.size]...)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < t.shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return decodeArray(t.st.dtype, binary.LittleEndian, raw, t.shape)
}

// rebuildTensor is torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...).
type rebuildTensor struct{}

func (rebuildTensor) Call(args ...any) (any, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("torch _rebuild_tensor with %d arguments, want at least 4", len(args))
	}
	st, ok := args[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("torch tensor storage is %T, want a storage", args[0])
	}
	off, ok := args[1].(int)
	if !ok || off < 0 {
		return nil, fmt.Errorf("torch tensor offset %v is not a non-negative integer", args[1])
	}
	shape, err := intTuple(args[2])
	if err != nil {
		return nil, fmt.Errorf("torch tensor size: %w", err)
	}
	stride, err := intTuple(args[3])
	if err != nil {
		return nil, fmt.Errorf("torch tensor stride: %w", err)
	}
	for _, s := range shape {
		if s < 0 {
			return nil, fmt.Errorf("torch tensor size %v has a negative dimension", shape)
		}
	}
	return &tensor{st: st, offset: off, shape: shape, stride: stride}, nil
}

// rebuildParameter is torch._utils._rebuild_parameter(data, requires_grad, hooks).
type rebuildParameter struct{}

func (rebuildParameter) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("torch _rebuild_parameter without arguments")
	}
	return args[0], nil
}

// rebuildFromType is torch._tensor._rebuild_from_type_v2(func, type, args, state): the form
// of a tensor subclass or a tensor with Python attributes; the attributes are dropped.
type rebuildFromType struct{}

func (rebuildFromType) Call(args ...any) (any, error) {
	if len(args) < 3 {
		return nil, fmt.Errorf("torch _rebuild_from_type_v2 with %d arguments, want 4", len(args))
	}
	fn, ok := args[0].(types.Callable)
	if !ok {
		return nil, fmt.Errorf("torch _rebuild_from_type_v2: %T is not callable", args[0])
	}
	inner, ok := args[2].(*types.Tuple)
	if !ok {
		return nil, fmt.Errorf("torch _rebuild_from_type_v2: arguments are %T, want a tuple", args[2])
	}
	return fn.Call(*inner...)
}

// loadFromBytes is torch.storage._load_from_bytes(b): a storage saved in the legacy layout.
type loadFromBytes struct{}

func (loadFromBytes) Call(args ...any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("torch _load_from_bytes with %d arguments, want 1", len(args))
	}
	b, ok := args[0].([]byte)
	if !ok {
		return nil, fmt.Errorf("torch _load_from_bytes of %T, want bytes", args[0])
	}
	obj, err := readTorchLegacy(bufio.NewReader(bytes.NewReader(b)))
	if err != nil {
		return nil, fmt.Errorf("tensor storage: %w", err)
	}
	if _, ok := obj.(*storage); !ok {
		return nil, fmt.Errorf("torch _load_from_bytes gave %T, want a storage", obj)
	}
	return obj, nil
}

// setClass is builtins.set / frozenset: read as a list (the order of ids does not matter).
type setClass struct{}

func (setClass) Call(args ...any) (any, error) {
	if len(args) == 0 {
		return types.NewList(), nil
	}
	switch x := args[0].(type) {
	case *types.List:
		return x, nil
	case *types.Tuple:
		return types.NewListFromSlice(*x), nil
	}
	return nil, fmt.Errorf("set(%T): want a list", args[0])
}

// storageID parses a persistent id ('storage', type, key, location, numel[, view]).
func storageID(id any) (dtype, key string, numel int, err error) {
	t, ok := id.(*types.Tuple)
	if !ok || t.Len() < 5 || t.Get(0) != "storage" {
		return "", "", 0, fmt.Errorf("persistent id %v is not a torch storage", id)
	}
	m, ok := t.Get(1).(*marker)
	if !ok {
		return "", "", 0, fmt.Errorf("torch storage type %v is not a storage class", t.Get(1))
	}
	dtype = storageTypes[m.name]
	key, ok = t.Get(2).(string)
	if !ok {
		return "", "", 0, fmt.Errorf("torch storage key %v is not a string", t.Get(2))
	}
	numel, ok = t.Get(4).(int)
	if !ok || numel < 0 {
		return "", "", 0, fmt.Errorf("torch storage size %v is not a count", t.Get(4))
	}
	if t.Len() > 5 && t.Get(5) != nil {
		return "", "", 0, fmt.Errorf("torch storage views (legacy view metadata) are not supported")
	}
	return dtype, key, numel, nil
}

// readTorchLegacy reads a legacy-layout torch file from r and returns its object (tensors
// resolved to arrays, a bare storage as a *storage).
func readTorchLegacy(r *bufio.Reader) (any, error) {
	magic, err := unpickleRaw(r, nil)
	if err != nil {
		return nil, fmt.Errorf("not a torch file: %w", err)
	}
	if m, ok := magic.(*big.Int); !ok || m.Cmp(legacyMagic) != 0 {
		return nil, fmt.Errorf("not a torch file (no torch magic number)")
	}
	if v, err := unpickleRaw(r, nil); err != nil {
		return nil, fmt.Errorf("torch protocol version: %w", err)
	} else if v != 1001 {
		return nil, fmt.Errorf("torch protocol version %v, want 1001", v)
	}
	info, err := unpickleRaw(r, nil)
	if err != nil {
		return nil, fmt.Errorf("torch system info: %w", err)
	}
	if d, ok := info.(*types.Dict); ok {
		if le, ok := d.Get("little_endian"); ok && le == false {
			return nil, fmt.Errorf("big-endian torch files are not supported")
		}
	}
	storages := map[string]*storage{}
	obj, err := unpickleRaw(r, func(id any) (any, error) {
		dtype, key, numel, err := storageID(id)
		if err != nil {
			return nil, err
		}
		if st, ok := storages[key]; ok {
			return st, nil
		}
		st := &storage{dtype: dtype, numel: numel}
		storages[key] = st
		return st, nil
	})
	if err != nil {
		return nil, err
	}
	keysObj, err := unpickleRaw(r, nil)
	if err != nil {
		return nil, fmt.Errorf("torch storage keys: %w", err)
	}
	keys, ok := keysObj.(*types.List)
	if !ok {
		return nil, fmt.Errorf("torch storage keys are %T, want a list", keysObj)
	}
	for _, k := range *keys {
		key, _ := k.(string)
		st, ok := storages[key]
		if !ok {
			return nil, fmt.Errorf("torch file lists storage %v that nothing uses", k)
		}
		var n [8]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, fmt.Errorf("torch storage %s: %w", key, unexpected(err))
		}
		count := int64(binary.LittleEndian.Uint64(n[:]))
		size := dtypes[st.dtype].size
		if count != int64(st.numel) || size == 0 {
			return nil, fmt.Errorf("torch storage %s holds %d elements, its header says %d", key, count, st.numel)
		}
		st.raw = make([]byte, st.numel*size)
		if _, err := io.ReadFull(r, st.raw); err != nil {
			return nil, fmt.Errorf("torch storage %s: %w", key, unexpected(err))
		}
	}
	return resolve(obj)
}

// readTorchZip reads a zip-layout torch file held in memory.
func readTorchZip(data []byte) (any, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("torch zip layout: %w", err)
	}
	var pkl *zip.File
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		entries[f.Name] = f
		if f.Name == "data.pkl" || strings.HasSuffix(f.Name, "/data.pkl") {
			pkl = f
		}
	}
	if pkl == nil {
		return nil, fmt.Errorf("torch zip layout without data.pkl")
	}
	prefix := strings.TrimSuffix(pkl.Name, "data.pkl")
	read := func(f *zip.File) ([]byte, error) {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return b, unexpected(err)
	}
	raw, err := read(pkl)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkl.Name, err)
	}
	storages := map[string]*storage{}
	obj, err := unpickleRaw(bufio.NewReader(bytes.NewReader(raw)), func(id any) (any, error) {
		dtype, key, numel, err := storageID(id)
		if err != nil {
			return nil, err
		}
		if st, ok := storages[key]; ok {
			return st, nil
		}
		f, ok := entries[prefix+"data/"+key]
		if !ok {
			return nil, fmt.Errorf("torch storage %s is missing (no entry %sdata/%s)", key, prefix, key)
		}
		b, err := read(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if size := dtypes[dtype].size; size == 0 || len(b) < numel*size {
			return nil, fmt.Errorf("torch storage %s has %d bytes, want %d elements of %s", key, len(b), numel, dtype)
		}
		st := &storage{dtype: dtype, numel: numel, raw: b}
		storages[key] = st
		return st, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkl.Name, err)
	}
	return resolve(obj)
}

// readTorch reads a torch.save file in either layout.
func readTorch(data []byte) (any, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readTorchZip(data)
	}
	return readTorchLegacy(bufio.NewReader(bytes.NewReader(data)))
}
