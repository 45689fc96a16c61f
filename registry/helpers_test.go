package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// startRegistry starts a registry on cluster, serving on a free port; it
// is closed at the end of the test.
func startRegistry(t *testing.T, cluster kafka.Cluster) (*Registry, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := New(ctx, Config{Cluster: cluster, Logf: t.Logf})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	addr, err := r.Serve(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	return r, "http://" + addr
}

func newMem(t *testing.T) *kafka.MemCluster {
	t.Helper()
	c := kafka.NewMemCluster(kafka.MemOptions{})
	t.Cleanup(func() { c.Close() })
	return c
}

// call makes one request and decodes a JSON answer into out (unless nil),
// returning the status and the raw body.
func call(t *testing.T, method, url string, body any, out any) (int, string) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ContentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != ContentType {
		t.Errorf("%s %s: content type %q", method, url, ct)
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, data, err)
		}
	}
	return resp.StatusCode, string(data)
}

// wantError checks an error answer's status and error_code.
func wantError(t *testing.T, method, url string, body any, status, code int) string {
	t.Helper()
	got, data := call(t, method, url, body, nil)
	var e errorBody
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		t.Fatalf("%s %s: error body %q: %v", method, url, data, err)
	}
	if got != status || e.Code != code {
		t.Fatalf("%s %s: got %d %s, want %d with error_code %d", method, url, got, data, status, code)
	}
	return e.Message
}

func register(t *testing.T, base, subject string, req schemaRequest) int {
	t.Helper()
	var out struct {
		ID int `json:"id"`
	}
	if status, body := call(t, "POST", base+"/subjects/"+subject+"/versions", req, &out); status != 200 {
		t.Fatalf("register under %s: %d %s", subject, status, body)
	}
	return out.ID
}

const (
	userV1 = `{"type":"record","name":"User","namespace":"ex","fields":[{"name":"id","type":"long"}]}`
	// userV2 adds a field with a default: BACKWARD compatible.
	userV2 = `{"type":"record","name":"User","namespace":"ex","fields":[{"name":"id","type":"long"},{"name":"name","type":"string","default":""}]}`
	// userBad adds a field without a default: not BACKWARD compatible.
	userBad = `{"type":"record","name":"User","namespace":"ex","fields":[{"name":"id","type":"long"},{"name":"age","type":"int"}]}`
)
