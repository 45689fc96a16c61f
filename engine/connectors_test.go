package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/datagen"
	"github.com/eddysql/eddy/connect/file"
	"github.com/eddysql/eddy/connect/transform"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
)

func plugins() *connect.Registry {
	r := connect.NewRegistry()
	convert.Register(r)
	transform.Register(r)
	datagen.Register(r)
	file.Register(r)
	return r
}

// brokerEngine opens an engine on a real embedded broker; reopen builds a
// second engine on the same broker, as a restarted server would.
func brokerEngine(t *testing.T) (open func() *Engine, cl *kafka.Client) {
	t.Helper()
	b, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	cl, err = kafka.Dial(ctx, kafka.Config{Brokers: []string{b.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	reg, err := registry.New(ctx, registry.Config{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	open = func() *Engine {
		e, err := New(ctx, Options{Cluster: cl, Registry: reg.Client(), Connectors: plugins(), Config: map[string]string{"auto.offset.reset": "earliest"}})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	return open, cl
}

func fileLines(path string) []string {
	b, _ := os.ReadFile(path)
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestConnectorStatements: CREATE, SHOW, DESCRIBE, PAUSE/RESUME and DROP of
// connectors, with ksqlDB's entities; the connectors come back after a
// restart because they went through the command log.
func TestConnectorStatements(t *testing.T) {
	open, _ := brokerEngine(t)
	e := open()
	out := filepath.Join(t.TempDir(), "views.txt")
	ents := mustExec(t, e, `CREATE SOURCE CONNECTOR gen WITH ('connector.class'='datagen', 'kafka.topic'='pageviews',
		'quickstart'='pageviews', 'max.interval'='0', 'iterations'='50', 'random.seed'='1',
		'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');`)
	ci, ok := ents[0].(*api.CreateConnectorEntity)
	if !ok || ci.Info.Name != "GEN" || ci.Info.Type != "source" || ci.Info.Config["kafka.topic"] != "pageviews" || len(ci.Info.Tasks) != 1 {
		t.Fatalf("create entity %#v", ents[0])
	}
	mustExec(t, e, `CREATE SINK CONNECTOR sink WITH ('connector.class'='FileStreamSink', 'topics'='pageviews', 'file'='`+out+`',
		'value.converter'='json', 'value.converter.schemas.enable'='false');`)
	deadline := time.Now().Add(30 * time.Second)
	for len(fileLines(out)) < 50 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(fileLines(out)); n != 50 {
		t.Fatalf("%d lines in the sink's file, want 50", n)
	}
	if !strings.Contains(fileLines(out)[0], `"pageid":"Page_`) {
		t.Errorf("line %s", fileLines(out)[0])
	}

	list := mustExec(t, e, "SHOW CONNECTORS;")[0].(*api.ConnectorList)
	if len(list.Connectors) != 2 || list.Connectors[0].Name != "GEN" || list.Connectors[0].Type != "SOURCE" || list.Connectors[1].ClassName != file.SinkClass {
		t.Fatalf("list %#v", list.Connectors)
	}
	if !strings.HasPrefix(list.Connectors[1].State, "RUNNING (1/1 tasks RUNNING)") {
		t.Errorf("state %q", list.Connectors[1].State)
	}
	sinks := mustExec(t, e, "SHOW SINK CONNECTORS;")[0].(*api.ConnectorList)
	if len(sinks.Connectors) != 1 || sinks.Connectors[0].Name != "SINK" {
		t.Errorf("sinks %#v", sinks.Connectors)
	}
	mustExec(t, e, "CREATE STREAM pv (viewtime BIGINT, userid STRING, pageid STRING) WITH (kafka_topic='pageviews', value_format='JSON');")
	// The group commits right after the flush; give it a moment.
	var desc *api.ConnectorDescription
	for end := time.Now().Add(10 * time.Second); ; {
		desc = mustExec(t, e, "DESCRIBE CONNECTOR sink;")[0].(*api.ConnectorDescription)
		if len(desc.Lag) == 1 && desc.Lag[0].Lag == 0 || time.Now().After(end) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if desc.ConnectorClass != file.SinkClass || desc.Status.Type != "sink" || len(desc.Status.Tasks) != 1 || desc.Topics[0] != "pageviews" {
		t.Errorf("description %#v", desc)
	}
	if len(desc.Sources) != 1 || desc.Sources[0].Name != "PV" {
		t.Errorf("related sources %#v", desc.Sources)
	}
	if len(desc.Lag) != 1 || desc.Lag[0].Lag != 0 || desc.Lag[0].End != 50 {
		t.Errorf("lag %#v", desc.Lag)
	}
	if _, err := e.Execute(context.Background(), "DESCRIBE CONNECTOR nope;", nil); err == nil || !strings.Contains(err.Error(), "nope") && !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("describe of a missing connector: %v", err)
	}
	if _, err := e.Execute(context.Background(), "CREATE SINK CONNECTOR sink WITH ('connector.class'='FileStreamSink', 'topics'='x', 'file'='/tmp/x');", nil); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate: %v", err)
	}
	mustExec(t, e, "CREATE SINK CONNECTOR IF NOT EXISTS sink WITH ('connector.class'='FileStreamSink', 'topics'='x', 'file'='/tmp/x');")
	if _, err := e.Execute(context.Background(), "CREATE SINK CONNECTOR bad WITH ('connector.class'='FileStreamSink', 'topic'='x');", nil); err == nil ||
		!strings.Contains(err.Error(), "'topic'") || !strings.Contains(err.Error(), `"file"`) {
		t.Errorf("bad config: %v", err)
	}
	mustExec(t, e, "PAUSE sink;")
	if d := mustExec(t, e, "DESCRIBE CONNECTOR sink;")[0].(*api.ConnectorDescription); d.Status.Connector.State != "PAUSED" {
		t.Errorf("after PAUSE: %s", d.Status.Connector.State)
	}
	mustExec(t, e, "RESUME sink;")
	if d := mustExec(t, e, "DESCRIBE CONNECTOR sink;")[0].(*api.ConnectorDescription); d.Status.Connector.State != "RUNNING" {
		t.Errorf("after RESUME: %s", d.Status.Connector.State)
	}
	drop := mustExec(t, e, "DROP CONNECTOR gen;")[0].(*api.DropConnectorEntity)
	if drop.ConnectorName != "GEN" {
		t.Errorf("drop %#v", drop)
	}
	if _, err := e.Execute(context.Background(), "DROP CONNECTOR gen;", nil); err == nil {
		t.Error("second DROP succeeded")
	}
	mustExec(t, e, "DROP CONNECTOR IF EXISTS gen;")
	e.Close()

	// A restarted engine replays the command log: the sink is back and
	// resumes from its committed offsets (no repeated lines), the dropped
	// source is not.
	e2 := open()
	defer e2.Close()
	list = mustExec(t, e2, "SHOW CONNECTORS;")[0].(*api.ConnectorList)
	if len(list.Connectors) != 1 || list.Connectors[0].Name != "SINK" {
		t.Fatalf("after restart %#v", list.Connectors)
	}
	time.Sleep(time.Second)
	if n := len(fileLines(out)); n != 50 {
		t.Errorf("%d lines after the restart, want still 50", n)
	}
}

// TestConnectorBadRecordInProcessingLog: a record a sink skips under
// errors.tolerance=all is described in the processing log.
func TestConnectorBadRecordInProcessingLog(t *testing.T) {
	open, cl := brokerEngine(t)
	e := open()
	defer e.Close()
	ctx := context.Background()
	cl.CreateTopic(ctx, kafka.TopicInfo{Name: "raw", Partitions: 1, Replicas: 1})
	cl.Produce(ctx, kafka.Record{Topic: "raw", Partition: -1, Value: []byte("{oops"), Timestamp: time.Now().UnixMilli()})
	out := filepath.Join(t.TempDir(), "raw.txt")
	mustExec(t, e, `CREATE SINK CONNECTOR lenient WITH ('connector.class'='FileStreamSink', 'topics'='raw', 'file'='`+out+`',
		'value.converter'='json', 'value.converter.schemas.enable'='false', 'errors.tolerance'='all');`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		recs, _ := cl.ReadAll(ctx, e.processingLogTopic())
		for _, r := range recs {
			s := string(r.Value)
			if strings.Contains(s, `"processing.connector.LENIENT"`) && strings.Contains(s, `"topic":"raw"`) && strings.Contains(s, `"type":0`) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no processing log record for the skipped record")
}

// TestValidateConnectorStatements: a request of several statements is
// checked in a sandbox before any runs; connector statements are checked
// there against the real plugins (a bad class or a duplicate name is
// refused, a drop sees a create earlier in the request) and start or stop
// nothing.
func TestValidateConnectorStatements(t *testing.T) {
	open, _ := brokerEngine(t)
	e := open()
	defer e.Close()
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "out.txt")
	create := `CREATE SINK CONNECTOR fs WITH ('connector.class'='FileStreamSink', 'topics'='t', 'file'='` + out + `');`
	ok := []string{
		"CREATE STREAM s (v STRING) WITH (kafka_topic='t', value_format='JSON', partitions=1);",
		create, "SHOW CONNECTORS;", "SHOW CONNECTOR PLUGINS;", "DESCRIBE CONNECTOR fs;", "PAUSE fs;", "DROP CONNECTOR fs;", create,
	}
	if err := e.Validate(ctx, ok, nil); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	if ents := mustExec(t, e, "SHOW CONNECTORS;"); len(ents[0].(*api.ConnectorList).Connectors) != 0 {
		t.Fatalf("Validate started a connector: %+v", ents[0])
	}
	for _, bad := range []struct {
		stmts []string
		want  string
	}{
		{[]string{create, create}, "already exists"},
		{[]string{"DROP CONNECTOR nope;"}, "does not exist"},
		{[]string{`CREATE SOURCE CONNECTOR x WITH ('connector.class'='NoSuchConnector');`}, "NoSuchConnector"},
	} {
		if err := e.Validate(ctx, bad.stmts, nil); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: got %v, want an error saying %q", bad.stmts, err, bad.want)
		}
	}
	// The request runs as validated.
	mustExec(t, e, ok[0]+create)
	if ents := mustExec(t, e, "SHOW CONNECTORS;"); len(ents[0].(*api.ConnectorList).Connectors) != 1 {
		t.Fatalf("want the connector created: %+v", ents[0])
	}
}

// SHOW CONNECTOR PLUGINS lists the built-in connector classes with their
// direction, as ksqlDB lists a Connect cluster's plugins.
func TestShowConnectorPlugins(t *testing.T) {
	open, _ := brokerEngine(t)
	e := open()
	defer e.Close()
	list := mustExec(t, e, "SHOW CONNECTOR PLUGINS;")[0].(*api.ConnectorPluginsList)
	kinds := map[string]string{}
	for _, p := range list.Plugins {
		kinds[p.ClassName] = p.Type
	}
	for class, kind := range map[string]string{
		"io.confluent.kafka.connect.datagen.DatagenConnector":   "source",
		"org.apache.kafka.connect.file.FileStreamSinkConnector": "sink",
	} {
		if kinds[class] != kind {
			t.Errorf("%s listed as %q, want %q (list %+v)", class, kinds[class], kind, list.Plugins)
		}
	}
}
