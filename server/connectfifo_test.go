//go:build unix

package server

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/eddysql/eddy/connect"
)

// TestConnectAPIFileSinkNamedPipe: a FileStreamSink whose file is a
// named pipe fails its task with the reason. Running, its writes block
// once nobody reads the pipe, and its Stop with them: DELETE of the
// connector then held the engine, and every request after it (/info
// too) hung.
func TestConnectAPIFileSinkNamedPipe(t *testing.T) {
	ts := startConnect(t)
	base := ts.ConnectURL()
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"name": "pipe", "config": map[string]string{
		"connector.class": "FileStreamSink", "file": fifo, "topics": "lines"}})
	if code := kc(t, ts, base, "POST", "/connectors", string(body), nil); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	var st kcStateInfo
	waitFor(t, "the task to fail", func() bool {
		st = kcStateInfo{}
		kc(t, ts, base, "GET", "/connectors/pipe/status", "", &st)
		return len(st.Tasks) == 1 && st.Tasks[0].State == connect.StateFailed
	})
	if !strings.Contains(st.Tasks[0].Trace, "is a named pipe") {
		t.Errorf("status %+v, want its task FAILED saying the file is a named pipe", st)
	}
	if code := kc(t, ts, base, "DELETE", "/connectors/pipe", "", nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
}
