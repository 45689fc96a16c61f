package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestServerIDIsKeptPerDataDir: a data directory's server id is made at
// first use and read back the same at every later start; another data
// directory gets another one.
func TestServerIDIsKeptPerDataDir(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	first, err := serverID(a)
	if err != nil {
		t.Fatal(err)
	}
	again, err := serverID(a)
	if err != nil {
		t.Fatal(err)
	}
	if first == "" || again != first {
		t.Errorf("the server id read back as %q, first made as %q", again, first)
	}
	other, err := serverID(b)
	if err != nil {
		t.Fatal(err)
	}
	if other == first {
		t.Errorf("two data directories share the server id %q", first)
	}
	if b, err := os.ReadFile(filepath.Join(a, serverIDFile)); err != nil || string(b) != first+"\n" {
		t.Errorf("%s holds %q (%v), want %q", serverIDFile, b, err, first+"\n")
	}
}
