package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPushRowsShareFlushes: the rows a push query makes while its client
// is slow to read go out together, many to a chunk of the HTTP/1.1
// response, where every row was flushed as a chunk of its own; every row
// comes, in order, before the final message.
func TestPushRowsShareFlushes(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, "CREATE STREAM s (k STRING KEY, v BIGINT) WITH (kafka_topic='s', key_format='KAFKA', value_format='JSON', partitions=1);")
	const rows = 50_000
	produceNumbered(t, ts, "s", rows)
	body, _ := json.Marshal(map[string]any{"ksql": fmt.Sprintf("SELECT V FROM s EMIT CHANGES LIMIT %d;", rows), "streamsProperties": map[string]any{"auto.offset.reset": "earliest"}})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /query HTTP/1.1\r\nHost: eddy\r\nContent-Type: application/vnd.ksql.v1+json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	time.Sleep(300 * time.Millisecond) // a slow client: the server's writes wait meanwhile
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	r := textproto.NewReader(bufio.NewReader(conn))
	if status, err := r.ReadLine(); err != nil || !strings.HasPrefix(status, "HTTP/1.1 200") {
		t.Fatalf("status %q: %v", status, err)
	}
	if h, err := r.ReadMIMEHeader(); err != nil || h.Get("Transfer-Encoding") != "chunked" {
		t.Fatalf("headers %v: %v", h, err)
	}
	var data strings.Builder
	chunks := 0
	for {
		line, err := r.ReadLine()
		if err != nil {
			t.Fatalf("after %d chunks: %v", chunks, err)
		}
		size, err := strconv.ParseInt(line, 16, 64)
		if err != nil {
			t.Fatalf("chunk size %q: %v", line, err)
		}
		if size == 0 {
			break
		}
		chunks++
		if _, err := io.CopyN(&data, r.R, size+2); err != nil { // the data and its CRLF
			t.Fatal(err)
		}
	}
	var out []struct {
		Row          *struct{ Columns []int64 }
		FinalMessage string
	}
	text := strings.ReplaceAll(data.String(), "\r\n", "")
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatalf("body: %v: %.300s", err, text)
	}
	if len(out) != rows+2 || out[len(out)-1].FinalMessage != "Limit Reached" {
		t.Fatalf("%d messages, the last %+v; want a header, %d rows and Limit Reached", len(out), out[len(out)-1], rows)
	}
	for i, m := range out[1 : rows+1] {
		if m.Row == nil || m.Row.Columns[0] != int64(i) {
			t.Fatalf("message %d: %+v, want the row of V=%d", i+1, m, i)
		}
	}
	if chunks > rows/2 {
		t.Errorf("%d rows in %d chunks: rows are flushed one by one", rows, chunks)
	}
	t.Logf("%d rows in %d chunks", rows, chunks)
}
