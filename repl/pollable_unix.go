//go:build unix

package repl

import (
	"io"
	"os"
	"syscall"
)

// pollable returns a copy of a pipe or socket input that Go's poller
// serves, so that closing it ends a read waiting for input: a script
// piped in by a program that keeps the pipe open would otherwise hold
// the shell in that read through SIGTERM. The copy shares the input's
// non-blocking flag, which only this process reads a pipe with. Other
// inputs (files, /dev/null) never wait long.
func pollable(f *os.File) (io.ReadCloser, bool) {
	st, err := f.Stat()
	if err != nil || st.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return nil, false
	}
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		return nil, false
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, false
	}
	return os.NewFile(uintptr(fd), f.Name()), true
}
