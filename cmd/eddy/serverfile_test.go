package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServerSettingsFromConfigFile: eddy server takes ksql.service.id,
// listeners and ksql.advertised.listener from a ksql-server.properties
// file when no flag gives them, as ksqlDB does (they were ignored, so a
// file's service id silently became default_); flags win.
func TestServerSettingsFromConfigFile(t *testing.T) {
	props := filepath.Join(t.TempDir(), "ksql-server.properties")
	write := func(lines ...string) {
		if err := os.WriteFile(props, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ksql.service.id=reporting_", "listeners=http://0.0.0.0:8188,https://0.0.0.0:8443", "ksql.advertised.listener=http://node1:8188")
	f, err := parseServerFlags([]string{"--config-file", props}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f.serviceID != "reporting_" || f.listen != "0.0.0.0:8188" || f.advertised != "http://node1:8188" {
		t.Errorf("from the file: service id %q, listen %q, advertised %q", f.serviceID, f.listen, f.advertised)
	}
	f, err = parseServerFlags([]string{"--config-file", props, "--service-id", "mine_", "--listen", "127.0.0.1:9000", "--advertised-listener", "http://me:9000"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f.serviceID != "mine_" || f.listen != "127.0.0.1:9000" || f.advertised != "http://me:9000" {
		t.Errorf("flags over the file: service id %q, listen %q, advertised %q", f.serviceID, f.listen, f.advertised)
	}
	// ksql.state.store in the file: it was overwritten by the flag's
	// default, so a file's pebble silently ran memory stores.
	write("ksql.state.store=pebble")
	if f, err = parseServerFlags([]string{"--config-file", props}, io.Discard); err != nil || f.stateStore != "pebble" {
		t.Errorf("ksql.state.store=pebble from the file: %q, %v", f.stateStore, err)
	}
	if f, err = parseServerFlags([]string{"--config-file", props, "--state-store", "memory"}, io.Discard); err != nil || f.stateStore != "memory" {
		t.Errorf("--state-store memory over the file: %q, %v", f.stateStore, err)
	}
	write("listeners=https://0.0.0.0:8443")
	if _, err := parseServerFlags([]string{"--config-file", props}, io.Discard); err == nil || !strings.Contains(err.Error(), "--tls-cert") {
		t.Errorf("an https listener without a certificate: %v", err)
	}
	write("listeners=0.0.0.0:8088")
	if _, err := parseServerFlags([]string{"--config-file", props}, io.Discard); err == nil || !strings.Contains(err.Error(), "is not a URL") {
		t.Errorf("a listener without a scheme: %v", err)
	}
}
