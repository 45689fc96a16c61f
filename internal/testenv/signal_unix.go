//go:build unix

package testenv

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pauseProcess stops p with SIGSTOP and waits until it has stopped.
func pauseProcess(t testing.TB, p *os.Process) {
	_ = p.Signal(syscall.SIGSTOP)
	// The signal lands asynchronously: wait until the kernel reports the
	// process stopped, so a request sent next meets a hung server.
	stat := fmt.Sprintf("/proc/%d/stat", p.Pid)
	for range 200 {
		b, err := os.ReadFile(stat)
		if err != nil {
			return
		}
		if f := strings.Fields(string(b)); len(f) > 2 && (f[2] == "T" || f[2] == "t") {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// continueProcess lets a stopped p go on (SIGCONT).
func continueProcess(p *os.Process) { _ = p.Signal(syscall.SIGCONT) }
