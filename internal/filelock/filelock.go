// Package filelock takes an exclusive, non-blocking lock on an open file:
// flock on unix, LockFileEx on Windows. The lock lasts until the file is
// closed (or the process ends), and another open of the same file, in this
// process or another, cannot take it meanwhile.
package filelock

import "errors"

// ErrLocked is TryLock's error when another open file holds the lock.
var ErrLocked = errors.New("file is locked by another holder")
