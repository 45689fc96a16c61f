package engine

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddysql/eddy/serde"
)

// outageRegistry is a Schema Registry that does not answer while down is
// set, as an external one during an outage.
type outageRegistry struct {
	serde.Registry
	down atomic.Bool
}

var errOutage = serde.Unavailable(errors.New(`{"error_code":50302,"message":"outage"}`))

func (r *outageRegistry) Register(subject string, s serde.RegSchema) (int, error) {
	if r.down.Load() {
		return 0, errOutage
	}
	return r.Registry.Register(subject, s)
}

func (r *outageRegistry) ByID(id int) (serde.RegSchema, error) {
	if r.down.Load() {
		return serde.RegSchema{}, errOutage
	}
	return r.Registry.ByID(id)
}

func (r *outageRegistry) Latest(subject string) (int, serde.RegSchema, error) {
	if r.down.Load() {
		return 0, serde.RegSchema{}, errOutage
	}
	return r.Registry.Latest(subject)
}

// A server restarts while its Schema Registry does not answer: the
// replay of a CREATE whose columns came from the registry (and of one
// with declared AVRO columns, which looks its subject up) waits for the
// registry, so the streams and the queries over them come back. Before,
// both CREATEs were skipped as "not replayed", with every query over them,
// until the next restart.
func TestReplayWaitsForRegistry(t *testing.T) {
	ctx := context.Background()
	cl, rc := memRegistry(t)
	reg := &outageRegistry{Registry: rc}
	opts := Options{Cluster: cl, Registry: reg, RegistryRetry: 10 * time.Millisecond, Config: map[string]string{"auto.offset.reset": "earliest"}}
	e, err := New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "CREATE STREAM w (id BIGINT KEY, n INT) WITH (kafka_topic='evolving', value_format='AVRO', partitions=1);")
	mustExec(t, e, "INSERT INTO w (id, n) VALUES (1, 7);")
	mustExec(t, e, "CREATE STREAM r WITH (kafka_topic='evolving', value_format='AVRO');")
	mustExec(t, e, "CREATE STREAM out AS SELECT * FROM r;")
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	reg.down.Store(true)
	time.AfterFunc(200*time.Millisecond, func() { reg.down.Store(false) })
	e2, err := New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	for _, name := range []string{"W", "R", "OUT"} {
		if e2.Metastore().Source(name) == nil {
			t.Errorf("%s missing after the restart; command failures: %v", name, e2.cmdFailures)
		}
	}
	e2.mu.Lock()
	var running []string
	for id := range e2.queries {
		running = append(running, id)
	}
	e2.mu.Unlock()
	if len(running) != 1 || !strings.HasPrefix(running[0], "CSAS_OUT") {
		t.Errorf("queries after the restart: %v, want CSAS_OUT_…", running)
	}
}

// TestTailWaitsForRegistry: another server of the service creates a
// stream whose declared Avro columns it registers in the Schema Registry,
// then one whose columns come from there, while this server's registry
// does not answer: this server applies the commands once the registry is
// back, in order with the commands after them, where its command tail
// skipped them for good (the stream, and every query over it, missing
// here until a restart). The declared stream was skipped even after the
// inferred one waited: its registration fails in its action, after the
// tail had moved past it.
func TestTailWaitsForRegistry(t *testing.T) {
	ctx := context.Background()
	cl, rc := memRegistry(t)
	cfg := map[string]string{"auto.offset.reset": "earliest"}
	a, err := New(ctx, Options{Cluster: cl, Registry: rc, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	down := &outageRegistry{Registry: rc}
	b, err := New(ctx, Options{Cluster: cl, Registry: down, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustExec(t, a, "CREATE STREAM w (id BIGINT KEY, n INT) WITH (kafka_topic='evolving', value_format='AVRO', partitions=1);")
	waitFor(t, "the second server to apply the first CREATE", 30*time.Second, func() bool { return b.Metastore().Source("W") != nil })

	down.down.Store(true)
	mustExec(t, a, "CREATE STREAM d (n INT) WITH (kafka_topic='fresh', value_format='AVRO', partitions=1);")
	mustExec(t, a, "CREATE STREAM r WITH (kafka_topic='evolving', value_format='AVRO');")
	mustExec(t, a, "CREATE STREAM after_r (id INT) WITH (kafka_topic='later', value_format='JSON', partitions=1);")
	time.Sleep(time.Second) // several of the tail's rounds meet the outage
	for _, name := range []string{"D", "R", "AFTER_R"} {
		if b.Metastore().Source(name) != nil {
			t.Fatalf("the second server applied %s, which it could not apply or which comes after one it could not", name)
		}
	}
	down.down.Store(false)
	waitFor(t, "the second server to apply them", 30*time.Second, func() bool {
		return b.Metastore().Source("D") != nil && b.Metastore().Source("R") != nil && b.Metastore().Source("AFTER_R") != nil
	})
	if fs := b.CommandFailures(); len(fs) != 0 {
		t.Errorf("commands skipped on the second server: %v", fs)
	}
}
