package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/sql"
)

func newMemEngine(t *testing.T) (*Engine, *kafka.MemCluster) {
	t.Helper()
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e, err := New(context.Background(), Options{Cluster: cl, Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, cl
}

func mustExec(t testing.TB, e *Engine, text string) []api.Entity {
	t.Helper()
	ents, err := e.Execute(context.Background(), text, nil)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return ents
}

// engineOn starts an engine with default settings on cl; restart tests
// start several in turn on one cluster. The caller closes it.
func engineOn(t *testing.T, cl kafka.Cluster) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func values(t *testing.T, cl kafka.Cluster, topic string) []string {
	t.Helper()
	recs, err := cl.ReadAll(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Key)+"|"+string(r.Value))
	}
	return out
}

func TestFilterProjectPipeline(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, id BIGINT, name STRING) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	ents := mustExec(t, e, "CREATE STREAM out AS SELECT k, UCASE(name) AS upper_name, id * 2 AS twice FROM s WHERE id > 1;")
	cs, ok := ents[0].(*api.CurrentStatus)
	if !ok || !strings.HasPrefix(cs.CommandStatus.Message, "Created query with ID CSAS_OUT_") {
		t.Fatalf("unexpected entity %#v", ents[0])
	}
	mustExec(t, e, "INSERT INTO s (k, id, name) VALUES ('a', 1, 'x');")
	mustExec(t, e, "INSERT INTO s (k, id, name) VALUES ('b', 2, 'y');")
	got := values(t, cl, "OUT")
	want := []string{`b|{"UPPER_NAME":"Y","TWICE":4}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestBadRecordGoesToProcessingLog(t *testing.T) {
	cl, e := loggingEngine(t)
	mustExec(t, e, "CREATE STREAM s (id BIGINT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM out AS SELECT id FROM s;")
	ctx := context.Background()
	if err := cl.Produce(ctx, kafka.Record{Topic: "in", Partition: -1, Value: []byte("{not json")}, kafka.Record{Topic: "in", Partition: -1, Value: []byte(`{"id":7}`)}); err != nil {
		t.Fatal(err)
	}
	if got := values(t, cl, "OUT"); len(got) != 1 || got[0] != `|{"ID":7}` {
		t.Fatalf("query did not continue past the bad record: %q", got)
	}
	logged := values(t, cl, "default_ksql_processing_log")
	if len(logged) != 1 || !strings.Contains(logged[0], `"deserializationError":{`) || !strings.Contains(logged[0], `"topic":"in"`) {
		t.Fatalf("processing log = %q", logged)
	}
	// The log is a stream too.
	var rows [][]any
	err := e.Stream(ctx, "SELECT MESSAGE->TYPE, MESSAGE->DESERIALIZATIONERROR->TOPIC FROM KSQL_PROCESSING_LOG;", nil, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, r.Row.Columns)
		}
		return nil
	})
	if err != nil || len(rows) != 1 || rows[0][0] != int32(0) || rows[0][1] != "in" {
		t.Fatalf("KSQL_PROCESSING_LOG rows %v, err %v", rows, err)
	}
}

// TestProcessingLogNamesTargetAndRecord: a deserialization error's entry
// names the side that failed (TARGET) and, with
// ksql.logging.processing.rows.include, holds its bytes (RECORDB64), so
// the query users write over the log, decoding the bad record, works.
func TestProcessingLogNamesTargetAndRecord(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e, err := New(context.Background(), Options{Cluster: cl, Config: map[string]string{
		"auto.offset.reset": "earliest", "ksql.logging.processing.stream.auto.create": "true",
		"ksql.logging.processing.rows.include": "true",
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	mustExec(t, e, "CREATE STREAM s (k INT KEY, id BIGINT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM out AS SELECT k, id FROM s;")
	ctx := context.Background()
	if err := cl.Produce(ctx,
		kafka.Record{Topic: "in", Partition: -1, Key: []byte{0, 0, 0, 1}, Value: []byte("{not json")},
		kafka.Record{Topic: "in", Partition: -1, Key: []byte{1}, Value: []byte(`{"id":7}`)},
		kafka.Record{Topic: "in", Partition: -1, Key: []byte{0, 0, 0, 2}, Value: []byte(`{"id":8}`)}); err != nil {
		t.Fatal(err)
	}
	if got := values(t, cl, "OUT"); len(got) != 1 {
		t.Fatalf("query output %q, want the one good record", got)
	}
	var rows [][]any
	err = e.Stream(ctx, "SELECT MESSAGE->DESERIALIZATIONERROR->TARGET, FROM_BYTES(TO_BYTES(MESSAGE->DESERIALIZATIONERROR->RECORDB64, 'base64'), 'utf8'), "+
		"MESSAGE->PRODUCTIONERROR FROM KSQL_PROCESSING_LOG;", nil, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, r.Row.Columns)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"value", "{not json", nil}, {"key", "\x01", nil}}
	if len(rows) != 2 || rows[0][0] != want[0][0] || rows[0][1] != want[0][1] || rows[0][2] != nil || rows[1][0] != "key" {
		t.Fatalf("KSQL_PROCESSING_LOG rows %q, want %q", rows, want)
	}
}

func TestErrorsAreClassified(t *testing.T) {
	e, _ := newMemEngine(t)
	_, err := e.Execute(context.Background(), "CREATE STREAM s (id BIGINT) WITH (kafka_topic='in', value_format='JSON', partitions=1);\nSELEC * FROM s;", nil)
	var ee *Error
	if !errors.As(err, &ee) || ee.Kind != ParseError || !strings.Contains(ee.Msg, "line 2:1") {
		t.Fatalf("want parse error at line 2:1, got %v", err)
	}
	mustExec(t, e, "CREATE STREAM s (id BIGINT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	_, err = e.Execute(context.Background(), "CREATE STREAM o AS SELECT idd FROM s;", nil)
	if !errors.As(err, &ee) || ee.Kind != StatementError || !strings.Contains(ee.Msg, "IDD") || !strings.Contains(ee.Msg, "Did you mean ID") {
		t.Fatalf("want unknown-column error with hint, got %v", err)
	}
	_, err = e.Execute(context.Background(), "CREATE STREAM o AS SELECT id FROM ss;", nil)
	if !errors.As(err, &ee) || !strings.HasPrefix(ee.Msg, "Exception while preparing statement: SS does not exist.") || !strings.Contains(ee.Msg, "Did you mean S") {
		t.Fatalf("want ksqlDB's unknown-source error (found while preparing) with a hint, got %v", err)
	}
}

func TestPushQueryWithLimit(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	for _, v := range []string{"1", "2", "3"} {
		mustExec(t, e, "INSERT INTO s (k, v) VALUES ('a', "+v+");")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var rows [][]any
	var final string
	err := e.Stream(ctx, "SELECT v + 1 AS w FROM s EMIT CHANGES LIMIT 2;", map[string]string{"auto.offset.reset": "earliest"}, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, r.Row.Columns)
		}
		if r.FinalMessage != "" {
			final = r.FinalMessage
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != int32(2) || rows[1][0] != int32(3) || final != "Limit Reached" {
		t.Fatalf("rows=%v final=%q", rows, final)
	}
	// A negative LIMIT is refused, as a pull query's is; it streamed
	// without end.
	err = e.Stream(ctx, "SELECT v FROM s EMIT CHANGES LIMIT -1;", map[string]string{"auto.offset.reset": "earliest"}, func(api.StreamedRow) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "Push queries don't support negative integers in the LIMIT clause.") {
		t.Errorf("LIMIT -1: %v", err)
	}
	// LIMIT 0 completes at once with no row (it waited for a row that
	// could never be emitted, forever on an input with none).
	mustExec(t, e, "CREATE STREAM quiet (v INT) WITH (kafka_topic='quiet', value_format='JSON', partitions=1);")
	rows, final = nil, ""
	err = e.Stream(ctx, "SELECT v FROM quiet EMIT CHANGES LIMIT 0;", map[string]string{"auto.offset.reset": "earliest"}, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, r.Row.Columns)
		}
		if r.FinalMessage != "" {
			final = r.FinalMessage
		}
		return nil
	})
	if err != nil || len(rows) != 0 || final != "Limit Reached" {
		t.Errorf("LIMIT 0: err=%v rows=%v final=%q", err, rows, final)
	}
	var printed []string
	err = e.Print(ctx, "PRINT 'in' FROM BEGINNING LIMIT 0;", nil, func(l string) error {
		printed = append(printed, l)
		return nil
	})
	if err != nil || len(printed) != 0 {
		t.Errorf("PRINT LIMIT 0: err=%v printed=%q", err, printed)
	}
}

func TestRestartReplaysCatalogAndResumes(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	ctx := context.Background()
	e1 := engineOn(t, cl)
	mustExec(t, e1, "CREATE STREAM s (id INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e1, "CREATE STREAM out AS SELECT id FROM s;")
	mustExec(t, e1, "INSERT INTO s (id) VALUES (1);")
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	// Written while no engine runs: the restarted query must pick it up.
	if err := cl.Produce(ctx, kafka.Record{Topic: "in", Partition: -1, Value: []byte(`{"id":2}`)}); err != nil {
		t.Fatal(err)
	}
	e2 := engineOn(t, cl)
	defer e2.Close()
	if e2.Metastore().Source("S") == nil || e2.Metastore().Source("OUT") == nil || e2.Metastore().Query("CSAS_OUT_0") == nil {
		t.Fatalf("catalog not replayed: %d sources", len(e2.Sources()))
	}
	got := values(t, cl, "OUT")
	if strings.Join(got, ",") != `|{"ID":1},|{"ID":2}` {
		t.Fatalf("after restart got %q", got)
	}
}

func TestRestartRebuildsAggregateState(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e1 := engineOn(t, cl)
	mustExec(t, e1, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e1, "CREATE TABLE c AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;")
	mustExec(t, e1, "INSERT INTO s (k, v) VALUES ('a', 1);")
	mustExec(t, e1, "INSERT INTO s (k, v) VALUES ('a', 2);")
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := engineOn(t, cl)
	defer e2.Close()
	mustExec(t, e2, "INSERT INTO s (k, v) VALUES ('a', 3);")
	// The count continues from the state before the restart, and records
	// processed before it are not emitted again.
	got := values(t, cl, "C")
	want := []string{`a|{"N":1}`, `a|{"N":2}`, `a|{"N":3}`}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("after restart got %q, want %q", got, want)
	}
}

func TestGroupByRepartitionsThroughInternalTopic(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, region STRING) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE c AS SELECT region, COUNT(*) AS n FROM s GROUP BY region;")
	mustExec(t, e, "INSERT INTO s (k, region) VALUES ('a', 'eu');")
	mustExec(t, e, "INSERT INTO s (k, region) VALUES ('b', 'eu');")
	repart := "_confluent-ksql-default_query_CTAS_C_0-Aggregate-GroupBy-repartition"
	if n := len(values(t, cl, repart)); n != 2 {
		t.Fatalf("repartition topic has %d records, want 2", n)
	}
	if got := values(t, cl, "C"); strings.Join(got, ",") != `eu|{"N":1},eu|{"N":2}` {
		t.Fatalf("got %q", got)
	}
	mustExec(t, e, "TERMINATE CTAS_C_0;")
	if _, ok, _ := cl.Topic(context.Background(), repart); ok {
		t.Fatal("internal topic not deleted with its query")
	}
}

func TestValidateRunsNothing(t *testing.T) {
	e, cl := newMemEngine(t)
	ctx := context.Background()
	ok := []string{
		"CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='new_topic', value_format='JSON', partitions=1);",
		"CREATE STREAM o AS SELECT id, v FROM s;",
	}
	before := len(e.Sources())
	if err := e.Validate(ctx, ok, nil); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	if len(e.Sources()) != before {
		t.Fatal("Validate changed the catalog")
	}
	if _, exists, _ := cl.Topic(ctx, "new_topic"); exists {
		t.Fatal("Validate created a topic")
	}
	bad := append(ok, "CREATE STREAM o2 AS SELECT id, nope FROM s;")
	err := e.Validate(ctx, bad, nil)
	if err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Fatalf("want the third statement's error, got %v", err)
	}
}

func TestForeignKeyJoin(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE customers (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE enriched AS SELECT o.id AS order_id, c.name, o.amount FROM orders o JOIN customers c ON o.customer_id = c.id;")
	mustExec(t, e, "INSERT INTO customers (id, name) VALUES (7, 'ann');")
	mustExec(t, e, "INSERT INTO orders (id, customer_id, amount) VALUES (1, 7, 10);")
	mustExec(t, e, "INSERT INTO orders (id, customer_id, amount) VALUES (2, 7, 20);")
	// A change on the right fans out to every order that points at it.
	mustExec(t, e, "INSERT INTO customers (id, name) VALUES (7, 'annie');")
	// Keys are KAFKA INTs (4 bytes big-endian): the order ids.
	want := []string{
		"\x00\x00\x00\x01|{\"NAME\":\"ann\",\"AMOUNT\":10}", "\x00\x00\x00\x02|{\"NAME\":\"ann\",\"AMOUNT\":20}",
		"\x00\x00\x00\x01|{\"NAME\":\"annie\",\"AMOUNT\":10}", "\x00\x00\x00\x02|{\"NAME\":\"annie\",\"AMOUNT\":20}",
	}
	if got := values(t, cl, "ENRICHED"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %q", got)
	}
}

// TestRunScriptIsASyntaxErrorForTheEngine: only the shell runs scripts;
// the engine (so a server's /ksql) answers RUN SCRIPT as ksqlDB's server
// does, with a syntax error.
func TestRunScriptIsASyntaxErrorForTheEngine(t *testing.T) {
	e, _ := newMemEngine(t)
	_, err := e.Execute(context.Background(), "RUN SCRIPT 'foo.sql';", nil)
	var ee *Error
	if !errors.As(err, &ee) || ee.Kind != ParseError || !strings.Contains(ee.Msg, "line 1:1: Syntax Error\nUnknown statement 'RUN'") {
		t.Fatalf("got %v, want ksqlDB's syntax error for RUN", err)
	}
}

// TestInvalidTimestampStopsTheQueryWhenAsked: by default a record whose
// TIMESTAMP column does not parse is logged and skipped; with
// ksql.timestamp.throw.on.invalid the query stops with an error instead,
// and writes nothing after the bad record.
func TestInvalidTimestampStopsTheQueryWhenAsked(t *testing.T) {
	for _, throw := range []bool{false, true} {
		e, cl := newMemEngine(t)
		props := map[string]string{"ksql.timestamp.throw.on.invalid": fmt.Sprint(throw)}
		if _, err := e.Execute(context.Background(), `CREATE STREAM S (K STRING KEY, ID BIGINT, TS STRING) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1, TIMESTAMP='TS', TIMESTAMP_FORMAT='yyyy-MM-dd');
			CREATE STREAM O AS SELECT K, ID FROM S;`, props); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{`{"ID":1,"TS":"2026-12-01"}`, `{"ID":2,"TS":"!!"}`, `{"ID":3,"TS":"2026-12-02"}`} {
			if err := cl.Produce(context.Background(), kafka.Record{Topic: "s", Partition: -1, Key: []byte("k"), Value: []byte(v)}); err != nil {
				t.Fatal(err)
			}
		}
		got := values(t, cl, "O")
		errs := e.QueryErrors()
		if throw {
			if len(got) != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "Fatal user code error in TimestampExtractor callback for record") {
				t.Errorf("throw: outputs %q, query errors %v; want one output and the query stopped", got, errs)
			}
		} else if len(got) != 2 || len(errs) != 0 {
			t.Errorf("default: outputs %q, query errors %v; want the bad record skipped", got, errs)
		}
	}
}

// TestInvalidTimestampIsNamedInTheProcessingLog: a record whose
// TIMESTAMP column is null, does not parse with TIMESTAMP_FORMAT, or is
// before 1970 is skipped, and its processing log entry names the column,
// the value and the format.
func TestInvalidTimestampIsNamedInTheProcessingLog(t *testing.T) {
	cl, e := loggingEngine(t)
	mustExec(t, e, `CREATE STREAM S (ID BIGINT, TS STRING) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1, TIMESTAMP='TS', TIMESTAMP_FORMAT='yyyy-MM-dd');
		CREATE STREAM O AS SELECT ID FROM S;
		CREATE STREAM L (ID BIGINT, EVENT_MS BIGINT) WITH (KAFKA_TOPIC='l', VALUE_FORMAT='JSON', PARTITIONS=1, TIMESTAMP='EVENT_MS');
		CREATE STREAM LO AS SELECT ID FROM L;`)
	for _, r := range []kafka.Record{
		{Topic: "s", Value: []byte(`{"ID":1,"TS":"bogus"}`)},
		{Topic: "s", Value: []byte(`{"ID":2,"TS":null}`)},
		{Topic: "s", Value: []byte(`{"ID":3,"TS":"2026-12-05"}`)},
		{Topic: "l", Value: []byte(`{"ID":4,"EVENT_MS":-5}`)},
	} {
		r.Partition = -1
		if err := cl.Produce(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if got := values(t, cl, "O"); len(got) != 1 || got[0] != `|{"ID":3}` {
		t.Errorf("O = %q, want only the record with a valid timestamp", got)
	}
	logged := strings.Join(values(t, cl, "default_ksql_processing_log"), "\n")
	for _, want := range []string{
		"timestamp column `TS`: \\\"bogus\\\" does not parse with TIMESTAMP_FORMAT 'yyyy-MM-dd'",
		"timestamp column `TS` is null",
		"timestamp column `EVENT_MS`: -5 is not a time at or after 1970-01-01T00:00:00Z",
	} {
		if !strings.Contains(logged, want) {
			t.Errorf("the processing log lacks %s:\n%s", want, logged)
		}
	}
}

// loggingEngine is an engine over a one-partition in-memory cluster that
// reads from the earliest offset and writes its processing log to a
// stream, closed when the test ends.
func loggingEngine(t *testing.T) (*kafka.MemCluster, *Engine) {
	t.Helper()
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e, err := New(context.Background(), Options{Cluster: cl, Config: map[string]string{
		"auto.offset.reset": "earliest", "ksql.logging.processing.stream.auto.create": "true",
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return cl, e
}

// TestScalablePushDropsKeylessRows: a scalable push query
// (ksql.query.push.v2.enabled) over a stream with key columns leaves out
// rows read from records without a key, as ksqlDB's does; over a stream
// without key columns every row comes through.
func TestScalablePushDropsKeylessRows(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, `CREATE STREAM I (K INT KEY, ID INT) WITH (kafka_topic='keyed', value_format='JSON', partitions=1);
		CREATE STREAM KEYED AS SELECT * FROM I;
		CREATE STREAM N (ID INT) WITH (kafka_topic='keyless', value_format='JSON', partitions=1);
		CREATE STREAM KEYLESS AS SELECT * FROM N;`)
	props := map[string]string{"ksql.query.push.v2.enabled": "true", "auto.offset.reset": "latest"}
	for _, c := range []struct {
		source, topic string
		want          string
	}{
		{"KEYED", "keyed", "[[11 2]]"},
		{"KEYLESS", "keyless", "[[1] [2]]"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		subscribed := make(chan struct{})
		var rows [][]any
		var id string
		done := make(chan error, 1)
		go func() {
			done <- e.Stream(ctx, "SELECT * FROM "+c.source+" EMIT CHANGES LIMIT "+fmt.Sprint(strings.Count(c.want, "[")-1)+";", props, func(r api.StreamedRow) error {
				if r.Header != nil {
					id = r.Header.QueryID
					close(subscribed)
				}
				if r.Row != nil {
					rows = append(rows, r.Row.Columns)
				}
				return nil
			})
		}()
		<-subscribed
		// The first record has no key: in KEYED its row is left out.
		key := []byte{0, 0, 0, 11}
		if c.topic == "keyless" {
			key = nil
		}
		for i, k := range [][]byte{nil, key} {
			if err := cl.Produce(ctx, kafka.Record{Topic: c.topic, Partition: -1, Key: k, Value: []byte(fmt.Sprintf(`{"ID":%d}`, i+1))}); err != nil {
				t.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		cancel()
		if !strings.HasPrefix(id, "SCALABLE_PUSH_QUERY") {
			t.Fatalf("%s: query id %q, want a scalable push query", c.source, id)
		}
		if got := fmt.Sprint(rows); got != c.want {
			t.Errorf("%s: rows %s, want %s", c.source, got, c.want)
		}
	}
}

// INSERT VALUES converts a value to its column's type only where ksqlDB
// casts implicitly: a BIGINT, DECIMAL or DOUBLE into an INT or BIGINT
// column is refused, not wrapped or truncated.
func TestInsertValuesRefusesNarrowingToIntegers(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, i INT, b BIGINT, d DOUBLE, a ARRAY<INT>) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	expectExecErrors(t, e, map[string]string{
		"INSERT INTO s (k, i) VALUES ('a', 2147483648);":           "Failed to insert values into 'S'. Expected type INTEGER for field `I` but got BIGINT(2147483648)",
		"INSERT INTO s (k, i) VALUES ('a', 1.7);":                  "Failed to insert values into 'S'. Expected type INTEGER for field `I` but got DECIMAL(1.7)",
		"INSERT INTO s (k, b) VALUES ('a', 2.5E0);":                "Failed to insert values into 'S'. Expected type BIGINT for field `B` but got DOUBLE(2.5)",
		"INSERT INTO s (k, a) VALUES ('a', ARRAY[1, 2147483648]);": "Failed to insert values into 'S'. Expected type ARRAY<INTEGER> for field `A` but got ARRAY([1, 2147483648])",
	})
	mustExec(t, e, "INSERT INTO s (k, i, b, d) VALUES ('a', 1, 2147483648, 3);")
	if got := values(t, cl, "in"); len(got) != 1 || got[0] != `a|{"I":1,"B":2147483648,"D":3.0,"A":null}` {
		t.Errorf("rows %q", got)
	}
}

// INSERT VALUES converts only what ksqlDB's strict coercer converts: a
// string becomes BYTES (base64), TIMESTAMP, TIME or DATE, but no number
// or boolean becomes a STRING and no string a number; a struct keeps the
// column's fields by name.
func TestInsertValuesCoercesStrictly(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, s STRING, i INT, bs BYTES, ts TIMESTAMP, st STRUCT<A INT, B STRING>) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	expectExecErrors(t, e, map[string]string{
		"INSERT INTO s (k, s) VALUES ('a', 1);":              "Failed to insert values into 'S'. Expected type STRING for field `S` but got INTEGER(1)",
		"INSERT INTO s (k, s) VALUES ('a', true);":           "Failed to insert values into 'S'. Expected type STRING for field `S` but got BOOLEAN(true)",
		"INSERT INTO s (k, i) VALUES ('a', '5');":            "Failed to insert values into 'S'. Expected type INTEGER for field `I` but got STRING(5)",
		"INSERT INTO s (k, bs) VALUES ('a', 'not base64!');": "Failed to insert values into 'S'. Expected type BYTES for field `BS` but got STRING(not base64!)",
		"INSERT INTO s (k, ts) VALUES ('a', 'yesterday');":   "Failed to insert values into 'S'. Expected type TIMESTAMP for field `TS` but got STRING(yesterday). Timestamp format must be yyyy-mm-ddThh:mm:ss[.S]",
	})
	mustExec(t, e, "INSERT INTO s (k, bs, ts, st) VALUES ('a', 'IQ==', '2020-01-02T03:04:05.123', STRUCT(C := 7, A := 1));")
	if got := values(t, cl, "in"); len(got) != 1 || got[0] != `a|{"S":null,"I":null,"BS":"IQ==","TS":1577934245123,"ST":{"A":1,"B":null}}` {
		t.Errorf("rows %q", got)
	}
}

// INSERT VALUES puts a number into a DECIMAL column only when it fits
// exactly, as ksqlDB's coercion does (no rounding, no DOUBLE at all).
func TestInsertValuesRefusesRoundingToDecimals(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, d DECIMAL(4, 2), a ARRAY<DECIMAL(4, 2)>) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	expectExecErrors(t, e, map[string]string{
		"INSERT INTO s (k, d) VALUES ('a', 12.345);":            "Failed to insert values into 'S'. Expected type DECIMAL(4, 2) for field `D` but got DECIMAL(12.345)",
		"INSERT INTO s (k, d) VALUES ('a', 1.2345E0);":          "Failed to insert values into 'S'. Expected type DECIMAL(4, 2) for field `D` but got DOUBLE(1.2345)",
		"INSERT INTO s (k, d) VALUES ('a', 1.5E0);":             "Failed to insert values into 'S'. Expected type DECIMAL(4, 2) for field `D` but got DOUBLE(1.5)",
		"INSERT INTO s (k, d) VALUES ('a', 123);":               "Failed to insert values into 'S'. Expected type DECIMAL(4, 2) for field `D` but got INTEGER(123)",
		"INSERT INTO s (k, a) VALUES ('a', ARRAY[1.5, 1.234]);": "Failed to insert values into 'S'. Expected type ARRAY<DECIMAL(4, 2)> for field `A` but got ARRAY([1.500, 1.234])",
	})
	mustExec(t, e, "INSERT INTO s (k, d, a) VALUES ('a', 12.3, ARRAY[1, 1.500]);")
	if got := values(t, cl, "in"); len(got) != 1 || got[0] != `a|{"D":12.30,"A":[1.00,1.50]}` {
		t.Errorf("rows %q", got)
	}
}

// expectExecErrors runs each statement and expects it to fail with
// exactly its message.
func expectExecErrors(t *testing.T, e *Engine, cases map[string]string) {
	t.Helper()
	for stmt, want := range cases {
		_, err := e.Execute(context.Background(), stmt, nil)
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", stmt, err, want)
		}
	}
}

// expectPlanErrors checks errors found while planning a query-making
// statement: each message is want, then the statement quoted as ksqlDB
// quotes it (TestPlanningErrorQuotesTheStatement checks the quoting).
func expectPlanErrors(t *testing.T, e *Engine, cases map[string]string) {
	t.Helper()
	for stmt, want := range cases {
		_, err := e.Execute(context.Background(), stmt, nil)
		if err == nil {
			t.Errorf("%s: no error, want %s", stmt, want)
			continue
		}
		msg, _, quoted := strings.Cut(err.Error(), "\nStatement: ")
		if msg != want || !quoted {
			t.Errorf("%s: %v, want %s and the statement", stmt, err, want)
		}
	}
}

// TestDecimalSumOverflowStopsTheQuery: a DECIMAL SUM that no longer fits
// its type stops the query with ksqlDB's "Numeric field overflow", naming
// the bound, instead of writing sums that leave the record out.
func TestDecimalSumOverflowStopsTheQuery(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, `CREATE STREAM S (K STRING KEY, V DECIMAL(4,1)) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);
		CREATE TABLE T AS SELECT K, SUM(V) AS TOTAL FROM S GROUP BY K;`)
	for _, v := range []string{"500.9", "300.8", "400.8", "5.0"} { // 1202.5 does not fit DECIMAL(4,1)
		if err := cl.Produce(context.Background(), kafka.Record{Topic: "s", Partition: -1, Key: []byte("a"), Value: []byte(`{"V":` + v + `}`)}); err != nil {
			t.Fatal(err)
		}
	}
	got := values(t, cl, "T")
	errs := e.QueryErrors()
	want := "SUM: Numeric field overflow: A field with precision 4 and scale 1 must round to an absolute value less than 10^3"
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
		t.Errorf("query errors %v; want one containing %q", errs, want)
	}
	if strings.Join(got, " ") != `a|{"TOTAL":500.9} a|{"TOTAL":801.7}` {
		t.Errorf("outputs %q; want the two sums before the overflow", got)
	}
}

// TestDroppedQueryLeavesNoState: TERMINATE (and DROP, which terminates)
// deletes the query's repartition topics, state changelogs and local
// state stores, as ksqlDB's cleanup does; the sink topic stays.
func TestDroppedQueryLeavesNoState(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	dir := t.TempDir()
	e, err := New(context.Background(), Options{Cluster: cl, StateDir: dir, Config: map[string]string{StateStoreProperty: "pebble", "auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	mustExec(t, e, `CREATE STREAM S (K STRING KEY, G STRING) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);
		INSERT INTO S (K, G) VALUES ('a', 'x');
		CREATE TABLE T AS SELECT G, COUNT(*) AS N FROM S GROUP BY G;`)
	values(t, cl, "T") // the query has run, so its stores exist
	internal := func() []string {
		topics, err := cl.Topics(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ti := range topics {
			if strings.Contains(ti.Name, "query_CTAS_T_") {
				out = append(out, ti.Name)
			}
		}
		return out
	}
	stores, _ := filepath.Glob(filepath.Join(dir, "tasks", "*", "CTAS_T_*"))
	if got := internal(); len(got) < 2 || len(stores) == 0 {
		t.Fatalf("setup: internal topics %v, state stores %v; want a repartition topic, a changelog and a store", got, stores)
	}
	mustExec(t, e, "DROP TABLE T;")
	if got := internal(); len(got) != 0 {
		t.Errorf("after DROP the query's topics remain: %v", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "tasks", "*", "CTAS_T_*")); len(left) != 0 {
		t.Errorf("after DROP its state stores remain: %v", left)
	}
	if _, ok, _ := cl.Topic(context.Background(), "T"); !ok {
		t.Error("DROP without DELETE TOPIC deleted the sink topic")
	}
}

// TestCreateOrReplaceKeepsState: CREATE OR REPLACE runs the new version
// of a query under the same id on the old one's state, as ksqlDB's
// in-place upgrade does: a count goes on from where it was.
func TestCreateOrReplaceKeepsState(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e, err := New(context.Background(), Options{Cluster: cl, StateDir: t.TempDir(), Config: map[string]string{StateStoreProperty: "pebble", "auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	mustExec(t, e, `CREATE STREAM S (K STRING KEY, G STRING, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);
		INSERT INTO S (K, G, V) VALUES ('a', 'x', 1);
		INSERT INTO S (K, G, V) VALUES ('b', 'x', 2);
		CREATE TABLE T AS SELECT G, COUNT(*) AS N FROM S GROUP BY G;`)
	values(t, cl, "T")
	// The new filter reads a column the aggregation already reads: one on
	// another column changes what it keeps, which ksqlDB refuses.
	mustExec(t, e, `CREATE OR REPLACE TABLE T AS SELECT G, COUNT(*) AS N FROM S WHERE G <> 'z' GROUP BY G;
		INSERT INTO S (K, G, V) VALUES ('c', 'x', 3);`)
	got := values(t, cl, "T")
	if last := got[len(got)-1]; last != `x|{"N":3}` {
		t.Errorf("after the replace the count is %s, want 3 (outputs %q)", last, got)
	}
}

// TestPartitionAndReplicaCountsMustBePositive: PARTITIONS or REPLICAS of
// zero, below zero, or past what Kafka stores (an int32, an int16) are
// refused with ksqlDB's messages, and no topic is created (a broker took
// zero or -5 as its default of one partition; 5,000,000,000 wrapped).
func TestPartitionAndReplicaCountsMustBePositive(t *testing.T) {
	e, cl := newMemEngine(t)
	for _, tc := range []struct{ with, want string }{
		{"PARTITIONS=0", "Invalid number of partitions in WITH clause (must be positive): 0"},
		{"PARTITIONS=-5", "Invalid number of partitions in WITH clause (must be positive): -5"},
		{"PARTITIONS=5000000000", "Invalid number of partitions in WITH clause: 5000000000"},
		{"PARTITIONS='x'", "Invalid number of partitions in WITH clause: x"},
		{"PARTITIONS=1, REPLICAS=0", "Invalid number of replicas in WITH clause (must be positive): 0"},
		{"PARTITIONS=1, REPLICAS=40000", "Invalid number of replicas in WITH clause: 40000"},
	} {
		for _, stmt := range []string{
			"CREATE STREAM S (V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', " + tc.with + ");",
			"CREATE STREAM S WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', " + tc.with + ") AS SELECT * FROM SRC;",
		} {
			if strings.Contains(stmt, " AS SELECT") {
				mustExec(t, e, "CREATE STREAM IF NOT EXISTS SRC (V INT) WITH (KAFKA_TOPIC='src', VALUE_FORMAT='JSON', PARTITIONS=1);")
			}
			_, err := e.Execute(context.Background(), stmt, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want %q", stmt, err, tc.want)
			}
			if _, exists, _ := cl.Topic(context.Background(), "s"); exists {
				t.Fatalf("%s: the topic was created", stmt)
			}
		}
	}
}

// TestStartInsertValuesKeepsSerializers: rows inserted through one
// InsertSerdes are written with the target's formats, and a source
// altered between two rows is written with its new columns (kept
// serializers of the old schema dropped W).
func TestStartInsertValuesKeepsSerializers(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM S (V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);")
	var kept InsertSerdes
	insert := func(text string) {
		t.Helper()
		stmts, err := sql.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		wait, err := e.StartInsertValues(context.Background(), stmts[0].(*sql.InsertValues), &kept)
		if err != nil {
			t.Fatal(err)
		}
		if err := wait(); err != nil {
			t.Fatal(err)
		}
	}
	insert("INSERT INTO S (V) VALUES (7);")
	insert("INSERT INTO S (V) VALUES (8);")
	mustExec(t, e, "ALTER STREAM S ADD COLUMN W STRING;")
	insert("INSERT INTO S (V, W) VALUES (9, 'x');")
	got := values(t, cl, "s")
	if len(got) != 3 || !strings.Contains(got[0], `{"V":7}`) || !strings.Contains(got[1], `{"V":8}`) || !strings.Contains(got[2], `{"V":9,"W":"x"}`) {
		t.Errorf("topic s holds %q, want the three rows, the last with W", got)
	}
}

// droppedWithTopics starts an engine on cl that creates streams s
// (topic in) and raw, and table AGG counting s, then drops AGG and raw
// with DELETE TOPIC.
func droppedWithTopics(t *testing.T, cl *kafka.MemCluster) *Engine {
	t.Helper()
	e := engineOn(t, cl)
	mustExec(t, e, `CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);
		CREATE STREAM raw (v INT) WITH (kafka_topic='raw', value_format='JSON', partitions=1);
		CREATE TABLE agg AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;
		INSERT INTO s (k, v) VALUES ('a', 1);`)
	if got := values(t, cl, "AGG"); len(got) != 1 {
		t.Fatalf("setup: AGG holds %q", got)
	}
	mustExec(t, e, "DROP TABLE agg DELETE TOPIC; DROP STREAM raw DELETE TOPIC;")
	return e
}

// TestRestartDoesNotDeleteATopicAgain: DROP … DELETE TOPIC deletes the
// topic when it runs; a restart applies the command log again and must
// not delete the topic made under that name since, by a new query or by
// a producer.
func TestRestartDoesNotDeleteATopicAgain(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	ctx := context.Background()
	e1 := droppedWithTopics(t, cl)
	for _, topic := range []string{"AGG", "raw"} {
		if _, ok, _ := cl.Topic(ctx, topic); ok {
			t.Fatalf("DROP … DELETE TOPIC left topic %s", topic)
		}
	}
	mustExec(t, e1, "CREATE TABLE agg AS SELECT k, COUNT(*) AS n FROM s GROUP BY k; INSERT INTO s (k, v) VALUES ('b', 2);")
	if got := values(t, cl, "AGG"); len(got) != 1 {
		t.Fatalf("re-created AGG holds %q", got)
	}
	if err := cl.Produce(ctx, kafka.Record{Topic: "raw", Partition: -1, Value: []byte(`{"V":1}`)}); err != nil {
		t.Fatal(err)
	}
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := engineOn(t, cl)
	defer e2.Close()
	for _, topic := range []string{"AGG", "raw"} {
		if _, ok, _ := cl.Topic(ctx, topic); !ok {
			t.Errorf("the restart deleted topic %s again", topic)
		}
	}
	if got := values(t, cl, "AGG"); len(got) != 1 {
		t.Errorf("AGG holds %q after the restart, want the re-created table's row", got)
	}
	if got := values(t, cl, "raw"); len(got) != 1 {
		t.Errorf("raw holds %q after the restart, want the record produced after the DROP", got)
	}
}

// TestRestartDoesNotBringBackADroppedTopic: a restart replays the
// command log, whose CREATE … AS SELECT and CREATE … WITH (PARTITIONS)
// make their topics when missing; the DROP … DELETE TOPIC after them
// must leave them deleted, not half-present (a topic with no source),
// as the kill -9 walk found with eddy server.
func TestRestartDoesNotBringBackADroppedTopic(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	ctx := context.Background()
	e1 := droppedWithTopics(t, cl)
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		e2 := engineOn(t, cl)
		for _, topic := range []string{"AGG", "raw"} {
			if _, ok, _ := cl.Topic(ctx, topic); ok {
				t.Errorf("the restart made topic %s again, dropped with DELETE TOPIC", topic)
			}
		}
		if _, ok, _ := cl.Topic(ctx, "in"); !ok {
			t.Error("the restart lost topic in")
		}
		if err := e2.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInvalidOffsetResetIsRefused: a session property value Kafka's
// consumer would refuse is an error naming the allowed values, for a
// statement and a push query alike; valid values in any case pass.
func TestInvalidOffsetResetIsRefused(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (id INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	bad := map[string]string{"auto.offset.reset": "earlist"}
	want := "Invalid value earlist for configuration auto.offset.reset: String must be one of: latest, earliest, none"
	if _, err := e.Execute(context.Background(), "CREATE STREAM c AS SELECT * FROM s;", bad); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("CREATE … AS SELECT with %v: %v", bad, err)
	}
	if e.Metastore().Source("C") != nil {
		t.Error("the refused statement created C")
	}
	err := e.Stream(context.Background(), "SELECT * FROM s EMIT CHANGES LIMIT 1;", bad, func(api.StreamedRow) error { return nil })
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("push query with %v: %v", bad, err)
	}
	if _, err := e.Execute(context.Background(), "CREATE STREAM c AS SELECT * FROM s;", map[string]string{"auto.offset.reset": "Earliest"}); err != nil {
		t.Errorf("Earliest: %v", err)
	}
}

// TestRetentionShorterThanSizePlusGraceIsRefused: such a window would
// leave the state while records may still reach it (a helper's count of
// four records in one window ended at 1), so the CREATE fails, as Kafka
// Streams refuses the store.
func TestRetentionShorterThanSizePlusGraceIsRefused(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	for stmt, want := range map[string]string{
		"CREATE TABLE a AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 MINUTES, RETENTION 5 MINUTES, GRACE PERIOD 2 MINUTES) GROUP BY k;": "size=[600000], grace=[120000], retention=[300000]",
		"CREATE TABLE b AS SELECT k, COUNT(*) AS n FROM s WINDOW SESSION (1 MINUTE, GRACE PERIOD 1 MINUTE, RETENTION 90 SECONDS) GROUP BY k;":         "session inactivity gap plus the grace period",
		"CREATE TABLE c AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 1 HOUR) GROUP BY k;":                              "grace=[86340000]",
	} {
		_, err := e.Execute(context.Background(), stmt, nil)
		if err == nil || !strings.Contains(err.Error(), "The retention period of the") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", stmt, err, want)
		}
	}
	mustExec(t, e, "CREATE TABLE ok AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 MINUTES, RETENTION 12 MINUTES, GRACE PERIOD 2 MINUTES) GROUP BY k;")
	mustExec(t, e, "CREATE TABLE fin AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 1 MINUTE) GROUP BY k EMIT FINAL;")
}

// TestPushAggregateTombstoneKeepsKey: a windowed aggregate's push query
// deletes a merged session with its key and window bounds in the row,
// as ksqlDB's tombstones do, and the aggregate nulled; an item that only
// computes from the key is not a key column and is nulled too.
func TestPushAggregateTombstoneKeepsKey(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, `CREATE STREAM clk (ip VARCHAR, u VARCHAR) WITH (kafka_topic='clk', partitions=1, value_format='json');
		INSERT INTO clk (ROWTIME, ip, u) VALUES (1000, 'a', 'x');
		INSERT INTO clk (ROWTIME, ip, u) VALUES (2000, 'a', 'y');`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rows []string
	err := e.Stream(ctx, "SELECT ip, WINDOWSTART, WINDOWEND, COUNT(*) AS n, UCASE(ip) AS up FROM clk WINDOW SESSION (5 MINUTES) GROUP BY ip EMIT CHANGES LIMIT 3;",
		map[string]string{"auto.offset.reset": "earliest"}, func(r api.StreamedRow) error {
			if r.Row != nil {
				rows = append(rows, fmt.Sprintf("%v %v", r.Row.Columns, r.Row.Tombstone))
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"[a 1000 1000 1 A] false", "[a 1000 1000 <nil> <nil>] true", "[a 1000 2000 2 A] false"}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("rows:\n%q\nwant\n%q", rows, want)
	}
}

// A schema reads its headers once: nothing after a HEADERS column, and
// each HEADER('k') key once, with ksqlDB's messages.
func TestHeaderColumnsReadEachHeaderOnce(t *testing.T) {
	e, _ := newMemEngine(t)
	expectExecErrors(t, e, map[string]string{
		"CREATE STREAM a (v INT, h1 ARRAY<STRUCT<key STRING, value BYTES>> HEADERS, h2 ARRAY<STRUCT<key STRING, value BYTES>> HEADERS) WITH (kafka_topic='a', value_format='JSON', partitions=1);": "Schema already contains a HEADERS column.",
		"CREATE STREAM b (v INT, h1 ARRAY<STRUCT<key STRING, value BYTES>> HEADERS, h2 BYTES HEADER('x')) WITH (kafka_topic='b', value_format='JSON', partitions=1);":                              "Schema already contains a HEADERS column.",
		"CREATE STREAM c (v INT, h1 BYTES HEADER('x'), h2 BYTES HEADER('x')) WITH (kafka_topic='c', value_format='JSON', partitions=1);":                                                           "Schema already contains a HEADER('x') column.",
	})
	mustExec(t, e, "CREATE STREAM d (v INT, h1 BYTES HEADER('x'), h2 BYTES HEADER('y')) WITH (kafka_topic='d', value_format='JSON', partitions=1);")
}

// TestTaskStoresShareOneBlockCache: with the pebble store, every task
// store of the engine reads through one block cache whose size is
// ksql.plugins.rocksdb.cache.size (ksqlDB's bound on its stores' memory),
// 256 MiB without it; a size that is no number of bytes is refused at
// start.
func TestTaskStoresShareOneBlockCache(t *testing.T) {
	open := func(cfg map[string]string) (*Engine, error) {
		cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 2})
		cfg[StateStoreProperty] = "pebble"
		cfg["auto.offset.reset"] = "earliest"
		e, err := New(context.Background(), Options{Cluster: cl, StateDir: t.TempDir(), Config: cfg})
		if err == nil {
			t.Cleanup(func() { e.Close() })
		}
		return e, err
	}
	e, err := open(map[string]string{"ksql.plugins.rocksdb.cache.size": "8000000"})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, `CREATE STREAM S (K STRING KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=2);
		INSERT INTO S (K, V) VALUES ('a', 1);
		INSERT INTO S (K, V) VALUES ('b', 2);
		CREATE TABLE T AS SELECT K, COUNT(*) AS N FROM S GROUP BY K;`)
	if e.blocks == nil || e.blocks.Size() != 8_000_000 {
		t.Fatalf("the task stores' block cache: %+v, want one of 8,000,000 bytes", e.blocks)
	}
	stores, _ := filepath.Glob(filepath.Join(e.taskStateDir, "*", "*", "*"))
	if len(stores) == 0 {
		t.Error("no task store opened")
	}
	if d, err := open(map[string]string{}); err != nil || d.blocks.Size() != defaultBlockCacheBytes {
		t.Errorf("default block cache: %v, %v", d, err)
	}
	if _, err := open(map[string]string{"ksql.plugins.rocksdb.cache.size": "lots"}); err == nil || !strings.Contains(err.Error(), "ksql.plugins.rocksdb.cache.size") {
		t.Errorf("a cache size that is not a number: %v", err)
	}
}
