package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// TestKeyFromInputKeepsEachRecordsKey: a projection whose KAFKA key passes
// unchanged writes each input record's own key bytes (strings that are not
// UTF-8, empty and null keys included), and a key that does not
// deserialize still goes to the processing log with no output, whether
// the query reads the key (then it is decoded) or not (only checked).
func TestKeyFromInputKeepsEachRecordsKey(t *testing.T) {
	cl, e := loggingEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, a INT) WITH (kafka_topic='s_in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM n (k BIGINT KEY, a INT) WITH (kafka_topic='n_in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM s_out AS SELECT k AS key, a FROM s WHERE a <> 5;")
	mustExec(t, e, "CREATE STREAM n_out AS SELECT k, a FROM n;")
	mustExec(t, e, "CREATE STREAM n_pos AS SELECT k, a FROM n WHERE k > 0;")
	strKeys := [][]byte{[]byte("a"), {0xff, 0xfe, 'x'}, {}, nil, []byte("ünï"), []byte("skipped"), bytes.Repeat([]byte("k"), 300)}
	var recs []kafka.Record
	for i, k := range strKeys {
		recs = append(recs, kafka.Record{Topic: "s_in", Partition: -1, Key: k, Value: fmt.Appendf(nil, `{"a":%d}`, i)})
	}
	long := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	numKeys := [][]byte{long(1), long(-5), {1, 2, 3, 4, 5, 6, 7}, nil, long(1 << 40)}
	for i, k := range numKeys {
		recs = append(recs, kafka.Record{Topic: "n_in", Partition: -1, Key: k, Value: fmt.Appendf(nil, `{"a":%d}`, i)})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	check := func(topic string, want [][]byte) {
		t.Helper()
		got := waitRecords(t, cl, topic, func(r []kafka.Record) bool { return len(r) >= len(want) })
		if len(got) != len(want) {
			t.Fatalf("%s: %d records, want %d", topic, len(got), len(want))
		}
		for i, r := range got {
			if !bytes.Equal(r.Key, want[i]) || (r.Key == nil) != (want[i] == nil) {
				t.Errorf("%s record %d (%s): key %q, want %q", topic, i, r.Value, r.Key, want[i])
			}
		}
	}
	wantStr := append(append([][]byte{}, strKeys[:5]...), strKeys[6])
	check("S_OUT", wantStr)
	check("N_OUT", [][]byte{numKeys[0], numKeys[1], numKeys[3], numKeys[4]})
	// A key the query reads is still decoded for it.
	check("N_POS", [][]byte{numKeys[0], numKeys[4]})
	logged := values(t, cl, "default_ksql_processing_log")
	if len(logged) != 2 || !strings.Contains(logged[0], "KAFKA BIGINT needs 8 bytes") || !strings.Contains(logged[1], "KAFKA BIGINT needs 8 bytes") {
		t.Errorf("processing log %q, want the 7-byte key's error from both queries", logged)
	}
}
