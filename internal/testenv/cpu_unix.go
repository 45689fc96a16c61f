//go:build unix

package testenv

import (
	"syscall"
	"time"
)

// ProcessCPU is the CPU time, user and system, this process has used:
// benchmarks report it per operation, where wall time also counts the
// waits of a shared machine.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru) // cannot fail for RUSAGE_SELF
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
