package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	ksqldb "github.com/thmeitz/ksqldb-go"
	ksqlnet "github.com/thmeitz/ksqldb-go/net"
)

// TestKsqldbGoClient drives the server with an existing ksqlDB client
// library, unmodified, over HTTP/1.1 and cleartext HTTP/2, against the
// embedded Kafka broker: create, insert, push query, close, pull, drop.
func TestKsqldbGoClient(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("h2c=%v", h2), func(t *testing.T) {
			ts := startEmbedded(t, nil)
			client, err := ksqldb.NewClientWithOptions(ksqlnet.Options{BaseUrl: ts.url, AllowHTTP: h2})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			exchangeWithClient(t, ts, &client)
		})
	}
}

func exchangeWithClient(t *testing.T, ts *testServer, client *ksqldb.KsqldbClient) {
	info, err := client.GetServerInfo()
	if err != nil || info.KsqlServiceID != "default_" || info.ServerStatus != "RUNNING" {
		t.Fatalf("server info: %+v %v", info, err)
	}
	health, err := client.GetServerStatus()
	if err != nil || health.IsHealthy == nil || !*health.IsHealthy {
		t.Fatalf("health: %+v %v", health, err)
	}
	if ok, err := client.ValidateProperty("ksql.streams.auto.offset.reset"); err != nil || !*ok {
		t.Fatalf("validate property: %v %v", ok, err)
	}

	exec := func(sql string) ksqldb.KsqlResponseSlice {
		t.Helper()
		res, err := client.Execute(ksqldb.ExecOptions{KSql: sql})
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return *res
	}
	res := exec("CREATE STREAM clicks (uid STRING KEY, url STRING) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);")
	if len(res) != 1 || res[0].Type != "currentStatus" || res[0].CommandStatus.Status != "SUCCESS" || res[0].CommandId != "stream/CLICKS/create" {
		t.Fatalf("create: %+v", res)
	}
	qs, err := client.GetQueryStatus("/stream/CLICKS/create")
	if err != nil || qs.Status != "SUCCESS" {
		t.Fatalf("command status: %+v %v", qs, err)
	}
	res = exec("SHOW STREAMS;")
	if len(res) != 1 || res[0].Stream == nil || len(*res[0].Stream) != 1 || (*res[0].Stream)[0].Name != "CLICKS" {
		t.Fatalf("show streams: %+v", res)
	}
	// A statement error comes back as ksqlDB's error object.
	_, err = client.Execute(ksqldb.ExecOptions{KSql: "DROP STREAM nope;"})
	var re ksqldb.ResponseError
	if !errors.As(err, &re) || re.ErrCode != 40001 || re.ErrType != "statement_error" {
		t.Fatalf("drop unknown: %#v", err)
	}

	// Push query: the client reads /query-stream's delimited lines. The
	// client asks for "latest", so insert until a row arrives.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows := make(chan ksqldb.Row, 16)
	headers := make(chan ksqldb.Header, 1)
	pushDone := make(chan error, 1)
	go func() { pushDone <- client.Push(ctx, "SELECT uid, url FROM clicks EMIT CHANGES;", rows, headers) }()
	select {
	case <-headers:
	case err := <-pushDone:
		t.Fatalf("push ended before its header: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no push header")
	}
	var got ksqldb.Row
	deadline := time.After(60 * time.Second)
	for i := 0; got == nil; i++ {
		exec(fmt.Sprintf("INSERT INTO clicks (uid, url) VALUES ('u%d', '/p%d');", i, i))
		select {
		case got = <-rows:
		case <-time.After(500 * time.Millisecond):
		case <-deadline:
			t.Fatal("no push row")
		}
	}
	if len(got) != 2 || !strings.HasPrefix(fmt.Sprint(got[0]), "u") {
		t.Fatalf("push row %v", got)
	}
	// Close it through /close-query with the id the server gave it.
	infos := ts.push.snapshot()
	if len(infos) != 1 || !strings.HasPrefix(infos[0].id, "transient_CLICKS_") {
		t.Fatalf("running push queries: %+v", infos)
	}
	code, _, body := ts.do(t, ts.http, "POST", "/close-query", "", `{"queryId":"`+infos[0].id+`"}`)
	if code != http.StatusOK {
		t.Fatalf("close-query: %d %s", code, body)
	}
	select {
	case <-pushDone: // the stream ended, so the client's loop did too
	case <-time.After(30 * time.Second):
		t.Fatal("push did not end after close-query")
	}
	waitFor(t, "push query released", func() bool { return len(ts.push.snapshot()) == 0 })

	// Pull query over /query-stream with Accept: application/json.
	hdr, payload, err := client.Pull(context.Background(), ksqldb.QueryOptions{Sql: "SELECT * FROM clicks;"})
	if err != nil || len(payload) == 0 {
		t.Fatalf("pull: %v %v %v", hdr, payload, err)
	}

	res = exec("DROP STREAM clicks;")
	if len(res) != 1 || res[0].CommandStatus.Status != "SUCCESS" || res[0].CommandId != "stream/CLICKS/drop" {
		t.Fatalf("drop: %+v", res)
	}
	// The metrics saw it all.
	_, _, metrics := ts.do(t, ts.http, "GET", "/metrics", "", "")
	for _, want := range []string{`eddy_http_requests_total{code="200",method="POST",route="POST /ksql"}`, `route="POST /close-query"`, "eddy_push_queries_active 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
