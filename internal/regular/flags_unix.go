//go:build unix

package regular

import "syscall"

const openFlags = syscall.O_NONBLOCK
