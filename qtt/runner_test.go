package qtt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/types"
)

// fakeCluster is a minimal synchronous cluster; onProduce plays the
// running queries.
type fakeCluster struct {
	mu        sync.Mutex
	topics    map[string]*kafka.TopicInfo
	recs      map[string][]kafka.Record
	onProduce func(r kafka.Record) []kafka.Record
}

func newFakeCluster() *fakeCluster {
	return &fakeCluster{topics: map[string]*kafka.TopicInfo{}, recs: map[string][]kafka.Record{}}
}

func (c *fakeCluster) CreateTopic(_ context.Context, t kafka.TopicInfo) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.topics[t.Name]; !ok {
		c.topics[t.Name] = &t
	}
	return nil
}
func (c *fakeCluster) DeleteTopic(context.Context, string) error { return errors.New("unsupported") }
func (c *fakeCluster) Topic(_ context.Context, n string) (kafka.TopicInfo, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.topics[n]
	if !ok {
		return kafka.TopicInfo{}, false, nil
	}
	return *t, true, nil
}
func (c *fakeCluster) Topics(context.Context) ([]kafka.TopicInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []kafka.TopicInfo
	for _, t := range c.topics {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
func (c *fakeCluster) Produce(ctx context.Context, recs ...kafka.Record) error {
	for _, r := range recs {
		c.mu.Lock()
		if _, ok := c.topics[r.Topic]; !ok {
			c.topics[r.Topic] = &kafka.TopicInfo{Name: r.Topic, Partitions: 4}
		}
		// Copies: a producer may write over the bytes once Produce
		// returns (see kafka.Cluster).
		r.Key, r.Value = bytes.Clone(r.Key), bytes.Clone(r.Value)
		c.recs[r.Topic] = append(c.recs[r.Topic], r)
		c.mu.Unlock()
		if c.onProduce != nil {
			if err := c.Produce(ctx, c.onProduce(r)...); err != nil {
				return err
			}
		}
	}
	return nil
}
func (c *fakeCluster) Subscribe(context.Context, kafka.SubscribeOptions, kafka.Handler) (kafka.Subscription, error) {
	return nil, errors.New("unsupported")
}
func (c *fakeCluster) EndOffsets(context.Context, string) (map[int32]int64, error) {
	return map[int32]int64{}, nil
}
func (c *fakeCluster) GroupOffsets(context.Context, string, string) (map[int32]int64, error) {
	return map[int32]int64{}, nil
}
func (c *fakeCluster) ReadPartitions(context.Context, string, map[int32]int64, func(kafka.Record) error) (map[int32]int64, error) {
	return map[int32]int64{}, nil
}
func (c *fakeCluster) ReadAll(_ context.Context, topic string) ([]kafka.Record, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]kafka.Record(nil), c.recs[topic]...), nil
}
func (c *fakeCluster) Close() error { return nil }

// fakeBackend has two JSON streams, IN on topic "in" and OUT on "OUT";
// OUT copies IN. Statements containing FAIL, PARSE, SLEEP or PANIC
// misbehave accordingly; an input value "bad" is a query error.
type fakeBackend struct {
	cluster *fakeCluster
	mu      sync.Mutex
	qerrs   []error
}

func newFakeBackend(_ context.Context, _ backendConfig) (backend, error) {
	b := &fakeBackend{cluster: newFakeCluster()}
	b.cluster.onProduce = func(r kafka.Record) []kafka.Record {
		if r.Topic != "in" {
			return nil
		}
		if string(r.Value) == `"bad"` {
			b.mu.Lock()
			b.qerrs = append(b.qerrs, &execError{Kind: kindRuntime, Msg: "Error deserializing bad"})
			b.mu.Unlock()
			return nil
		}
		out := r
		out.Topic, out.Partition = "OUT", -1
		return []kafka.Record{out}
	}
	return b, nil
}

func (b *fakeBackend) Execute(ctx context.Context, stmt string) error {
	switch {
	case strings.Contains(stmt, "PANIC"):
		panic("kaboom")
	case strings.Contains(stmt, "SLEEP"):
		<-ctx.Done()
		return ctx.Err()
	case strings.Contains(stmt, "PARSE"):
		return &execError{Kind: kindParse, Msg: "line 1:1: mismatched input 'PARSE'"}
	case strings.Contains(stmt, "FAIL"):
		return &execError{Kind: kindStatement, Msg: "Cannot do that: " + stmt}
	}
	return nil
}

func (b *fakeBackend) Sources() []*sourceInfo {
	schema := &types.Schema{Columns: []types.Column{
		{Name: "K", Type: types.StringType, Namespace: types.KeyColumn},
		{Name: "ID", Type: types.BigintType},
		{Name: "D", Type: types.DecimalOf(4, 2)},
	}}
	mk := func(name, topic string, isSource bool) *sourceInfo {
		return &sourceInfo{Name: name, Topic: topic, Schema: schema, IsSource: isSource,
			KeyFormat: format{Name: "JSON"}, ValueFormat: format{Name: "JSON"}}
	}
	return []*sourceInfo{mk("IN", "in", false), mk("OUT", "OUT", false)}
}

func (b *fakeBackend) QueryErrors() []error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]error(nil), b.qerrs...)
}
func (b *fakeBackend) Cluster() kafka.Cluster { return b.cluster }
func (b *fakeBackend) Close() error           { return nil }

const runnerJSON = `{"tests": [
  {"name": "echo", "statements": ["CREATE STREAM IN ...", "CREATE STREAM OUT AS SELECT * FROM IN;"],
   "inputs": [{"topic": "in", "key": "a", "value": {"ID": 1, "D": 1.50}, "timestamp": 7,
               "headers": [{"KEY": "h", "VALUE": "AQ=="}]},
              {"topic": "in", "key": "b", "value": null}],
   "outputs": [{"topic": "OUT", "key": "a", "value": {"ID": 1, "D": 1.50}, "timestamp": 7,
                "headers": [{"KEY": "h", "VALUE": "AQ=="}]},
               {"topic": "OUT", "key": "b", "value": null}],
   "post": {"sources": [{"name": "OUT", "type": "stream", "schema": "K STRING KEY, ID BIGINT, D DECIMAL(4, 2)"}],
            "topics": {"blacklist": ".*-repartition"}}},
  {"name": "wrong value", "statements": ["x"],
   "inputs": [{"topic": "in", "key": "a", "value": {"ID": 1, "D": 1.50}}],
   "outputs": [{"topic": "OUT", "key": "a", "value": {"ID": 2, "D": 1.50}}]},
  {"name": "wrong scale", "statements": ["x"],
   "inputs": [{"topic": "in", "key": "a", "value": {"ID": 1, "D": 1.50}}],
   "outputs": [{"topic": "OUT", "key": "a", "value": {"ID": 1, "D": 1.5}}]},
  {"name": "wrong count", "statements": ["x"],
   "inputs": [{"topic": "in", "key": "a", "value": {"ID": 1, "D": 1.50}}],
   "outputs": [{"topic": "OUT", "key": "a", "value": {"ID": 1, "D": 1.50}}, {"topic": "OUT", "key": "a", "value": {"ID": 1, "D": 1.50}}]},
  {"name": "expected statement error", "statements": ["FAIL here"],
   "expectedException": {"type": "io.confluent.ksql.util.KsqlStatementException", "message": "Cannot do that"}},
  {"name": "expected parse error", "statements": ["PARSE"],
   "expectedException": {"type": "io.confluent.ksql.parser.exception.ParseFailedException", "message": "mismatched input"}},
  {"name": "parse error line", "statements": ["x\ny", "PARSE"],
   "expectedException": {"type": "io.confluent.ksql.parser.exception.ParseFailedException", "message": "line 3:1: mismatched input"}},
  {"name": "parse error line 2", "statements": ["x\ny", "PARSE"],
   "expectedException": {"message": "line 1:1"}},
  {"name": "wrong category", "statements": ["FAIL"],
   "expectedException": {"type": "io.confluent.ksql.parser.exception.ParseFailedException"}},
  {"name": "runtime error", "statements": ["x"], "inputs": [{"topic": "in", "value": "bad"}],
   "expectedException": {"type": "org.apache.kafka.streams.errors.StreamsException", "message": "deserializing"}},
  {"name": "not raised", "statements": ["x"],
   "expectedException": {"message": "nope"}},
  {"name": "unexpected error", "statements": ["FAIL"]},
  {"name": "panics", "statements": ["PANIC"]},
  {"name": "hangs", "statements": ["SLEEP"]},
  {"name": "post fails", "statements": ["x"], "post": {"sources": [{"name": "MISSING"}]}},
  {"name": "sr", "statements": ["x"], "topics": [{"name": "t", "valueSchema": "int"}]},
  {"name": "disabled", "enabled": false, "statements": ["x"]}
]}`

func runFake(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "fake.json")
	if err := os.WriteFile(path, []byte(runnerJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := mainWith(append(args, path), &out, &errOut, newFakeBackend)
	return code, out.String(), errOut.String()
}

func TestRunnerStatuses(t *testing.T) {
	code, out, errOut := runFake(t, "--timeout", "300ms", "--parallel", "4", "-v")
	if code != 1 {
		t.Errorf("exit code %d", code)
	}
	want := map[string]string{
		"echo":                     "PASS ",
		"wrong value":              "FAIL ",
		"wrong scale":              "FAIL ",
		"wrong count":              "FAIL ",
		"expected statement error": "PASS ",
		"expected parse error":     "PASS ",
		"parse error line":         "PASS ",
		"parse error line 2":       "FAIL ",
		"wrong category":           "FAIL ",
		"runtime error":            "PASS ",
		"not raised":               "FAIL ",
		"unexpected error":         "FAIL ",
		"panics":                   "ERROR",
		"hangs":                    "FAIL ",
		"post fails":               "FAIL ",
		"sr":                       "FAIL ",
		"disabled":                 "SKIP ",
	}
	for name, status := range want {
		prefix := status + " fake - " + name
		found := false
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, prefix) && (len(l) == len(prefix) || l[len(prefix)] == ':' || l[len(prefix)] == ' ') {
				found = true
			}
		}
		if !found {
			t.Errorf("no line %q in output:\n%s", prefix, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; last != "5 passed, 11 failed, 1 skipped" {
		t.Errorf("summary %q (stderr %q)", last, errOut)
	}
	for _, s := range []string{"timeout after 300ms", "D: expected 1.5 but was 1.50", "fake.json: 5/16", "topic OUT: expected 2 records but was 1", "panic: kaboom", "has no Schema Registry"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

func TestRunnerJSONAndFilter(t *testing.T) {
	code, out, errOut := runFake(t, "--format", "json", "--run", "^fake - (echo|expected)")
	if code != 0 {
		t.Errorf("exit code %d:\n%s", code, out)
	}
	var n int
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if r["status"] != "pass" || r["file"] == "" || r["name"] == "" {
			t.Errorf("bad result %v", r)
		}
		n++
	}
	if n != 3 || strings.TrimSpace(errOut) != "3 passed, 0 failed, 0 skipped" {
		t.Errorf("got %d results, stderr %q", n, errOut)
	}
}

func TestRunnerUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := mainWith([]string{"--format", "xml", "x.json"}, &out, &errOut, newFakeBackend); code != 2 {
		t.Errorf("bad format: exit %d", code)
	}
	if code := mainWith(nil, &out, &errOut, newFakeBackend); code != 2 {
		t.Errorf("no files: exit %d", code)
	}
}

func (b *fakeBackend) Schemas() schemaStore { return nil }
