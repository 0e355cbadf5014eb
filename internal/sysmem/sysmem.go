// Package sysmem tells how much memory this process may use: the machine's, or less when a
// cgroup (a container, a Slurm job) limits it. Preflight compares runs' estimated memory with
// it before allocating anything.
package sysmem

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Limit returns the memory this process may use in bytes and where the figure comes from; ok is
// false where it cannot be read (systems without /proc/meminfo).
func Limit() (bytes int64, source string, ok bool) {
	total, ok := memTotal("/proc/meminfo")
	if !ok {
		return 0, "", false
	}
	bytes, source = total, "MemTotal of /proc/meminfo"
	for _, c := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if lim, ok := cgroupLimit(c); ok && lim < bytes {
			bytes, source = lim, "the cgroup limit "+c
		}
	}
	return bytes, source, true
}

// memTotal reads the MemTotal line of a meminfo file ("MemTotal:  24588300 kB").
func memTotal(path string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			return kb * 1024, err == nil && kb > 0
		}
	}
	return 0, false
}

// cgroupLimit reads a cgroup memory limit file: a number of bytes, or "max" (no limit).
func cgroupLimit(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	// cgroup v1 writes a huge number (about 2^63 rounded to pages) for "no limit".
	return n, err == nil && n > 0 && n < 1<<60
}
