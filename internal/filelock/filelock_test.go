package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestTryLockExcludesAnotherOpenUntilClosed(t *testing.T) {
	path := filepath.Join(tempDir(t), "lock")
	first, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := TryLock(first); err != nil {
		t.Fatalf("first lock: %v", err)
	}
	// The holder may write into its lock file, and others read it (eddy
	// publishes its address there): the lock must not stop that.
	if _, err := first.WriteString(`{"pid":1}`); err != nil {
		t.Fatalf("write the locked file: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != `{"pid":1}` {
		t.Fatalf("read the locked file from another open: %q, %v", b, err)
	}

	second, err := os.OpenFile(path, os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := TryLock(second); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock while the first holds it: %v, want ErrLocked", err)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := TryLock(second); err != nil {
		t.Fatalf("second lock after the first closed: %v", err)
	}
	third, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if err := TryLock(third); !errors.Is(err, ErrLocked) {
		t.Fatalf("third lock while the second holds it: %v, want ErrLocked", err)
	}
	second.Close()
	third.Close()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

// TestHeldLockFileRenamesAndRemoves: a lock file opened with OpenFile can
// be renamed and removed while it is open and locked (eddy names a
// pull-store directory's lock file once it holds it, and removes a gone
// engine's directory holding its lock), and the lock goes with the
// rename.
func TestHeldLockFileRenamesAndRemoves(t *testing.T) {
	dir := filepath.Join(tempDir(t), "store")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(filepath.Join(dir, "owner.new"), os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := TryLock(f); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "owner")
	if err := os.Rename(f.Name(), path); err != nil {
		t.Fatalf("rename the held lock file: %v", err)
	}
	other, err := OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := TryLock(other); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock the renamed file from another open: %v, want ErrLocked", err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatalf("remove the held lock file: %v", err)
	}
	f.Close()
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the directory is still there: %v", err)
	}
}

// tempDir is a directory for one test that the test empties itself:
// t.TempDir's cleanup removes a tree, which Go 1.26's RemoveAll fails to
// do on Wine 8, where these tests also run (see docs/getting-started.md, Windows).
func tempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "filelock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Remove(dir); err != nil {
			t.Error(err)
		}
	})
	return dir
}
