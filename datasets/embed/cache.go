package embed

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pal-harness/pal/internal/atomicfile"
)

// CorpusFitted is implemented by embedders whose vector for a text depends on every text of the
// Embed call (TFIDFSVD fits on them). Their cache entries are keyed by the whole corpus as well
// as by the text, and a corpus is embedded all at once or not at all.
type CorpusFitted interface {
	FitsOnInput() bool
}

// Note returns the line reports show about an embedder's features ("embeddings: ..."): for
// the offline embedder, that it is a stand-in for foundation-model features.
func Note(e Embedder) string {
	if n, ok := e.(interface{ Note() string }); ok {
		return n.Note()
	}
	return "embeddings: " + e.Name()
}

// Cached wraps an Embedder with an on-disk cache so that re-runs do not recompute. Entries are
// keyed by (embedder name, sha256 of the text) and, for a CorpusFitted embedder, by the sha256 of
// the whole ordered list of texts too. The layout under Dir:
//
//	<sha256(key) first 32 hex>/name.txt        the embedder name (and corpus), for people
//	<sha256(key) first 32 hex>/<id>.emb        shards: vectors of the texts one call computed
//
// A shard is "PALEMB1\n", the dimension and the record count (uint32 little endian), then per
// record the text's 32-byte sha256 and its vector as float64 little endian. Shards are written to
// a temporary file, synced and renamed, so concurrent runs (several processes sharing a cache)
// never see half a shard; two processes computing the same texts write identical shards. A shard
// that does not parse is ignored (and recomputed). Vectors round-trip exactly, so a cached
// result is bit-identical to a computed one.
type Cached struct {
	Inner Embedder
	Dir   string
}

// NewCached caches inner's vectors under dir (for instance <cache>/embeddings).
func NewCached(inner Embedder, dir string) *Cached { return &Cached{Inner: inner, Dir: dir} }

// Name is the inner embedder's name: caching does not change the features.
func (c *Cached) Name() string { return c.Inner.Name() }

// Dim is the inner embedder's dimension.
func (c *Cached) Dim() int { return c.Inner.Dim() }

// Note is the inner embedder's note.
func (c *Cached) Note() string { return Note(c.Inner) }

const shardMagic = "PALEMB1\n"

// Embed returns the cached vectors of texts, computing (and storing) those not yet cached.
func (c *Cached) Embed(ctx context.Context, texts []string) ([]float64, error) {
	hashes := make([][32]byte, len(texts))
	for i, t := range texts {
		hashes[i] = sha256.Sum256([]byte(t))
	}
	fitted := false
	if cf, ok := c.Inner.(CorpusFitted); ok && cf.FitsOnInput() {
		fitted = true
	}
	key := c.Inner.Name()
	if fitted {
		h := sha256.New()
		for _, x := range hashes {
			h.Write(x[:])
		}
		key += "\ncorpus=" + hex.EncodeToString(h.Sum(nil)) + fmt.Sprintf(" (%d texts)", len(texts))
	}
	ks := sha256.Sum256([]byte(key))
	dir := filepath.Join(c.Dir, hex.EncodeToString(ks[:16]))

	want := map[[32]byte][]int{} // text hash -> positions
	for i, h := range hashes {
		want[h] = append(want[h], i)
	}
	found, dim := c.load(dir, want)

	var todo []string
	var todoHash [][32]byte
	if fitted && len(found) < len(want) {
		found = map[[32]byte][]float64{}
		todo, todoHash = texts, hashes // a fitted embedder sees the whole corpus or nothing
	} else {
		seen := map[[32]byte]bool{}
		for i, h := range hashes {
			if _, ok := found[h]; !ok && !seen[h] {
				seen[h] = true
				todo = append(todo, texts[i])
				todoHash = append(todoHash, h)
			}
		}
	}
	if len(todo) > 0 {
		vecs, err := c.Inner.Embed(ctx, todo)
		if err != nil {
			return nil, err
		}
		if len(vecs)%len(todo) != 0 {
			return nil, fmt.Errorf("embedder %s returned %d values for %d texts", c.Inner.Name(), len(vecs), len(todo))
		}
		d := len(vecs) / len(todo)
		if dim != 0 && d != dim {
			return nil, fmt.Errorf("embedder %s returned vectors of length %d but its cache in %s holds length %d: delete that folder", c.Inner.Name(), d, dir, dim)
		}
		dim = d
		rec := map[[32]byte][]float64{}
		var order [][32]byte
		for i, h := range todoHash {
			if _, ok := rec[h]; !ok {
				rec[h] = vecs[i*d : (i+1)*d]
				order = append(order, h)
			}
		}
		if err := writeShard(dir, key, d, order, rec); err != nil {
			return nil, fmt.Errorf("embedding cache: %w", err)
		}
		for h, v := range rec {
			found[h] = v
		}
	}
	out := make([]float64, len(texts)*dim)
	for i, h := range hashes {
		copy(out[i*dim:(i+1)*dim], found[h])
	}
	return out, nil
}

// load reads every shard of dir and keeps the vectors of the wanted hashes. dim is 0 when
// nothing was found.
func (c *Cached) load(dir string, want map[[32]byte][]int) (map[[32]byte][]float64, int) {
	found := map[[32]byte][]float64{}
	names, _ := filepath.Glob(filepath.Join(dir, "*.emb"))
	sort.Strings(names)
	dim := 0
	for _, name := range names {
		d := readShard(name, want, found, dim)
		if dim == 0 {
			dim = d
		}
		if len(found) == len(want) {
			break
		}
	}
	if len(found) == 0 {
		dim = 0
	}
	return found, dim
}

// readShard adds the wanted records of one shard to found; it returns the shard's dimension, or
// 0 (adding nothing) when the shard is malformed or its dimension differs from dim (if set).
func readShard(path string, want map[[32]byte][]int, found map[[32]byte][]float64, dim int) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	r := bufio.NewReaderSize(f, 1<<16)
	head := make([]byte, len(shardMagic)+8)
	if _, err := io.ReadFull(r, head); err != nil || string(head[:len(shardMagic)]) != shardMagic {
		return 0
	}
	d := int(binary.LittleEndian.Uint32(head[len(shardMagic):]))
	n := int64(binary.LittleEndian.Uint32(head[len(shardMagic)+4:]))
	if d == 0 || (dim != 0 && d != dim) || st.Size() != int64(len(head))+n*int64(32+8*d) {
		return 0
	}
	buf := make([]byte, 32+8*d)
	add := map[[32]byte][]float64{}
	for range n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return 0
		}
		var h [32]byte
		copy(h[:], buf[:32])
		if _, ok := want[h]; !ok {
			continue
		}
		v := make([]float64, d)
		for j := range v {
			v[j] = math.Float64frombits(binary.LittleEndian.Uint64(buf[32+8*j:]))
		}
		add[h] = v
	}
	for h, v := range add {
		if _, ok := found[h]; !ok {
			found[h] = v
		}
	}
	return d
}

func writeShard(dir, key string, dim int, order [][32]byte, rec map[[32]byte][]float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "name.txt")); errors.Is(err, os.ErrNotExist) {
		if err := atomicfile.Write(filepath.Join(dir, "name.txt"), []byte(key+"\n")); err != nil {
			return err
		}
	}
	id := sha256.New()
	for _, h := range order {
		id.Write(h[:])
	}
	var b strings.Builder
	b.Grow(len(shardMagic) + 8 + len(order)*(32+8*dim))
	b.WriteString(shardMagic)
	var u [8]byte
	binary.LittleEndian.PutUint32(u[:4], uint32(dim))
	binary.LittleEndian.PutUint32(u[4:], uint32(len(order)))
	b.Write(u[:])
	for _, h := range order {
		b.Write(h[:])
		for _, v := range rec[h] {
			binary.LittleEndian.PutUint64(u[:], math.Float64bits(v))
			b.Write(u[:])
		}
	}
	return atomicfile.Write(filepath.Join(dir, hex.EncodeToString(id.Sum(nil)[:16])+".emb"), []byte(b.String()))
}
