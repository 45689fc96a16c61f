package state

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestPebbleWALNotPreallocated: a store holding a few keys takes
// kilobytes of disk, not the 110% of its memtable size Pebble reserves
// for each write-ahead log by default from its second write on (35 MB
// with OpenPebble's memtables, 9 MB on the server's shared cache: 4.6 GB
// for a server's 540 idle stores).
func TestPebbleWALNotPreallocated(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 3; i++ {
		mustPut(t, s, "k", "v")
		if err := s.Commit(int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no write-ahead log in %s (%v)", dir, err)
	}
	for _, l := range logs {
		fi, err := os.Stat(l)
		if err != nil {
			t.Fatal(err)
		}
		if onDisk := fi.Sys().(*syscall.Stat_t).Blocks * 512; onDisk > 1<<20 {
			t.Errorf("%s: %d bytes long, %d bytes allocated on disk", filepath.Base(l), fi.Size(), onDisk)
		}
	}
}
