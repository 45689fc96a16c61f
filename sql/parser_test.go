package sql

import (
	"reflect"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

func parseOne(t *testing.T, text string) Statement {
	t.Helper()
	stmts, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	if len(stmts) != 1 {
		t.Fatalf("Parse(%q): %d statements, want 1", text, len(stmts))
	}
	return stmts[0]
}

func ptr[T any](v T) *T { return &v }

func TestExprFormat(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a + b", "(A + B)"},
		{"x > 100", "(X > 100)"},
		{"a != b", "(A <> B)"},
		{"a + b * c - d", "((A + (B * C)) - D)"},
		{"a || b + c", "(A || (B + C))"},
		{"-a * b", "(-A * B)"},
		{"- 5", "-5"},
		{"1 - -1", "(1 - -1)"},
		{"- -1", "-(-1)"},
		{"-(-a)", "-(-A)"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"NOT a = b AND c OR d", "(((NOT (A = B)) AND C) OR D)"},
		{"x BETWEEN 1 AND 2 AND y", "((X BETWEEN 1 AND 2) AND Y)"},
		{"x NOT BETWEEN 1 AND 2", "(X NOT BETWEEN 1 AND 2)"},
		{"x IN (1, 2)", "(X IN (1, 2))"},
		{"x NOT IN ('a')", "(X NOT IN ('a'))"},
		{"x LIKE 'a%' ESCAPE '!'", "(X LIKE 'a%' ESCAPE '!')"},
		{"x IS NOT NULL", "(X IS NOT NULL)"},
		{"x IS DISTINCT FROM y", "(X IS DISTINCT FROM Y)"},
		{"x IS NOT DISTINCT FROM y", "(X IS NOT DISTINCT FROM Y)"},
		{"CAST(a AS STRING)", "CAST(A AS STRING)"},
		{"cast(a as decimal(4, 2))", "CAST(A AS DECIMAL(4, 2))"},
		{"s->f", "S->F"},
		{"s->f->g", "S->F->G"},
		{"arr[1]", "ARR[1]"},
		{"m['k']->x", "M['k']->X"},
		{"'it''s'", "'it''s'"},
		{"t.col", "T.COL"},
		{"`lower`", "`lower`"},
		{"\"Mixed\"", "`Mixed`"},
		{"1col", "`1COL`"},
		{"a@b", "A@B"},
		{"count(*)", "COUNT(*)"},
		{"count()", "COUNT()"},
		{"substring(s, 1, 2)", "SUBSTRING(S, 1, 2)"},
		{"1.50", "1.50"},
		{".5", ".5"},
		{"1.5E3", "1500.0"},
		{"1e10", "1.0E10"},
		{"true AND false", "(true AND false)"},
		{"NULL", "null"},
		{"CASE WHEN a THEN 1 ELSE 2 END", "(CASE WHEN A THEN 1 ELSE 2 END)"},
		{"CASE x WHEN 1 THEN 'a' END", "(CASE X WHEN 1 THEN 'a' END)"},
		{"ARRAY[1, 2]", "ARRAY[1, 2]"},
		{"ARRAY[]", "ARRAY[]"},
		{"MAP('a' := 1, 'b' := 2)", "MAP('a':=1, 'b':=2)"},
		{"STRUCT(a := 1, `b` := 'x')", "STRUCT(A:=1, `b`:='x')"},
		{"TRANSFORM(arr, x => x + 1)", "TRANSFORM(ARR, X => (X + 1))"},
		{"REDUCE(m, 0, (s, k, v) => s + v)", "REDUCE(M, 0, (S, K, V) => (S + V))"},
		{"TIMESTAMPADD(MILLISECONDS, 5, ts)", "TIMESTAMPADD(MILLISECONDS, 5, TS)"},
		{"TIMESTAMP '2020-01-01'", "TIMESTAMP '2020-01-01'"},
		{"ts AT TIME ZONE 'UTC'", "TS AT TIME ZONE 'UTC'"},
		{"a /* c */ + -- x\n b", "(A + B)"},
		{"(a)", "A"},
	}
	for _, c := range cases {
		e, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", c.in, err)
			continue
		}
		if got := FormatExpr(e); got != c.want {
			t.Errorf("FormatExpr(ParseExpr(%q)) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestExprNodes(t *testing.T) {
	e, err := ParseExpr("FILTER(arr, x => x > y)")
	if err != nil {
		t.Fatal(err)
	}
	lam := e.(*Call).Args[1].(*Lambda)
	cmp := lam.Body.(*Binary)
	if _, ok := cmp.L.(*LambdaVar); !ok {
		t.Errorf("lambda parameter: got %T, want *LambdaVar", cmp.L)
	}
	if _, ok := cmp.R.(*ColumnRef); !ok {
		t.Errorf("outer column: got %T, want *ColumnRef", cmp.R)
	}
	e, _ = ParseExpr("x")
	if _, ok := e.(*ColumnRef); !ok {
		t.Errorf("x outside a lambda: got %T, want *ColumnRef", e)
	}
	e, _ = ParseExpr("COUNT(*)")
	if c := e.(*Call); !c.Star || c.Name != "COUNT" {
		t.Errorf("COUNT(*): %+v", c)
	}
	e, _ = ParseExpr("  a\n  + b")
	if p := e.(*Binary).P; p != (Pos{2, 3}) {
		t.Errorf("position of +: %v", p)
	}
	e, _ = ParseExpr("1.50")
	if d, ok := e.(*DecimalLit); !ok || d.Text != "1.50" {
		t.Errorf("1.50: %#v", e)
	}
	e, _ = ParseExpr("-2.5")
	if d, ok := e.(*DecimalLit); !ok || d.Text != "-2.5" {
		t.Errorf("-2.5: %#v", e)
	}
	e, _ = ParseExpr("2147483648")
	if i, ok := e.(*IntLit); !ok || i.Val != 2147483648 {
		t.Errorf("2147483648: %#v", e)
	}
}

func TestParseType(t *testing.T) {
	cases := []struct {
		in   string
		want *types.Type
	}{
		{"INT", types.IntType},
		{"integer", types.IntType},
		{"VARCHAR", types.StringType},
		{"DECIMAL(10, 2)", types.DecimalOf(10, 2)},
		{"ARRAY<ARRAY<BIGINT>>", types.ArrayOf(types.ArrayOf(types.BigintType))},
		{"MAP<STRING, DOUBLE>", types.MapOf(types.StringType, types.DoubleType)},
		{"STRUCT<A INT, `b` ARRAY<STRING>>", types.StructOf(
			types.Field{Name: "A", Type: types.IntType},
			types.Field{Name: "b", Type: types.ArrayOf(types.StringType)})},
		{"STRUCT<>", types.StructOf()},
		{"STRUCT<KEY STRING, VALUE BYTES>", types.StructOf(
			types.Field{Name: "KEY", Type: types.StringType},
			types.Field{Name: "VALUE", Type: types.BytesType})},
		{"my_type", &types.Type{Kind: types.Named, Name: "MY_TYPE"}},
		{"TIMESTAMP", types.TimestampType},
	}
	for _, c := range cases {
		got, err := ParseType(c.in)
		if err != nil {
			t.Errorf("ParseType(%q): %v", c.in, err)
			continue
		}
		if !got.Equal(c.want) {
			t.Errorf("ParseType(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"NULL", "ARRAY<NULL>", "DECIMAL", "MAP<STRING>", "INT INT"} {
		if _, err := ParseType(bad); err == nil {
			t.Errorf("ParseType(%q) succeeded", bad)
		}
	}
}

func TestParseStatements(t *testing.T) {
	cases := []struct {
		in   string
		want Statement
	}{
		{
			"CREATE STREAM s (id INT KEY, `Name` STRING, h ARRAY<STRUCT<KEY STRING, VALUE BYTES>> HEADERS, h2 BYTES HEADER('k')) WITH (kafka_topic='t', 'value_format'='JSON', partitions=2);",
			&CreateSource{Name: "S", Elements: []TableElement{
				{P: Pos{1, 18}, Name: "ID", Type: types.IntType, Key: true},
				{P: Pos{1, 30}, Name: "Name", Type: types.StringType},
				{P: Pos{1, 45}, Name: "H", Type: types.ArrayOf(types.StructOf(
					types.Field{Name: "KEY", Type: types.StringType},
					types.Field{Name: "VALUE", Type: types.BytesType})), Headers: true},
				{P: Pos{1, 95}, Name: "H2", Type: types.BytesType, Headers: true, HeaderKey: "k"},
			}, Props: Props{
				{"KAFKA_TOPIC", &StringLit{P: Pos{1, 135}, Val: "t"}},
				{"VALUE_FORMAT", &StringLit{P: Pos{1, 155}, Val: "JSON"}},
				{"PARTITIONS", &IntLit{P: Pos{1, 174}, Val: 2}},
			}},
		},
		{
			"create or replace source table if not exists t (k string primary key) with (kafka_topic='t', format='json')",
			&CreateSource{OrReplace: true, Source: true, IsTable: true, IfNotExists: true, Name: "T",
				Elements: []TableElement{{P: Pos{1, 49}, Name: "K", Type: types.StringType, PrimaryKey: true}},
				Props: Props{
					{"KAFKA_TOPIC", &StringLit{P: Pos{1, 89}, Val: "t"}},
					{"FORMAT", &StringLit{P: Pos{1, 101}, Val: "json"}},
				}},
		},
		{"DROP TABLE IF EXISTS t DELETE TOPIC", &DropSource{IsTable: true, Name: "T", IfExists: true, DeleteTopic: true}},
		{"DROP STREAM s", &DropSource{Name: "S"}},
		{"DROP TYPE IF EXISTS ADDRESS", &DropType{Name: "ADDRESS", IfExists: true}},
		{"DROP CONNECTOR c", &DropConnector{Name: "C"}},
		{"STOP CONNECTOR `gen-1`", &StopConnector{Name: "gen-1"}},
		{"TERMINATE CSAS_OUT_0", &Terminate{QueryID: "CSAS_OUT_0"}},
		{"TERMINATE ALL", &Terminate{All: true}},
		{"PAUSE q1", &PauseResume{QueryID: "Q1"}},
		{"RESUME ALL", &PauseResume{Resume: true, All: true}},
		{"SHOW STREAMS EXTENDED", &Show{What: "STREAMS", Extended: true}},
		{"LIST TABLES", &Show{What: "TABLES"}},
		{"SHOW ALL TOPICS", &Show{What: "TOPICS", All: true}},
		{"SHOW QUERIES", &Show{What: "QUERIES"}},
		{"SHOW PROPERTIES", &Show{What: "PROPERTIES"}},
		{"SHOW FUNCTIONS", &Show{What: "FUNCTIONS"}},
		{"SHOW TYPES", &Show{What: "TYPES"}},
		{"SHOW VARIABLES", &Show{What: "VARIABLES"}},
		{"SHOW SINK CONNECTORS", &Show{What: "SINK CONNECTORS"}},
		{"SHOW CONNECTOR PLUGINS", &Show{What: "CONNECTOR PLUGINS"}},
		{"DESCRIBE s EXTENDED", &Describe{Name: "S", Extended: true}},
		{"DESCRIBE EXTENDED s", &Describe{Name: "S", Extended: true}},
		{"DESCRIBE EXTENDED `extended`", &Describe{Name: "extended", Extended: true}},
		{"DESCRIBE STREAMS", &Describe{Streams: true}},
		{"DESCRIBE TABLES EXTENDED", &Describe{Tables: true, Extended: true}},
		{"DESCRIBE FUNCTION substring", &Describe{Function: true, Name: "SUBSTRING"}},
		{"DESCRIBE CONNECTOR c", &Describe{Connector: true, Name: "C"}},
		{"EXPLAIN CSAS_X_1", &Explain{QueryID: "CSAS_X_1"}},
		{"SET 'auto.offset.reset'='earliest'", &SetProperty{Name: "auto.offset.reset", Value: "earliest"}},
		{"UNSET 'auto.offset.reset'", &UnsetProperty{Name: "auto.offset.reset"}},
		{"ALTER SYSTEM 'ksql.x'='y'", &AlterSystem{Name: "ksql.x", Value: "y"}},
		{"DEFINE topicName = 'it''s'", &Define{Name: "topicName", Value: "it's"}},
		{"UNDEFINE topicName", &Undefine{Name: "topicName"}},
		{"RUN SCRIPT '/tmp/x.sql'", &RunScript{Path: "/tmp/x.sql"}},
		{"PRINT 'My_Topic' FROM BEGINNING INTERVAL 2 LIMIT 10", &Print{Topic: "My_Topic", FromBeginning: true, Interval: 2, Limit: ptr(10)}},
		{"PRINT my_topic SAMPLE 3", &Print{Topic: "my_topic", Interval: 3}},
		{"CREATE TYPE IF NOT EXISTS ADDR AS STRUCT<number INT>", &CreateType{Name: "ADDR", IfNotExists: true,
			Type: types.StructOf(types.Field{Name: "NUMBER", Type: types.IntType})}},
		{"ALTER TABLE t ADD COLUMN a INT, ADD b ARRAY<STRING>", &AlterSource{IsTable: true, Name: "T", Add: []TableElement{
			{P: Pos{1, 26}, Name: "A", Type: types.IntType}, {P: Pos{1, 37}, Name: "B", Type: types.ArrayOf(types.StringType)}}}},
		{"CREATE SINK CONNECTOR IF NOT EXISTS c WITH ('connector.class'='X', \"tasks.max\"=1, flag=true)", &CreateConnector{
			Name: "C", Sink: true, IfNotExists: true, Config: map[string]string{"connector.class": "X", "tasks.max": "1", "FLAG": "true"}}},
		{"CREATE SOURCE CONNECTOR `c` WITH ('a'='b')", &CreateConnector{Name: "c", Config: map[string]string{"a": "b"}}},
		{"ASSERT NOT EXISTS TOPIC 'foo' WITH (partitions=1) TIMEOUT 3 SECONDS", &AssertTopic{Name: "foo", NotExists: true,
			Props: Props{{"PARTITIONS", &IntLit{P: Pos{1, 48}, Val: 1}}}, TimeoutMS: ptr(int64(3000))}},
		{"ASSERT SCHEMA SUBJECT 'x' ID 3", &AssertSchema{Subject: ptr("x"), ID: ptr(int64(3))}},
		{"INSERT INTO s (k, v) VALUES ('a', -1)", &InsertValues{Target: "S", Columns: []string{"K", "V"},
			Values: []Expr{&StringLit{P: Pos{1, 30}, Val: "a"}, &IntLit{P: Pos{1, 35}, Val: -1}}}},
		{"INSERT INTO s VALUES ()", &InsertValues{Target: "S", Values: []Expr{}}},
	}
	for _, c := range cases {
		got := parseOne(t, c.in)
		want := c.want
		// Compare without the text and position, checked separately.
		reflect.ValueOf(want).Elem().FieldByName("Base").Set(reflect.ValueOf(Base{P: Pos{1, 1}, Src: strings.TrimSuffix(c.in, ";")}))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q)\n got %#v\nwant %#v", c.in, got, want)
		}
	}
}

func TestParseQueries(t *testing.T) {
	s := parseOne(t, `CREATE TABLE out WITH (kafka_topic='o') AS
		SELECT l.id, COUNT(*) AS cnt, r.*, s->*, l.a b
		FROM left_s l
		LEFT OUTER JOIN right_s AS r WITHIN (1 SECOND, 2 MINUTES) GRACE PERIOD 3 HOURS ON l.id = r.id
		JOIN t3 ON l.id = t3.id
		WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS, RETENTION 2 DAYS, GRACE PERIOD 1 MILLISECOND)
		WHERE l.x > 1
		GROUP BY l.id, l.a
		HAVING COUNT(*) > 2
		EMIT FINAL
		LIMIT 5;`).(*CreateAsSelect)
	if !s.IsTable || s.Name != "OUT" || len(s.Props) != 1 {
		t.Fatalf("CTAS: %+v", s)
	}
	q := s.Query
	if len(q.Select) != 5 {
		t.Fatalf("select items: %+v", q.Select)
	}
	if q.Select[1].Alias != "CNT" || !q.Select[2].Star || q.Select[2].StarQualifier != "R" ||
		!q.Select[3].Star || FormatExpr(q.Select[3].Expr) != "S" || q.Select[4].Alias != "B" {
		t.Errorf("select items: %+v", q.Select)
	}
	j2 := q.From.(*Join)
	if j2.Kind != InnerJoin || j2.Right.Name != "T3" || j2.Within != nil {
		t.Errorf("second join: %+v", j2)
	}
	j1 := j2.Left.(*Join)
	if j1.Kind != LeftJoin || j1.Right.Alias != "R" || j1.Left.(*Table).Alias != "L" ||
		!reflect.DeepEqual(j1.Within, &Within{Before: 1000, After: 120000, Grace: ptr(int64(3 * 3600000)),
			Text: struct{ Before, After, Grace string }{"1 SECONDS", "2 MINUTES", "3 HOURS"}}) {
		t.Errorf("first join: %+v %+v", j1, j1.Within)
	}
	if w := q.Window; w.Kind != Hopping || w.Size != 30000 || w.Advance != 10000 || *w.Retention != 2*86400000 || *w.Grace != 1 {
		t.Errorf("window: %+v", w)
	}
	if FormatExpr(q.Where) != "(L.X > 1)" || len(q.GroupBy) != 2 || FormatExpr(q.Having) != "(COUNT(*) > 2)" ||
		q.Emit != EmitFinal || *q.Limit != 5 {
		t.Errorf("query: %+v", q)
	}

	sel := parseOne(t, "SELECT * FROM t WINDOW SESSION (5 MINUTES) PARTITION BY (a, b) EMIT CHANGES").(*Select)
	if sel.Query.Window.Kind != Session || sel.Query.Window.Size != 300000 || len(sel.Query.PartitionBy) != 2 ||
		sel.Query.Emit != EmitChanges || sel.Query.From.(*Table).Alias != "" {
		t.Errorf("select: %+v", sel.Query)
	}
	sel = parseOne(t, "SELECT * FROM t WINDOW TUMBLING (SIZE 1 DAY) GROUP BY () ").(*Select)
	if sel.Query.GroupBy == nil || len(sel.Query.GroupBy) != 0 || sel.Query.Emit != EmitNone {
		t.Errorf("GROUP BY (): %+v", sel.Query)
	}
	sel = parseOne(t, "SELECT * FROM t PARTITION BY (a + 1) * 2").(*Select)
	if len(sel.Query.PartitionBy) != 1 || FormatExpr(sel.Query.PartitionBy[0]) != "((A + 1) * 2)" {
		t.Errorf("PARTITION BY expression: %+v", sel.Query.PartitionBy)
	}
	ii := parseOne(t, "INSERT INTO s WITH (QUERY_ID='my_id') SELECT * FROM t EMIT CHANGES").(*InsertInto)
	if ii.Target != "S" || len(ii.Props) != 1 || ii.Query == nil {
		t.Errorf("insert into: %+v", ii)
	}
	ex := parseOne(t, "EXPLAIN SELECT * FROM t;").(*Explain)
	if ex.Statement == nil || ex.Statement.Text() != "SELECT * FROM t" || ex.Text() != "EXPLAIN SELECT * FROM t" {
		t.Errorf("explain: %+v", ex)
	}
}

func TestParseTextAndPositions(t *testing.T) {
	stmts, err := Parse("  -- leading comment\nSHOW STREAMS ;\n\n/* c */ SELECT a\n  FROM t EMIT CHANGES;;  DROP TABLE x")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		text string
		pos  Pos
	}{
		{"SHOW STREAMS", Pos{2, 1}},
		{"SELECT a\n  FROM t EMIT CHANGES", Pos{4, 9}},
		{"DROP TABLE x", Pos{5, 26}},
	}
	if len(stmts) != len(want) {
		t.Fatalf("got %d statements", len(stmts))
	}
	for i, w := range want {
		if stmts[i].Text() != w.text || stmts[i].Position() != w.pos {
			t.Errorf("statement %d: %q at %v, want %q at %v", i, stmts[i].Text(), stmts[i].Position(), w.text, w.pos)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT * FORM t;", "line 1:10: Syntax Error\nExpecting {',', 'FROM'}"},
		{"SELECT * FROM t;\nSELECT a,, FROM t;", "line 2:10: Syntax Error\nno viable alternative at input ','"},
		{"CREATE STREAM INPUT (K STRING (KEY)) WITH (kafka_topic='input',value_format='JSON');",
			"line 1:32: Syntax Error\nExpecting {'STRING', INTEGER_VALUE}"},
		{"CREATE STREAM INPUT (K VARCHAR(STRING) (KEY)) WITH (kafka_topic='input',value_format='JSON');",
			"line 1:40: Syntax Error\nExpecting {',', ')'}"},
		{"x;\nCREATE TABLE OUTPUT AS SELECT f1, f2, COUNT(*) FROM TEST GROUP BY f3, (f2, f1);", "line 1:1: Syntax Error\nUnknown statement 'x'"},
		{"CREATE TABLE OUTPUT AS SELECT f1, f2, COUNT(*) FROM TEST GROUP BY f3, (f2, f1);", "line 1:74: Syntax Error\nmissing ')' at ','"},
		{"CREATE TABLE INPUT (ID INT KEY, NAME STRING) WITH (kafka_topic='input',value_format='JSON');",
			"Line: 1, Col: 21: Column `ID` is a 'KEY' column: please use 'PRIMARY KEY' for tables."},
		{"CREATE STREAM INPUT (ID INT PRIMARY KEY) WITH (kafka_topic='input');",
			"Line: 1, Col: 22: Column `ID` is a 'PRIMARY KEY' column: please use 'KEY' for streams."},
		{"SELECT 9223372036854775808 FROM t;", "line 1:9: Invalid numeric literal: 9223372036854775808"},
		{"SELECT -9223372036854775809 FROM t;", "Invalid numeric literal: -9223372036854775809"},
		{"SELECT 1.7976931348623159E308 FROM t;", "Number overflows DOUBLE: 1.7976931348623159E308"},
		{"ASSERT VALUES foo (id INT) VALUES (123);", "Syntax error at or near 'VALUES' at line 1:8"},
		{"SELECT * FROM S1 ORDER BY MYKEY DESC;", "line 1:24: Syntax Error\n"},
		{"SELECT * FROM t LIMIT 2.5;", "Value must be integer for command: LIMIT"},
		{"SELECT * FROM t WHERE ID IN ( );", "Syntax Error"},
		{"SELECT * FROM t GROUP BY a AND b;", "Syntax Error"},
		{"CREATE STREAM FROM (a INT);", "line 1:15: Syntax Error\n'FROM' is a reserved keyword"},
		{"CREATE TABLE T (K STRING PRIMARY KEY) WITH (WINDOW_TYPE='Session', WINDOW_SIZE='30 seconds');",
			"'WINDOW_SIZE' should not be set for SESSION windows."},
		{"SELECT 'abc FROM t", "line 1:8: Syntax Error\nunterminated quoted text"},
		{"SELECT a FROM t WHERE", "line 1:22: Syntax Error\nmismatched input '<EOF>'"},
		{"SELECT a FROM t /* x", "line 1:17: Syntax Error\nunterminated comment"},
		{"SELECT a FROM t WHERE x = 1 = 2;", "line 1:29: Syntax Error\nExpecting {"},
		{"SELECT a # b FROM t", "line 1:10: Syntax Error\ntoken recognition error at: '#'"},
		{"CREATE STREAM s (a INT) WITH (kafka_topic='x' value_format='json');", "line 1:47: Syntax Error\nExpecting {',', ')'}"},
		{"SELECT CAST(a AS INT, 5) FROM t;", "line 1:21: Syntax Error\nmissing ')' at ','"},
		{"SELECT f(a b) FROM t;", "line 1:12: Syntax Error\nextraneous input 'b' expecting {',', ')'}"},
		// Windows that would divide by zero, wrap around or put a record
		// in billions of windows.
		{"SELECT k, COUNT(*) FROM s WINDOW TUMBLING (SIZE 0 SECONDS) GROUP BY k;", "line 1:49: A window's SIZE must be larger than zero."},
		{"SELECT k, COUNT(*) FROM s WINDOW SESSION (0 SECONDS) GROUP BY k;", "line 1:43: A session window's gap must be larger than zero."},
		{"SELECT k, COUNT(*) FROM s WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 0 SECONDS) GROUP BY k;",
			"line 1:71: A HOPPING window's ADVANCE BY must be larger than zero and at most its SIZE (10000 ms), but is 0 ms."},
		{"SELECT k, COUNT(*) FROM s WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 11 SECONDS) GROUP BY k;", "but is 11000 ms."},
		{"SELECT k, COUNT(*) FROM s WINDOW HOPPING (SIZE 365 DAYS, ADVANCE BY 1 MILLISECOND) GROUP BY k;",
			"line 1:69: A HOPPING window of SIZE 31536000000 ms advancing by 1 ms puts every record in 31536000000 windows; at most 100000 are allowed"},
		{"SELECT k, COUNT(*) FROM s WINDOW HOPPING (SIZE 100001 MILLISECONDS, ADVANCE BY 1 MILLISECOND) GROUP BY k;", "in 100001 windows"},
		{"SELECT k, COUNT(*) FROM s WINDOW TUMBLING (SIZE 9223372036854775807 DAYS) GROUP BY k;",
			"line 1:49: Duration out of range: 9223372036854775807 DAYS is more than 1152921504606846976 milliseconds"},
		{"SELECT k, COUNT(*) FROM s WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 9223372036854775807 MILLISECONDS) GROUP BY k;",
			"line 1:72: Duration out of range"},
		{"SELECT * FROM a JOIN b WITHIN 13343998896 DAYS ON a.id = b.id;", "line 1:31: Duration out of range"},
		// DECIMAL parameters ksqlDB refuses, wherever a type is written.
		{"CREATE STREAM s (K STRING KEY, V MAP<STRING, ARRAY<DECIMAL(2,3)>>) WITH (kafka_topic='x', value_format='JSON');",
			"line 1:52: DECIMAL precision must be >= scale: DECIMAL(2,3)"},
		{"CREATE STREAM s (V DECIMAL(0, 0)) WITH (kafka_topic='x', value_format='JSON');", "line 1:20: DECIMAL precision must be >= 1: DECIMAL(0,0)"},
		{"SELECT CAST(a AS DECIMAL(1, 2)) FROM t;", "line 1:18: DECIMAL precision must be >= scale: DECIMAL(1,2)"},
		{"SELECT CAST(a AS STRUCT<X DECIMAL(4, 5)>) FROM t;", "line 1:27: DECIMAL precision must be >= scale: DECIMAL(4,5)"},
		{"ALTER STREAM s ADD COLUMN c DECIMAL(3, 4);", "line 1:29: DECIMAL precision must be >= scale: DECIMAL(3,4)"},
		// A STRUCT's field names, upper-cased unless quoted, once each.
		{"CREATE STREAM s (K STRING KEY, S STRUCT<A INT, b STRING, B INT>) WITH (kafka_topic='x', value_format='JSON');",
			"line 1:58: Duplicate field names found in STRUCT: 'B'"},
		{"SELECT CAST(a AS ARRAY<STRUCT<X INT, X INT>>) FROM t;", "line 1:38: Duplicate field names found in STRUCT: 'X'"},
	}
	for _, c := range cases {
		_, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want %q", c.in, c.want)
			continue
		}
		if _, ok := err.(*Error); !ok {
			t.Errorf("Parse(%q): error type %T", c.in, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q):\n got %q\nwant %q", c.in, err.Error(), c.want)
		}
	}
}

func TestRunScriptRejection(t *testing.T) {
	rs := parseOne(t, "RUN SCRIPT 'foo';").(*RunScript)
	if err := ErrRunScriptNotAllowed(rs); err.Error() != "line 1:1: Syntax Error\nUnknown statement 'RUN'" {
		t.Errorf("got %q", err)
	}
}

func TestIdentifiers(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"select `a``b` from t", "a`b"},
		{"select \"Quoted\" from t", "Quoted"},
		{"select 1col from t", "1COL"},
		{"select key from t", "KEY"},
		{"select `select` from t", "select"},
		{"select timestamp from t", "TIMESTAMP"},
	} {
		s := parseOne(t, c.in).(*Select)
		if got := s.Query.Select[0].Expr.(*ColumnRef).Name; got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSubstitute(t *testing.T) {
	vars := map[string]string{"topic": "t1", "FMT": "JSON"}
	got, err := Substitute("CREATE STREAM s WITH (kafka_topic='${topic}', value_format='${fmt}', x='$${topic}')", vars)
	if err != nil {
		t.Fatal(err)
	}
	if want := "CREATE STREAM s WITH (kafka_topic='t1', value_format='JSON', x='${topic}')"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err = Substitute("SELECT 1;\n  x ${missing}", vars)
	if err == nil || !strings.Contains(err.Error(), "missing") || !strings.HasPrefix(err.Error(), "line 2:5:") {
		t.Errorf("unknown variable: %v", err)
	}
	if got, _ := Substitute("no vars $x {y}", nil); got != "no vars $x {y}" {
		t.Errorf("got %q", got)
	}
}

// TestSubstituteLeavesComments: ${x} in a comment is not a variable
// reference (ksqlDB looks for variables only in the statement's tokens),
// so an undefined one there is no error and a defined one is not
// replaced; comment markers inside quotes do not start comments.
func TestSubstituteLeavesComments(t *testing.T) {
	vars := map[string]string{"env": "prod"}
	cases := []struct{ in, want string }{
		{"SELECT a, -- b_${old},\n  c_${env} FROM t;", "SELECT a, -- b_${old},\n  c_prod FROM t;"},
		{"SELECT /* ${gone} */ '${env}' FROM t;", "SELECT /* ${gone} */ 'prod' FROM t;"},
		{"SELECT '--${env}', '/*${env}*/' FROM t;", "SELECT '--prod', '/*prod*/' FROM t;"},
		{"SELECT 'it''s --', `a--`, \"b/*\" /* ${x} */ FROM ${env};", "SELECT 'it''s --', `a--`, \"b/*\" /* ${x} */ FROM prod;"},
		{"SELECT 1 /* unterminated ${x}", "SELECT 1 /* unterminated ${x}"},
	}
	for _, c := range cases {
		got, err := Substitute(c.in, vars)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	_, err := Substitute("SELECT /* a\n */ -- b\n  '${nope}' FROM t;", vars)
	if err == nil || !strings.HasPrefix(err.Error(), "line 3:4:") {
		t.Errorf("undefined variable after comments: %v, want it at line 3:4", err)
	}
}

func TestSplitStatements(t *testing.T) {
	cases := []struct {
		in       string
		complete []string
		rest     string
	}{
		{"SHOW STREAMS;", []string{"SHOW STREAMS;"}, ""},
		{"a; b;  c", []string{"a;", "b;"}, "c"},
		{"SELECT ';' FROM t; -- x;\n", []string{"SELECT ';' FROM t;"}, ""},
		{"SELECT 'a;\nb", nil, "SELECT 'a;\nb"},
		{"x /* ; */ y;", []string{"x /* ; */ y;"}, ""},
		{"x /* ; ", nil, "x /* ;"},
		{";;", nil, ""},
		{"-- only a comment", nil, ""},
		{"SELECT `a;b` FROM t;", []string{"SELECT `a;b` FROM t;"}, ""},
	}
	for _, c := range cases {
		complete, rest := SplitStatements(c.in)
		if !reflect.DeepEqual(complete, c.complete) || rest != c.rest {
			t.Errorf("SplitStatements(%q) = %q, %q; want %q, %q", c.in, complete, rest, c.complete, c.rest)
		}
	}
}

// FuzzParse checks that no input makes the parser panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT a, b->c[1] FROM t WHERE x IN (1, 2) EMIT CHANGES;",
		"CREATE STREAM s (a STRUCT<b ARRAY<MAP<STRING, INT>>> KEY) WITH (kafka_topic='t');",
		"SELECT TRANSFORM(a, (x, y) => x + y) FROM t GROUP BY (a, b);",
		"INSERT INTO s VALUES (-1, 'x', ARRAY[1]);",
		"PRINT 'x' FROM BEGINNING LIMIT -2;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		Parse(s)
		ParseExpr(s)
		ParseType(s)
		SplitStatements(s)
	})
}
