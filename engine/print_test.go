package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// printLines runs a PRINT to its end (its LIMIT) and returns its lines.
func printLines(t *testing.T, e *Engine, stmt string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var lines []string
	if err := e.Print(ctx, stmt, nil, func(l string) error {
		lines = append(lines, l)
		return nil
	}); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s: timed out after %q", stmt, lines)
	}
	return lines
}

// printKeys returns the key text of each record line.
func printKeys(t *testing.T, lines []string) []string {
	t.Helper()
	var keys []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "rowtime: ") {
			continue
		}
		_, rest, ok := strings.Cut(l, ", key: ")
		k, _, ok2 := strings.Cut(rest, ", value: ")
		if !ok || !ok2 {
			t.Fatalf("record line %q", l)
		}
		keys = append(keys, k)
	}
	return keys
}

// TestPrintWindowedTables: PRINT over the sink topics of windowed
// aggregates, written before the PRINT starts, names the windowed key
// formats as ksqlDB does and shows each key with its real window bounds:
// [key@start/-] for time windows (whose end is not in the key),
// [key@start/end] for sessions.
//
// It runs on the in-memory cluster, which delivers one record at a
// time, and on the embedded broker, which PRINT reads in fetched batches.
func TestPrintWindowedTables(t *testing.T) {
	config := map[string]string{"auto.offset.reset": "earliest", "ksql.streams.cache.max.bytes.buffering": "0"}
	t.Run("mem", func(t *testing.T) {
		cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
		e, err := New(context.Background(), Options{Cluster: cl, Config: config})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		printWindowedTables(t, e, cl)
	})
	t.Run("embedded", func(t *testing.T) {
		_, cl := embeddedBroker(t)
		e, err := New(context.Background(), Options{Cluster: cl, StateDir: t.TempDir(), Config: config})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		printWindowedTables(t, e, cl)
	})
}

func printWindowedTables(t *testing.T, e *Engine, cl kafka.Cluster) {
	// A minute-aligned instant some minutes ago (a broker keeps it): the
	// big-endian bytes of times from 2022 to 2039 are not UTF-8, so the
	// whole windowed key is no string.
	t0 := (time.Now().UnixMilli()/60000 - 10) * 60000
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, id INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	mustExec(t, e, fmt.Sprintf(`INSERT INTO s (ROWTIME, k, id) VALUES (%d, 'alice', 1000);
		INSERT INTO s (ROWTIME, k, id) VALUES (%d, 'bob', 2000);
		INSERT INTO s (ROWTIME, k, id) VALUES (%d, 'alice', 1000);`, t0+1000, t0+2000, t0+61000))
	mustExec(t, e, `CREATE TABLE tumble_kafka AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY k;
		CREATE TABLE tumble_json WITH (KEY_FORMAT='JSON') AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY k;
		CREATE TABLE tumble_int AS SELECT id, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY id;
		CREATE TABLE session_kafka AS SELECT k, COUNT(*) AS n FROM s WINDOW SESSION (5 MINUTES) GROUP BY k;
		CREATE TABLE session_json WITH (KEY_FORMAT='JSON') AS SELECT k, COUNT(*) AS n FROM s WINDOW SESSION (5 MINUTES) GROUP BY k;`)

	w0, w1 := t0, t0+60000
	cases := []struct {
		topic, keyFormat string
		keys             []string
	}{
		{"TUMBLE_KAFKA", "HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING)",
			[]string{fmt.Sprintf("[alice@%d/-]", w0), fmt.Sprintf("[bob@%d/-]", w0), fmt.Sprintf("[alice@%d/-]", w1)}},
		{"TUMBLE_JSON", "HOPPING(JSON) or TUMBLING(JSON) or HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING)",
			[]string{fmt.Sprintf(`["alice"@%d/-]`, w0), fmt.Sprintf(`["bob"@%d/-]`, w0), fmt.Sprintf(`["alice"@%d/-]`, w1)}},
		{"TUMBLE_INT", "HOPPING(KAFKA_INT) or TUMBLING(KAFKA_INT)",
			[]string{fmt.Sprintf("[1000@%d/-]", w0), fmt.Sprintf("[2000@%d/-]", w0), fmt.Sprintf("[1000@%d/-]", w1)}},
		// The second alice record merges her session: the first session
		// is deleted (a tombstone under its key), the merged one written.
		{"SESSION_KAFKA", "SESSION(KAFKA_STRING)",
			[]string{fmt.Sprintf("[alice@%d/%d]", t0+1000, t0+1000), fmt.Sprintf("[bob@%d/%d]", t0+2000, t0+2000),
				fmt.Sprintf("[alice@%d/%d]", t0+1000, t0+1000), fmt.Sprintf("[alice@%d/%d]", t0+1000, t0+61000)}},
		{"SESSION_JSON", "SESSION(JSON) or SESSION(KAFKA_STRING)",
			[]string{fmt.Sprintf(`["alice"@%d/%d]`, t0+1000, t0+1000), fmt.Sprintf(`["bob"@%d/%d]`, t0+2000, t0+2000),
				fmt.Sprintf(`["alice"@%d/%d]`, t0+1000, t0+1000), fmt.Sprintf(`["alice"@%d/%d]`, t0+1000, t0+61000)}},
	}
	for _, c := range cases {
		// The records are in the topic before the PRINT starts.
		waitRecords(t, cl, c.topic, func(r []kafka.Record) bool { return len(r) >= len(c.keys) })
		lines := printLines(t, e, fmt.Sprintf("PRINT '%s' FROM BEGINNING LIMIT %d;", c.topic, len(c.keys)))
		if len(lines) != 2+len(c.keys) || lines[0] != "Key format: "+c.keyFormat || lines[1] != "Value format: JSON or KAFKA_STRING" {
			t.Errorf("%s:\n%s", c.topic, strings.Join(lines, "\n"))
			continue
		}
		if got := printKeys(t, lines); strings.Join(got, " ") != strings.Join(c.keys, " ") {
			t.Errorf("%s keys:\n%q\nwant\n%q", c.topic, got, c.keys)
		}
	}
}

// TestPrintPlainKeys: a string-keyed topic, an integer-keyed one (whose
// small keys are control-character text as well, until a key that is
// not narrows the set, which PRINT then shows again) and a keyless one
// with a value no format reads.
func TestPrintPlainKeys(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, `CREATE STREAM str_keys (k STRING KEY, v STRING) WITH (kafka_topic='str_keys', value_format='JSON', partitions=1);
		INSERT INTO str_keys (k, v) VALUES ('u1', 'a');
		INSERT INTO str_keys (k, v) VALUES ('u2', 'b');
		CREATE STREAM int_keys (id INT KEY, v STRING) WITH (kafka_topic='int_keys', value_format='DELIMITED', partitions=1);
		INSERT INTO int_keys (id, v) VALUES (1, 'one');
		INSERT INTO int_keys (id, v) VALUES (2, 'two');
		CREATE STREAM no_keys (v STRING) WITH (kafka_topic='no_keys', value_format='JSON', partitions=1);
		INSERT INTO no_keys (v) VALUES ('x');`)

	lines := printLines(t, e, "PRINT 'str_keys' FROM BEGINNING LIMIT 2;")
	if len(lines) != 4 || lines[0] != "Key format: KAFKA_STRING" || lines[1] != "Value format: JSON or KAFKA_STRING" ||
		!strings.HasSuffix(lines[3], `, key: u2, value: {"V":"b"}, partition: 0`) {
		t.Errorf("str_keys:\n%s", strings.Join(lines, "\n"))
	}

	// The integer keys print while a third record comes in.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out := make(chan string, 10)
	errc := make(chan error, 1)
	go func() {
		errc <- e.Print(ctx, "PRINT 'int_keys' FROM BEGINNING LIMIT 3;", nil, func(l string) error {
			out <- l
			return nil
		})
	}()
	var got []string
	for len(got) < 4 {
		select {
		case l := <-out:
			got = append(got, l)
		case <-ctx.Done():
			t.Fatalf("int_keys: %q", got)
		}
	}
	mustExec(t, e, "INSERT INTO int_keys (id, v) VALUES (1000, 'thousand');")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	close(out)
	for l := range out {
		got = append(got, l)
	}
	want := []string{"Key format: KAFKA_INT or KAFKA_STRING", "Value format: KAFKA_STRING", "key: 1, value: one,", "key: 2, value: two,",
		"Key format: KAFKA_INT", "key: 1000, value: thousand,"}
	if len(got) != len(want) {
		t.Fatalf("int_keys:\n%s", strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("int_keys line %d: %q, want %q", i, got[i], w)
		}
	}

	// A record whose value no format reads, produced beside the keyless
	// one: the value line says so, the value shows as \xHH.
	if err := cl.Produce(context.Background(), kafka.Record{Topic: "no_keys", Value: []byte{0xff, 'x', 0xfe}, Timestamp: time.Now().UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	// The MemCluster delivers each produced batch on its own, so the
	// first record prints before the second narrows the value formats
	// to none, which PRINT then says on a line of its own.
	lines = printLines(t, e, "PRINT 'no_keys' FROM BEGINNING LIMIT 2;")
	text := strings.Join(lines, "\n")
	keys := printKeys(t, lines)
	if lines[0] != `Key format: ¯\_(ツ)_/¯ - no data processed` || strings.Count(text, "Key format") != 1 ||
		!strings.Contains(text, `, value: {"V":"x"}, partition: 0`) || !strings.HasSuffix(text, `, key: <null>, value: \xFFx\xFE, partition: 0`) ||
		!strings.Contains(text, "\nValue format:  does not match any supported format. It may be a STRING with encoding other than UTF8, or some other format.\n") ||
		strings.Join(keys, " ") != "<null> <null>" {
		t.Errorf("no_keys:\n%s", text)
	}
}

// TestPrintWindowedAvroKey: a windowed key in a Schema Registry format
// is decoded with its writer schema inside the window, as eddy's PRINT
// renders registry formats (JSON text).
func TestPrintWindowedAvroKey(t *testing.T) {
	e, cl, _ := registryEngine(t, map[string]string{"ksql.streams.cache.max.bytes.buffering": "0"})
	const t0 = int64(1700000040000)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, id INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	mustExec(t, e, fmt.Sprintf("INSERT INTO s (ROWTIME, k, id) VALUES (%d, 'alice', 1000);", t0+1000))
	mustExec(t, e, "CREATE TABLE tumble_avro WITH (KEY_FORMAT='AVRO', VALUE_FORMAT='AVRO') AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY k;")
	waitRecords(t, cl, "TUMBLE_AVRO", func(r []kafka.Record) bool { return len(r) >= 1 })
	lines := printLines(t, e, "PRINT 'TUMBLE_AVRO' FROM BEGINNING LIMIT 1;")
	// The Avro-framed key's bytes are also text (control characters
	// included); the first format left (the Avro schema's) wins. They are
	// no session (its end would fall after year 9999).
	want := []string{
		"Key format: HOPPING(AVRO) or TUMBLING(AVRO) or HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING)",
		"Value format: AVRO or KAFKA_STRING",
	}
	if len(lines) != 3 || lines[0] != want[0] || lines[1] != want[1] ||
		!strings.HasSuffix(lines[2], fmt.Sprintf(`, key: ["alice"@%d/-], value: {"N":1}, partition: 0`, t0)) {
		t.Errorf("TUMBLE_AVRO:\n%s", strings.Join(lines, "\n"))
	}
}

// TestPrintToEnd: with eddy.print.to.end, PRINT … FROM BEGINNING LIMIT
// 50 of a topic holding 3 records prints them and returns, where it
// would wait for 47 more; so does an empty topic.
func TestPrintToEnd(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, `CREATE STREAM few (id INT KEY, v STRING) WITH (kafka_topic='few', value_format='JSON', partitions=2);
		INSERT INTO few (id, v) VALUES (1, 'a');
		INSERT INTO few (id, v) VALUES (2, 'b');
		INSERT INTO few (id, v) VALUES (3, 'c');
		CREATE STREAM none (id INT KEY) WITH (kafka_topic='none', value_format='JSON', partitions=1);`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	printAll := func(stmt string) []string {
		var lines []string
		if err := e.Print(ctx, stmt, map[string]string{PrintToEndProperty: "true"}, func(l string) error {
			lines = append(lines, l)
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		if ctx.Err() != nil {
			t.Fatalf("%s: still printing after %q", stmt, lines)
		}
		return lines
	}
	if keys := printKeys(t, printAll("PRINT 'few' FROM BEGINNING LIMIT 50;")); len(keys) != 3 {
		t.Errorf("few: keys %q, want 3", keys)
	}
	if keys := printKeys(t, printAll("PRINT 'few' FROM BEGINNING INTERVAL 2;")); len(keys) != 2 {
		t.Errorf("few, interval 2: keys %q, want 2", keys)
	}
	if lines := printAll("PRINT 'none' FROM BEGINNING LIMIT 50;"); len(lines) != 0 {
		t.Errorf("none: %q", lines)
	}
}
