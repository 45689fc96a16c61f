package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
)

// TestPullQueryAsksPeersWithCallersCredentials: a pull query of a table
// written by a caching query hands the engine's CommitOnPeers the
// credentials it came with (so the other servers accept the request as
// the caller's); POST /eddy/v1/queries/{id}/commit commits a query's
// cached outputs, needs credentials, and is 404 for a query that does
// not run here.
func TestPullQueryAsksPeersWithCallersCredentials(t *testing.T) {
	users := annUsers(t)
	ctx, cl := context.Background(), embeddedCluster(t)
	var mu sync.Mutex
	var asked []string // "query group authorization" per call
	eng, err := engine.New(ctx, engine.Options{Cluster: cl, CommitOnPeers: func(ctx context.Context, queryID, group string) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, queryID+" "+group+" "+Authorization(ctx))
	}})
	if err != nil {
		t.Fatal(err)
	}
	ts := serveEngine(t, eng, func(c *Config) { c.Users = users })
	send := func(user, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", ts.url+path, strings.NewReader(body))
		if user != "" {
			req.SetBasicAuth(user, "s3cret")
		}
		res, err := ts.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	stmts, _ := json.Marshal(map[string]any{"ksql": `CREATE STREAM CLICKS (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON', PARTITIONS=1);
		CREATE TABLE PER_ID AS SELECT ID, COUNT(*) AS C FROM CLICKS GROUP BY ID;
		INSERT INTO CLICKS (ID, N) VALUES ('a', 1);`, "streamsProperties": map[string]string{"auto.offset.reset": "earliest"}})
	if code, body := send("ann", "/ksql", string(stmts)); code != 200 {
		t.Fatalf("statements: %d %s", code, body)
	}
	pull, _ := json.Marshal(map[string]any{"ksql": "SELECT ID, C FROM PER_ID WHERE ID = 'a';"})
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := send("ann", "/query", string(pull))
		if code == 200 && strings.Contains(body, `["a",1]`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pull query: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	got := append([]string(nil), asked...)
	mu.Unlock()
	want := "CTAS_PER_ID_0 _confluent-ksql-default_query_CTAS_PER_ID_0 Basic YW5uOnMzY3JldA==" // ann:s3cret
	if len(got) == 0 || got[0] != want {
		t.Errorf("CommitOnPeers calls: %q, want %q first", got, want)
	}

	if code, body := send("ann", "/eddy/v1/queries/CTAS_PER_ID_0/commit", ""); code != http.StatusNoContent {
		t.Errorf("commit of a running query: %d %s", code, body)
	}
	if code, body := send("ann", "/eddy/v1/queries/NO_SUCH_QUERY/commit", ""); code != http.StatusNotFound {
		t.Errorf("commit of an unknown query: %d %s", code, body)
	}
	if code, _ := send("", "/eddy/v1/queries/CTAS_PER_ID_0/commit", ""); code != http.StatusUnauthorized {
		t.Errorf("commit without credentials: %d", code)
	}
}
