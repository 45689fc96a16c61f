package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// fkStep writes one record: a left row (topic l) or a right row (topic
// r) as JSON, or a tombstone when value is "".
type fkStep struct {
	topic string
	key   int
	value string
}

func runFKJoin(t *testing.T, join string, steps []fkStep) []string {
	t.Helper()
	e, cl := newMemEngine(t)
	mustExec(t, e, `CREATE TABLE L (ID INT PRIMARY KEY, NAME STRING, FK INT) WITH (KAFKA_TOPIC='l', VALUE_FORMAT='JSON', KEY_FORMAT='KAFKA', PARTITIONS=1);
		CREATE TABLE R (ID INT PRIMARY KEY, F STRING) WITH (KAFKA_TOPIC='r', VALUE_FORMAT='JSON', KEY_FORMAT='KAFKA', PARTITIONS=1);
		CREATE TABLE OUT AS SELECT L.ID, L.NAME, R.F FROM L `+join+` R ON L.FK = R.ID;`)
	for i, s := range steps {
		rec := kafka.Record{Topic: s.topic, Partition: -1, Key: fmt.Appendf(nil, "%c%c%c%c", 0, 0, 0, s.key), Timestamp: int64(i + 1)}
		if s.value != "" {
			rec.Value = []byte(s.value)
		}
		if err := cl.Produce(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := cl.ReadAll(context.Background(), "OUT")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		v := string(r.Value)
		if r.Value == nil {
			v = "<tombstone>"
		}
		out = append(out, fmt.Sprintf("%d@%d %s", r.Key[3], r.Timestamp, v))
	}
	return out
}

func checkFK(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestForeignKeyInnerJoinAnswers: an inner foreign-key join answers a
// left update or delete even when the row had no result (a tombstone),
// skips updates whose old or new foreign key is null, and stamps a
// result a right change caused with the right change's time — Kafka
// Streams' foreign-key join, which ksqlDB runs.
func TestForeignKeyInnerJoinAnswers(t *testing.T) {
	got := runFKJoin(t, "JOIN", []fkStep{
		{"l", 10, `{"NAME":"a","FK":1}`}, // 1: no right row: nothing
		{"l", 10, `{"NAME":"b","FK":1}`}, // 2: still none: a tombstone
		{"r", 1, `{"F":"one"}`},          // 3: joins
		{"l", 10, `{"NAME":"c","FK":2}`}, // 4: moves to a missing row: tombstone
		{"l", 10, ""},                    // 5: delete: tombstone
		{"l", 11, `{"NAME":"d"}`},        // 6: null foreign key: nothing
		{"l", 11, `{"NAME":"e","FK":1}`}, // 7: old foreign key null: skipped
		{"r", 1, `{"F":"uno"}`},          // 8: 11 is not registered: nothing
		{"l", 11, `{"NAME":"f","FK":1}`}, // 9: joins
		{"l", 11, `{"NAME":"g"}`},        // 10: new foreign key null: skipped
	})
	checkFK(t, got, []string{
		"10@2 <tombstone>",
		`10@3 {"NAME":"b","F":"one"}`,
		"10@4 <tombstone>",
		"10@5 <tombstone>",
		`11@9 {"NAME":"f","F":"uno"}`,
	})
}

// TestForeignKeyLeftJoinAnswers: a left foreign-key join answers every
// left change; moving away from a foreign key first answers from the
// old key (no right row), and a delete answers from the old key and from
// the null key.
func TestForeignKeyLeftJoinAnswers(t *testing.T) {
	got := runFKJoin(t, "LEFT JOIN", []fkStep{
		{"r", 1, `{"F":"one"}`},
		{"l", 10, `{"NAME":"a","FK":1}`}, // 2: joins
		{"l", 10, `{"NAME":"b","FK":2}`}, // 3: from key 1, then from key 2
		{"r", 2, `{"F":"two"}`},          // 4: joins
		{"r", 1, ""},                     // 5: 10 no longer points at 1: nothing
		{"l", 10, ""},                    // 6: two tombstones
		{"l", 11, `{"NAME":"c"}`},        // 7: null foreign key: null-padded
	})
	checkFK(t, got, []string{
		`10@2 {"NAME":"a","F":"one"}`,
		`10@3 {"NAME":"b","F":null}`,
		`10@3 {"NAME":"b","F":null}`,
		`10@4 {"NAME":"b","F":"two"}`,
		"10@6 <tombstone>",
		"10@6 <tombstone>",
		`11@7 {"NAME":"c","F":null}`,
	})
}
