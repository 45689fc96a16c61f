//go:build linux

package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY returns a new pseudo-terminal: the side a user types into and
// the terminal a program reads.
func openPTY(t *testing.T) (typing, term *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	var unlock int32
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatal(e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatal(e)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.FormatUint(uint64(n), 10), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// TestPasswordAskedOnTheShellsInput: --user without a password asks for
// it on the terminal the shell reads (not on the process's stdin), and
// with input from a pipe, where no one can be asked, says what to give.
func TestPasswordAskedOnTheShellsInput(t *testing.T) {
	_, url := startServingShell(t, true)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("EDDY_PASSWORD", "")

	typing, term := openPTY(t)
	if _, err := typing.WriteString("s3cret\n"); err != nil {
		t.Fatal(err)
	}
	go func() { // the terminal's output, so it never fills
		b := make([]byte, 4096)
		for {
			if _, err := typing.Read(b); err != nil {
				return
			}
		}
	}()
	var out, errw strings.Builder
	code := run([]string{url, "-u", "ann", "-e", "SHOW STREAMS;"}, term, &out, &errw)
	if code != 0 || !strings.Contains(errw.String(), "Password for ann:") || !strings.Contains(out.String(), "Stream Name") {
		t.Errorf("asked on a terminal: code %d out %q err %q", code, out.String(), errw.String())
	}

	in, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	w.Close()
	out.Reset()
	errw.Reset()
	code = run([]string{url, "-u", "ann", "-e", "SHOW STREAMS;"}, in, &out, &errw)
	if code == 0 || !strings.Contains(errw.String(), "needs a password") || !strings.Contains(errw.String(), "--password") {
		t.Errorf("no terminal to ask on: code %d out %q err %q", code, out.String(), errw.String())
	}
}
