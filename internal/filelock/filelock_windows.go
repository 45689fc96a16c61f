//go:build windows

package filelock

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffsetHigh is where the locked byte lies: far past any data, since a
// Windows byte-range lock is mandatory, and a lock over the file's
// contents would stop other processes reading what the holder publishes
// there (flock on unix is advisory and stops nothing).
const lockOffsetHigh = 1 << 30 // the byte at 1<<62

// TryLock locks f exclusively without waiting. It returns ErrLocked when
// another handle holds the lock, and the system's error otherwise.
func TryLock(f *os.File) error {
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err := windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return ErrLocked
	}
	return err
}
