// Package fuzzcheck holds what the fuzz targets of several packages check besides "no panic":
// that reading an input allocates no more than the input's size justifies. A reader that
// believed a size declared inside a file (an .npy shape, a safetensors header, a model config)
// would allocate far more than the file holds; a Go program that asks for too much memory dies
// with a fatal error no recover catches, so the readers must check declared sizes first.
package fuzzcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Allocated runs f and returns the bytes it allocated on the heap (by every goroutine of the
// process: run it where nothing else allocates much, as a fuzz worker does).
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Bound runs f and returns an error when it allocated more than perByte bytes per input byte
// plus base bytes.
func Bound(inputBytes int, perByte, base uint64, f func()) error {
	got := Allocated(f)
	if limit := perByte*uint64(inputBytes) + base; got > limit {
		return fmt.Errorf("allocated %d bytes for a %d-byte input (limit %d = %d per byte + %d)", got, inputBytes, limit, perByte, base)
	}
	return nil
}

// WriteSeeds writes seeds (file name -> the fuzz function's arguments after *testing.T) into
// dir = testdata/fuzz/<FuzzName> in the "go test fuzz v1" corpus format, which `go test` runs
// as part of the fuzz target and `go test -fuzz` starts from. Supported argument types:
// []byte, string, uint8 and int.
func WriteSeeds(dir string, seeds map[string][]any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, args := range seeds {
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range args {
			switch v := a.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
			case string:
				fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
			case uint8:
				fmt.Fprintf(&b, "uint8(%d)\n", v)
			case int:
				fmt.Fprintf(&b, "int(%d)\n", v)
			default:
				return fmt.Errorf("seed %s: unsupported argument type %T", name, a)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// SeedsWanted reports whether the tests should (re)write their committed seed corpora:
// PAL_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./...
func SeedsWanted() bool { return os.Getenv("PAL_WRITE_FUZZ_SEEDS") == "1" }
