package server

import (
	"bufio"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestAuth: with users configured, a request without valid credentials
// gets 401 and runs nothing; /chc/* answers without credentials.
func TestAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(path, []byte("# eddy users\n\nann:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	users, err := LoadAuthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ts := startMem(t, func(c *Config) { c.Users = users })
	send := func(user, pass, path, body string) (int, http.Header, string) {
		method := "POST"
		if body == "" {
			method = "GET"
		}
		req, _ := http.NewRequest(method, ts.url+path, strings.NewReader(body))
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		res, err := ts.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b := new(strings.Builder)
		bufio.NewReader(res.Body).WriteTo(b)
		return res.StatusCode, res.Header, b.String()
	}
	create := ksqlBody(createClicks)
	for _, c := range []struct{ user, pass string }{{"", ""}, {"ann", "wrong"}, {"bob", "s3cret"}} {
		code, hdr, body := send(c.user, c.pass, "/ksql", create)
		if code != 401 || hdr.Get("WWW-Authenticate") == "" || body != `{"@type":"generic_error","error_code":40100,"message":"Unauthorized"}` {
			t.Errorf("%q/%q: %d %q", c.user, c.pass, code, body)
		}
	}
	for _, p := range []string{"/query", "/query-stream", "/inserts-stream", "/close-query"} {
		if code, _, _ := send("", "", p, `{}`); code != 401 {
			t.Errorf("%s without credentials: %d", p, code)
		}
	}
	for _, p := range []string{"/info", "/metrics", "/status", "/clusterStatus"} {
		if code, _, _ := send("", "", p, ""); code != 401 {
			t.Errorf("%s without credentials: %d", p, code)
		}
	}
	if ts.eng.Metastore().Source("CLICKS") != nil {
		t.Fatal("a request without valid credentials ran")
	}
	if code, _, _ := send("", "", "/chc/live", ""); code != 200 {
		t.Errorf("/chc/live: %d", code)
	}
	for range 2 { // the second time from the cache of verified credentials
		if code, _, body := send("ann", "s3cret", "/ksql", ksqlBody("SHOW STREAMS;")); code != 200 {
			t.Fatalf("with credentials: %d %s", code, body)
		}
	}
	// The shell's server (no membership) lists itself, alive.
	if code, _, body := send("ann", "s3cret", "/clusterStatus", ""); code != 200 ||
		!strings.Contains(body, `{"clusterStatus":{"`+ts.Addr().String()+`":{"hostAlive":true,"lastStatusUpdateMs":`) {
		t.Errorf("/clusterStatus with credentials: %d %s", code, body)
	}

	for name, content := range map[string]string{
		"empty":      "# nobody\n",
		"no colon":   "ann\n",
		"not bcrypt": "ann:plaintext\n",
	} {
		p := filepath.Join(t.TempDir(), "users")
		os.WriteFile(p, []byte(content), 0o600)
		if _, err := LoadAuthFile(p); err == nil {
			t.Errorf("%s auth file accepted", name)
		}
	}
	// Hashes others can read can be cracked offline.
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o660} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadAuthFile(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "chmod 600 "+path) {
			t.Errorf("mode %04o: %v, want a refusal naming the file and the chmod", mode, err)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAuthFile(path); err != nil {
		t.Errorf("mode 0400: %v", err)
	}
}

// TestMetrics: per-query counters and state from the engine, push
// queries from the server, and requests by route and status.
func TestMetrics(t *testing.T) {
	ts := startMem(t, nil)
	seedClicks(t, ts)
	ts.ksql(t, "SET 'auto.offset.reset' = 'earliest'; CREATE STREAM long_clicks AS SELECT * FROM clicks WHERE url != '/b';")
	ts.do(t, ts.http, "POST", "/ksql", "", "{bad")
	ts.do(t, ts.http, "POST", "/query", "", queryBody("SELECT * FROM clicks EMIT CHANGES LIMIT 3;"))
	_, hdr, body := ts.do(t, ts.http, "GET", "/metrics", "", "")
	if !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Errorf("content type %q", hdr.Get("Content-Type"))
	}
	for _, want := range []string{
		`eddy_query_records_in_total{query_id="CSAS_LONG_CLICKS_0",query_type="PERSISTENT"} 3`,
		`eddy_query_records_out_total{query_id="CSAS_LONG_CLICKS_0",query_type="PERSISTENT"} 2`,
		`eddy_query_processing_errors_total{query_id="CSAS_LONG_CLICKS_0",query_type="PERSISTENT"} 0`,
		`eddy_query_state{query_id="CSAS_LONG_CLICKS_0",query_type="PERSISTENT",state="RUNNING"} 1`,
		`eddy_query_tasks{query_id="CSAS_LONG_CLICKS_0",query_type="PERSISTENT"} 1`,
		`eddy_query_restored_records_total{query_id="CSAS_LONG_CLICKS_0",query_type="PERSISTENT"} 0`,
		`eddy_http_requests_total{code="400",method="POST",route="POST /ksql"} 1`,
		`eddy_http_requests_total{code="200",method="POST",route="POST /query"} 1`,
		`eddy_push_queries_active 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// A running push query shows its rows out.
	req, _ := http.NewRequest("POST", ts.url+"/query-stream", strings.NewReader(streamBody("SELECT * FROM clicks EMIT CHANGES;")))
	res, err := ts.h2c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	rd := bufio.NewReader(res.Body)
	for range 4 {
		rd.ReadString('\n')
	}
	_, _, body = ts.do(t, ts.http, "GET", "/metrics", "", "")
	m := regexp.MustCompile(`eddy_query_records_out_total\{query_id="transient_CLICKS_-?\d+",query_type="PUSH"\} (\d+)`).FindStringSubmatch(body)
	if m == nil || m[1] != strconv.Itoa(3) || !strings.Contains(body, "eddy_push_queries_active 1") {
		t.Errorf("push query metrics: %v", m)
	}
}

// TestPushQueryLimit: past MaxPushQueries a query gets 400 with 40003.
func TestPushQueryLimit(t *testing.T) {
	ts := startMem(t, func(c *Config) { c.MaxPushQueries = 1 })
	seedClicks(t, ts)
	req, _ := http.NewRequest("POST", ts.url+"/query-stream", strings.NewReader(streamBody("SELECT * FROM clicks EMIT CHANGES;")))
	res, err := ts.h2c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	bufio.NewReader(res.Body).ReadString('\n')
	code, _, body := ts.do(t, ts.http, "POST", "/query", "", queryBody("SELECT * FROM clicks EMIT CHANGES;"))
	if code != 400 || !strings.Contains(body, `"error_code":40003`) {
		t.Fatalf("second push query: %d %s", code, body)
	}
	// Pull queries are not push queries.
	if code, _, body := ts.do(t, ts.http, "POST", "/query", "", queryBody("SELECT * FROM clicks;")); code != 200 {
		t.Fatalf("pull query: %d %s", code, body)
	}
}
