package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsURL is the /ws/query address for a statement, with the request as
// the legacy clients send it: a URL-encoded KsqlRequest.
func (ts *testServer) wsURL(stmt string, props map[string]any) string {
	if props == nil {
		props = map[string]any{"ksql.streams.auto.offset.reset": "earliest"}
	}
	req, _ := json.Marshal(map[string]any{"ksql": stmt, "streamsProperties": props})
	return "ws" + strings.TrimPrefix(ts.url, "http") + "/ws/query?version=1&request=" + url.QueryEscape(string(req))
}

// wsDial opens /ws/query for a statement.
func wsDial(t testing.TB, ctx context.Context, u string, hdr http.Header) *websocket.Conn {
	t.Helper()
	c, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		code := 0
		if res != nil {
			code = res.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", u, err, code)
	}
	return c
}

// wsRead reads one text message.
func wsRead(t testing.TB, ctx context.Context, c *websocket.Conn) string {
	t.Helper()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("message type %v, want text", typ)
	}
	return string(b)
}

// wsClosed reads until the server closes the socket and returns the
// close frame's code and reason.
func wsClosed(t testing.TB, ctx context.Context, c *websocket.Conn) (websocket.StatusCode, string, []string) {
	t.Helper()
	var msgs []string
	for {
		_, b, err := c.Read(ctx)
		if err == nil {
			msgs = append(msgs, string(b))
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("socket ended without a close frame: %v (after %q)", err, msgs)
		}
		return ce.Code, ce.Reason, msgs
	}
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestWSQueryPush runs push queries over /ws/query against the embedded
// broker: the schema message, then rows (old and newly inserted ones);
// closing the socket, politely or by dropping the connection, stops the
// engine query, and the goroutine count returns to its baseline.
func TestWSQueryPush(t *testing.T) {
	ts := startEmbedded(t, nil)
	ctx := testCtx(t)
	ts.ksql(t, "CREATE STREAM clicks (uid STRING KEY, url STRING, n INT, price DECIMAL(4,2), tags ARRAY<STRING>) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);")
	ts.ksql(t, "INSERT INTO clicks (uid, url, n, price, tags) VALUES ('u0', '/0', 1, 1.50, ARRAY['a']);")
	const push = "SELECT * FROM clicks EMIT CHANGES;"

	// open starts a push query and reads its schema and the row already
	// in the topic, so its consumer is fetching.
	open := func() *websocket.Conn {
		c := wsDial(t, ctx, ts.wsURL(push, nil), nil)
		schema := wsRead(t, ctx, c)
		want := `[{"name":"UID","schema":{"type":"STRING"}},{"name":"URL","schema":{"type":"STRING"}},` +
			`{"name":"N","schema":{"type":"INTEGER"}},{"name":"PRICE","schema":{"type":"DECIMAL","parameters":{"precision":4,"scale":2}}},` +
			`{"name":"TAGS","schema":{"type":"ARRAY","memberSchema":{"type":"STRING"}}}]`
		if schema != want {
			t.Fatalf("schema message:\n got %s\nwant %s", schema, want)
		}
		if row := wsRead(t, ctx, c); row != `{"row":{"columns":["u0","/0",1,1.50,["a"]]}}` {
			t.Fatalf("first row: %s", row)
		}
		return c
	}

	// Warm up, so that lazily started goroutines are in the baseline.
	c0 := open()
	c0.Close(websocket.StatusNormalClosure, "")
	waitFor(t, "warm-up query released", func() bool { return len(ts.push.snapshot()) == 0 })
	baseline := settledGoroutines(0, 0)

	c := open()
	snap := ts.push.snapshot()
	if len(snap) != 1 || !strings.HasPrefix(snap[0].id, "transient_CLICKS_") {
		t.Fatalf("push registry: %+v", snap)
	}
	ts.ksql(t, "INSERT INTO clicks (uid, url, n, price, tags) VALUES ('u1', '/1', 2, 2.25, ARRAY['b', 'c']);")
	if row := wsRead(t, ctx, c); row != `{"row":{"columns":["u1","/1",2,2.25,["b","c"]]}}` {
		t.Fatalf("inserted row: %s", row)
	}

	// More queries, so that a leak would show: some clients close with a
	// close frame, others drop the TCP connection.
	const n = 10
	conns := []*websocket.Conn{c}
	for range n - 1 {
		conns = append(conns, open())
	}
	if got := len(ts.push.snapshot()); got != n {
		t.Fatalf("%d push queries running, want %d", got, n)
	}
	peak := runtime.NumGoroutine()
	for i, c := range conns {
		if i%2 == 0 {
			if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
				t.Errorf("client close: %v", err)
			}
		} else {
			c.CloseNow()
		}
	}
	waitFor(t, "push queries released", func() bool { return len(ts.push.snapshot()) == 0 })
	after := settledGoroutines(baseline, 30*time.Second)
	t.Logf("goroutines: baseline %d, with %d queries %d, after %d", baseline, n, peak, after)
	if after > baseline+3 {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines did not return to the baseline %d: %d\n%s", baseline, after, buf[:runtime.Stack(buf, true)])
	}
}

// TestWSQueryLimitAndPull: a push query with LIMIT sends its rows, the
// final message, and closes normally with the final message as the
// reason; a pull query closes normally after its rows.
func TestWSQueryLimitAndPull(t *testing.T) {
	ts := startMem(t, nil)
	ctx := testCtx(t)
	seedClicks(t, ts)

	c := wsDial(t, ctx, ts.wsURL("SELECT uid, url FROM clicks EMIT CHANGES LIMIT 2;", nil), nil)
	if s := wsRead(t, ctx, c); s != `[{"name":"UID","schema":{"type":"STRING"}},{"name":"URL","schema":{"type":"STRING"}}]` {
		t.Fatalf("schema: %s", s)
	}
	code, reason, msgs := wsClosed(t, ctx, c)
	want := []string{`{"row":{"columns":["u1","/a"]}}`, `{"row":{"columns":["u2","/b"]}}`, `{"finalMessage":"Limit Reached"}`}
	if code != websocket.StatusNormalClosure || reason != "Limit Reached" || strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("LIMIT 2: close %d %q after %q", code, reason, msgs)
	}

	c = wsDial(t, ctx, ts.wsURL("SELECT url FROM clicks WHERE uid = 'u3';", nil), nil)
	if s := wsRead(t, ctx, c); s != `[{"name":"URL","schema":{"type":"STRING"}}]` {
		t.Fatalf("pull schema: %s", s)
	}
	code, _, msgs = wsClosed(t, ctx, c)
	if code != websocket.StatusNormalClosure || len(msgs) == 0 || msgs[0] != `{"row":{"columns":["/c"]}}` {
		t.Fatalf("pull: close %d after %q", code, msgs)
	}
	waitFor(t, "queries released", func() bool { return len(ts.push.snapshot()) == 0 })
}

// TestWSQueryErrors: a request that cannot run gets the socket closed
// with 1003 and the reason; nothing else is sent.
func TestWSQueryErrors(t *testing.T) {
	ts := startMem(t, nil)
	ctx := testCtx(t)
	seedClicks(t, ts)
	base := "ws" + strings.TrimPrefix(ts.url, "http") + "/ws/query"
	long := "SELECT * FROM " + strings.Repeat("no_such_stream_", 20) + " EMIT CHANGES;"
	cases := []struct {
		name, url, reason string
	}{
		{"parse error", ts.wsURL("SELEKT * FROM clicks;", nil), "line 1:1"},
		{"unknown source", ts.wsURL("SELECT * FROM nope EMIT CHANGES;", nil), "NOPE"},
		{"not a query", ts.wsURL("CREATE STREAM s2 (a INT) WITH (kafka_topic='s2', value_format='JSON', partitions=1);", nil), "not supported"},
		{"two statements", ts.wsURL("SELECT * FROM clicks EMIT CHANGES; SELECT * FROM clicks EMIT CHANGES;", nil), "exactly one"},
		{"no request", base + "?version=1", `"request"`},
		{"empty ksql", base + "?request=" + url.QueryEscape(`{"ksql":""}`), `"ksql" field must be populated`},
		{"bad json", base + "?request=" + url.QueryEscape(`{"ksql":`), "Invalid JSON"},
		{"bad version", base + "?version=7&request=" + url.QueryEscape(`{"ksql":"SELECT * FROM clicks EMIT CHANGES;"}`), "version: 7"},
		{"bad property", ts.wsURL("SELECT * FROM clicks EMIT CHANGES;", map[string]any{"auto.offset.reset": []any{1}}), "Invalid value for property"},
		{"long reason", ts.wsURL(long, nil), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := wsDial(t, ctx, c.url, nil)
			code, reason, msgs := wsClosed(t, ctx, conn)
			if code != websocket.StatusUnsupportedData || !strings.Contains(reason, c.reason) || len(msgs) != 0 || reason == "" {
				t.Fatalf("close %d %q after %q; want 1003 with %q", code, reason, msgs, c.reason)
			}
			if len(reason) > wsMaxReason {
				t.Fatalf("reason of %d bytes", len(reason))
			}
		})
	}

	// A plain GET (no upgrade) is refused, not served.
	code, _, _ := ts.do(t, ts.http, "GET", "/ws/query?request="+url.QueryEscape(`{"ksql":"SELECT * FROM clicks EMIT CHANGES;"}`), "", "")
	if code < 400 || code >= 500 {
		t.Fatalf("GET without upgrade: %d", code)
	}
	waitFor(t, "queries released", func() bool { return len(ts.push.snapshot()) == 0 })
}

// TestWSQueryAuth: with users configured, the upgrade needs basic
// credentials (401 otherwise, before any query runs).
func TestWSQueryAuth(t *testing.T) {
	ts := startMem(t, func(c *Config) { c.Users = annUsers(t) })
	ctx := testCtx(t)
	auth := func(user, pass string) http.Header {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(user, pass)
		return http.Header{"Authorization": r.Header["Authorization"]}
	}
	req, _ := http.NewRequest("POST", ts.url+"/ksql", strings.NewReader(ksqlBody(createClicks)))
	req.SetBasicAuth("ann", "s3cret")
	res, err := ts.http.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("create: %v %v", err, res)
	}
	res.Body.Close()

	u := ts.wsURL("SELECT * FROM clicks EMIT CHANGES;", nil)
	for _, hdr := range []http.Header{nil, auth("ann", "wrong"), auth("bob", "s3cret")} {
		c, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: hdr})
		if err == nil {
			c.CloseNow()
			t.Fatalf("%v: upgraded without valid credentials", hdr)
		}
		if res == nil || res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%v: %v %v", hdr, err, res)
		}
	}
	if n := len(ts.push.snapshot()); n != 0 {
		t.Fatalf("%d push queries after refused upgrades", n)
	}
	c := wsDial(t, ctx, u, auth("ann", "s3cret"))
	if s := wsRead(t, ctx, c); !strings.HasPrefix(s, `[{"name":"UID"`) {
		t.Fatalf("schema: %s", s)
	}
	c.Close(websocket.StatusNormalClosure, "")
	waitFor(t, "query released", func() bool { return len(ts.push.snapshot()) == 0 })
}

// TestWSQueryPrint: PRINT sends each output line as one message.
func TestWSQueryPrint(t *testing.T) {
	ts := startMem(t, nil)
	ctx := testCtx(t)
	seedClicks(t, ts)
	c := wsDial(t, ctx, ts.wsURL("PRINT clicks FROM BEGINNING LIMIT 2;", nil), nil)
	code, _, msgs := wsClosed(t, ctx, c)
	if code != websocket.StatusNormalClosure || len(msgs) != 4 || msgs[0] != "Key format: KAFKA_STRING" || msgs[1] != "Value format: JSON or KAFKA_STRING" ||
		!strings.HasPrefix(msgs[2], "rowtime: ") || !strings.Contains(msgs[3], `key: u2, value: {"URL":"/b"}, partition: 0`) {
		t.Fatalf("PRINT: close %d after %q", code, msgs)
	}

	c = wsDial(t, ctx, ts.wsURL("PRINT no_such_topic;", nil), nil)
	code, reason, _ := wsClosed(t, ctx, c)
	if code != websocket.StatusUnsupportedData || !strings.Contains(reason, "no_such_topic") {
		t.Fatalf("PRINT of a missing topic: close %d %q", code, reason)
	}
}

// TestWSQueryServerEnds: /close-query (by the id from the registry) and
// server shutdown end a /ws/query push query with a close frame.
func TestWSQueryServerEnds(t *testing.T) {
	ts := startMem(t, nil)
	ctx := testCtx(t)
	seedClicks(t, ts)
	u := ts.wsURL("SELECT * FROM clicks EMIT CHANGES;", nil)

	c := wsDial(t, ctx, u, nil)
	wsRead(t, ctx, c)
	var id string
	waitFor(t, "query named", func() bool {
		snap := ts.push.snapshot()
		if len(snap) == 1 {
			id = snap[0].id
		}
		return id != ""
	})
	if code, _, body := ts.do(t, ts.http, "POST", "/close-query", "", `{"queryId":"`+id+`"}`); code != 200 {
		t.Fatalf("close-query: %d %s", code, body)
	}
	code, reason, msgs := wsClosed(t, ctx, c)
	if code != websocket.StatusNormalClosure || reason != "Query closed." || len(msgs) != 3 {
		t.Fatalf("after close-query: %d %q after %q", code, reason, msgs)
	}

	c = wsDial(t, ctx, u, nil)
	wsRead(t, ctx, c)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ts.Shutdown(sctx) }()
	code, reason, _ = wsClosed(t, ctx, c)
	if code != websocket.StatusGoingAway || reason == "" {
		t.Fatalf("at shutdown: %d %q", code, reason)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "query released", func() bool { return len(ts.push.snapshot()) == 0 })
}

// TestWSQueryDataMessageEndsQuery: a client that sends a data message
// gets a 1008 close, and its push query ends at once. (The library's
// CloseRead closed the socket from its own reading goroutine and then
// waited 15 seconds for that goroutine to end, holding the query and
// its consumer all that time.)
func TestWSQueryDataMessageEndsQuery(t *testing.T) {
	ts := startMem(t, nil)
	ctx := testCtx(t)
	seedClicks(t, ts)
	c := wsDial(t, ctx, ts.wsURL("SELECT * FROM clicks EMIT CHANGES;", nil), nil)
	defer c.CloseNow()
	wsRead(t, ctx, c)
	if err := c.Write(ctx, websocket.MessageText, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, reason, _ := wsClosed(t, ctx, c)
	if code != websocket.StatusPolicyViolation || reason != "unexpected data message" {
		t.Fatalf("close: %d %q", code, reason)
	}
	waitFor(t, "query released", func() bool { return len(ts.push.snapshot()) == 0 })
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the query ran on for %s after the socket was closed", d)
	}
}
