//go:build unix

package filelock

import (
	"errors"
	"os"
	"syscall"
)

// OpenFile is os.OpenFile: unix lets a held lock file be renamed or
// removed.
func OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}

// TryLock locks f exclusively without waiting. It returns ErrLocked when
// another open file description holds the lock, and the system's error
// otherwise.
func TryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrLocked
	}
	return err
}
