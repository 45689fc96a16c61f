//go:build unix

package clients

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the whole process has used:
// the clients, librdkafka's threads and the embedded broker alike.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
