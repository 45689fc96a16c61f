package registry

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHTTPBasicAuth: with Authenticate set, every request needs accepted
// credentials; a refused write stores nothing.
func TestHTTPBasicAuth(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := New(ctx, Config{Cluster: newMem(t), Logf: t.Logf,
		Authenticate: func(u, p string) bool { return u == "alice" && p == "pw" }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	addr, err := r.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	schema := `{"schema":"{\"type\":\"string\"}"}`
	post := func(user, pass string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/subjects/s-value/versions", strings.NewReader(schema))
		req.Header.Set("Content-Type", ContentType)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 512)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		return resp.StatusCode, b.String()
	}
	for _, c := range [][2]string{{"", ""}, {"alice", "wrong"}, {"bob", "pw"}} {
		if st, body := post(c[0], c[1]); st != http.StatusUnauthorized || !strings.Contains(body, `"error_code":401`) {
			t.Errorf("user %q: %d %s, want 401 with error_code 401", c[0], st, body)
		}
	}
	if st, _ := call(t, http.MethodGet, "http://"+addr+"/subjects", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("unauthenticated read: %d, want 401", st)
	}
	if subs := r.Subjects(false); len(subs) != 0 {
		t.Fatalf("after refused writes: subjects %v", subs)
	}
	if st, body := post("alice", "pw"); st != http.StatusOK {
		t.Fatalf("alice: %d %s", st, body)
	}
	if subs := r.Subjects(false); len(subs) != 1 {
		t.Fatalf("after alice's write: subjects %v", subs)
	}
}
