package mongodb

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
)

// runtime runs the sink in the connector runtime over the embedded
// broker, as `eddy server` does.
func runtime(t *testing.T, cl *kafka.Client) *connect.Runtime {
	t.Helper()
	plugins := connect.NewRegistry()
	convert.Register(plugins)
	Register(plugins)
	rt, err := connect.NewRuntime(connect.RuntimeOptions{
		Cluster: cl, Plugins: plugins, ServiceID: "test_",
		MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second,
		Logf: func(f string, a ...any) { t.Logf(f, a...) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

func produceOrders(t *testing.T, cl *kafka.Client, topic string, from, to int) {
	t.Helper()
	var recs []kafka.Record
	for i := from; i < to; i++ {
		recs = append(recs, kafka.Record{Topic: topic, Partition: 0, Key: []byte(fmt.Sprint(i)),
			Value: []byte(fmt.Sprintf(`{"_id": %d, "v": "x%d"}`, i, i)), Timestamp: time.Now().UnixMilli()})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

func poll(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
	}
}

// A server that goes away shows in the task's status at the first
// failed write, though the task's own retry (max.num.retries after
// retries.defer.timeout) has not run yet, and each retry waits for a
// server 2 s rather than the driver's 30 s (so the status took 30 s more
// than retries.defer.timeout, 35 s by default); when the server is back
// every record lands once and the error leaves the status.
func TestOutageShowsInStatusAtOnce(t *testing.T) {
	srv, uri := testenv.FerretServer(t)
	_, cl := testenv.Kafka(t, "")
	ctx := context.Background()
	db, topic := "eddy_test", "orders"
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: topic, Partitions: 1, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	rt := runtime(t, cl)
	p, cfg, err := rt.Validate(ctx, "mongo_sink", connect.Sink, map[string]string{"connector.class": "mongodb", "connection.uri": uri,
		"database": db, "topics": topic, "document.id.strategy": "ProvidedInValueStrategy", "retries.defer.timeout": "500",
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start("mongo_sink", p, cfg, false); err != nil {
		t.Fatal(err)
	}
	coll := reader(t, uri, db, topic)
	count := func() int64 {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		n, err := coll.CountDocuments(cctx, bson.D{})
		if err != nil {
			return -1
		}
		return n
	}
	trace := func() string {
		st, _ := rt.Status(ctx, "mongo_sink", false)
		if len(st.Tasks) == 0 {
			return ""
		}
		return st.Tasks[0].Trace
	}
	produceOrders(t, cl, topic, 0, 20)
	poll(t, "20 documents", 30*time.Second, func() bool { return count() == 20 })

	srv.Stop()
	produceOrders(t, cl, topic, 20, 40)
	down := time.Now()
	poll(t, "the status to show the outage", 20*time.Second, func() bool { return trace() != "" })
	t.Logf("status %.1fs after the server went down: %s", time.Since(down).Seconds(), trace())
	if tr := trace(); !strings.Contains(tr, "retrying") || !strings.Contains(tr, "127.0.0.1") {
		t.Errorf("status %q, want it to say the write is retried and where it goes", tr)
	}
	// The retries that follow find no server to send to: each says so
	// after the selection timeout, not the driver's 30 s.
	poll(t, "the status to say no server answers", 20*time.Second, func() bool { return strings.Contains(trace(), "server selection") })
	t.Logf("status %.1fs after the server went down: %s", time.Since(down).Seconds(), trace())

	srv.Start()
	back := time.Now()
	poll(t, "40 documents", 30*time.Second, func() bool { return count() == 40 })
	t.Logf("40 documents %.1fs after the server came back", time.Since(back).Seconds())
	poll(t, "the error to leave the status", 30*time.Second, func() bool { return trace() == "" })
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.M
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	seen := map[any]bool{}
	for _, d := range docs {
		seen[d["_id"]] = true
	}
	if len(docs) != 40 || len(seen) != 40 {
		t.Fatalf("%d documents, %d distinct ids; want 40 once each", len(docs), len(seen))
	}
}
