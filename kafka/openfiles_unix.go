//go:build unix

package kafka

import "syscall"

// openFilesLimit is the process's soft limit on open files, 0 when
// unknown or unlimited.
func openFilesLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur >= 1<<62 { // RLIM_INFINITY is all ones
		return 0
	}
	return uint64(l.Cur)
}
