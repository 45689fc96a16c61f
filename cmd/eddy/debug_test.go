package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDebugListenServesProfiles: --debug-listen's listener answers Go's
// profile index and a heap profile, and stops when closed.
func TestDebugListenServesProfiles(t *testing.T) {
	d, err := startDebug("127.0.0.1:0", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/debug/pprof/": "heap", "/debug/pprof/heap?debug=1": "heap profile"} {
		res, err := http.Get("http://" + d.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, body lacks %q", path, res.StatusCode, want)
		}
	}
	if err := d.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + d.addr + "/debug/pprof/"); err == nil {
		t.Error("the profiler still answers after close")
	}
}
