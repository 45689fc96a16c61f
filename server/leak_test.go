package server

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPushQueriesCleanedUp opens 200 push queries against the embedded
// broker (half on /query over HTTP/1.1, half on /query-stream over h2c),
// drops every client connection mid-stream, and checks that each query's
// goroutines and Kafka consumer stop: the goroutine count returns to its
// baseline and the server keeps serving.
func TestPushQueriesCleanedUp(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 200 Kafka consumers")
	}
	ts := startEmbedded(t, func(c *Config) { c.MaxPushQueries = 250 })
	ts.ksql(t, createClicks)
	ts.ksql(t, "INSERT INTO clicks (uid, url) VALUES ('u0', '/0');")

	// Each client has its own connection, kept so the test can cut it.
	var connMu sync.Mutex
	var conns []net.Conn
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			connMu.Lock()
			conns = append(conns, c)
			connMu.Unlock()
		}
		return c, err
	}
	dropAll := func() {
		connMu.Lock()
		defer connMu.Unlock()
		for _, c := range conns {
			c.Close()
		}
		conns = nil
	}
	open := func(ctx context.Context, i int) (*http.Response, *http.Transport, error) {
		tr := &http.Transport{DialContext: dial}
		path, body := "/query", queryBody("SELECT * FROM clicks EMIT CHANGES;")
		if i%2 == 1 {
			p := new(http.Protocols)
			p.SetUnencryptedHTTP2(true)
			tr.Protocols = p
			path, body = "/query-stream", streamBody("SELECT * FROM clicks EMIT CHANGES;")
		}
		req, _ := http.NewRequestWithContext(ctx, "POST", ts.url+path, strings.NewReader(body))
		res, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			return nil, tr, err
		}
		// The header, then the row already in the topic: the query's
		// consumer has joined its group and is fetching.
		rd := bufio.NewReader(res.Body)
		for range 2 {
			if _, err := rd.ReadString('\n'); err != nil {
				return nil, tr, err
			}
		}
		return res, tr, nil
	}
	// One query first, so that lazily started goroutines are counted in
	// the baseline.
	ctx0, cancel0 := context.WithCancel(context.Background())
	res0, tr0, err := open(ctx0, 0)
	if err != nil {
		t.Fatal(err)
	}
	dropAll()
	cancel0()
	res0.Body.Close()
	tr0.CloseIdleConnections()
	waitFor(t, "warm-up query released", func() bool { return len(ts.push.snapshot()) == 0 })
	baseline := settledGoroutines(0, 0)

	const n = 200
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var transports []*http.Transport
	errs := make(chan error, n)
	// At most 20 clients connect at once: Go's HTTP/2 server drops a
	// connection whose client sends no SETTINGS within 2 s, which 200
	// clients starting together on a loaded 2-core machine missed.
	connecting := make(chan struct{}, 20)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			connecting <- struct{}{}
			_, tr, err := open(ctx, i)
			<-connecting
			mu.Lock()
			transports = append(transports, tr)
			mu.Unlock()
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("open push query: %v", err)
	}
	opened := time.Since(start)
	if got := len(ts.push.snapshot()); got != n {
		t.Fatalf("%d push queries running, want %d", got, n)
	}
	peak := runtime.NumGoroutine()

	// The server still answers while they run.
	if body := ts.ksql(t, "SHOW STREAMS;"); !strings.Contains(body, "CLICKS") {
		t.Fatalf("SHOW STREAMS: %s", body)
	}
	_, _, metrics := ts.do(t, ts.http, "GET", "/metrics", "", "")
	if !strings.Contains(metrics, "eddy_push_queries_active 200") {
		t.Errorf("metrics do not show 200 push queries")
	}

	// Every client goes away without a word: its connection just closes.
	dropped := time.Now()
	dropAll()
	cancel()
	for _, tr := range transports {
		tr.CloseIdleConnections()
	}
	waitFor(t, "push queries released", func() bool { return len(ts.push.snapshot()) == 0 })
	released := time.Since(dropped)
	after := settledGoroutines(baseline, 30*time.Second)
	t.Logf("goroutines: baseline %d, with %d push queries %d, after the clients left %d; opened and consuming in %v, all released %v after the clients left",
		baseline, n, peak, after, opened.Round(time.Millisecond), released.Round(time.Millisecond))
	if after > baseline+3 {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines did not return to the baseline %d: %d\n%s", baseline, after, buf[:runtime.Stack(buf, true)])
	}

	// And it serves a new push query.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	res, tr, err := open(ctx2, 1)
	if err != nil {
		t.Fatalf("push query after the storm: %v", err)
	}
	res.Body.Close()
	tr.CloseIdleConnections()
}

// settledGoroutines waits (up to wait) for the goroutine count to reach
// target, else for it to stop changing, and returns it.
func settledGoroutines(target int, wait time.Duration) int {
	deadline := time.Now().Add(wait)
	last, stable := runtime.NumGoroutine(), 0
	for {
		time.Sleep(50 * time.Millisecond)
		n := runtime.NumGoroutine()
		if target > 0 && n <= target {
			return n
		}
		if n == last {
			stable++
		} else {
			stable, last = 0, n
		}
		if (target == 0 && stable >= 10) || (wait > 0 && time.Now().After(deadline)) {
			return n
		}
	}
}
