package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestTryLockExcludesAnotherOpenUntilClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
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
}
