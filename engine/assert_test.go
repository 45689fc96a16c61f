package engine

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/registry"
	"github.com/eddysql/eddy/serde"
)

// execTimed runs text and says how long it took.
func execTimed(e *Engine, text string, props map[string]string) ([]api.Entity, error, time.Duration) {
	start := time.Now()
	ents, err := e.Execute(context.Background(), text, props)
	return ents, err, time.Since(start)
}

// assertFails checks that text fails as a failed assertion with msg.
func assertFails(t *testing.T, e *Engine, text, msg string) time.Duration {
	t.Helper()
	_, err, took := execTimed(e, text, nil)
	var ee *Error
	if !errors.As(err, &ee) || ee.Kind != AssertionError || ee.Msg != msg {
		t.Fatalf("%s: got %#v, want assertion error %q", text, err, msg)
	}
	return took
}

// TestAssertTopicWaitsForTopic: a topic another client creates while the
// ASSERT waits makes it succeed, after the wait, with ksqlDB's entity.
func TestAssertTopicWaitsForTopic(t *testing.T) {
	e, cl := newMemEngine(t)
	go func() {
		time.Sleep(300 * time.Millisecond)
		createTopic(t, cl, "late", 2)
	}()
	ents, err, took := execTimed(e, "ASSERT TOPIC late WITH (PARTITIONS=2) TIMEOUT 5 SECONDS;", nil)
	if err != nil {
		t.Fatal(err)
	}
	if took < 250*time.Millisecond || took > 3*time.Second {
		t.Errorf("took %s; the topic came after 300ms", took)
	}
	want := &api.AssertTopicEntity{Type: "assert_topic", StatementText: "ASSERT TOPIC late WITH (PARTITIONS=2) TIMEOUT 5 SECONDS",
		TopicName: "late", Exists: true, Warnings: []api.Warning{}}
	if len(ents) != 1 || !equalJSON(t, ents[0], want) {
		t.Fatalf("entities %#v", ents)
	}
}

// TestAssertNotExistsTopicWaitsForDelete: NOT EXISTS holds once the topic
// is deleted, and fails with ksqlDB's message while it is there.
func TestAssertNotExistsTopicWaitsForDelete(t *testing.T) {
	e, cl := newMemEngine(t)
	createTopic(t, cl, "gone", 1)
	assertFails(t, e, "ASSERT NOT EXISTS TOPIC gone TIMEOUT 200 MILLISECONDS;", "Topic gone exists")
	go func() {
		time.Sleep(300 * time.Millisecond)
		if err := cl.DeleteTopic(context.Background(), "gone"); err != nil {
			t.Error(err)
		}
	}()
	ents, err, took := execTimed(e, "ASSERT NOT EXISTS TOPIC 'gone' WITH (PARTITIONS=7) TIMEOUT 5 SECONDS;", nil)
	if err != nil {
		t.Fatal(err) // WITH is not checked for NOT EXISTS
	}
	if took < 250*time.Millisecond {
		t.Errorf("took %s; the topic went after 300ms", took)
	}
	if a, ok := ents[0].(*api.AssertTopicEntity); !ok || a.Exists || a.TopicName != "gone" {
		t.Fatalf("entity %#v", ents[0])
	}
}

// TestAssertTopicTimeout: a topic that never comes fails after the
// statement's TIMEOUT, else after the server's default setting; a
// session's SET of that setting does not count, as in ksqlDB.
func TestAssertTopicTimeout(t *testing.T) {
	e, _ := newMemEngine(t)
	took := assertFails(t, e, "ASSERT TOPIC missing TIMEOUT 400 MILLISECONDS;", "Topic missing does not exist")
	if took < 400*time.Millisecond || took > 2*time.Second {
		t.Errorf("TIMEOUT 400 MILLISECONDS took %s", took)
	}
	took = assertFails(t, e, "ASSERT TOPIC missing TIMEOUT 0 SECONDS;", "Topic missing does not exist")
	if took > 300*time.Millisecond {
		t.Errorf("TIMEOUT 0 took %s; it checks once", took)
	}

	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	short, err := New(context.Background(), Options{Cluster: cl, Config: map[string]string{AssertTopicTimeoutProperty: "200"}})
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	_, err, took = execTimed(short, "ASSERT TOPIC missing;", map[string]string{AssertTopicTimeoutProperty: "5000"})
	if err == nil || err.Error() != "Topic missing does not exist" {
		t.Fatalf("got %v", err)
	}
	if took < 200*time.Millisecond || took > 900*time.Millisecond {
		t.Errorf("a 200ms server default took %s (ksqlDB's default is 1000ms)", took)
	}
}

// TestAssertTopicConfigs: PARTITIONS and REPLICAS must match; every
// mismatch and unknown property is listed, one a line.
func TestAssertTopicConfigs(t *testing.T) {
	e, cl := newMemEngine(t)
	createTopic(t, cl, "t", 2)
	mustExec(t, e, "ASSERT TOPIC t WITH (PARTITIONS=2, REPLICAS=1) TIMEOUT 0 SECONDS;")
	assertFails(t, e, "ASSERT TOPIC t WITH (PARTITIONS=3, replicas=1, FOO='x') TIMEOUT 0 SECONDS;",
		"Mismatched configuration for topic t: For config partitions, expected 3 got 2\nCannot assert unknown topic property: FOO")
	// ksqlDB compares an INT: a string never matches.
	assertFails(t, e, "ASSERT TOPIC t WITH (PARTITIONS='2', REPLICAS=4) TIMEOUT 0 SECONDS;",
		"Mismatched configuration for topic t: For config partitions, expected 2 got 2\nMismatched configuration for topic t: For config replicas, expected 4 got 1")
	// A mismatch is retried too: the topic may still be being changed.
	took := assertFails(t, e, "ASSERT TOPIC t WITH (PARTITIONS=1) TIMEOUT 300 MILLISECONDS;",
		"Mismatched configuration for topic t: For config partitions, expected 1 got 2")
	if took < 300*time.Millisecond {
		t.Errorf("took %s", took)
	}
}

// TestAssertNotInCommandLog: ASSERT changes no catalog, so, as in ksqlDB,
// it is never written to the command topic, succeeded or failed; a
// request's validation does not run it (it holds only when it runs).
func TestAssertNotInCommandLog(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (v INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);")
	seq := e.CommandSequence()
	mustExec(t, e, "ASSERT TOPIC s TIMEOUT 0 SECONDS; ASSERT NOT EXISTS TOPIC nope TIMEOUT 0 SECONDS;")
	assertFails(t, e, "ASSERT TOPIC nope TIMEOUT 0 SECONDS;", "Topic nope does not exist")
	if got := e.CommandSequence(); got != seq {
		t.Errorf("command sequence %d after ASSERTs, was %d", got, seq)
	}
	cmds := values(t, cl, metastore.CommandTopic("default_"))
	if len(cmds) != 1 || !strings.Contains(cmds[0], "CREATE STREAM s") {
		t.Errorf("command topic holds %q, want the CREATE only", cmds)
	}
	// The topic the CREATE before it would make is not there yet while
	// validating; ksqlDB does not validate ASSERT, and neither does eddy.
	if err := e.Validate(context.Background(), []string{
		"CREATE STREAM n (v INT) WITH (KAFKA_TOPIC='n', VALUE_FORMAT='JSON', PARTITIONS=1);",
		"ASSERT TOPIC n TIMEOUT 0 SECONDS;",
	}, nil); err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "CREATE STREAM n (v INT) WITH (KAFKA_TOPIC='n', VALUE_FORMAT='JSON', PARTITIONS=1); ASSERT TOPIC n TIMEOUT 0 SECONDS;")
}

// TestAssertStopsWithContext: a caller that goes away (a client that hung
// up) ends the wait long before the TIMEOUT.
func TestAssertStopsWithContext(t *testing.T) {
	e, _ := newMemEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Execute(ctx, "ASSERT TOPIC never TIMEOUT 200000 DAYS;", nil) // past a Duration
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "Topic never does not exist") {
		t.Fatalf("got %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s", took)
	}
}

// assertRegistryEngine is an engine on a cluster with a registry.
func assertRegistryEngine(t *testing.T, reg serde.Registry, cl kafka.Cluster) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{Cluster: cl, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

const assertAvro = `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`

// TestAssertSchema: subjects (their latest version), ids and both, on
// the embedded registry; a subject registered during the wait makes the
// assertion hold.
func TestAssertSchema(t *testing.T) {
	cl, reg := memRegistry(t)
	e := assertRegistryEngine(t, reg, cl)
	go func() {
		time.Sleep(300 * time.Millisecond)
		if _, err := reg.Register("late-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: assertAvro}); err != nil {
			t.Error(err)
		}
	}()
	ents, err, took := execTimed(e, "ASSERT SCHEMA SUBJECT 'late-value' TIMEOUT 5 SECONDS;", nil)
	if err != nil {
		t.Fatal(err)
	}
	if took < 250*time.Millisecond {
		t.Errorf("took %s; the subject came after 300ms", took)
	}
	sub := "late-value"
	if len(ents) != 1 || !equalJSON(t, ents[0], &api.AssertSchemaEntity{Type: "assert_schema",
		StatementText: "ASSERT SCHEMA SUBJECT 'late-value' TIMEOUT 5 SECONDS", Subject: &sub, Exists: true, Warnings: []api.Warning{}}) {
		t.Fatalf("entities %#v", ents)
	}
	id, _, err := reg.Latest("late-value")
	if err != nil {
		t.Fatal(err)
	}
	ids := itoa(id)
	ents = mustExec(t, e, "ASSERT SCHEMA ID "+ids+" TIMEOUT 0 SECONDS;")
	if a := ents[0].(*api.AssertSchemaEntity); a.Subject != nil || a.ID == nil || *a.ID != id || !a.Exists {
		t.Errorf("entity %#v", a)
	}
	mustExec(t, e, "ASSERT SCHEMA SUBJECT `late-value` ID "+ids+" TIMEOUT 0 SECONDS;")
	mustExec(t, e, "ASSERT NOT EXISTS SCHEMA SUBJECT 'other' ID "+ids+" TIMEOUT 0 SECONDS;")
	mustExec(t, e, "ASSERT NOT EXISTS SCHEMA ID 999 TIMEOUT 0 SECONDS;")
	mustExec(t, e, "ASSERT NOT EXISTS SCHEMA SUBJECT 'nope' TIMEOUT 0 SECONDS;")

	assertFails(t, e, "ASSERT SCHEMA SUBJECT 'other' ID "+ids+" TIMEOUT 0 SECONDS;", "Schema with subject name other id "+ids+" does not exist")
	assertFails(t, e, "ASSERT SCHEMA ID 999 TIMEOUT 0 SECONDS;", "Schema with id 999 does not exist")
	assertFails(t, e, "ASSERT SCHEMA SUBJECT nope TIMEOUT 0 SECONDS;", "Schema with subject name nope does not exist")
	assertFails(t, e, "ASSERT NOT EXISTS SCHEMA SUBJECT 'late-value' TIMEOUT 0 SECONDS;", "Schema with subject name late-value exists")
	took = assertFails(t, e, "ASSERT NOT EXISTS SCHEMA ID "+ids+" TIMEOUT 300 MILLISECONDS;", "Schema with id "+ids+" exists")
	if took < 300*time.Millisecond {
		t.Errorf("took %s", took)
	}
}

// TestAssertSchemaHTTPRegistry: the same checks through the HTTP client
// of an external registry, whose 404s (40401, 40403) mean "absent" and
// whose other failures "Cannot check schema existence".
func TestAssertSchemaHTTPRegistry(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	r, err := registry.New(context.Background(), registry.Config{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()
	reg := serde.NewHTTPRegistry(srv.URL)
	id, err := reg.Register("s-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: assertAvro})
	if err != nil {
		t.Fatal(err)
	}
	e := assertRegistryEngine(t, reg, cl)
	ids := itoa(id)
	mustExec(t, e, "ASSERT SCHEMA SUBJECT 's-value' ID "+ids+" TIMEOUT 0 SECONDS; ASSERT SCHEMA ID "+ids+" TIMEOUT 0 SECONDS;")
	assertFails(t, e, "ASSERT SCHEMA ID 77 TIMEOUT 0 SECONDS;", "Schema with id 77 does not exist")
	assertFails(t, e, "ASSERT SCHEMA SUBJECT 'x' ID 77 TIMEOUT 0 SECONDS;", "Schema with subject name x id 77 does not exist")
	assertFails(t, e, "ASSERT SCHEMA SUBJECT 's-key' TIMEOUT 0 SECONDS;", "Schema with subject name s-key does not exist")

	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error_code":50001,"message":"store down"}`))
	}))
	defer broken.Close()
	be := assertRegistryEngine(t, serde.NewHTTPRegistry(broken.URL), kafka.NewMemCluster(kafka.MemOptions{}))
	_, err = be.Execute(context.Background(), "ASSERT SCHEMA SUBJECT 's' TIMEOUT 0 SECONDS;", nil)
	var ee *Error
	if !errors.As(err, &ee) || ee.Kind != AssertionError || !strings.HasPrefix(ee.Msg, "Cannot check schema existence: ") ||
		!strings.Contains(ee.Msg, "store down") || errors.Unwrap(errors.Unwrap(err)) == nil {
		t.Fatalf("got %#v", err)
	}
}

// TestAssertSchemaWithoutRegistry fails as ksqlDB does without
// ksql.schema.registry.url; the parser refuses an ASSERT SCHEMA naming
// neither a subject nor an id, and an id that is not an INT.
func TestAssertSchemaWithoutRegistry(t *testing.T) {
	e, _ := newMemEngine(t)
	assertFails(t, e, "ASSERT SCHEMA SUBJECT 's' TIMEOUT 0 SECONDS;",
		"Cannot check schema existence: KSQL is not configured to use a schema registry. To enable it, please set ksql.schema.registry.url")
	expectExecErrors(t, e, map[string]string{
		"ASSERT SCHEMA TIMEOUT 1 SECOND;": "Failed to prepare statement: ASSERT SCHEMA statements much include a subject name or an id",
		"ASSERT SCHEMA ID 'one';":         "Failed to prepare statement: ID must be an integer",
		"ASSERT SCHEMA ID 3000000000;":    "Failed to prepare statement: ID must be an integer",
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// equalJSON compares two entities by their JSON.
func equalJSON(t *testing.T, got, want api.Entity) bool {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("got  %s\nwant %s", g, w)
		return false
	}
	return true
}
