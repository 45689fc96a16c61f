package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// stallH1 opens a TCP connection and sends an HTTP/1.1 request head and
// the start of its body, and nothing more.
func stallH1(t *testing.T, ts *testServer, head, partial string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, head+"\r\n"+partial); err != nil {
		t.Fatal(err)
	}
	return c
}

// stallH2 sends an h2c request whose body starts with partial and then
// stalls; the response, or the error, comes on the channel.
func stallH2(t *testing.T, ts *testServer, path, partial string) <-chan h2Result {
	t.Helper()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	req, _ := http.NewRequest("POST", ts.url+path, pr)
	got := make(chan h2Result, 1)
	go func() {
		res, err := ts.h2c.Do(req)
		got <- h2Result{res, err}
	}()
	go func() { _, _ = io.WriteString(pw, partial) }()
	return got
}

type h2Result struct {
	res *http.Response
	err error
}

// status is the answer's status and body.
func (r h2Result) status() (int, string, error) {
	if r.err != nil {
		return 0, "", r.err
	}
	defer r.res.Body.Close()
	b, err := io.ReadAll(r.res.Body)
	return r.res.StatusCode, string(b), err
}

// waitGoroutines waits for the goroutine count to come back to at most
// max.
func waitGoroutines(t *testing.T, max int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > max {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), max, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStalledBodyTimesOut: a client that sends a request's head and then
// only part of its body, or none, is answered once Config.BodyTimeout
// has passed (408, or the route's answer when it reads no body) and its
// connection is closed, over HTTP/1.1 and h2c, so that its goroutines
// end. The old server set only ReadHeaderTimeout, and each such
// connection held a goroutine for as long as the client kept it.
func TestStalledBodyTimesOut(t *testing.T) {
	ts := startMem(t, func(c *Config) { c.BodyTimeout = 300 * time.Millisecond })
	ts.ksql(t, createClicks)
	base := runtime.NumGoroutine()

	h1 := []struct {
		name, head, partial string
		status              int
	}{
		{"ksql partial", "POST /ksql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n", `{"ksql": "SHOW`, http.StatusRequestTimeout},
		{"ksql no body", "POST /ksql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n", "", http.StatusRequestTimeout},
		{"query chunked", "POST /query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n", "5\r\n{\"ksq\r\n", http.StatusRequestTimeout},
		{"query-stream", "POST /query-stream HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n", `{"sql"`, http.StatusRequestTimeout},
		{"close-query", "POST /close-query HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n", `{"que`, http.StatusRequestTimeout},
		{"connectors (none run here)", "POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n", `{"na`, http.StatusNotFound},
		// Routes that read no body answer, and close the connection
		// once the rest of the body has not come.
		{"info", "GET /info HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n", "abc", http.StatusOK},
		{"inserts over HTTP/1.1", "POST /inserts-stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n", "3\r\n{\"t\r\n", http.StatusBadRequest},
	}
	var conns []net.Conn
	for _, c := range h1 {
		conns = append(conns, stallH1(t, ts, c.head, c.partial))
	}
	h2 := []string{"/ksql", "/query-stream", "/close-query", "/inserts-stream"}
	var h2res []<-chan h2Result
	for _, p := range h2 {
		h2res = append(h2res, stallH2(t, ts, p, `{"`))
	}

	for i, c := range h1 {
		conn := conns[i]
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		rd := bufio.NewReader(conn)
		res, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Errorf("%s: no answer: %v", c.name, err)
			continue
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, res.StatusCode, body, c.status)
		}
		if c.status == http.StatusRequestTimeout && !strings.Contains(string(body), "did not arrive within 300ms") {
			t.Errorf("%s: %s", c.name, body)
		}
		// The server closes the connection: what is left of the body is
		// still to come, and would be read as the next request.
		if n, err := rd.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("%s: connection still open after the answer (%d, %v)", c.name, n, err)
		}
	}
	for i, p := range h2 {
		select {
		case r := <-h2res[i]:
			code, body, err := r.status()
			if err != nil || code != http.StatusRequestTimeout || !strings.Contains(body, "did not arrive within 300ms") {
				t.Errorf("%s over h2c: %d %s %v", p, code, body, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s over h2c: no answer", p)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	ts.h2c.CloseIdleConnections()
	waitGoroutines(t, base+2)
}

// TestBodyTimeoutSparesStreams: the body bound ends with the body. A push
// query idle for longer than BodyTimeout still gets its rows, over
// HTTP/1.1 (whose background read of the connection would cancel the
// query if the deadline were left armed) and h2c; /inserts-stream's rows
// may come as slowly as the client likes once its arguments line has
// come; a body sent whole on a route that reads none keeps its
// connection.
func TestBodyTimeoutSparesStreams(t *testing.T) {
	const bound = 200 * time.Millisecond
	ts := startMem(t, func(c *Config) { c.BodyTimeout = bound })
	ts.ksql(t, createClicks)

	open := func(c *http.Client, path, body string) *bufio.Reader {
		req, _ := http.NewRequest("POST", ts.url+path, strings.NewReader(body))
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		if res.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(res.Body)
			t.Fatalf("%s: %d %s", path, res.StatusCode, b)
		}
		return bufio.NewReader(res.Body)
	}
	q1 := open(ts.http, "/query", queryBody("SELECT * FROM clicks EMIT CHANGES;"))
	q2 := open(ts.h2c, "/query-stream", streamBody("SELECT * FROM clicks EMIT CHANGES;"))

	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("POST", ts.url+"/inserts-stream", pr)
	insRes := make(chan *http.Response, 1)
	go func() {
		res, err := ts.h2c.Do(req)
		if err != nil {
			t.Error(err)
		}
		insRes <- res
	}()
	if _, err := io.WriteString(pw, `{"target":"clicks"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	res := <-insRes
	if res == nil {
		t.FailNow()
	}
	defer res.Body.Close()

	time.Sleep(5 * bound)
	if _, err := io.WriteString(pw, `{"UID":"u1","URL":"/a"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	ack, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || !strings.Contains(ack, `"ok"`) {
		t.Fatalf("inserts-stream after %v idle: %q %v", 5*bound, ack, err)
	}
	for name, rd := range map[string]*bufio.Reader{"/query over HTTP/1.1": q1, "/query-stream over h2c": q2} {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if strings.Contains(line, "/a") {
				break
			}
		}
	}

	// A whole body that /info does not read: the connection is kept.
	c, err := net.Dial("tcp", ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(c)
	for i := range 2 {
		if _, err := io.WriteString(c, "GET /info HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatalf("request %d on one connection: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, res.StatusCode)
		}
	}
}

// TestShutdownCutsStalledBodies: Shutdown does not wait for clients that
// never send their bodies; with the default 30 s bound, it waited for
// each of them to give up (the old server, for ever; cmd/eddy gives up
// after 30 s). Nor does it wait for an /inserts-stream whose client
// sends no rows: it held the shutdown as long.
func TestShutdownCutsStalledBodies(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, createClicks)
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("POST", ts.url+"/inserts-stream", pr)
	inserts := make(chan h2Result, 1)
	go func() {
		res, err := ts.h2c.Do(req)
		inserts <- h2Result{res, err}
	}()
	if _, err := io.WriteString(pw, `{"target":"clicks"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	if r := <-inserts; r.err != nil {
		t.Fatal(r.err)
	} else {
		defer r.res.Body.Close()
	}
	var h2res []<-chan h2Result
	for range 10 {
		stallH1(t, ts, "POST /ksql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n", `{"ksql"`)
		stallH1(t, ts, "GET /info HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n", ``)
		h2res = append(h2res, stallH2(t, ts, "/ksql", `{"ksql"`))
	}
	// Every request has reached its handler.
	for deadline := time.Now().Add(10 * time.Second); ; {
		ts.bodies.mu.Lock()
		n := len(ts.bodies.waiting)
		ts.bodies.mu.Unlock()
		if n == 30 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests waiting for their bodies, want 30", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for _, c := range h2res {
		if code, body, err := (<-c).status(); code != http.StatusServiceUnavailable {
			t.Errorf("h2c /ksql cut by shutdown: %d %s %v", code, body, err)
		}
	}
}
