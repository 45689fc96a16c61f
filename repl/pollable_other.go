//go:build !unix

package repl

import (
	"io"
	"os"

	"github.com/chzyer/readline"
)

// pollable returns a pipe input that closing ends a read of: Windows
// pipes are not served by Go's poller (see pollable_unix.go), so the
// reads run in a goroutine of readline's CancelableStdin, and Close
// answers a read waiting for input with io.EOF (the goroutine's read
// ends with the process). Without it, a script piped in by a program
// that keeps the pipe open held the shell through Ctrl+C under Wine.
// Other inputs (files, NUL) never wait long.
func pollable(f *os.File) (io.ReadCloser, bool) {
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		return nil, false
	}
	return readline.NewCancelableStdin(f), true
}
