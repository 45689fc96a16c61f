package connect_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/datagen"
	"github.com/eddysql/eddy/connect/file"
	"github.com/eddysql/eddy/connect/transform"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
)

// env is an embedded broker, a client, the embedded Schema Registry and a
// plugin registry with the built-ins.
type env struct {
	broker  *kafka.Embedded
	cluster *kafka.Client
	reg     *registry.Registry
	plugins *connect.Registry
}

func newEnv(t *testing.T) *env {
	t.Helper()
	b, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{b.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	reg, err := registry.New(ctx, registry.Config{Cluster: cl})
	if err == nil {
		t.Cleanup(func() { reg.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	plugins := connect.NewRegistry()
	convert.Register(plugins)
	transform.Register(plugins)
	datagen.Register(plugins)
	file.Register(plugins)
	return &env{broker: b, cluster: cl, reg: reg, plugins: plugins}
}

func (e *env) runtime(t *testing.T) *connect.Runtime {
	t.Helper()
	rt, err := connect.NewRuntime(connect.RuntimeOptions{
		Cluster: e.cluster, Plugins: e.plugins, ServiceID: "test_", SchemaRegistry: e.reg.Client(),
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Logf: func(f string, a ...any) { t.Logf(f, a...) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// start validates and starts a connector, failing the test on error.
func start(t *testing.T, rt *connect.Runtime, name string, kind connect.Kind, cfg map[string]string) {
	t.Helper()
	p, c, err := rt.Validate(context.Background(), name, kind, cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(name, p, c, false); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readTopic(t *testing.T, cl kafka.Cluster, topic string) []kafka.Record {
	t.Helper()
	if _, ok, err := cl.Topic(context.Background(), topic); err != nil || !ok {
		return nil
	}
	recs, err := cl.ReadAll(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestValidateNamesProblems(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime(t)
	ctx := context.Background()
	cases := []struct {
		name string
		kind connect.Kind
		cfg  map[string]string
		want []string
	}{
		{"no class", "", map[string]string{"kafka.topic": "x"}, []string{`"connector.class"`}},
		{"unknown class", "", map[string]string{"connector.class": "com.example.Nope"}, []string{"com.example.Nope", "available connectors are"}},
		{"wrong kind", connect.Sink, map[string]string{"connector.class": "datagen", "kafka.topic": "t", "quickstart": "users"}, []string{"is a source connector"}},
		{"unknown and missing keys", connect.Source, map[string]string{"connector.class": "datagen", "quickstart": "users", "kafka.topik": "t"}, []string{"'kafka.topik'", `"kafka.topic"`}},
		{"bad types", connect.Source, map[string]string{"connector.class": "datagen", "kafka.topic": "t", "quickstart": "users", "max.interval": "soon", "iterations": "1.5"}, []string{"max.interval", "LONG", "iterations", "INT"}},
		{"bad enum", connect.Source, map[string]string{"connector.class": "datagen", "kafka.topic": "t", "quickstart": "nope"}, []string{"quickstart", "one of"}},
		{"plugin validate", connect.Source, map[string]string{"connector.class": "datagen", "kafka.topic": "t"}, []string{"exactly one of quickstart"}},
		{"sink without topics", connect.Sink, map[string]string{"connector.class": "FileStreamSink", "file": filepath.Join(t.TempDir(), "f")}, []string{"topics or topics.regex"}},
		{"source with sink key", connect.Source, map[string]string{"connector.class": "datagen", "kafka.topic": "t", "quickstart": "users", "topics": "a"}, []string{"topics applies to sink connectors only"}},
		{"source with a sink key set", connect.Source, map[string]string{"connector.class": "datagen", "kafka.topic": "t", "quickstart": "users", "errors.deadletterqueue.context.headers.enable": "true"}, []string{"errors.deadletterqueue.context.headers.enable applies to sink connectors only"}},
		{"bad tolerance", connect.Sink, map[string]string{"connector.class": "FileStreamSink", "file": "/tmp/x", "topics": "a", "errors.tolerance": "some"}, []string{"errors.tolerance", "none, all"}},
		{"unknown converter", connect.Sink, map[string]string{"connector.class": "FileStreamSink", "file": "/tmp/x", "topics": "a", "value.converter": "com.example.Conv"}, []string{"value.converter", "com.example.Conv"}},
		{"unknown transform", connect.Sink, map[string]string{"connector.class": "FileStreamSink", "file": "/tmp/x", "topics": "a", "transforms": "t1", "transforms.t1.type": "com.example.T"}, []string{"transforms.t1.type", "com.example.T"}},
		{"transform option", connect.Sink, map[string]string{"connector.class": "FileStreamSink", "file": "/tmp/x", "topics": "a", "transforms": "t1", "transforms.t1.type": "org.apache.kafka.connect.transforms.ExtractField$Value", "transforms.t1.feild": "x"}, []string{"'feild'", `"field"`}},
		{"unreachable target", connect.Sink, map[string]string{"connector.class": "FileStreamSink", "file": "/no/such/dir/f", "topics": "a"}, []string{"/no/such"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := rt.Validate(ctx, "C1", c.kind, c.cfg, true)
			if err == nil {
				t.Fatalf("no error for %v", c.cfg)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	// A good config gets its defaults.
	_, cfg, err := rt.Validate(ctx, "C1", connect.Source, map[string]string{"connector.class": "datagen", "kafka.topic": "t", "quickstart": "users"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg["max.interval"] != "500" || cfg["connector.class"] != datagen.Class || cfg["value.converter"] != connect.AvroConverterClass || cfg["name"] != "C1" {
		t.Errorf("defaults not filled in: %v", cfg)
	}
	// And the configuration with its defaults, as GET …/config returns
	// it, passes again (a sink-only option at its default included).
	if _, again, err := rt.Validate(ctx, "C1", connect.Source, cfg, true); err != nil || again["errors.deadletterqueue.context.headers.enable"] != "false" {
		t.Errorf("the filled-in configuration %v again: %v, %v", cfg, again, err)
	}
}

// TestDatagenReproducible: two connectors with the same random.seed write
// the same records; the keys are the quickstart's key field.
func TestDatagenReproducible(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime(t)
	for _, n := range []string{"a", "b"} {
		start(t, rt, "GEN_"+n, connect.Source, map[string]string{
			"connector.class": "datagen", "kafka.topic": "ratings_" + n, "quickstart": "ratings",
			"max.interval": "0", "iterations": "500", "random.seed": "42",
			"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		})
	}
	waitFor(t, "500 records in both topics", 30*time.Second, func() bool {
		return len(readTopic(t, e.cluster, "ratings_a")) == 500 && len(readTopic(t, e.cluster, "ratings_b")) == 500
	})
	a, b := readTopic(t, e.cluster, "ratings_a"), readTopic(t, e.cluster, "ratings_b")
	for i := range a {
		if string(a[i].Value) != string(b[i].Value) || string(a[i].Key) != string(b[i].Key) {
			t.Fatalf("record %d differs: %s / %s", i, a[i].Value, b[i].Value)
		}
	}
	var first map[string]any
	if err := json.Unmarshal(a[0].Value, &first); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"rating_id", "user_id", "stars", "route_id", "rating_time", "channel", "message"} {
		if _, ok := first[f]; !ok {
			t.Errorf("ratings record lacks %s: %s", f, a[0].Value)
		}
	}
	if string(a[0].Key) != "1" || string(a[499].Key) != "500" {
		t.Errorf("keys are rating_id 1..500, got %q .. %q", a[0].Key, a[499].Key)
	}
	for _, r := range a {
		var v struct {
			Stars   int    `json:"stars"`
			UserID  int    `json:"user_id"`
			Channel string `json:"channel"`
		}
		json.Unmarshal(r.Value, &v)
		if v.Stars < 1 || v.Stars > 5 || v.UserID < -1 || v.UserID > 20 {
			t.Fatalf("value out of the quickstart's ranges: %s", r.Value)
		}
	}
	st, _ := rt.Status(context.Background(), "GEN_a", false)
	if st.State != connect.StateRunning || len(st.Topics) != 1 || st.Topics[0] != "ratings_a" {
		t.Errorf("status %+v", st)
	}
	// A different seed gives different data.
	start(t, rt, "GEN_c", connect.Source, map[string]string{
		"connector.class": "datagen", "kafka.topic": "ratings_c", "quickstart": "ratings",
		"max.interval": "0", "iterations": "50", "random.seed": "43", "value.converter": "json", "value.converter.schemas.enable": "false",
	})
	waitFor(t, "ratings_c", 30*time.Second, func() bool { return len(readTopic(t, e.cluster, "ratings_c")) == 50 })
	c := readTopic(t, e.cluster, "ratings_c")
	same := 0
	for i := range c {
		if string(c[i].Value) == string(a[i].Value) {
			same++
		}
	}
	if same == len(c) {
		t.Error("seed 43 produced the same records as seed 42")
	}
}

// TestSourceResumesFromStoredOffset: a datagen stopped midway and started
// again in a new runtime continues the sequence without repeating or
// skipping: iterations counts every record once.
func TestSourceResumesFromStoredOffset(t *testing.T) {
	e := newEnv(t)
	cfg := map[string]string{
		"connector.class": "datagen", "kafka.topic": "users", "quickstart": "users",
		"max.interval": "1", "iterations": "300", "random.seed": "7",
		"value.converter": "json", "value.converter.schemas.enable": "false",
	}
	rt1 := e.runtime(t)
	start(t, rt1, "U", connect.Source, cfg)
	waitFor(t, "some records", 30*time.Second, func() bool { return len(readTopic(t, e.cluster, "users")) >= 20 })
	rt1.Close()
	mid := len(readTopic(t, e.cluster, "users"))
	if mid >= 300 {
		t.Skip("the generator finished before the stop")
	}
	rt2 := e.runtime(t)
	start(t, rt2, "U", connect.Source, cfg)
	waitFor(t, "300 records", 60*time.Second, func() bool { return len(readTopic(t, e.cluster, "users")) >= 300 })
	time.Sleep(300 * time.Millisecond)
	got := readTopic(t, e.cluster, "users")
	if len(got) != 300 {
		t.Fatalf("%d records after the restart, want exactly 300", len(got))
	}
	// The same seed from scratch gives the same 300 records.
	rt3 := e.runtime(t)
	cfg["kafka.topic"] = "users_again"
	start(t, rt3, "U2", connect.Source, cfg)
	waitFor(t, "users_again", 60*time.Second, func() bool { return len(readTopic(t, e.cluster, "users_again")) >= 300 })
	again := readTopic(t, e.cluster, "users_again")
	for i := range got {
		if string(got[i].Value) != string(again[i].Value) {
			t.Fatalf("record %d differs after resume: %s vs %s", i, got[i].Value, again[i].Value)
		}
	}
}

func produce(t *testing.T, cl kafka.Cluster, topic string, vals ...string) {
	t.Helper()
	ctx := context.Background()
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: topic, Partitions: 1, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	recs := make([]kafka.Record, len(vals))
	for i, v := range vals {
		recs[i] = kafka.Record{Topic: topic, Partition: -1, Value: []byte(v), Timestamp: time.Now().UnixMilli()}
	}
	if err := cl.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestFileSinkEndToEnd: JSON records through converters and a transform
// chain into a file; the group's offsets are committed; a runtime restart
// resumes without loss or repeats; DESCRIBE's lag reaches zero.
func TestFileSinkEndToEnd(t *testing.T) {
	e := newEnv(t)
	var vals []string
	for i := range 100 {
		vals = append(vals, `{"id":`+itoa(i)+`,"name":"n`+itoa(i)+`","secret":"s"}`)
	}
	produce(t, e.cluster, "people", vals...)
	out := filepath.Join(t.TempDir(), "people.txt")
	cfg := map[string]string{
		"connector.class": "FileStreamSink", "topics": "people", "file": out,
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"transforms":                 "drop,add",
		"transforms.drop.type":       "org.apache.kafka.connect.transforms.ReplaceField$Value",
		"transforms.drop.exclude":    "secret",
		"transforms.add.type":        "org.apache.kafka.connect.transforms.InsertField$Value",
		"transforms.add.topic.field": "src",
	}
	rt := e.runtime(t)
	start(t, rt, "FS", connect.Sink, cfg)
	waitFor(t, "100 lines", 30*time.Second, func() bool { return len(lines(t, out)) == 100 })
	ls := lines(t, out)
	if ls[0] != `{"id":0,"name":"n0","src":"people"}` {
		t.Errorf("first line %s", ls[0])
	}
	waitFor(t, "lag 0", 30*time.Second, func() bool {
		st, _ := rt.Status(context.Background(), "FS", true)
		return len(st.Lag) == 1 && st.Lag[0].Lag == 0 && st.Lag[0].Committed == 100
	})
	rt.Close()
	// More records while stopped; a new runtime takes over from the
	// committed offsets.
	produce(t, e.cluster, "people", `{"id":100,"name":"n100","secret":"s"}`)
	rt2 := e.runtime(t)
	start(t, rt2, "FS", connect.Sink, cfg)
	waitFor(t, "101 lines", 30*time.Second, func() bool { return len(lines(t, out)) >= 101 })
	time.Sleep(500 * time.Millisecond)
	if n := len(lines(t, out)); n != 101 {
		t.Fatalf("%d lines, want 101 (no repeats)", n)
	}
}

func itoa(i int) string { return jsonInt(i) }

func jsonInt(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestDeadLetterQueue: records the value converter cannot read go to the
// dead letter topic with Kafka Connect's context headers under
// errors.tolerance=all, and the good ones reach the file.
func TestDeadLetterQueue(t *testing.T) {
	e := newEnv(t)
	produce(t, e.cluster, "mixed", `{"a":1}`, `not json`, `{"a":2}`)
	out := filepath.Join(t.TempDir(), "mixed.txt")
	rt := e.runtime(t)
	start(t, rt, "DLQ", connect.Sink, map[string]string{
		"connector.class": "FileStreamSink", "topics": "mixed", "file": out,
		"value.converter": "json", "value.converter.schemas.enable": "false",
		"errors.tolerance": "all", "errors.log.enable": "true", "errors.log.include.messages": "true",
		"errors.deadletterqueue.topic.name":             "mixed_dlq",
		"errors.deadletterqueue.context.headers.enable": "true",
	})
	waitFor(t, "2 lines", 30*time.Second, func() bool { return len(lines(t, out)) == 2 })
	var dlq []kafka.Record
	waitFor(t, "dead letter", 30*time.Second, func() bool {
		if _, ok, _ := e.cluster.Topic(context.Background(), "mixed_dlq"); !ok {
			return false
		}
		dlq = readTopic(t, e.cluster, "mixed_dlq")
		return len(dlq) == 1
	})
	if string(dlq[0].Value) != "not json" {
		t.Errorf("dead letter value %q", dlq[0].Value)
	}
	h := map[string]string{}
	for _, x := range dlq[0].Headers {
		h[x.Key] = string(x.Value)
	}
	want := map[string]string{
		connect.HeaderErrTopic: "mixed", connect.HeaderErrPartition: "0", connect.HeaderErrOffset: "1",
		connect.HeaderErrConnector: "DLQ", connect.HeaderErrStage: connect.StageValueConverter,
		connect.HeaderErrClass: convert.JSONClass, connect.HeaderErrTaskID: "0",
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("header %s = %q, want %q", k, h[k], v)
		}
	}
	if !strings.Contains(h[connect.HeaderErrExcMessage], "JSON") && !strings.Contains(h[connect.HeaderErrExcMessage], "invalid") {
		t.Errorf("exception message %q", h[connect.HeaderErrExcMessage])
	}

	// With errors.tolerance=none the same bad record fails the task,
	// which says why, and nothing after it is written.
	out2 := filepath.Join(t.TempDir(), "strict.txt")
	start(t, rt, "STRICT", connect.Sink, map[string]string{
		"connector.class": "FileStreamSink", "topics": "mixed", "file": out2,
		"value.converter": "json", "value.converter.schemas.enable": "false",
	})
	waitFor(t, "a failed task", 30*time.Second, func() bool {
		st, _ := rt.Status(context.Background(), "STRICT", false)
		return len(st.Tasks) == 1 && st.Tasks[0].Trace != "" && !st.Tasks[0].ErrorTime.IsZero()
	})
	st, _ := rt.Status(context.Background(), "STRICT", false)
	if !strings.Contains(st.Tasks[0].Trace, "Tolerance exceeded") || !strings.Contains(st.Tasks[0].Trace, "VALUE_CONVERTER") {
		t.Errorf("trace %q", st.Tasks[0].Trace)
	}
	// The trace names the failing record, once: not also the first
	// record of its batch, which read as a second, different position.
	if tr := st.Tasks[0].Trace; strings.Count(tr, "mixed/0@") != 1 || !strings.Contains(tr, "with class '"+convert.JSONClass+"' at mixed/0@1: ") {
		t.Errorf("trace %q names another position than the bad record's, mixed/0@1", tr)
	}
	if got := lines(t, out2); len(got) > 1 {
		t.Errorf("records after the bad one were written: %v", got)
	}
}

// rejectingSink writes to a file but rejects values containing "bad" for
// good, as a target refusing a malformed document does.
type rejectingSink struct {
	path string
	mu   sync.Mutex
	buf  []string
}

func (s *rejectingSink) Start(context.Context, connect.TaskContext) error { return nil }
func (s *rejectingSink) Put(_ context.Context, recs []connect.Record) error {
	var failed []connect.FailedRecord
	for _, r := range recs {
		if strings.Contains(convert.Text(r.Value), "bad") {
			failed = append(failed, connect.FailedRecord{Record: r, Reason: "document rejected: contains bad"})
		}
	}
	if len(failed) > 0 {
		return &connect.RecordError{Failed: failed}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		s.buf = append(s.buf, convert.Text(r.Value))
	}
	return nil
}
func (s *rejectingSink) Flush(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, l := range s.buf {
		f.WriteString(l + "\n")
	}
	s.buf = nil
	return f.Sync()
}
func (s *rejectingSink) Stop() error { return nil }

// TestRecordErrorFromPut: a record the target rejects goes to the dead
// letter topic with stage TASK_PUT; the rest are put again and written.
func TestRecordErrorFromPut(t *testing.T) {
	e := newEnv(t)
	out := filepath.Join(t.TempDir(), "put.txt")
	e.plugins.Register(&connect.Plugin{Class: "test.RejectingSink", Kind: connect.Sink,
		Spec:    []connect.ConfigField{{Name: "file", Type: connect.TypeString, Required: true}},
		NewSink: func(cfg connect.Config) (connect.SinkTask, error) { return &rejectingSink{path: cfg["file"]}, nil }})
	produce(t, e.cluster, "docs", "good1", "bad2", "good3")
	rt := e.runtime(t)
	start(t, rt, "PUT", connect.Sink, map[string]string{
		"connector.class": "test.RejectingSink", "topics": "docs", "file": out,
		"value.converter": "string", "errors.tolerance": "all",
		"errors.deadletterqueue.topic.name": "docs_dlq", "errors.deadletterqueue.context.headers.enable": "true",
	})
	waitFor(t, "2 lines", 30*time.Second, func() bool { return len(lines(t, out)) == 2 })
	if got := lines(t, out); got[0] != "good1" || got[1] != "good3" {
		t.Errorf("written %v", got)
	}
	var dlq []kafka.Record
	waitFor(t, "dead letter", 30*time.Second, func() bool {
		if _, ok, _ := e.cluster.Topic(context.Background(), "docs_dlq"); !ok {
			return false
		}
		dlq = readTopic(t, e.cluster, "docs_dlq")
		return len(dlq) == 1
	})
	for _, h := range dlq[0].Headers {
		if h.Key == connect.HeaderErrStage && string(h.Value) != connect.StageTaskPut {
			t.Errorf("stage %s", h.Value)
		}
		if h.Key == connect.HeaderErrExcMessage && !strings.Contains(string(h.Value), "contains bad") {
			t.Errorf("message %s", h.Value)
		}
	}
}

// TestRegexTopicsAndPredicates: a topics.regex sink reads every matching
// topic, and a Filter with a negated predicate keeps one topic's records.
func TestRegexTopicsAndPredicates(t *testing.T) {
	e := newEnv(t)
	produce(t, e.cluster, "evt_a", "a1", "a2")
	produce(t, e.cluster, "evt_b", "b1")
	produce(t, e.cluster, "other", "o1")
	out := filepath.Join(t.TempDir(), "evt.txt")
	rt := e.runtime(t)
	start(t, rt, "RX", connect.Sink, map[string]string{
		"connector.class": "FileStreamSink", "topics.regex": "evt_.*", "file": out, "value.converter": "string",
		"transforms": "onlyA", "transforms.onlyA.type": "org.apache.kafka.connect.transforms.Filter",
		"transforms.onlyA.predicate": "isA", "transforms.onlyA.negate": "true",
		"predicates": "isA", "predicates.isA.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		"predicates.isA.pattern": "evt_a",
	})
	waitFor(t, "2 lines", 30*time.Second, func() bool { return len(lines(t, out)) == 2 })
	st, _ := rt.Status(context.Background(), "RX", false)
	if strings.Join(st.Topics, ",") != "evt_a,evt_b" {
		t.Errorf("topics %v", st.Topics)
	}
	time.Sleep(300 * time.Millisecond)
	if got := lines(t, out); strings.Join(got, ",") != "a1,a2" {
		t.Errorf("written %v", got)
	}
}

// TestSourceRunsOnOneServer: two runtimes of one service (two servers)
// both start the same source; only one runs it, and when that one stops
// the other takes over where it ended, so every record is written once.
func TestSourceRunsOnOneServer(t *testing.T) {
	e := newEnv(t)
	cfg := map[string]string{
		"connector.class": "datagen", "kafka.topic": "shared", "quickstart": "ratings",
		"max.interval": "2", "iterations": "400", "random.seed": "9",
		"value.converter": "json", "value.converter.schemas.enable": "false",
	}
	a, b := e.runtime(t), e.runtime(t)
	start(t, a, "S", connect.Source, cfg)
	start(t, b, "S", connect.Source, cfg)
	waitFor(t, "some records", 60*time.Second, func() bool { return len(readTopic(t, e.cluster, "shared")) >= 30 })
	running := func(rt *connect.Runtime) bool {
		st, _ := rt.Status(context.Background(), "S", false)
		return st.Tasks[0].State == connect.StateRunning
	}
	if running(a) == running(b) {
		t.Fatalf("running on a: %v, on b: %v; want exactly one", running(a), running(b))
	}
	first, second := a, b
	if running(b) {
		first, second = b, a
	}
	first.Close()
	waitFor(t, "400 records", 90*time.Second, func() bool { return len(readTopic(t, e.cluster, "shared")) >= 400 })
	if !running(second) {
		t.Error("the second server did not take over")
	}
	time.Sleep(300 * time.Millisecond)
	recs := readTopic(t, e.cluster, "shared")
	seen := map[string]int{}
	for _, r := range recs {
		seen[string(r.Key)]++
	}
	if len(seen) != 400 {
		t.Errorf("%d distinct rating_ids, want 400", len(seen))
	}
	// At-least-once allows the batch in flight at the handover to repeat;
	// a graceful stop finishes it, so nothing should.
	if len(recs) != 400 {
		t.Errorf("%d records, want 400", len(recs))
	}
}

// flakySink is a file target that is "down" (Flush fails) until up is
// set, as an unreachable server would be.
type flakySink struct {
	path string
	up   *atomicBool
	buf  []string
}

type atomicBool struct {
	mu sync.Mutex
	v  bool
}

func (a *atomicBool) set(v bool) { a.mu.Lock(); a.v = v; a.mu.Unlock() }
func (a *atomicBool) get() bool  { a.mu.Lock(); defer a.mu.Unlock(); return a.v }

func (s *flakySink) Start(context.Context, connect.TaskContext) error { return nil }
func (s *flakySink) Put(_ context.Context, recs []connect.Record) error {
	for _, r := range recs {
		s.buf = append(s.buf, convert.Text(r.Value))
	}
	return nil
}
func (s *flakySink) Flush(context.Context) error {
	if !s.up.get() {
		s.buf = nil // a failed write loses what was in flight; the runtime puts it again
		return errors.New("connection refused")
	}
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, l := range s.buf {
		f.WriteString(l + "\n")
	}
	s.buf = nil
	return nil
}
func (s *flakySink) Stop() error { return nil }

// TestTargetDownRetries: while the target is down the task stays RUNNING
// with the error and its time in its status, nothing is committed, and
// once the target is back every record arrives.
func TestTargetDownRetries(t *testing.T) {
	e := newEnv(t)
	up := &atomicBool{}
	out := filepath.Join(t.TempDir(), "flaky.txt")
	e.plugins.Register(&connect.Plugin{Class: "test.FlakySink", Kind: connect.Sink,
		NewSink: func(connect.Config) (connect.SinkTask, error) { return &flakySink{path: out, up: up}, nil }})
	produce(t, e.cluster, "flaky", "r1", "r2", "r3")
	rt := e.runtime(t)
	start(t, rt, "FLAKY", connect.Sink, map[string]string{"connector.class": "test.FlakySink", "topics": "flaky", "value.converter": "string"})
	waitFor(t, "the error in the status", 30*time.Second, func() bool {
		st, _ := rt.Status(context.Background(), "FLAKY", true)
		return strings.Contains(st.Tasks[0].Trace, "connection refused")
	})
	st, _ := rt.Status(context.Background(), "FLAKY", true)
	if st.Tasks[0].State != connect.StateRunning || st.Tasks[0].ErrorTime.IsZero() {
		t.Errorf("task %+v", st.Tasks[0])
	}
	if len(st.Lag) != 1 || st.Lag[0].Lag != 3 {
		t.Errorf("lag while down %+v", st.Lag)
	}
	up.set(true)
	waitFor(t, "3 lines", 30*time.Second, func() bool { return len(lines(t, out)) == 3 })
	if got := lines(t, out); strings.Join(got, ",") != "r1,r2,r3" {
		t.Errorf("written %v", got)
	}
	// Once the target takes writes again the outage leaves the status.
	waitFor(t, "the status without the outage", 30*time.Second, func() bool {
		st, _ := rt.Status(context.Background(), "FLAKY", true)
		tk := st.Tasks[0]
		return tk.State == connect.StateRunning && tk.Trace == "" && tk.ErrorTime.IsZero()
	})
}

// retryingSink retries a failed write itself, inside Put, until up is
// set, reporting each failure as it goes.
type retryingSink struct {
	up *atomicBool
	tc connect.TaskContext
	n  *atomic.Int64
}

func (s *retryingSink) Start(_ context.Context, tc connect.TaskContext) error {
	s.tc = tc
	return nil
}
func (s *retryingSink) Put(ctx context.Context, recs []connect.Record) error {
	for !s.up.get() {
		connect.ReportRetry(s.tc, 10*time.Millisecond, errors.New("server at 10.0.0.9 unreachable"))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	s.n.Add(int64(len(recs)))
	return nil
}
func (s *retryingSink) Flush(context.Context) error { return nil }
func (s *retryingSink) Stop() error                 { return nil }

// TestTaskReportsItsOwnRetries: a task that retries inside Put has its
// error in its status while it does, not only once Put gives up, and the
// error leaves the status once the batch is written.
func TestTaskReportsItsOwnRetries(t *testing.T) {
	e := newEnv(t)
	up := &atomicBool{}
	var n atomic.Int64
	e.plugins.Register(&connect.Plugin{Class: "test.RetryingSink", Kind: connect.Sink,
		NewSink: func(connect.Config) (connect.SinkTask, error) { return &retryingSink{up: up, n: &n}, nil }})
	produce(t, e.cluster, "retrying", "r1", "r2")
	rt := e.runtime(t)
	start(t, rt, "RETRYING", connect.Sink, map[string]string{"connector.class": "test.RetryingSink", "topics": "retrying", "value.converter": "string"})
	task := func() connect.TaskStatus {
		st, _ := rt.Status(context.Background(), "RETRYING", false)
		return st.Tasks[0]
	}
	waitFor(t, "the task's own retry in its status", 30*time.Second, func() bool {
		return strings.Contains(task().Trace, "10.0.0.9 unreachable")
	})
	if tk := task(); tk.State != connect.StateRunning || tk.ErrorTime.IsZero() || !strings.HasPrefix(tk.Trace, "retrying in 10ms: ") {
		t.Errorf("task while retrying %+v", tk)
	}
	up.set(true)
	waitFor(t, "2 records and a clear status", 30*time.Second, func() bool {
		tk := task()
		return n.Load() == 2 && tk.Trace == "" && tk.ErrorTime.IsZero()
	})
}

// TestFileSourceResumes: the file source writes each line once, and a
// restarted runtime continues after the last line it wrote.
func TestFileSourceResumes(t *testing.T) {
	e := newEnv(t)
	in := filepath.Join(t.TempDir(), "in.txt")
	os.WriteFile(in, []byte("l1\nl2\n"), 0o644)
	cfg := map[string]string{"connector.class": "FileStreamSource", "file": in, "topic": "lines", "value.converter": "string"}
	rt := e.runtime(t)
	start(t, rt, "FSRC", connect.Source, cfg)
	waitFor(t, "2 records", 30*time.Second, func() bool { return len(readTopic(t, e.cluster, "lines")) == 2 })
	rt.Close()
	f, _ := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("l3\npartial")
	f.Close()
	rt2 := e.runtime(t)
	start(t, rt2, "FSRC", connect.Source, cfg)
	waitFor(t, "3 records", 30*time.Second, func() bool { return len(readTopic(t, e.cluster, "lines")) == 3 })
	f, _ = os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(" line\n")
	f.Close()
	waitFor(t, "4 records", 30*time.Second, func() bool { return len(readTopic(t, e.cluster, "lines")) == 4 })
	var got []string
	for _, r := range readTopic(t, e.cluster, "lines") {
		got = append(got, string(r.Value))
	}
	if strings.Join(got, ",") != "l1,l2,l3,partial line" {
		t.Errorf("records %v", got)
	}
}

// TestSinkSplitsAcrossServers: two runtimes (two servers of a service)
// running the same sink share its topic's partitions through the group:
// each record reaches a file exactly once, and both servers do work.
func TestSinkSplitsAcrossServers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.cluster.CreateTopic(ctx, kafka.TopicInfo{Name: "split", Partitions: 4, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	var recs []kafka.Record
	for i := range 200 {
		recs = append(recs, kafka.Record{Topic: "split", Partition: int32(i % 4), Value: []byte(itoa(i)), Timestamp: time.Now().UnixMilli()})
	}
	dir := t.TempDir()
	a, b := e.runtime(t), e.runtime(t)
	start(t, a, "SPLIT", connect.Sink, map[string]string{"connector.class": "FileStreamSink", "topics": "split", "file": filepath.Join(dir, "a.txt"), "value.converter": "string"})
	start(t, b, "SPLIT", connect.Sink, map[string]string{"connector.class": "FileStreamSink", "topics": "split", "file": filepath.Join(dir, "b.txt"), "value.converter": "string", "tasks.max": "2"})
	// Let the group settle on three members before the records arrive.
	time.Sleep(3 * time.Second)
	if err := e.cluster.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	all := func() []string {
		return append(lines(t, filepath.Join(dir, "a.txt")), lines(t, filepath.Join(dir, "b.txt"))...)
	}
	waitFor(t, "200 lines", 60*time.Second, func() bool { return len(all()) >= 200 })
	time.Sleep(500 * time.Millisecond)
	seen := map[string]int{}
	for _, l := range all() {
		seen[l]++
	}
	if len(seen) != 200 || len(all()) != 200 {
		t.Errorf("%d lines, %d distinct; want 200 of each", len(all()), len(seen))
	}
	if len(lines(t, filepath.Join(dir, "a.txt"))) == 0 || len(lines(t, filepath.Join(dir, "b.txt"))) == 0 {
		t.Errorf("one server did all the work: a %d, b %d", len(lines(t, filepath.Join(dir, "a.txt"))), len(lines(t, filepath.Join(dir, "b.txt"))))
	}
	st, _ := b.Status(ctx, "SPLIT", false)
	if len(st.Tasks) != 2 {
		t.Errorf("tasks.max=2 gave %d tasks", len(st.Tasks))
	}
}

// panickingSink panics on any record whose value is "boom".
type panickingSink struct{}

func (panickingSink) Start(context.Context, connect.TaskContext) error { return nil }
func (panickingSink) Put(_ context.Context, recs []connect.Record) error {
	for _, r := range recs {
		if fmt.Sprint(r.Value) == "boom" {
			var m map[string]int
			m["x"] = 1 // a nil map: the kind of bug a connector may have
		}
	}
	return nil
}
func (panickingSink) Flush(context.Context) error { return nil }
func (panickingSink) Stop() error                 { return nil }

// TestPanickingTaskFails: a panic in a task fails that task, with the
// panic in its status and when it restarts, and the supervisor restarts
// it; it does not end the process (the test binary, here; the server, in
// use).
func TestPanickingTaskFails(t *testing.T) {
	e := newEnv(t)
	e.plugins.Register(&connect.Plugin{Class: "test.PanickingSink", Kind: connect.Sink,
		NewSink: func(connect.Config) (connect.SinkTask, error) { return panickingSink{}, nil }})
	produce(t, e.cluster, "bombs", "boom")
	rt := e.runtime(t)
	start(t, rt, "BOOM", connect.Sink, map[string]string{"connector.class": "test.PanickingSink", "topics": "bombs", "value.converter": "string"})
	waitFor(t, "the panic in the status", 30*time.Second, func() bool {
		st, _ := rt.Status(context.Background(), "BOOM", true)
		tk := st.Tasks[0]
		return tk.State == connect.StateFailed && strings.Contains(tk.Trace, "internal error: assignment to entry in nil map") &&
			strings.Contains(tk.Trace, "(restarting in ")
	})
}

// downSource cannot reach its source system: Start fails.
type downSource struct{}

func (downSource) Start(context.Context, connect.TaskContext, func(map[string]any) (map[string]any, bool)) error {
	return errors.New("dial tcp 10.0.0.9:3306: connection refused")
}
func (downSource) Poll(context.Context) ([]connect.Record, error) { return nil, nil }
func (downSource) Commit(context.Context) error                   { return nil }
func (downSource) Stop() error                                    { return nil }

// TestFailedSourceStatus: a source whose system is down is FAILED with
// the error and when it restarts, and its progress no longer says it
// waits for this server to be given the connector (it was given it).
func TestFailedSourceStatus(t *testing.T) {
	e := newEnv(t)
	e.plugins.Register(&connect.Plugin{Class: "test.DownSource", Kind: connect.Source,
		NewSource: func(connect.Config) (connect.SourceTask, error) { return downSource{}, nil }})
	rt := e.runtime(t)
	start(t, rt, "DOWN", connect.Source, map[string]string{"connector.class": "test.DownSource"})
	waitFor(t, "the failure in the status", 30*time.Second, func() bool {
		st, _ := rt.Status(context.Background(), "DOWN", true)
		return st.Tasks[0].State == connect.StateFailed && strings.Contains(st.Tasks[0].Trace, "connection refused (restarting in ")
	})
	// Through its restarts (every 20-200 ms here), each of which takes
	// the connector's lease again, it is never shown waiting for it.
	for range 200 {
		st, _ := rt.Status(context.Background(), "DOWN", true)
		if p := st.Tasks[0].Progress; strings.Contains(p, "waiting for this server") {
			t.Fatalf("progress %q of a task that ran and failed (state %s)", p, st.Tasks[0].State)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// bulkSink writes a batch in bulk writes as the MongoDB and Elasticsearch
// sinks do: its first bulk write fails and is retried, the retry goes
// through, and the rest of the batch waits on release.
type bulkSink struct {
	tc      connect.TaskContext
	midway  chan struct{}
	release chan struct{}
}

func (s *bulkSink) Start(_ context.Context, tc connect.TaskContext) error {
	s.tc = tc
	return nil
}
func (s *bulkSink) Put(ctx context.Context, recs []connect.Record) error {
	connect.ReportRetry(s.tc, 10*time.Millisecond, errors.New("bulk write: server at 10.0.0.9 unreachable"))
	connect.ReportWritten(s.tc) // the retried bulk write went through
	select {
	case s.midway <- struct{}{}:
	default:
	}
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (s *bulkSink) Flush(context.Context) error { return nil }
func (s *bulkSink) Stop() error                 { return nil }

// TestWrittenClearsRetryMidBatch: once a task's own write succeeds again
// its status is RUNNING without the retry's error, though the rest of
// its batch (up to 10,000 records) is still being written; when the
// error was stays in LastErrorTime, as Kafka Connect keeps
// last-error-timestamp in its task-error-metrics.
func TestWrittenClearsRetryMidBatch(t *testing.T) {
	e := newEnv(t)
	s := &bulkSink{midway: make(chan struct{}, 1), release: make(chan struct{})}
	e.plugins.Register(&connect.Plugin{Class: "test.BulkSink", Kind: connect.Sink,
		NewSink: func(connect.Config) (connect.SinkTask, error) { return s, nil }})
	produce(t, e.cluster, "bulk", "r1", "r2")
	rt := e.runtime(t)
	start(t, rt, "BULK", connect.Sink, map[string]string{"connector.class": "test.BulkSink", "topics": "bulk", "value.converter": "string"})
	select {
	case <-s.midway:
	case <-time.After(30 * time.Second):
		t.Fatal("no batch within 30s")
	}
	st, _ := rt.Status(context.Background(), "BULK", false)
	tk := st.Tasks[0]
	if tk.State != connect.StateRunning || tk.Trace != "" || !tk.ErrorTime.IsZero() || tk.LastErrorTime.IsZero() {
		t.Errorf("task mid-batch after its retried write succeeded: %+v; want RUNNING, no trace, LastErrorTime set", tk)
	}
	close(s.release)
}

// stuckSink fails every batch (a record the target refuses, a bug) until
// up is set, each Put waiting for the test first.
type stuckSink struct {
	up      *atomicBool
	calls   chan struct{}
	release chan struct{}
}

func (s *stuckSink) Start(context.Context, connect.TaskContext) error { return nil }
func (s *stuckSink) Put(ctx context.Context, recs []connect.Record) error {
	s.calls <- struct{}{}
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	if !s.up.get() {
		panic("the target refuses this record")
	}
	return nil
}
func (s *stuckSink) Flush(context.Context) error { return nil }
func (s *stuckSink) Stop() error                 { return nil }

// TestFailingTaskStaysFailed: a task that fails, is restarted and fails
// again stays FAILED throughout, the restarted run included (it showed
// RUNNING while the restarted run was at the same record, then FAILED
// again); the run that writes makes it RUNNING without the error.
func TestFailingTaskStaysFailed(t *testing.T) {
	e := newEnv(t)
	up := &atomicBool{}
	s := &stuckSink{up: up, calls: make(chan struct{}, 10), release: make(chan struct{})}
	e.plugins.Register(&connect.Plugin{Class: "test.StuckSink", Kind: connect.Sink,
		NewSink: func(connect.Config) (connect.SinkTask, error) { return s, nil }})
	produce(t, e.cluster, "stuck", "r1")
	rt := e.runtime(t)
	start(t, rt, "STUCK", connect.Sink, map[string]string{"connector.class": "test.StuckSink", "topics": "stuck", "value.converter": "string"})
	task := func() connect.TaskStatus {
		st, _ := rt.Status(context.Background(), "STUCK", false)
		return st.Tasks[0]
	}
	put := func(n int) {
		t.Helper()
		select {
		case <-s.calls:
		case <-time.After(30 * time.Second):
			t.Fatalf("no put %d within 30s", n)
		}
	}
	put(1)
	if tk := task(); tk.State != connect.StateRunning {
		t.Errorf("first run: %+v, want RUNNING", tk)
	}
	s.release <- struct{}{}
	for n := 2; n <= 3; n++ {
		put(n) // a restarted run, at the record that failed the last
		if tk := task(); tk.State != connect.StateFailed || !strings.Contains(tk.Trace, "the target refuses this record") || tk.Restarts != n-1 {
			t.Errorf("restarted run %d: %+v, want FAILED with the last run's error", n, tk)
		}
		if n < 3 {
			s.release <- struct{}{}
		}
	}
	// A restart asked for (the REST API's pauses and resumes) starts the
	// task afresh, RUNNING, as Kafka Connect's restart of a failed task.
	if err := rt.Pause("STUCK"); err != nil {
		t.Fatal(err)
	}
	if err := rt.Resume("STUCK"); err != nil {
		t.Fatal(err)
	}
	put(4)
	if tk := task(); tk.State != connect.StateRunning || tk.Trace != "" {
		t.Errorf("run after a restart asked for: %+v, want RUNNING without the last run's error", tk)
	}
	up.set(true)
	s.release <- struct{}{}
	waitFor(t, "RUNNING without the error", 30*time.Second, func() bool {
		tk := task()
		return tk.State == connect.StateRunning && tk.Trace == "" && !tk.LastErrorTime.IsZero()
	})
}

// deafSink's Put blocks, ignoring its context, until release closes: a
// write to a pipe nobody reads, a driver call without a deadline.
type deafSink struct{ entered, release chan struct{} }

func (s deafSink) Start(context.Context, connect.TaskContext) error { return nil }
func (s deafSink) Put(context.Context, []connect.Record) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-s.release
	return nil
}
func (deafSink) Flush(context.Context) error { return nil }
func (deafSink) Stop() error                 { return nil }

// TestStopDoesNotWaitForAStuckTask: dropping a connector whose task is
// blocked in a call that ignores its context returns once the stop
// timeout passes, as Kafka Connect gives up on such a task, where it
// waited for the call, and the engine with it (every request to the
// server hung behind a FileStreamSink writing to a pipe nobody read).
func TestStopDoesNotWaitForAStuckTask(t *testing.T) {
	e := newEnv(t)
	s := deafSink{entered: make(chan struct{}, 1), release: make(chan struct{})}
	e.plugins.Register(&connect.Plugin{Class: "test.DeafSink", Kind: connect.Sink,
		NewSink: func(connect.Config) (connect.SinkTask, error) { return s, nil }})
	produce(t, e.cluster, "deaf", "r1")
	rt := e.runtime(t)
	t.Cleanup(func() { close(s.release) }) // after rt.Close: the task ends then
	start(t, rt, "DEAF", connect.Sink, map[string]string{"connector.class": "test.DeafSink", "topics": "deaf", "value.converter": "string"})
	select {
	case <-s.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the task never got its record")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- rt.Stop("DEAF") }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("DROP of a connector whose task is stuck never returned")
	}
	if rt.Has("DEAF") {
		t.Error("the dropped connector is still listed")
	}
}
