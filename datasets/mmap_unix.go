//go:build linux || darwin

package datasets

import (
	"os"
	"syscall"
)

// mapReadOnly maps the whole of f (a regular file of size bytes, opened by the caller)
// read-only and returns its bytes and the function that unmaps them. An empty file is not
// mapped (mmap refuses length 0): it returns a nil unmap and the caller reads the file instead.
//
// A mapping made by LoadFiles for the items lives as long as the process: Data.Items is a view
// of it, and a process loads a data set once, so it is never unmapped (Data has no Close:
// unmapping while any model still holds a row would crash the process). Truncating or
// rewriting the file while it is mapped would make later reads fault (SIGBUS); LoadFiles
// checks the size before touching the data, and pal never writes an items.npy it has loaded.
func mapReadOnly(f *os.File, size int64) ([]byte, func() error, error) {
	if size == 0 || int64(int(size)) != size {
		return nil, nil, nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, nil // e.g. a file system without mmap: read it instead
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}
