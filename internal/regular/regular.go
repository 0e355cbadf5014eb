// Package regular opens the files pal reads its inputs from (items.npy, prompts.npy,
// pairs.csv, users.csv, imported score files, model files) and refuses anything that is not a
// regular file: a named pipe (FIFO) would block the reader until some other program writes to
// it, and a device such as /dev/zero or /dev/urandom never ends, so reading one to its end
// would hang and grow memory without bound. A symbolic link is followed: a link to a regular
// file is fine.
package regular

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Check stats path (following symbolic links) and returns an error naming it unless it is a
// regular file. Errors of os.Stat (no such file, permission denied) are returned as they are.
func Check(path string) (fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkMode(path, st); err != nil {
		return nil, err
	}
	return st, nil
}

// Open opens path for reading after checking that it is a regular file, and checks the opened
// file again (so a file swapped for a pipe in between is refused too). It returns the file and
// its size in bytes.
func Open(path string) (*os.File, int64, error) {
	st, err := Check(path)
	if err != nil {
		return nil, 0, err
	}
	// openFlags holds O_NONBLOCK where the system has it: were path replaced by a FIFO after
	// the check, opening it would otherwise wait for a writer. Regular files ignore the flag.
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, 0, err
	}
	fst, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if err := checkMode(path, fst); err != nil {
		f.Close()
		return nil, 0, err
	}
	if !os.SameFile(st, fst) {
		f.Close()
		return nil, 0, fmt.Errorf("%s changed while it was being opened: make sure nothing replaces it while pal reads it", path)
	}
	return f, fst.Size(), nil
}

// ReadFile is os.ReadFile for regular files only: it refuses pipes, devices, sockets and
// folders (see Check), and reads exactly the size the file had when it was opened.
func ReadFile(path string) ([]byte, error) {
	f, size, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(path, f, size)
}

// ReadAll reads the rest of f (opened by Open, with size bytes) into memory: exactly size
// bytes, an error when the file was cut short meanwhile.
func ReadAll(path string, f *os.File, size int64) ([]byte, error) {
	if int64(int(size)) != size {
		return nil, fmt.Errorf("%s has %d bytes, more than this system can hold in memory", path, size)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, fmt.Errorf("reading %s: %w (was the file truncated while pal read it?)", path, err)
	}
	return buf, nil
}

// checkMode is the error for a file that is not regular, naming what it is instead.
func checkMode(path string, st fs.FileInfo) error {
	m := st.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "not a regular file"
	switch {
	case m.IsDir():
		what = "a folder"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		what = "a character device"
	case m&fs.ModeDevice != 0:
		what = "a block device"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeIrregular != 0:
		what = "a file of unknown type"
	}
	return fmt.Errorf("%s is %s: it must be a regular file (a symbolic link to a regular file is fine), since reading a pipe or a device such as /dev/zero would not end; save the data to a file and give its path", path, what)
}
