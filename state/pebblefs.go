package state

import (
	"github.com/cockroachdb/pebble/v2/vfs"
)

// storeFS is the file system the stores open on: the operating system's,
// with two of Pebble's defaults left out because a server opens one
// store per task and store (540 for 135 stateful queries over 4
// partitions), and what each costs is multiplied by that:
//
//   - WAL preallocation: Pebble reserves 110% of the memtable size for
//     each write-ahead log as it starts (fallocate), 9 MB of disk per
//     store on a 256 MiB shared cache however little it holds: 4.6 GB
//     for those 540 stores, idle.
//   - disk-health checks: Pebble otherwise wraps the file system with
//     three goroutines per store ticking every 2 s to report slow
//     writes, which quietLogger drops anyway.
//
// Passing a file system of our own (Options.FS) is what keeps Pebble from
// adding its disk-health wrapper.
type storeFS struct{ vfs.FS }

func (fs storeFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	if err != nil {
		return nil, err
	}
	return noPreallocFile{f}, nil
}

func (fs storeFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, category)
	if err != nil {
		return nil, err
	}
	return noPreallocFile{f}, nil
}

// noPreallocFile ignores Pebble's requests to reserve space ahead of its
// writes: the file grows with what is written.
type noPreallocFile struct{ vfs.File }

func (noPreallocFile) Preallocate(offset, length int64) error { return nil }
