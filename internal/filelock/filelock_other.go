//go:build !unix && !windows

package filelock

import (
	"errors"
	"os"
)

// TryLock has no lock to take here (plan9, wasm): it says so rather than
// pretend the file is held.
func TryLock(f *os.File) error { return errors.ErrUnsupported }
