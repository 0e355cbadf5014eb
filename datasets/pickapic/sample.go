package pickapic

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"

	"github.com/nlpodyssey/gopickle/types"
)

// sample is one comparison of the release: the authors' ((uid, prompt_emb, (left_emb,
// right_emb)), y), optionally wrapped as (that, unique_id).
type sample struct {
	user        string
	prompt      []float64
	left, right []float64
	dtype       string  // widest element type of the three embeddings
	y           float64 // the raw label, normalised later
}

// decodeSample reads one joblib file (plain or compressed with zlib, gzip or bz2).
func decodeSample(r io.Reader) (*sample, error) {
	br := bufio.NewReaderSize(r, 32<<10)
	head, _ := br.Peek(6)
	var src io.Reader
	switch {
	case len(head) == 0:
		return nil, fmt.Errorf("empty file: want a joblib pickle")
	case head[0] == 0x80: // pickle protocol 2+
		return decodePickle(br)
	case len(head) >= 2 && head[0] == 0x78 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0:
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("zlib-compressed joblib file: %w", unexpected(err))
		}
		defer zr.Close()
		src = zr
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip-compressed joblib file: %w", unexpected(err))
		}
		defer gr.Close()
		src = gr
	case bytes.HasPrefix(head, []byte("BZh")):
		src = bzip2.NewReader(br)
	case bytes.HasPrefix(head, []byte("ZF")):
		return nil, fmt.Errorf("old joblib format (before 0.10, \"ZF\" header): re-save it with a current joblib")
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}) || bytes.HasPrefix(head, []byte{0x5d, 0, 0}):
		return nil, fmt.Errorf("joblib file compressed with xz/lzma, which this reader does not decompress: re-save it with compress=('zlib', 3) or without compression")
	case bytes.HasPrefix(head, []byte{0x04, 0x22, 0x4d, 0x18}):
		return nil, fmt.Errorf("joblib file compressed with lz4, which this reader does not decompress: re-save it with compress=('zlib', 3) or without compression")
	default:
		return nil, fmt.Errorf("not a joblib pickle (starts with % x)", head)
	}
	s, err := decodePickle(bufio.NewReaderSize(src, 32<<10))
	if err != nil {
		return nil, err
	}
	// Read the compressed stream to its end: its checksum trailer tells a complete file from a
	// truncated one whose pickle happened to be whole.
	if _, err := io.Copy(io.Discard, src); err != nil {
		return nil, fmt.Errorf("compressed joblib file: %w", unexpected(err))
	}
	return s, nil
}

func decodePickle(br *bufio.Reader) (*sample, error) {
	obj, err := unpickle(br)
	if err != nil {
		return nil, err
	}
	return parseSample(obj)
}

// parseSample takes apart the authors' tuple.
func parseSample(obj any) (*sample, error) {
	const want = "want ((uid, prompt, (left, right)), y) or (((uid, prompt, (left, right)), y), id)"
	t, ok := obj.(*types.Tuple)
	if !ok || t.Len() != 2 {
		return nil, fmt.Errorf("the pickle holds %s: %s", describe(obj), want)
	}
	var x *types.Tuple
	var y any
	if inner, ok := t.Get(0).(*types.Tuple); ok && inner.Len() == 2 {
		if xt, ok := inner.Get(0).(*types.Tuple); ok && xt.Len() == 3 {
			x, y = xt, inner.Get(1) // wrapped: ((x, y), id)
		}
	}
	if x == nil {
		if xt, ok := t.Get(0).(*types.Tuple); ok && xt.Len() == 3 {
			x, y = xt, t.Get(1)
		}
	}
	if x == nil {
		return nil, fmt.Errorf("the pickle holds %s: %s", describe(obj), want)
	}
	s := &sample{}
	var err error
	if s.user, err = asID(x.Get(0)); err != nil {
		return nil, fmt.Errorf("user id: %w", err)
	}
	var dt [3]string
	if s.prompt, dt[0], err = asVector(x.Get(1)); err != nil {
		return nil, fmt.Errorf("prompt embedding: %w", err)
	}
	pair, _ := elements(x.Get(2))
	if len(pair) != 2 {
		return nil, fmt.Errorf("the image pair is %s: %s", describe(x.Get(2)), want)
	}
	if s.left, dt[1], err = asVector(pair[0]); err != nil {
		return nil, fmt.Errorf("left image embedding: %w", err)
	}
	if s.right, dt[2], err = asVector(pair[1]); err != nil {
		return nil, fmt.Errorf("right image embedding: %w", err)
	}
	s.dtype = widest(dt[:]...)
	var isNum bool
	if s.y, isNum = asFloat(y); !isNum {
		return nil, fmt.Errorf("label y is %s: want a number (-1, +1, 0, 1 or 3)", describe(y))
	}
	return s, nil
}

// widest returns the element type that holds all of the given ones without loss, as stored
// by the converter: f8 when any is f8 or an integer type, f4 otherwise.
func widest(codes ...string) string {
	for _, c := range codes {
		if c != "f4" && c != "f2" && c != "bf16" {
			return "f8"
		}
	}
	return "f4"
}
