//go:build !unix && !windows

package filelock

import (
	"errors"
	"os"
)

// OpenFile is os.OpenFile.
func OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}

// TryLock has no lock to take here (plan9, wasm): it says so rather than
// pretend the file is held.
func TryLock(f *os.File) error { return errors.ErrUnsupported }
