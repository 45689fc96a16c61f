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

// OpenFile opens a lock file as os.OpenFile does, but shares it for
// deletion too, so that it can be renamed or removed while open and
// locked, as on unix: eddy names a pull-store directory's lock file once
// it holds the lock, and removes a directory with its lock file held.
// (os.OpenFile does not share deletion, and Windows refuses to rename or
// delete such an open file with a sharing violation.)
func OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	var access uint32
	switch flag & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR) {
	case os.O_RDONLY:
		access = windows.GENERIC_READ
	case os.O_WRONLY:
		access = windows.GENERIC_WRITE
	default:
		access = windows.GENERIC_READ | windows.GENERIC_WRITE
	}
	var mode uint32
	switch {
	case flag&(os.O_CREATE|os.O_EXCL) == os.O_CREATE|os.O_EXCL:
		mode = windows.CREATE_NEW
	case flag&(os.O_CREATE|os.O_TRUNC) == os.O_CREATE|os.O_TRUNC:
		mode = windows.CREATE_ALWAYS
	case flag&os.O_CREATE != 0:
		mode = windows.OPEN_ALWAYS
	case flag&os.O_TRUNC != 0:
		mode = windows.TRUNCATE_EXISTING
	default:
		mode = windows.OPEN_EXISTING
	}
	share := uint32(windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE)
	h, err := windows.CreateFile(p, access, share, nil, mode, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}

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
