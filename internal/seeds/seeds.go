package seeds

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
)

// Gamma is SplitMix64's increment, 2^64 divided by the golden ratio rounded to odd.
const Gamma uint64 = 0x9e3779b97f4a7c15

// Mix is the finaliser of SplitMix64 (Steele, Lea and Flood, 2014): x + Gamma, then two
// xor-shift-multiply rounds and a final xor-shift. It is a bijection on 64-bit words with good
// avalanche, used only to derive seeds.
func Mix(x uint64) uint64 {
	x += Gamma
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Stream returns the generator of one named part of a construction ("items", "pairs/u",
// "persona/traits", ...) and an index within it (a user, a split): a PCG whose two words mix
// seed, the FNV-1a hash of part and index with Mix. Every part draws from its own stream, so
// the draws of one part never depend on how many numbers another part consumed.
func Stream(seed uint64, part string, index uint64) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(part))
	tag := h.Sum64()
	hi := Mix(seed ^ Mix(tag))
	lo := Mix(hi ^ Mix(tag+Gamma*(index+1)))
	return rand.New(rand.NewPCG(hi, lo))
}

// Derive hashes (seed, purpose, key) into a new seed: the first 8 bytes, little-endian, of
// SHA-256 over seed (8 bytes, little-endian), purpose, a zero byte and key. Seeds derived for
// different purposes or keys are unrelated, not consecutive integers.
func Derive(seed uint64, purpose, key string) uint64 {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return binary.LittleEndian.Uint64(h.Sum(nil)[:8])
}

// FromDigest derives a seed from a digest of the input (such as the sha256 of the files read)
// and a purpose: the first 8 bytes, little-endian, of SHA-256 over sum followed by purpose (no
// separator). The same input always gives the same seed, with no seed to configure.
func FromDigest(sum []byte, purpose string) uint64 {
	h := sha256.New()
	h.Write(sum)
	h.Write([]byte(purpose))
	return binary.LittleEndian.Uint64(h.Sum(nil)[:8])
}

// PCG returns rand.New(rand.NewPCG(seed, stream)), unmixed. Pass a named stream (streams.go),
// not a literal.
func PCG(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// Model returns the random source of a model fit (initialisation, mini-batch order, dropout):
// PCG(seed, stream ^ Gamma). It is what models.NewRand returns.
func Model(seed, stream uint64) *rand.Rand {
	return PCG(seed, stream^Gamma)
}

// Family is a block of consecutive PCG stream numbers: member i is stream uint64(f)+i. A
// family's value is its base; streams.go lists every family with what it seeds.
type Family uint64

// Index is member i's stream number, uint64(f) + uint64(i).
func (f Family) Index(i int) uint64 { return uint64(f) + uint64(i) }

// Rand is PCG(seed, f.Index(i)), the generator of member i.
func (f Family) Rand(seed uint64, i int) *rand.Rand { return PCG(seed, f.Index(i)) }
