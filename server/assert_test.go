package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
	"github.com/eddysql/eddy/serde"
)

// TestAssertOverREST: /ksql answers ASSERT TOPIC and ASSERT SCHEMA with
// ksqlDB's assert_topic and assert_schema entities (a missing subject or
// id is null), and a failed one with 417 and a bare generic error that
// drops the entities of the statements before it, as ksqlDB does.
func TestAssertOverREST(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	reg, err := registry.New(context.Background(), registry.Config{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	id, err := reg.Client().Register("s-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: `{"type":"string"}`})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background(), engine.Options{Cluster: cl, Registry: reg.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ts := serveEngine(t, eng, nil)
	if err := cl.CreateTopic(context.Background(), kafka.TopicInfo{Name: "t", Partitions: 2, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	ids := strconv.Itoa(id)

	got := ts.ksql(t, "ASSERT TOPIC t WITH (PARTITIONS=2) TIMEOUT 0 SECONDS; ASSERT NOT EXISTS TOPIC 'u';")
	want := `[{"@type":"assert_topic","statementText":"ASSERT TOPIC t WITH (PARTITIONS=2) TIMEOUT 0 SECONDS","topicName":"t","exists":true,"warnings":[]},` +
		`{"@type":"assert_topic","statementText":"ASSERT NOT EXISTS TOPIC 'u'","topicName":"u","exists":false,"warnings":[]}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	got = ts.ksql(t, "ASSERT SCHEMA ID "+ids+"; ASSERT NOT EXISTS SCHEMA SUBJECT 'x' TIMEOUT 0 SECONDS; ASSERT SCHEMA SUBJECT 's-value' ID "+ids+";")
	want = `[{"@type":"assert_schema","statementText":"ASSERT SCHEMA ID ` + ids + `","subject":null,"id":` + ids + `,"exists":true,"warnings":[]},` +
		`{"@type":"assert_schema","statementText":"ASSERT NOT EXISTS SCHEMA SUBJECT 'x' TIMEOUT 0 SECONDS","subject":"x","id":null,"exists":false,"warnings":[]},` +
		`{"@type":"assert_schema","statementText":"ASSERT SCHEMA SUBJECT 's-value' ID ` + ids + `","subject":"s-value","id":` + ids + `,"exists":true,"warnings":[]}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	for stmts, wantBody := range map[string]string{
		"CREATE STREAM a (v INT) WITH (KAFKA_TOPIC='a', VALUE_FORMAT='JSON', PARTITIONS=1); ASSERT TOPIC missing TIMEOUT 100 MILLISECONDS;": `{"@type":"generic_error","error_code":41700,"message":"Topic missing does not exist"}`,
		"ASSERT TOPIC t WITH (PARTITIONS=3) TIMEOUT 0 SECONDS;":                                                                             `{"@type":"generic_error","error_code":41700,"message":"Mismatched configuration for topic t: For config partitions, expected 3 got 2"}`,
		"ASSERT SCHEMA SUBJECT 'nope' TIMEOUT 0 SECONDS;":                                                                                   `{"@type":"generic_error","error_code":41700,"message":"Schema with subject name nope does not exist"}`,
	} {
		code, _, body := ts.do(t, ts.http, "POST", "/ksql", "", ksqlBody(stmts))
		if code != http.StatusExpectationFailed || body != wantBody {
			t.Errorf("%s: %d %s, want 417 %s", stmts, code, body, wantBody)
		}
	}
	// The CREATE before the failed ASSERT ran, as in ksqlDB.
	if !strings.Contains(ts.ksql(t, "SHOW STREAMS;"), `"name":"A"`) {
		t.Error("stream A was not created")
	}
}

// TestAssertStopsWhenClientLeaves: a client that hangs up ends the wait
// of its ASSERT (other statements run to completion), so the server can
// shut down at once rather than after the TIMEOUT.
func TestAssertStopsWhenClientLeaves(t *testing.T) {
	ts := startMem(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", ts.url+"/ksql", strings.NewReader(ksqlBody("ASSERT TOPIC never TIMEOUT 1 MINUTE;")))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := ts.http.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("answered %d before the TIMEOUT", res.StatusCode)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer scancel()
	if err := ts.Shutdown(sctx); err != nil {
		t.Fatalf("shutdown while the ASSERT of a gone client waits: %v", err)
	}
}
