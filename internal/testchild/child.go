// Package testchild runs a test in a child process of its test binary.
package testchild

import (
	"os"
	"os/exec"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// childEnv names, in a child test process, the test it runs.
const childEnv = "EDDY_TEST_CHILD"

// Run runs fn in a child process of the test binary that reruns this
// test alone, so that a fatal error in fn (a stack overflow, which no
// recover catches) fails this test instead of killing every test of the
// binary. The child's stack is capped at 64 MiB, so unbounded recursion
// ends in a second or two.
func Run(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		debug.SetMaxStack(64 << 20)
		fn(t)
		return
	}
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	cmd := exec.Command(os.Args[0], "-test.run="+strings.Join(parts, "/"), "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		const max = 4 << 10
		if len(out) > max { // a stack overflow prints a very long trace
			out = append(out[:max:max], "\n…"...)
		}
		t.Fatalf("the test failed in its child process (%v):\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("the child process did not run the test:\n%s", out)
	}
}
