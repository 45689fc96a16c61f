package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
)

type pullResult struct {
	schema string
	rows   []string
	final  string
}

// runPull runs a query through Stream and collects what it emits, each
// row rendered with fmt.Sprintln.
func runPull(t testing.TB, e *Engine, text string, props map[string]string) (pullResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var res pullResult
	err := e.Stream(ctx, text, props, func(r api.StreamedRow) error {
		switch {
		case r.Header != nil:
			res.schema = r.Header.Schema
		case r.Row != nil:
			res.rows = append(res.rows, strings.TrimSuffix(fmt.Sprintln(r.Row.Columns...), "\n"))
		case r.FinalMessage != "":
			res.final = r.FinalMessage
		}
		return nil
	})
	return res, err
}

func mustPull(t testing.TB, e *Engine, text string, props map[string]string) pullResult {
	t.Helper()
	res, err := runPull(t, e, text, props)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return res
}

// riders makes a table t_in written by INSERT, and over its topic a
// source table T and a materialized copy MAT.
func riders(t *testing.T, e *Engine) {
	t.Helper()
	mustExec(t, e, "CREATE TABLE t_in (id STRING PRIMARY KEY, v INT, s STRING) WITH (kafka_topic='riders', format='JSON', partitions=1);")
	for i, k := range []string{"which", "there", "about", "would", "which", "other"} {
		mustExec(t, e, fmt.Sprintf("INSERT INTO t_in (id, v, s) VALUES ('%s', %d, 's%d');", k, i, i))
	}
	mustExec(t, e, "CREATE SOURCE TABLE t (id STRING PRIMARY KEY, v INT, s STRING) WITH (kafka_topic='riders', format='JSON');")
	mustExec(t, e, "CREATE TABLE mat AS SELECT * FROM t_in;")
}

func TestPullTableScanIsInKeyOrderAndLimitKeepsTheFirstKeys(t *testing.T) {
	e, _ := newMemEngine(t)
	riders(t, e)
	res := mustPull(t, e, "SELECT * FROM t;", nil)
	want := []string{"about 2 s2", "other 5 s5", "there 1 s1", "which 4 s4", "would 3 s3"}
	if strings.Join(res.rows, "|") != strings.Join(want, "|") || res.final != "Query Completed" {
		t.Fatalf("rows %q final %q, want %q", res.rows, res.final, want)
	}
	if res.schema != "`ID` STRING KEY, `V` INTEGER, `S` STRING" {
		t.Fatalf("schema %q", res.schema)
	}
	res = mustPull(t, e, "SELECT id FROM mat LIMIT 2;", nil)
	if strings.Join(res.rows, "|") != "about|other" || res.final != "Limit Reached" {
		t.Fatalf("LIMIT 2: rows %q final %q", res.rows, res.final)
	}
	res = mustPull(t, e, "SELECT id FROM mat WHERE id > 'p' LIMIT 2;", nil)
	if strings.Join(res.rows, "|") != "there|which" {
		t.Fatalf("filtered LIMIT 2: rows %q", res.rows)
	}
}

func TestPullTableScanOrdersByStatePartition(t *testing.T) {
	key := func(k string, start int64) []byte {
		return binary.BigEndian.AppendUint64([]byte(k), uint64(start))
	}
	var recs []kafka.Record
	for _, k := range []string{`"b"`, `"a"`, `"c"`, `"d"`, `"e"`} {
		recs = append(recs, kafka.Record{Key: key(k, 2000), Value: []byte("1"), Partition: 3}, kafka.Record{Key: key(k, 1000), Value: []byte("1"), Partition: 0})
	}
	recs = append(recs, kafka.Record{Key: key(`"e"`, 1000), Partition: 0}) // a delete
	src := &metastore.Source{IsTable: true, Window: &metastore.WindowInfo{Type: "TUMBLING", SizeMs: 1000}, CreatedBy: "CTAS_X_0"}
	got := tableScan(recs, src, 4)
	var order []string
	lastPart := int32(-1)
	for _, r := range got {
		inner := string(r.Key[:len(r.Key)-8])
		part := kafka.KeyPartition([]byte(inner), 4)
		if part < lastPart {
			t.Fatalf("partition %d after %d", part, lastPart)
		}
		lastPart = part
		order = append(order, fmt.Sprintf("%d:%s@%d", part, inner, binary.BigEndian.Uint64(r.Key[len(r.Key)-8:])))
	}
	if len(got) != 9 {
		t.Fatalf("want 9 live windows, got %q", order)
	}
	for i := 1; i < len(got); i++ {
		if order[i-1][0] == order[i][0] && order[i-1] > order[i] {
			t.Fatalf("not in key order within a partition: %q", order)
		}
	}
	// A table's own topic partition decides when it is not a windowed
	// aggregate.
	plain := tableScan([]kafka.Record{{Key: []byte("b"), Value: []byte("1"), Partition: 0}, {Key: []byte("a"), Value: []byte("1"), Partition: 1}}, &metastore.Source{IsTable: true}, 2)
	if string(plain[0].Key) != "b" {
		t.Fatalf("partition 0 first, got %q", plain[0].Key)
	}
}

func TestPullRejectsWhatKsqlDBRejects(t *testing.T) {
	e, _ := newMemEngine(t)
	riders(t, e)
	mustExec(t, e, "CREATE STREAM s1 (k INT KEY, v INT) WITH (kafka_topic='s1', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM s2 (k2 INT KEY, v2 INT) WITH (kafka_topic='s2', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE agg AS SELECT id, s, COUNT(*) AS c FROM t_in GROUP BY id, s;")
	scanOff := map[string]string{"ksql.query.pull.table.scan.enabled": "false"}
	cases := []struct {
		query string
		props map[string]string
		want  string
	}{
		{"SELECT * FROM s1 GROUP BY k;", nil, "Pull queries don't support GROUP BY clauses. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query."},
		{"SELECT * FROM s1 WINDOW TUMBLING (SIZE 1 SECOND);", nil, "Pull queries don't support WINDOW clauses."},
		{"SELECT * FROM s1 JOIN s2 WITHIN 1 SECOND ON k = k2;", nil, "Pull queries don't support JOIN clauses."},
		{"SELECT * FROM s1 PARTITION BY v;", nil, "Pull queries don't support PARTITION BY clauses."},
		{"SELECT * FROM s1 HAVING v > 1;", nil, "Pull queries don't support HAVING clauses."},
		{"SELECT k, ROWOFFSET, ROWPARTITION FROM s1;", nil, "Pull queries don't support the following columns in SELECT clauses: `ROWOFFSET`, `ROWPARTITION`"},
		{"SELECT * FROM mat WHERE id = 'a' AND ROWPARTITION = 1;", nil, "Pull queries don't support the following columns in WHERE clauses: `ROWPARTITION`"},
		{"SELECT * FROM t_in;", nil, "The `T_IN` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_T_IN AS SELECT * FROM T_IN'."},
		{"SELECT * FROM s1 LIMIT 2;", map[string]string{"ksql.query.pull.limit.clause.enabled": "false"}, "LIMIT clause in pull queries is currently disabled. You can enable them by setting ksql.query.pull.limit.clause.enabled=true."},
		{"SELECT * FROM s1 LIMIT -1;", nil, "Pull queries don't support negative integers in the LIMIT clause."},
		{"SELECT * FROM mat WHERE id = 11;", nil, "Error in WHERE expression: Cannot compare ID (STRING) to 11 (INTEGER) with EQUAL.\nStatement: (ID = 11)"},
		{"SELECT * FROM mat WHERE s BETWEEN 10 AND 'x';", nil, "Invalid expression: Cannot compare S (STRING) to 10 (INTEGER) with GREATER_THAN_OR_EQUAL"},
		{"SELECT * FROM mat WHERE v LIKE 12;", nil, "The column type for Like condition must be VARCHAR. The column type is INTEGER"},
		// With table scans disabled, the WHERE clause must be a key lookup
		// or a range scan of one STRING key.
		{"SELECT * FROM mat;", scanOff, "Query requires table scan to be enabled"},
		{"SELECT * FROM mat WHERE v > 1;", scanOff, "WHERE clause missing key column for disjunct: (V > 1)"},
		{"SELECT * FROM mat WHERE id >= 'a' AND id <= 'b';", scanOff, "A comparison condition on the key column cannot be combined with other comparisons such as an IN predicate"},
		{"SELECT * FROM mat WHERE id BETWEEN 'a' AND 'b';", scanOff, "A comparison condition on the key column cannot be combined"},
		{"SELECT * FROM mat WHERE id <= 'a' OR id >= 'b';", scanOff, "Query requires table scan to be enabled"},
		{"SELECT * FROM mat WHERE id <= 'a';", map[string]string{"ksql.query.pull.table.scan.enabled": "false", "ksql.query.pull.range.scan.enabled": "false"}, "Query requires table scan to be enabled"},
		{"SELECT * FROM mat WHERE 'a' LIKE 'a';", scanOff, "Like condition must be between strings"},
		{"SELECT * FROM agg WHERE id = 'a';", scanOff, "Multi-column sources must specify every key in the WHERE clause."},
		{"SELECT * FROM agg WHERE id = 'a' OR s = 'b';", scanOff, "Multi-column sources must specify every key in the WHERE clause."},
		{"SELECT * FROM agg WHERE id <= 'a' AND s = 'b';", scanOff, "Query requires table scan to be enabled"},
	}
	for _, c := range cases {
		_, err := runPull(t, e, c.query, c.props)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.query, err, c.want)
		}
		if ee, ok := err.(*Error); ok && ee.Kind != StatementError {
			t.Errorf("%s: error kind %v, want a statement error", c.query, ee.Kind)
		}
	}
}

func TestPullKeyLookupsWithTableScansDisabled(t *testing.T) {
	e, _ := newMemEngine(t)
	riders(t, e)
	mustExec(t, e, "CREATE TABLE agg AS SELECT id, s, COUNT(*) AS c FROM t_in GROUP BY id, s;")
	scanOff := map[string]string{"ksql.query.pull.table.scan.enabled": "false"}
	for query, want := range map[string]string{
		"SELECT id FROM mat WHERE id = 'about';":                         "about",
		"SELECT id FROM mat WHERE 'about' = id;":                         "about",
		"SELECT id FROM mat WHERE id IN ('about', 'other');":             "about|other",
		"SELECT id FROM mat WHERE id = 'about' OR id = 'other';":         "about|other",
		"SELECT id FROM mat WHERE id < 'other' AND v > 0;":               "about",
		"SELECT id FROM mat WHERE id >= 'which';":                        "which|would",
		"SELECT id FROM mat WHERE NOT (id < 'which');":                   "which|would",
		"SELECT id, c FROM agg WHERE id = 'which' AND s = 's4';":         "which 1",
		"SELECT id FROM mat WHERE (id = 'about' OR id = 'x') AND v = 2;": "about",
	} {
		res := mustPull(t, e, query, scanOff)
		if got := strings.Join(res.rows, "|"); got != want {
			t.Errorf("%s: rows %q, want %q", query, got, want)
		}
	}
}

func TestPullSourceTableHeaderColumnsInSchema(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE SOURCE TABLE h (k INT PRIMARY KEY, text STRING, hdr BYTES HEADER('abc')) WITH (kafka_topic='h', value_format='DELIMITED', partitions=1);")
	key := binary.BigEndian.AppendUint32(nil, 1)
	if err := cl.Produce(context.Background(), kafka.Record{Topic: "h", Partition: -1, Key: key, Value: []byte("a1"), Headers: []kafka.Header{{Key: "abc", Value: []byte{0x21}}}}); err != nil {
		t.Fatal(err)
	}
	res := mustPull(t, e, "SELECT * FROM h;", nil)
	if res.schema != "`K` INTEGER KEY, `HDR` BYTES HEADER('abc'), `TEXT` STRING" {
		t.Fatalf("schema %q", res.schema)
	}
	if len(res.rows) != 1 || res.rows[0] != "1 a1 IQ==" {
		t.Fatalf("rows %q", res.rows)
	}
	res = mustPull(t, e, "SELECT text, hdr FROM h;", nil)
	if res.schema != "`TEXT` STRING, `HDR` BYTES" {
		t.Fatalf("projection schema %q", res.schema)
	}
}

func TestPullKeyLookupCheckBoundsTheDisjuncts(t *testing.T) {
	e, _ := newMemEngine(t)
	riders(t, e)
	scanOff := map[string]string{"ksql.query.pull.table.scan.enabled": "false"}
	var ands, products []string
	for i := 0; i < 30; i++ {
		ands = append(ands, fmt.Sprintf("v <> %d", 100+i))
	}
	for i := 0; i < 11; i++ {
		products = append(products, fmt.Sprintf("(id = 'about' OR v = %d)", i))
	}
	res := mustPull(t, e, "SELECT id FROM mat WHERE id = 'about' AND "+strings.Join(ands, " AND ")+";", scanOff)
	if strings.Join(res.rows, "|") != "about" {
		t.Fatalf("long conjunction: rows %q", res.rows)
	}
	_, err := runPull(t, e, "SELECT id FROM mat WHERE "+strings.Join(products, " AND ")+";", scanOff)
	if err == nil || !strings.Contains(err.Error(), "Query requires table scan to be enabled") {
		t.Fatalf("2048 disjuncts: got %v", err)
	}
}

// TestPullAggregateAnswersOnce: a pull query that aggregates without
// GROUP BY answers with one row, the aggregate over the table as it
// stands (each key's latest value counted once), not a running row per
// key; over no rows, the one row of COUNT 0.
func TestPullAggregateAnswersOnce(t *testing.T) {
	e, _ := newMemEngine(t)
	riders(t, e)
	for _, c := range []struct{ query, want string }{
		{"SELECT COUNT(*), SUM(v) FROM t;", "5 15"},
		{"SELECT COUNT(*) AS n, SUM(v) AS total FROM mat WHERE v > 2;", "3 12"},
		{"SELECT COUNT(*) FROM t WHERE id = 'which';", "1"},
		// Over no rows, one row all the same, as SQL answers.
		{"SELECT COUNT(*), SUM(v) FROM t WHERE id = 'nobody';", "0 0"},
		{"SELECT COUNT(*) AS n FROM mat WHERE v > 100;", "0"},
	} {
		res := mustPull(t, e, c.query, nil)
		if strings.Join(res.rows, "|") != c.want || res.final != "Query Completed" {
			t.Errorf("%s: rows %q final %q, want one row %q", c.query, res.rows, res.final, c.want)
		}
	}
	if res := mustPull(t, e, "SELECT COUNT(*) FROM t LIMIT 0;", nil); len(res.rows) != 0 {
		t.Errorf("LIMIT 0: rows %q", res.rows)
	}
}

// TestPullAggregateOverWindowedTable: a windowed table has a row per key
// and window, and a pull aggregate counts each (the rows of one key's
// windows replaced each other, so it counted one per key); a push query
// that would need the same is still refused, as in ksqlDB.
func TestPullAggregateOverWindowedTable(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='hops', format='JSON', partitions=1);")
	mustExec(t, e, "INSERT INTO s (ROWTIME, k, v) VALUES (1000, 'a', 1);")
	mustExec(t, e, "INSERT INTO s (ROWTIME, k, v) VALUES (2500, 'a', 2);")
	mustExec(t, e, "INSERT INTO s (ROWTIME, k, v) VALUES (2500, 'b', 5);")
	mustExec(t, e, "CREATE TABLE w AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM s WINDOW HOPPING (SIZE 2 SECONDS, ADVANCE BY 1 SECOND) GROUP BY k;")
	// a: [0,2s) 1, [1s,3s) 1+2, [2s,4s) 2; b: [1s,3s) 5, [2s,4s) 5.
	for _, c := range []struct{ query, want string }{
		{"SELECT COUNT(*), SUM(n), SUM(total) FROM w;", "5 6 16"},
		{"SELECT COUNT(*), SUM(n), SUM(total) FROM w WHERE k = 'a';", "3 4 6"},
		{"SELECT COUNT(*) FROM w WHERE k = 'a' AND WINDOWSTART >= 1000;", "2"},
		{"SELECT COUNT(*), SUM(n) FROM w WHERE k = 'a' AND WINDOWSTART >= 9000;", "0 0"},
	} {
		res := mustPull(t, e, c.query, nil)
		if strings.Join(res.rows, "|") != c.want || res.final != "Query Completed" {
			t.Errorf("%s: rows %q final %q, want one row %q", c.query, res.rows, res.final, c.want)
		}
	}
	err := e.Stream(context.Background(), "SELECT COUNT(*) FROM w EMIT CHANGES;", nil, func(api.StreamedRow) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "Implicit repartitioning of windowed sources") {
		t.Errorf("push aggregate over a windowed table: %v", err)
	}
}
