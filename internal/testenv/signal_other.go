//go:build !unix

package testenv

import (
	"os"
	"testing"
)

// pauseProcess skips the test: without SIGSTOP there is no freezing a
// process from outside, and a test that went on would not meet the hung
// server it means to.
func pauseProcess(t testing.TB, p *os.Process) {
	t.Skip("pausing a server needs SIGSTOP (unix only)")
}

// continueProcess has nothing to do: no process was paused.
func continueProcess(p *os.Process) {}
