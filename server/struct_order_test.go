package server

import (
	"strings"
	"testing"
	"time"
)

// TestStructFieldsInSchemaOrder: a STRUCT's fields come out in the order
// its schema declares them, as ksqlDB writes them, in push and pull
// results of every row format, not sorted by name.
func TestStructFieldsInSchemaOrder(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, "CREATE TABLE t (id INT PRIMARY KEY, s STRUCT<zeta INT, alpha STRING, mid STRUCT<y DOUBLE, b ARRAY<STRUCT<q INT, p INT>>>>) WITH (kafka_topic='t', value_format='JSON', partitions=1);")
	ts.ksql(t, "CREATE TABLE q AS SELECT * FROM t;")
	ts.ksql(t, "INSERT INTO t (id, s) VALUES (1, STRUCT(zeta := 1, alpha := 'a', mid := STRUCT(y := 2.0, b := ARRAY[STRUCT(q := 3, p := 4)])));")
	want := `{"ZETA":1,"ALPHA":"a","MID":{"Y":2.0,"B":[{"Q":3,"P":4}]}}`
	push := "SELECT S, STRUCT(z := 1, a := 2) AS C FROM t EMIT CHANGES LIMIT 1;"
	expectPushRow(t, ts, push, `[`+want+`,{"Z":1,"A":2}]`)
	pull := "SELECT S FROM q WHERE id = 1;"
	var body string
	for i := 0; ; i++ {
		_, _, body = ts.do(t, ts.http, "POST", "/query", "", queryBody(pull))
		if strings.Contains(body, `"columns"`) || i == 250 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(body, `{"row":{"columns":[`+want+`]}}`) {
		t.Errorf("/query pull: %s", body)
	}
}
