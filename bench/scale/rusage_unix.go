//go:build linux || darwin

package main

import (
	"runtime"
	"syscall"
)

// maxRSS is getrusage's ru_maxrss in bytes (kilobytes on Linux, bytes on macOS); 0 on error.
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}
