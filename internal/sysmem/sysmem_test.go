package sysmem

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadsMeminfoAndCgroupFiles(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "meminfo")
	os.WriteFile(info, []byte("MemFree:  1 kB\nMemTotal:       24588300 kB\n"), 0o644)
	if n, ok := memTotal(info); !ok || n != 24588300*1024 {
		t.Errorf("memTotal = %d, %v", n, ok)
	}
	lim := filepath.Join(dir, "memory.max")
	for content, want := range map[string]int64{"max\n": 0, "1073741824\n": 1 << 30, "9223372036854771712\n": 0} {
		os.WriteFile(lim, []byte(content), 0o644)
		n, ok := cgroupLimit(lim)
		if (want == 0) == ok || (ok && n != want) {
			t.Errorf("cgroupLimit(%q) = %d, %v", content, n, ok)
		}
	}
	if n, src, ok := Limit(); ok && (n <= 0 || src == "") {
		t.Errorf("Limit() = %d, %q", n, src)
	}
}
