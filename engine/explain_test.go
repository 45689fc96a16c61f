package engine

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
)

func explainOne(t *testing.T, e *Engine, text string) api.QueryDescription {
	t.Helper()
	ents := mustExec(t, e, text)
	qd, ok := ents[0].(*api.QueryDescriptionEntity)
	if !ok || qd.Type != "queryDescription" || qd.StatementText != strings.TrimSuffix(text, ";") {
		t.Fatalf("%s: %#v", text, ents[0])
	}
	return qd.QueryDescription
}

func fieldNames(fs []api.FieldInfo) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name+":"+f.Schema.Type+":"+f.Type)
	}
	return strings.Join(out, ",")
}

func mustContain(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, text)
		}
	}
}

func TestExplainStatementRunsNothing(t *testing.T) {
	e, cl := newMemEngine(t)
	ctx := context.Background()
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, id BIGINT, name STRING) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	d := explainOne(t, e, "EXPLAIN CREATE STREAM out AS SELECT k, UCASE(name) AS upper_name FROM s WHERE id > 1;")
	if d.ID != "CSAS_OUT_0" || d.QueryType != "PERSISTENT" || d.State != "" ||
		strings.Join(d.Sources, ",") != "S" || strings.Join(d.Sinks, ",") != "OUT" ||
		d.StatementText != "CREATE STREAM out AS SELECT k, UCASE(name) AS upper_name FROM s WHERE id > 1" {
		t.Errorf("description %+v", d)
	}
	if got := fieldNames(d.Fields); got != "K:STRING:KEY,UPPER_NAME:STRING:" {
		t.Errorf("fields %s", got)
	}
	mustContain(t, "execution plan", d.ExecutionPlan, " > [ SINK ] | Name: OUT | Topic: OUT", "[ PROJECT ] | Columns: K, UCASE(NAME) AS UPPER_NAME",
		"[ FILTER ] | WHERE (ID > 1)", "[ STREAM SOURCE ] | Name: S | Topic: in")
	mustContain(t, "topology", d.Topology, "Source: in (stream)", "--> FILTER", "--> PROJECT (2 columns, 1 key)", "--> SINK (topic: OUT)")
	// Nothing ran: no query, no sink, no topic, and the next id is unused.
	if len(e.ms.Queries()) != 0 || e.ms.Source("OUT") != nil {
		t.Error("EXPLAIN created the query or its sink")
	}
	if _, ok, _ := cl.Topic(ctx, "OUT"); ok {
		t.Error("EXPLAIN created the sink topic")
	}
	ents := mustExec(t, e, "CREATE STREAM out AS SELECT k, UCASE(name) AS upper_name FROM s WHERE id > 1;")
	if cs := ents[0].(*api.CurrentStatus); cs.CommandStatus.QueryID != "CSAS_OUT_0" {
		t.Errorf("query id after EXPLAIN: %s", cs.CommandStatus.QueryID)
	}

	// SELECT, INSERT INTO and errors.
	d = explainOne(t, e, "EXPLAIN SELECT k, id FROM s WHERE id > 3 EMIT CHANGES;")
	if d.QueryType != "PUSH" || fieldNames(d.Fields) != "K:STRING:KEY,ID:BIGINT:" {
		t.Errorf("push: %+v", d)
	}
	mustContain(t, "push plan", d.ExecutionPlan, " > [ OUTPUT ] | Rows to the client")
	mustContain(t, "push topology", d.Topology, "--> EMIT (rows to the client)")
	d = explainOne(t, e, "EXPLAIN INSERT INTO out SELECT k, name AS upper_name FROM s;")
	if !strings.HasPrefix(d.ID, "INSERTQUERY_") || strings.Join(d.Sinks, ",") != "OUT" {
		t.Errorf("insert: %+v", d)
	}
	for text, want := range map[string]string{
		"EXPLAIN SHOW STREAMS;":                             "EXPLAIN is only supported for queries",
		"EXPLAIN CREATE STREAM x AS SELECT k, nope FROM s;": "NOPE",
		"EXPLAIN nope_1;":                                   "Query with id:NOPE_1 does not exist",
	} {
		if _, err := e.Execute(ctx, text, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", text, err, want)
		}
	}
}

func TestExplainRunningQuery(t *testing.T) {
	e, cl := newMemEngine(t)
	ctx := context.Background()
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, id BIGINT, name STRING) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE counts AS SELECT name, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY name;")
	mustExec(t, e, "INSERT INTO s (k, id, name) VALUES ('a', 1, 'x');")
	if err := cl.Produce(ctx, kafka.Record{Topic: "in", Partition: -1, Value: []byte("{bad")}); err != nil {
		t.Fatal(err)
	}
	d := explainOne(t, e, "EXPLAIN CTAS_COUNTS_0;")
	if d.ID != "CTAS_COUNTS_0" || d.State != "RUNNING" || d.WindowType != "TUMBLING" || len(d.QueryErrors) != 0 {
		t.Errorf("description %+v", d)
	}
	if got := fieldNames(d.Fields); got != "NAME:STRING:KEY,N:BIGINT:" {
		t.Errorf("fields %s", got)
	}
	mustContain(t, "topology", d.Topology, "Source: in (stream)", "--> REPARTITION (topic: _confluent-ksql-default_query_CTAS_COUNTS_0",
		"(repartition topic)", "--> AGGREGATE (GROUP BY 1 key: COUNT; WINDOW TUMBLING SIZE 1m0s", "--> SINK (topic: COUNTS, TUMBLING windowed key)")
	mustContain(t, "execution plan", d.ExecutionPlan, "[ AGGREGATE ] | GROUP BY NAME | WINDOW TUMBLING (SIZE 1 MINUTE)")
	if !strings.HasPrefix(d.ErrorStats, "processing-errors: 1, last-failed: 20") || !strings.HasPrefix(d.Statistics, "messages-in: 2,") {
		t.Errorf("statistics %q / %q", d.Statistics, d.ErrorStats)
	}
}

// TestShowQueriesExtended describes every persistent query as EXPLAIN
// does (it was the plain list).
func TestShowQueriesExtended(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM big AS SELECT * FROM s WHERE v > 10;")
	mustExec(t, e, "CREATE TABLE n AS SELECT k, COUNT(*) AS c FROM s GROUP BY k;")
	ents := mustExec(t, e, "SHOW QUERIES EXTENDED;")
	list, ok := ents[0].(*api.QueryDescriptionList)
	if !ok || list.Type != "query_descriptions" || len(list.QueryDescriptions) != 2 {
		t.Fatalf("SHOW QUERIES EXTENDED: %#v", ents[0])
	}
	var ids []string
	for _, d := range list.QueryDescriptions {
		ids = append(ids, d.ID+" "+d.State)
		if d.Topology == "" || d.ExecutionPlan == "" {
			t.Errorf("%s: no topology or plan", d.ID)
		}
	}
	if got := strings.Join(ids, ", "); got != "CSAS_BIG_0 RUNNING, CTAS_N_1 RUNNING" {
		t.Errorf("queries %s", got)
	}
}

func TestShowAndDescribeFunctions(t *testing.T) {
	e, _ := newMemEngine(t)
	fl := mustExec(t, e, "SHOW FUNCTIONS;")[0].(*api.FunctionNameList)
	byName := map[string]api.FunctionName{}
	for _, f := range fl.Functions {
		byName[f.Name] = f
	}
	for name, want := range map[string]string{"COUNT": "AGGREGATE/AGGREGATE", "TOPK": "AGGREGATE/AGGREGATE",
		"SUBSTRING": "SCALAR/STRING", "ABS": "SCALAR/MATHEMATICAL", "TRANSFORM": "SCALAR/LAMBDA", "URL_EXTRACT_HOST": "SCALAR/URL"} {
		if f := byName[name]; f.Type+"/"+f.Category != want {
			t.Errorf("%s: %+v, want %s", name, f, want)
		}
	}

	d := mustExec(t, e, "DESCRIBE FUNCTION substring;")[0].(*api.FunctionDescription)
	if d.Type != "describe_function" || d.Name != "SUBSTRING" || d.FunctionType != "SCALAR" || len(d.Functions) == 0 {
		t.Fatalf("SUBSTRING: %+v", d)
	}
	var sigs []string
	for _, v := range d.Functions {
		sigs = append(sigs, strings.Join(v.ArgumentTypes, ",")+"->"+v.ReturnType)
	}
	mustContain(t, "SUBSTRING variations", strings.Join(sigs, "\n"), "STRING,INTEGER->STRING", "STRING,INTEGER,INTEGER->STRING")

	d = mustExec(t, e, "DESCRIBE FUNCTION count;")[0].(*api.FunctionDescription)
	if d.FunctionType != "AGGREGATE" || d.Description == "" || len(d.Functions) == 0 || d.Functions[0].ReturnType != "BIGINT" {
		t.Errorf("COUNT: %+v", d)
	}
	d = mustExec(t, e, "DESCRIBE FUNCTION coalesce;")[0].(*api.FunctionDescription)
	if len(d.Functions) != 1 || !d.Functions[0].Arguments[1].IsVariadic || d.Functions[0].ReturnType != "T" {
		t.Errorf("COALESCE: %+v", d)
	}
	if _, err := e.Execute(context.Background(), "DESCRIBE FUNCTION nope;", nil); err == nil || !strings.Contains(err.Error(), "Can't find any functions with the name 'NOPE'") {
		t.Errorf("unknown function: %v", err)
	}
}

func TestShowTopicsExtendedAndTypes(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, id BIGINT) WITH (kafka_topic='in', value_format='JSON', partitions=2);")
	mustExec(t, e, "CREATE STREAM a AS SELECT * FROM s;")
	mustExec(t, e, "CREATE STREAM b AS SELECT * FROM s WHERE id > 1;")

	ext := mustExec(t, e, "SHOW TOPICS EXTENDED;")[0].(*api.TopicsListExtended)
	got := map[string]api.TopicInfoExtended{}
	for _, tp := range ext.Topics {
		got[tp.Name] = tp
	}
	if in := got["in"]; ext.Type != "kafka_topics_extended" || len(in.ReplicaInfo) != 2 || in.ConsumerCount != 2 || in.ConsumerGroupCount != 2 {
		t.Errorf("in: %+v", in)
	}
	if a := got["A"]; a.Name != "A" || a.ConsumerCount != 0 || a.ConsumerGroupCount != 0 {
		t.Errorf("A: %+v", a)
	}
	for name := range got {
		if hiddenTopic(name) {
			t.Errorf("hidden topic %s listed", name)
		}
	}
	for _, text := range []string{"SHOW ALL TOPICS;", "LIST ALL TOPICS;"} {
		all := mustExec(t, e, text)[0].(*api.TopicsList)
		hidden := false
		for _, tp := range all.Topics {
			hidden = hidden || hiddenTopic(tp.Name)
		}
		if !hidden {
			t.Errorf("%s lists no internal topic: %+v", text, all.Topics)
		}
	}
	if l, ok := mustExec(t, e, "LIST TOPICS EXTENDED;")[0].(*api.TopicsListExtended); !ok || len(l.Topics) != len(ext.Topics) {
		t.Errorf("LIST TOPICS EXTENDED: %+v", l)
	}

	tl := mustExec(t, e, "SHOW TYPES;")[0].(*api.TypeList)
	if tl.Type != "type_list" || len(tl.Types) != 0 {
		t.Errorf("no types: %+v", tl)
	}
	mustExec(t, e, "CREATE TYPE addr AS STRUCT<street STRING, zip INT>;")
	mustExec(t, e, "CREATE TYPE price AS DECIMAL(10, 2);")
	tl = mustExec(t, e, "LIST TYPES;")[0].(*api.TypeList)
	addr, price := tl.Types["ADDR"], tl.Types["PRICE"]
	if addr.Type != "STRUCT" || fieldNames(addr.Fields) != "STREET:STRING:,ZIP:INTEGER:" {
		t.Errorf("ADDR: %+v", addr)
	}
	if price.Type != "DECIMAL" || price.Parameters["precision"] != 10 {
		t.Errorf("PRICE: %+v", price)
	}
}

// TestExplainShowsOverriddenProperties: EXPLAIN lists the properties the
// query's statement was run with apart from the server's, as ksqlDB
// does, also after a restart replays the statement.
func TestExplainShowsOverriddenProperties(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e1 := engineOn(t, cl)
	props := map[string]string{"auto.offset.reset": "earliest"}
	if _, err := e1.Execute(context.Background(), `CREATE STREAM s (id BIGINT) WITH (kafka_topic='in', value_format='JSON', partitions=1);
		CREATE STREAM out AS SELECT id FROM s;`, props); err != nil {
		t.Fatal(err)
	}
	mustExec(t, e1, "CREATE STREAM plain AS SELECT id FROM s;")
	check := func(e *Engine) {
		t.Helper()
		if got := explainOne(t, e, "EXPLAIN CSAS_OUT_0;").OverriddenProperties; !maps.Equal(got, props) {
			t.Errorf("CSAS_OUT_0 overridden properties %v, want %v", got, props)
		}
		if got := explainOne(t, e, "EXPLAIN CSAS_PLAIN_1;").OverriddenProperties; got == nil || len(got) != 0 {
			t.Errorf("CSAS_PLAIN_1 overridden properties %v, want none", got)
		}
	}
	check(e1)
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := engineOn(t, cl)
	defer e2.Close()
	check(e2)
}
