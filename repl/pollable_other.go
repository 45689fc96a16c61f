//go:build !unix

package repl

import "os"

// pollable has no copy to offer here: Windows pipes are not served by
// Go's poller, so the caller reads the input itself, and a read waiting
// on a pipe left open ends only with the process.
func pollable(f *os.File) (*os.File, bool) { return nil, false }
