package kafka

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
)

func TestOpenFilesWarning(t *testing.T) {
	for _, c := range []struct {
		partitions int
		limit      uint64
		warn       bool
	}{
		{12_000, 20_000, true},
		{2_400, 20_000, false},
		{100, 1024, true},
		{100, 0, false}, // unknown
		{0, 1024, false},
	} {
		if got := openFilesWarning(c.partitions, c.limit); (got != "") != c.warn {
			t.Errorf("openFilesWarning(%d, %d) = %q; want a warning: %v", c.partitions, c.limit, got, c.warn)
		}
	}
}

// TestEmbeddedWarnsOfOpenFilesLimit: a broker reloading more partitions
// than the open files limit leaves room for says so at start.
func TestEmbeddedWarnsOfOpenFilesLimit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sets RLIMIT_NOFILE")
	}
	dir := t.TempDir()
	for p := range 50 {
		if err := os.MkdirAll(filepath.Join(dir, "partitions", fmt.Sprintf("t-%d", p)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var saved syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &saved); err != nil {
		t.Fatal(err)
	}
	tight := saved
	tight.Cur = 1000
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &tight); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &saved)
	var mu sync.Mutex
	var logs []string
	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0", Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(f, a...))
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, l := range logs {
		if strings.Contains(l, "holds 50 partitions") && strings.Contains(l, "only 1000 files") {
			return
		}
	}
	t.Fatalf("no warning of the open files limit among %q", logs)
}
