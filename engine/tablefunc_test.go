package engine

import (
	"context"
	"strings"
	"testing"
)

// TestExplode runs table functions in a persistent query: one output row
// per element, the shorter function padded with NULL, a NULL array giving
// no rows, and a table function nested in a scalar one.
func TestExplode(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM orders (id INT KEY, items ARRAY<STRING>, qty ARRAY<INT>) WITH (kafka_topic='orders', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM lines AS SELECT id, EXPLODE(items) AS item, EXPLODE(qty) AS n, UCASE(EXPLODE(items)) AS up FROM orders;")
	mustExec(t, e, "INSERT INTO orders (id, items, qty) VALUES (1, ARRAY['apple', 'pear', 'fig'], ARRAY[3, 1]);")
	mustExec(t, e, "INSERT INTO orders (id, items, qty) VALUES (2, CAST(NULL AS ARRAY<STRING>), CAST(NULL AS ARRAY<INT>));")
	mustExec(t, e, "INSERT INTO orders (id, items, qty) VALUES (3, CAST(NULL AS ARRAY<STRING>), ARRAY[7]);")
	got := values(t, cl, "LINES")
	want := []string{
		"\x00\x00\x00\x01|" + `{"ITEM":"apple","N":3,"UP":"APPLE"}`,
		"\x00\x00\x00\x01|" + `{"ITEM":"pear","N":1,"UP":"PEAR"}`,
		"\x00\x00\x00\x01|" + `{"ITEM":"fig","N":null,"UP":"FIG"}`,
		"\x00\x00\x00\x03|" + `{"ITEM":null,"N":7,"UP":null}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got %q\nwant %q", got, want)
	}

	_, err := e.Execute(context.Background(), "CREATE TABLE t AS SELECT id, EXPLODE(items) FROM orders GROUP BY id;", nil)
	if err == nil || !strings.Contains(err.Error(), "Table functions cannot be used with aggregations: EXPLODE") {
		t.Fatalf("aggregate with a table function: %v", err)
	}
	_, err = e.Execute(context.Background(), "CREATE STREAM bad AS SELECT id, EXPLODE(id) FROM orders;", nil)
	if err == nil || !strings.Contains(err.Error(), "Function 'EXPLODE' does not accept parameters (INTEGER).") {
		t.Fatalf("EXPLODE of a non-array: %v", err)
	}
}
