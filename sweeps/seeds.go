package sweeps

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// deriveSeed hashes (replicate seed, purpose, key) into a 64-bit seed, so that seeds of
// different runs and purposes are unrelated streams rather than consecutive integers.
func deriveSeed(seed uint64, purpose, key string) uint64 {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return binary.LittleEndian.Uint64(h.Sum(nil)[:8])
}

// canonicalJSON encodes a kinded config deterministically (struct fields in declaration order).
func canonicalJSON(kind string, cfg any) string {
	b, err := json.Marshal(struct {
		Kind   string `json:"kind"`
		Config any    `json:"config"`
	}{kind, cfg})
	if err != nil {
		panic(fmt.Sprintf("sweeps: config of kind %q is not JSON-encodable: %v", kind, err))
	}
	return string(b)
}
