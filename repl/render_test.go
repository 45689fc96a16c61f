package repl

import (
	"strings"
	"testing"

	"github.com/eddysql/eddy/api"
)

func renderOne(e api.Entity, width int, local map[string]string) string {
	var b strings.Builder
	r := &renderer{out: &b, width: width, local: local}
	r.entity(e)
	return b.String()
}

func check(t *testing.T, name, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n%s\nwant:\n%s\n(got %q)", name, got, want, got)
	}
}

func TestRenderStreamsAndTables(t *testing.T) {
	got := renderOne(&api.StreamsList{Streams: []api.SourceInfo{
		{Name: "KSQL_PROCESSING_LOG", Topic: "default_ksql_processing_log", KeyFormat: "KAFKA", ValueFormat: "JSON"},
		{Name: "PAGEVIEWS", Topic: "pageviews", KeyFormat: "KAFKA", ValueFormat: "JSON", IsWindowed: true},
	}}, 0, nil)
	check(t, "SHOW STREAMS", got, `
 Stream Name         | Kafka Topic                 | Key Format | Value Format | Windowed 
------------------------------------------------------------------------------------------
 KSQL_PROCESSING_LOG | default_ksql_processing_log | KAFKA      | JSON         | false    
 PAGEVIEWS           | pageviews                   | KAFKA      | JSON         | true     
------------------------------------------------------------------------------------------
`)
	got = renderOne(&api.TablesList{Tables: []api.SourceInfo{{Name: "T", Topic: "t", KeyFormat: "JSON", ValueFormat: "AVRO"}},
		Warnings: []api.Warning{{Message: "careful"}}}, 0, nil)
	check(t, "SHOW TABLES", got, `
 Table Name | Kafka Topic | Key Format | Value Format | Windowed 
-----------------------------------------------------------------
 T          | t           | JSON       | AVRO         | false    
-----------------------------------------------------------------
WARNING: careful
`)
}

func TestRenderTopicsQueries(t *testing.T) {
	got := renderOne(&api.TopicsList{Topics: []api.TopicInfo{
		{Name: "a", ReplicaInfo: []int{1, 1}}, {Name: "b", ReplicaInfo: []int{1, 2}},
	}}, 0, nil)
	check(t, "SHOW TOPICS", got, `
 Kafka Topic | Partitions | Partition Replicas 
-----------------------------------------------
 a           | 2          | 1                  
 b           | 2          | 1, 2               
-----------------------------------------------
`)
	got = renderOne(&api.QueriesList{Queries: []api.RunningQuery{{
		ID: "CSAS_S2_1", QueryType: "PERSISTENT", StatusCount: map[string]int{"RUNNING": 1},
		Sinks: []string{"S2"}, SinkKafkaTopics: []string{"S2"}, QueryString: "CREATE STREAM S2 AS\n  SELECT * FROM S1\n  EMIT CHANGES;",
	}}}, 0, nil)
	check(t, "SHOW QUERIES", got, `
 Query ID  | Query Type | Status    | Sink Name | Sink Kafka Topic | Query String                                       
------------------------------------------------------------------------------------------------------------------------
 CSAS_S2_1 | PERSISTENT | RUNNING:1 | S2        | S2               | CREATE STREAM S2 AS SELECT * FROM S1 EMIT CHANGES; 
------------------------------------------------------------------------------------------------------------------------
For detailed information on a Query run: EXPLAIN <Query ID>;
`)
}

func TestRenderFitsWidth(t *testing.T) {
	got := renderOne(&api.StreamsList{Streams: []api.SourceInfo{
		{Name: "A_RATHER_LONG_STREAM_NAME", Topic: "a-rather-long-topic-name", KeyFormat: "KAFKA", ValueFormat: "JSON"},
	}}, 70, nil)
	check(t, "fitted", got, `
 Stream Name   | Kafka Topic   | Key Format | Value Format | Windowed 
----------------------------------------------------------------------
 A_RATHER_LONG | a-rather-long | KAFKA      | JSON         | false    
 _STREAM_NAME  | -topic-name   |            |              |          
----------------------------------------------------------------------
`)
}

func TestRenderStatusAndMessage(t *testing.T) {
	got := renderOne(&api.CurrentStatus{CommandStatus: api.CommandStatus{Message: "Stream created"}}, 0, nil)
	check(t, "currentStatus", got, "\n Message        \n----------------\n Stream created \n----------------\n")
	check(t, "message", renderOne(&api.Message{Message: "Done."}, 0, nil), "Done.\n")
}

func TestRenderDescribe(t *testing.T) {
	str := api.SchemaInfo{Type: "STRING"}
	d := api.SourceDescription{
		Name: "PAGEVIEWS", Type: "STREAM",
		Fields: []api.FieldInfo{
			{Name: "PAGEID", Schema: str, Type: "KEY"},
			{Name: "VIEWTIME", Schema: api.SchemaInfo{Type: "BIGINT"}},
			{Name: "TAGS", Schema: api.SchemaInfo{Type: "ARRAY", MemberSchema: &str}},
			{Name: "PRICE", Schema: api.SchemaInfo{Type: "DECIMAL", Parameters: map[string]any{"precision": 4, "scale": 2}}},
			{Name: "ADDR", Schema: api.SchemaInfo{Type: "STRUCT", Fields: []api.FieldInfo{{Name: "CITY", Schema: str}}}},
		},
	}
	check(t, "DESCRIBE", renderOne(&api.SourceDescriptionEntity{SourceDescription: d}, 0, nil), `
Name                 : PAGEVIEWS
 Field    | Type                         
-----------------------------------------
 PAGEID   | VARCHAR(STRING)  (key)       
 VIEWTIME | BIGINT                       
 TAGS     | ARRAY<VARCHAR(STRING)>       
 PRICE    | DECIMAL(4, 2)                
 ADDR     | STRUCT<CITY VARCHAR(STRING)> 
-----------------------------------------
For runtime statistics and query details run: DESCRIBE <Stream,Table> EXTENDED;
`)
	d.Extended, d.Type, d.KeyFormat, d.ValueFormat, d.Topic, d.Partitions, d.Replication = true, "TABLE", "KAFKA", "JSON", "pageviews", 1, 1
	d.Fields = d.Fields[:2]
	d.Statement = "CREATE TABLE PAGEVIEWS ..."
	d.ReadQueries = []api.QueryRef{{ID: "CTAS_X_1", State: "RUNNING", QueryString: "CREATE TABLE X AS SELECT ..."}}
	d.Statistics = "messages-per-sec: 0"
	check(t, "DESCRIBE EXTENDED", renderOne(&api.SourceDescriptionEntity{SourceDescription: d}, 0, nil), `
Name                 : PAGEVIEWS
Type                 : TABLE
Timestamp field      : Not set - using <ROWTIME>
Key format           : KAFKA
Value format         : JSON
Kafka topic          : pageviews (partitions: 1, replication: 1)
Statement            : CREATE TABLE PAGEVIEWS ...

 Field    | Type                           
-------------------------------------------
 PAGEID   | VARCHAR(STRING)  (primary key) 
 VIEWTIME | BIGINT                         
-------------------------------------------

Queries that read from this TABLE
---------------------------------
CTAS_X_1 (RUNNING) : CREATE TABLE X AS SELECT ...

For query topology and execution plan please run: EXPLAIN <QueryId>

Local runtime statistics
------------------------
messages-per-sec: 0

(Statistics of the local eddy server interaction with the Kafka topic pageviews)
`)
}

func TestRenderProperties(t *testing.T) {
	got := renderOne(&api.PropertiesList{
		Properties: []api.Property{
			{Name: "ksql.service.id", Scope: "KSQL", Value: "default_"},
			{Name: "auto.offset.reset", Scope: "KSQL", Value: "latest"},
		},
		OverwrittenProperties: []string{"ksql.service.id"},
	}, 0, map[string]string{"auto.offset.reset": "earliest"})
	check(t, "SHOW PROPERTIES", got, `
 Property          | Scope | Default override | Effective Value 
----------------------------------------------------------------
 auto.offset.reset | KSQL  | SESSION          | earliest        
 ksql.service.id   | KSQL  | SERVER           | default_        
----------------------------------------------------------------
`)
}

func TestClassify(t *testing.T) {
	for in, want := range map[string]stmt{
		"select * from t;":                 {kind: kindSelect, pull: true},
		"select * from t emit changes;":    {kind: kindSelect},
		"-- c\n  Print 'x';":               {kind: kindPrint},
		"SET 'a.b'='it''s';":               {kind: kindSet, name: "a.b", value: "it's"},
		"set 'a' = 'b' ;":                  {kind: kindSet, name: "a", value: "b"},
		"UNSET 'a';":                       {kind: kindUnset, name: "a"},
		"define Fmt = 'JSON';":             {kind: kindDefine, name: "Fmt", value: "JSON"},
		"UNDEFINE x;":                      {kind: kindUndefine, name: "x"},
		"list variables;":                  {kind: kindShowVars},
		"RUN SCRIPT '/tmp/a.sql';":         {kind: kindRunScript, name: "/tmp/a.sql"},
		"SHOW STREAMS;":                    {kind: kindExecute},
		"CREATE STREAM s AS SELECT 1 FROM": {kind: kindExecute},
	} {
		if got := classify(in); got != want {
			t.Errorf("classify(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[any]string{
		1.0: "1.0", 0.5: "0.5", 2.5e10: "2.5E10", 1e-5: "1.0E-5", -3.0: "-3.0", int64(7): "7", true: "true", "s": "s",
	} {
		if got := formatValue(v); got != want {
			t.Errorf("formatValue(%v) = %q, want %q", v, got, want)
		}
	}
	if got := formatValue(nil); got != "null" {
		t.Errorf("nil = %q", got)
	}
	if got := schemaColumns("`ID` STRING KEY, `M` MAP<STRING, DECIMAL(4, 2)>, `a``b` INTEGER"); !equal(got, []string{"ID", "M", "a`b"}) {
		t.Errorf("schemaColumns = %q", got)
	}
}

// TestJSONOutputKeepsAngleBrackets: the JSON output mode prints a type
// such as MAP<STRING, INT> as the server sends it, not with the \u003c
// escapes Go's encoder adds for HTML.
func TestJSONOutputKeepsAngleBrackets(t *testing.T) {
	b, err := entitiesJSON([]api.Entity{&api.CurrentStatus{StatementText: "CREATE STREAM s (m MAP<STRING, INT>) …", CommandID: "stream/S/create"}})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"statementText": "CREATE STREAM s (m MAP<STRING, INT>) …"`) || strings.Contains(s, `\u003c`) {
		t.Errorf("JSON output:\n%s", s)
	}
	p := &rowPrinter{}
	var out strings.Builder
	p.out = &out
	if err := p.emitJSON(api.StreamedRow{Header: &api.QueryHeader{QueryID: "q", Schema: "`M` MAP<STRING, INT>"}}); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "MAP<STRING, INT>") {
		t.Errorf("row JSON:\n%s", s)
	}
}

// TestTableCountsDisplayColumns: wide characters take two columns and
// combining marks none, so a table with them stays aligned (widths were
// counted in runes), also when cells wrap.
func TestTableCountsDisplayColumns(t *testing.T) {
	tb := &table{header: []string{"Name", "Note"}}
	tb.add("日本語", "x")
	tb.add("e\u0301te\u0301", "y") // é written with a combining accent
	var b strings.Builder
	tb.render(&b, 0)
	want := "" +
		" Name   | Note \n" +
		"---------------\n" +
		" 日本語 | x    \n" +
		" e\u0301te\u0301    | y    \n" +
		"---------------\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant\n%s", b.String(), want)
	}
	if got := wrapCell("日本語です", 4); strings.Join(got, "|") != "日本|語で|す" {
		t.Errorf("wrapCell = %q", got)
	}
}

// TestRenderDescribeHeaders: a HEADERS column and a HEADER('k') column
// carry their markers, as ksqlDB's shell shows them.
func TestRenderDescribeHeaders(t *testing.T) {
	d := api.SourceDescription{
		Name: "CLICKS", Type: "STREAM",
		Fields: []api.FieldInfo{
			{Name: "V", Schema: api.SchemaInfo{Type: "INTEGER"}},
			{Name: "H", Schema: api.SchemaInfo{Type: "ARRAY", MemberSchema: &api.SchemaInfo{Type: "STRUCT", Fields: []api.FieldInfo{{Name: "KEY", Schema: api.SchemaInfo{Type: "STRING"}}, {Name: "VALUE", Schema: api.SchemaInfo{Type: "BYTES"}}}}}, Type: "HEADER"},
			{Name: "TRACE", Schema: api.SchemaInfo{Type: "BYTES"}, Type: "HEADER", HeaderKey: "trace"},
		},
	}
	check(t, "DESCRIBE", renderOne(&api.SourceDescriptionEntity{SourceDescription: d}, 0, nil), `
Name                 : CLICKS
 Field | Type                                                      
-------------------------------------------------------------------
 V     | INTEGER                                                   
 H     | ARRAY<STRUCT<KEY VARCHAR(STRING), VALUE BYTES>> (headers) 
 TRACE | BYTES            (header('trace'))                        
-------------------------------------------------------------------
For runtime statistics and query details run: DESCRIBE <Stream,Table> EXTENDED;
`)
}
