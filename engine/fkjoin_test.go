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

// TestForeignKeyJoinRestoresAfterRestart: a foreign-key join over a
// broker is stopped and started again; its state comes back from the
// changelog, so a right-side change after the restart still reaches
// every left row registered with it, and a left row skipped before the
// restart (an inner join's update from a NULL foreign key) stays
// unanswered, as it would have without the restart.
func TestForeignKeyJoinRestoresAfterRestart(t *testing.T) {
	for _, kind := range []string{"memory", "pebble"} {
		t.Run(kind, func(t *testing.T) {
			cl := startBroker(t, t.TempDir())
			stateDir := t.TempDir()
			createTopic(t, cl, "l", 2)
			createTopic(t, cl, "r", 2)
			var left []kafka.Record
			for i := range 100 {
				left = append(left, kafka.Record{Key: fmt.Appendf(nil, "l%d", i), Value: fmt.Appendf(nil, `{"FK":"r%d"}`, i%10)})
			}
			produceJSON(t, cl, "l", left...)
			produceJSON(t, cl, "l", kafka.Record{Key: []byte("skipped"), Value: []byte(`{}`)})
			produceJSON(t, cl, "l", kafka.Record{Key: []byte("skipped"), Value: []byte(`{"FK":"r1"}`)})
			var right []kafka.Record
			for i := range 10 {
				right = append(right, kafka.Record{Key: fmt.Appendf(nil, "r%d", i), Value: fmt.Appendf(nil, `{"F":"v%d"}`, i)})
			}
			produceJSON(t, cl, "r", right...)
			ddl := `CREATE TABLE L (ID STRING PRIMARY KEY, FK STRING) WITH (KAFKA_TOPIC='l', VALUE_FORMAT='JSON');
				CREATE TABLE R (ID STRING PRIMARY KEY, F STRING) WITH (KAFKA_TOPIC='r', VALUE_FORMAT='JSON');
				CREATE TABLE J AS SELECT L.ID, R.F FROM L JOIN R ON L.FK = R.ID;`
			e := newBrokerEngineStore(t, cl, kind, stateDir)
			mustExec(t, e, ddl)
			latest := func(want func(map[string]string) bool) map[string]string {
				m := map[string]string{}
				waitRecords(t, cl, "J", func(recs []kafka.Record) bool {
					clear(m)
					for _, r := range recs {
						if r.Value == nil {
							delete(m, string(r.Key))
						} else {
							m[string(r.Key)] = jsonValue(t, r)["F"].(string)
						}
					}
					return want(m)
				})
				return m
			}
			latest(func(m map[string]string) bool { return len(m) == 100 })
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			produceJSON(t, cl, "r", kafka.Record{Key: []byte("r1"), Value: []byte(`{"F":"new"}`)})
			e2 := newBrokerEngineStore(t, cl, kind, stateDir)
			defer e2.Close()
			m := latest(func(m map[string]string) bool { return m["l1"] == "new" && m["l91"] == "new" })
			for k, v := range m {
				var i int
				fmt.Sscanf(k, "l%d", &i)
				want := fmt.Sprintf("v%d", i%10)
				if i%10 == 1 {
					want = "new"
				}
				if v != want {
					t.Errorf("%s joined %q, want %q", k, v, want)
				}
			}
			if _, ok := m["skipped"]; ok || len(m) != 100 {
				t.Errorf("%d results (skipped row present: %v), want the 100 registered rows", len(m), ok)
			}
		})
	}
}
