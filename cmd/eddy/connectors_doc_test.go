package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/eddysql/eddy/connect"
)

// TestConnectorsDoc fails when docs/connectors.md disagrees with the
// specs of the connectors this binary wires in. EDDY_UPDATE_DOCS=1
// rewrites it.
func TestConnectorsDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "connectors.md")
	want := connect.Doc(connectors())
	if os.Getenv("EDDY_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date with the connector specs; regenerate it with EDDY_UPDATE_DOCS=1 go test ./cmd/eddy -run TestConnectorsDoc", path)
	}
}
