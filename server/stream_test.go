package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// seedClicks creates CLICKS and inserts three rows.
func seedClicks(t *testing.T, ts *testServer) {
	t.Helper()
	ts.ksql(t, createClicks)
	ts.ksql(t, "INSERT INTO clicks (uid, url) VALUES ('u1', '/a'); INSERT INTO clicks (uid, url) VALUES ('u2', '/b'); INSERT INTO clicks (uid, url) VALUES ('u3', '/c');")
}

func queryBody(sql string) string {
	b, _ := json.Marshal(map[string]any{"ksql": sql, "streamsProperties": map[string]any{"ksql.streams.auto.offset.reset": "earliest"}})
	return string(b)
}

func streamBody(sql string) string {
	b, _ := json.Marshal(map[string]any{"sql": sql, "properties": map[string]any{"auto.offset.reset": "earliest"}})
	return string(b)
}

// TestGoldenStreams pins the body of each query format: the legacy
// /query array, and /query-stream delimited, JSON and v1, for push (with
// LIMIT) and pull queries, over HTTP/1.1 and h2c.
func TestGoldenStreams(t *testing.T) {
	ts := startMem(t, nil)
	seedClicks(t, ts)
	// A plain CREATE TABLE is not queryable by pull queries; a source
	// table over the same topic is.
	ts.ksql(t, "CREATE TABLE users_in (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='JSON', partitions=1);")
	ts.ksql(t, "INSERT INTO users_in (id, name) VALUES ('1', 'ann'); INSERT INTO users_in (id, name) VALUES ('2', 'bob');")
	ts.ksql(t, "CREATE SOURCE TABLE users (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='JSON');")
	const push = "SELECT uid, url FROM clicks EMIT CHANGES LIMIT 2;"
	cases := []struct {
		name, path, accept, body string
		h2                       bool
	}{
		{"query_push", "/query", "", queryBody(push), false},
		{"query_pull_stream", "/query", "", queryBody("SELECT * FROM clicks;"), false},
		{"query_pull_table", "/query", "application/vnd.ksql.v1+json", queryBody("SELECT * FROM users;"), false},
		{"query_delimited", "/query", "application/vnd.ksqlapi.delimited.v1", queryBody(push), false},
		{"qs_delimited", "/query-stream", "", streamBody(push), false},
		{"qs_delimited_h2c", "/query-stream", "application/vnd.ksqlapi.delimited.v1", streamBody(push), true},
		{"qs_json", "/query-stream", "application/json", streamBody(push), true},
		{"qs_v1", "/query-stream", "application/vnd.ksql.v1+json", streamBody(push), false},
		{"qs_pull_table", "/query-stream", "", streamBody("SELECT * FROM users;"), false},
	}
	for _, c := range cases {
		client := ts.http
		if c.h2 {
			client = ts.h2c
		}
		req, _ := http.NewRequest("POST", ts.url+c.path, strings.NewReader(c.body))
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		wantProto := 1
		if c.h2 {
			wantProto = 2
		}
		if res.ProtoMajor != wantProto {
			t.Errorf("%s: HTTP/%d, want HTTP/%d", c.name, res.ProtoMajor, wantProto)
		}
		golden(t, "stream_"+c.name, res.StatusCode, "content-type: "+res.Header.Get("Content-Type")+"\n"+string(b))
	}
}

// TestPrintOverQuery streams PRINT's text lines over /query until the
// client hangs up.
func TestPrintOverQuery(t *testing.T) {
	ts := startMem(t, nil)
	seedClicks(t, ts)
	req, _ := http.NewRequest("POST", ts.url+"/query", strings.NewReader(queryBody("PRINT clicks FROM BEGINNING;")))
	res, err := ts.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	rd := bufio.NewReader(res.Body)
	var lines []string
	for len(lines) < 5 {
		l, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", lines, err)
		}
		lines = append(lines, strings.TrimSuffix(l, "\n"))
	}
	if res.StatusCode != 200 || lines[0] != "Key format: KAFKA_STRING" || lines[1] != "Value format: JSON or KAFKA_STRING" ||
		!strings.HasPrefix(lines[2], "rowtime: ") || !strings.Contains(lines[4], `key: u3, value: {"URL":"/c"}, partition: 0`) {
		t.Fatalf("PRINT: %d %q", res.StatusCode, lines)
	}
}

// TestCloseQueryAndTerminate ends push queries from the server side:
// /close-query for one started on /query-stream, TERMINATE for one on
// /query (which SHOW QUERIES lists first), shutdown for another. Each
// stream ends cleanly, saying why where its format can.
func TestCloseQueryAndTerminate(t *testing.T) {
	ts := startMem(t, nil)
	seedClicks(t, ts)
	open := func(path, body string) (*http.Response, *bufio.Reader) {
		req, _ := http.NewRequest("POST", ts.url+path, strings.NewReader(body))
		res, err := ts.h2c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res, bufio.NewReader(res.Body)
	}
	res, rd := open("/query-stream", streamBody("SELECT * FROM clicks EMIT CHANGES;"))
	defer res.Body.Close()
	line, err := rd.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var meta queryMetadata
	if err := json.Unmarshal([]byte(line), &meta); err != nil || !strings.HasPrefix(meta.QueryID, "transient_CLICKS_") {
		t.Fatalf("metadata %q: %v", line, err)
	}
	code, _, body := ts.do(t, ts.http, "POST", "/close-query", "", `{"queryId":"`+meta.QueryID+`"}`)
	if code != 200 || body != "" {
		t.Fatalf("close-query: %d %q", code, body)
	}
	rest, err := io.ReadAll(rd)
	if err != nil || strings.Count(string(rest), "\n") != 3 {
		t.Fatalf("after close: %q %v", rest, err)
	}

	res2, rd2 := open("/query", queryBody("SELECT * FROM clicks EMIT CHANGES;"))
	defer res2.Body.Close()
	line, _ = rd2.ReadString('\n')
	var hdr struct{ Header struct{ QueryID string } }
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(line, "["), ",\n")), &hdr); err != nil {
		t.Fatalf("header %q: %v", line, err)
	}
	body = ts.ksql(t, "SHOW QUERIES;")
	if !strings.Contains(body, `"queryString":"SELECT * FROM clicks EMIT CHANGES;","sinks":[],"sinkKafkaTopics":[],"id":"`+hdr.Header.QueryID+`"`) ||
		!strings.Contains(body, `"queryType":"PUSH"`) {
		t.Fatalf("SHOW QUERIES does not list the push query: %s", body)
	}
	body = ts.ksql(t, "TERMINATE "+hdr.Header.QueryID+";")
	// ksqlDB's parser upper-cases an unquoted id (only a back-quoted one
	// keeps its case), finds the query ignoring case, and answers with
	// the id as parsed: TRANSIENT_CLICKS_…, not the id it created.
	if !strings.Contains(body, `"@type":"terminate_query"`) || !strings.Contains(body, `"wasTerminated":true`) ||
		!strings.Contains(body, `"queryId":"`+strings.ToUpper(hdr.Header.QueryID)+`"`) {
		t.Fatalf("TERMINATE: %s", body)
	}
	rest, _ = io.ReadAll(rd2)
	if !strings.HasSuffix(string(rest), `{"finalMessage":"Query terminated"}]`+"\n") {
		t.Fatalf("stream after TERMINATE: %q", rest)
	}

	res3, rd3 := open("/query", queryBody("SELECT * FROM clicks EMIT CHANGES;"))
	defer res3.Body.Close()
	if _, err := rd3.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	rest, _ = io.ReadAll(rd3)
	if !strings.Contains(string(rest), `"errorMessage":{"@type":"generic_error","error_code":50303,"message":"The server is shutting down: the query ended without completing."`) ||
		!strings.HasSuffix(string(rest), "]\n") {
		t.Fatalf("stream after shutdown: %q", rest)
	}
}

// TestInsertsStream sends rows over h2c and reads an ack per row; a bad
// row gets an error ack and invalid JSON ends the stream. On the embedded
// broker rows are produced several at a time, and a row is still
// answered while the client waits for it before sending the next.
func TestInsertsStream(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testInsertsStream(t, startMem(t, nil)) })
	t.Run("broker", func(t *testing.T) { testInsertsStream(t, startEmbedded(t, nil)) })
}

func testInsertsStream(t *testing.T, ts *testServer) {
	ts.ksql(t, "CREATE STREAM typed (id BIGINT KEY, name STRING, score DOUBLE, amount DECIMAL(6, 2), tags ARRAY<STRING>, attrs MAP<STRING, INT>, addr STRUCT<street STRING, zip INT>) WITH (kafka_topic='typed', value_format='JSON', partitions=1);")
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", ts.url+"/inserts-stream", pr)
	done := make(chan *http.Response, 1)
	go func() {
		res, err := ts.h2c.Do(req)
		if err != nil {
			t.Error(err)
			close(done)
			return
		}
		done <- res
	}()
	write := func(s string) {
		if _, err := io.WriteString(pw, s+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"target":"typed"}`)
	var res *http.Response
	select {
	case res = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no response headers")
	}
	if res == nil {
		t.FailNow()
	}
	defer res.Body.Close()
	acks := bufio.NewReader(res.Body)
	next := func() string {
		l, err := acks.ReadString('\n')
		if err != nil {
			t.Fatalf("ack: %v", err)
		}
		return strings.TrimSpace(l)
	}
	write(`{"ID":1,"NAME":"it's","SCORE":1.5,"AMOUNT":12.30,"TAGS":["a","b"],"ATTRS":{"x":1},"ADDR":{"street":"Main","ZIP":9}}`)
	if got := next(); got != `{"status":"ok","seq":0}` {
		t.Fatalf("ack 0: %s", got)
	}
	write(`{"id":2,"nope":1}`)
	if got := next(); !strings.HasPrefix(got, `{"@type":"InsertError","status":"error","seq":1,"error_code":40001,"message":`) {
		t.Fatalf("ack 1: %s", got)
	}
	write(`{"id":3}`)
	if got := next(); got != `{"status":"ok","seq":2}` {
		t.Fatalf("ack 2: %s", got)
	}
	write(`{not json`)
	if got := next(); got != `{"@type":"InsertError","status":"error","seq":3,"error_code":40000,"message":"Invalid JSON in inserts stream"}` {
		t.Fatalf("ack 3: %s", got)
	}
	pw.Close()
	if rest, _ := io.ReadAll(acks); len(rest) != 0 {
		t.Fatalf("after the end: %q", rest)
	}
	code, _, body := ts.do(t, ts.http, "POST", "/query", "", queryBody("SELECT * FROM typed;"))
	// (DECIMAL scale in rows is the engine's: 12.3 or 12.30.)
	for _, want := range []string{`\[1,"it's",1.5,12.30?,\["a","b"\],\{"x":1\},\{"STREET":"Main","ZIP":9\}\]`, `\[3,null,null,null,null,null,null\]`} {
		if code != 200 || !regexp.MustCompile(want).MatchString(body) {
			t.Errorf("inserted rows: want %s in %d %s", want, code, body)
		}
	}
}

// TestInsertsStreamBulk: 5,000 rows sent in one body to the embedded
// broker are acknowledged in order, each once, and written in the order
// they were sent (their offsets follow their ids), with several produces
// in flight rather than one round trip a row.
func TestInsertsStreamBulk(t *testing.T) {
	const n = 5000
	ts, body := bulkInserts(t, n)
	code, _, got := ts.do(t, ts.h2c, "POST", "/inserts-stream", "", body)
	if code != 200 {
		t.Fatalf("status %d: %s", code, got)
	}
	acks := strings.Split(strings.TrimSpace(got), "\n")
	if len(acks) != n {
		t.Fatalf("%d acks for %d rows", len(acks), n)
	}
	for i, a := range acks {
		if want := fmt.Sprintf(`{"status":"ok","seq":%d}`, i); a != want {
			t.Fatalf("ack %d: %s, want %s", i, a, want)
		}
	}
	recs, err := ts.cluster.ReadAll(context.Background(), "bulk")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("%d records in the topic, want %d", len(recs), n)
	}
	for i, r := range recs {
		if want := fmt.Sprintf(`{"ID":%d,"V":"row %d"}`, i, i); string(r.Value) != want {
			t.Fatalf("record at offset %d is %s, want %s", r.Offset, r.Value, want)
		}
	}
}

// TestInsertsStreamLongLine: a line over the body limit gets an error ack.
func TestInsertsStreamLongLine(t *testing.T) {
	ts := startMem(t, func(c *Config) { c.MaxBodyBytes = 256 })
	ts.ksql(t, createClicks)
	body := `{"target":"CLICKS"}` + "\n" + `{"UID":"u1","URL":"/a"}` + "\n" + `{"UID":"u2","URL":"` + strings.Repeat("x", 300) + `"}` + "\n"
	code, _, got := ts.do(t, ts.h2c, "POST", "/inserts-stream", "application/json", body)
	want := `[{"status":"ok","seq":0},{"@type":"InsertError","status":"error","seq":1,"error_code":41300,"message":"A line of the inserts stream is longer than the limit of 256 bytes."}]`
	if code != 200 || got != want {
		t.Fatalf("got %d %s\nwant %s", code, got, want)
	}
}

// BenchmarkInsertsStream: rows a second through /inserts-stream into the
// embedded broker, 2,000 rows a request (with one produce round trip a
// row, a bulk load ran at about 7,000 rows a second; see
// docs/performance.md).
func BenchmarkInsertsStream(b *testing.B) {
	const rows = 2000
	ts, body := bulkInserts(b, rows)
	b.ResetTimer()
	for range b.N {
		if code, _, got := ts.do(b, ts.h2c, "POST", "/inserts-stream", "", body); code != 200 || strings.Count(got, `"ok"`) != rows {
			b.Fatalf("status %d, %d acks", code, strings.Count(got, `"ok"`))
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// bulkInserts starts a server on the embedded broker with the stream
// BULK, and returns an /inserts-stream body of n rows into it, row i
// being {"ID":i,"V":"row i"}.
func bulkInserts(tb testing.TB, n int) (*testServer, string) {
	tb.Helper()
	ts := startEmbedded(tb, nil)
	ts.ksql(tb, "CREATE STREAM bulk (id INT, v STRING) WITH (kafka_topic='bulk', value_format='JSON', partitions=1);")
	var body strings.Builder
	body.WriteString(`{"target":"BULK"}` + "\n")
	for i := range n {
		fmt.Fprintf(&body, `{"ID":%d,"V":"row %d"}`+"\n", i, i)
	}
	return ts, body.String()
}

// TestInsertsStreamBytes: a BYTES column takes base64 in a JSON string,
// as ksqlDB's clients send it; a string that is not base64 is refused
// for that row alone.
func TestInsertsStreamBytes(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, "CREATE STREAM blobs (id INT, b BYTES, bs ARRAY<BYTES>) WITH (kafka_topic='blobs', value_format='JSON', partitions=1);")
	body := `{"target":"blobs"}
{"ID":1,"B":"AQI=","BS":["/w==",""]}
{"ID":2,"B":"not base64!"}
{"ID":3,"B":null}
`
	code, _, got := ts.do(t, ts.h2c, "POST", "/inserts-stream", "", body)
	acks := strings.Split(strings.TrimSpace(got), "\n")
	if code != 200 || len(acks) != 3 || acks[0] != `{"status":"ok","seq":0}` || acks[2] != `{"status":"ok","seq":2}` ||
		!strings.Contains(acks[1], `"seq":1`) || !strings.Contains(acks[1], "must be a base64 string") {
		t.Fatalf("status %d, acks:\n%s", code, got)
	}
	recs, err := ts.cluster.ReadAll(context.Background(), "blobs")
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	for _, r := range recs {
		vals = append(vals, string(r.Value))
	}
	if want := `{"ID":1,"B":"AQI=","BS":["/w==",""]}|{"ID":3,"B":null,"BS":null}`; strings.Join(vals, "|") != want {
		t.Errorf("topic holds %s, want %s", strings.Join(vals, "|"), want)
	}
}

// TestInsertsStreamQuotedNames: a target and columns in backquotes (as
// ksqlDB's migrations tool and Java client send them) or double quotes
// name them exactly, case included; unquoted names still match any case.
func TestInsertsStreamQuotedNames(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, "CREATE STREAM orders (id INT KEY, `Note` STRING) WITH (kafka_topic='orders', value_format='JSON', partitions=1);")
	post := func(body string) string {
		t.Helper()
		status, _, out := ts.do(t, ts.h2c, "POST", "/inserts-stream", "", body)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", body, status, out)
		}
		return strings.TrimSpace(out)
	}
	if got := post("{\"target\":\"`ORDERS`\"}\n{\"`ID`\":1,\"`Note`\":\"a\"}\n{\"\\\"ID\\\"\":2,\"note\":\"b\"}\n"); got != "{\"status\":\"ok\",\"seq\":0}\n{\"status\":\"ok\",\"seq\":1}" {
		t.Fatalf("acks: %s", got)
	}
	if got := post("{\"target\":\"`ORDERS`\"}\n{\"`id`\":3}\n"); !strings.Contains(got, "Column name `id` does not exist.") {
		t.Errorf("a quoted name in the wrong case: %s", got)
	}
	status, _, body := ts.do(t, ts.h2c, "POST", "/inserts-stream", "", "{\"target\":\"`orders`\"}\n")
	if !strings.Contains(body, "Cannot insert values into an unknown stream/table: `orders`") {
		t.Errorf("a quoted target in the wrong case: %d %s", status, body)
	}
	code, _, rows := ts.do(t, ts.http, "POST", "/query", "", queryBody("SELECT * FROM orders;"))
	if code != 200 || !strings.Contains(rows, `[1,"a"]`) || !strings.Contains(rows, `[2,"b"]`) {
		t.Errorf("rows: %d %s", code, rows)
	}
}

// TestHTTP2PushQueryIdlePastWriteTimeout: a push query over HTTP/2 that
// has nothing to send for longer than the write timeout goes on, and
// gets the next row. (An HTTP/2 stream's write deadline is a timer that
// resets the stream when it fires, written to or not: the deadline the
// last row armed reset every quiet /query-stream a minute after its
// last row, with INTERNAL_ERROR.)
func TestHTTP2PushQueryIdlePastWriteTimeout(t *testing.T) {
	ts := startMem(t, func(c *Config) { c.WriteTimeout = 300 * time.Millisecond })
	seedClicks(t, ts)
	req, _ := http.NewRequest("POST", ts.url+"/query-stream", strings.NewReader(streamBody("SELECT uid, url FROM clicks EMIT CHANGES;")))
	res, err := ts.h2c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Fatalf("protocol %s", res.Proto)
	}
	rd := bufio.NewReader(res.Body)
	for range 4 { // the metadata and the three rows
		if _, err := rd.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1200 * time.Millisecond) // four write timeouts
	ts.ksql(t, "INSERT INTO clicks (uid, url) VALUES ('u4', '/d');")
	line, err := rd.ReadString('\n')
	if err != nil || line != `["u4","/d"]`+"\n" {
		t.Fatalf("after a quiet spell: %q, %v", line, err)
	}
}
