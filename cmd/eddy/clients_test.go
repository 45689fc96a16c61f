package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// jsClientsDir holds two ksqlDB clients from npm and the script that
// drives them (compat.js).
const jsClientsDir = "testdata/jsclients"

// TestForeignRESTClients runs two ksqlDB client libraries published on
// npm, unchanged, against `eddy server`: ksqldb-js (HTTP/1.1 and HTTP/2
// cleartext) and ksqldb-client (HTTP/2): statements, inserts, push
// queries (with and without LIMIT, and a write made as soon as the push
// query answers), a table built under the default auto.offset.reset and
// written right after its CREATE, pull queries by key and by scan,
// DESCRIBE and errors. compat.js checks each answer. node and npm are
// needed: missing, the test fails under CI=true and skips otherwise.
func TestForeignRESTClients(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	node := nodeModules(t, "the client compatibility test", jsClientsDir, "ksqldb-client")
	url := startConsoleServer(t, buildEddy(t))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "compat.js")
	cmd.Dir = jsClientsDir
	cmd.Env = append(os.Environ(), "EDDY_URL="+url)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("a client check failed (FAIL lines above): %v", err)
	}
	passed := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "ok ") {
			passed++
		}
	}
	if passed != 17 {
		t.Fatalf("%d checks passed, want 17", passed)
	}
}
