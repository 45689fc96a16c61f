package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// TestPullReportsBadRecordToProcessingLogOnce: a source table's record
// whose value does not deserialize is written to the processing log (as
// a persistent query's is, and as ksqlDB's table reports it when it
// reads the record), once however many pull queries read it, and not
// again by a pull query over a stream of the same topic; the pull
// queries answer with the good rows.
func TestPullReportsBadRecordToProcessingLogOnce(t *testing.T) {
	cl, e := loggingEngine(t)
	mustExec(t, e, "CREATE SOURCE TABLE st (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='src', key_format='KAFKA', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM ss (k STRING KEY, v INT) WITH (kafka_topic='src', key_format='KAFKA', value_format='JSON');")
	if err := cl.Produce(context.Background(),
		kafka.Record{Topic: "src", Partition: 0, Key: []byte("a"), Value: []byte(`{"V":1}`)},
		kafka.Record{Topic: "src", Partition: 0, Key: []byte("b"), Value: []byte(`not json`)},
	); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		res := mustPull(t, e, "SELECT * FROM st;", nil)
		if got := strings.Join(res.rows, ";"); got != "a 1" {
			t.Fatalf("pull %d: rows %q, want a 1", i, got)
		}
	}
	mustPull(t, e, "SELECT * FROM ss;", nil)
	var entries []string
	for _, v := range values(t, cl, "default_ksql_processing_log") {
		if strings.Contains(v, `"DESERIALIZATION_ERROR"`) || strings.Contains(v, `"deserializationError":{`) {
			entries = append(entries, v)
		}
	}
	if len(entries) != 1 {
		t.Fatalf("%d processing-log entries for the bad record, want 1:\n%s", len(entries), strings.Join(entries, "\n"))
	}
	for _, want := range []string{`"topic":"src"`, `"offset":1`, `"target":"value"`, `"logger":"processing.transient_ST_`} {
		if !strings.Contains(entries[0], want) {
			t.Errorf("the entry lacks %s: %s", want, entries[0])
		}
	}
}

// TestPullWritesEveryBadRecordsEntry: a pull query over a stream of
// 2,500 records that do not deserialize writes one processing-log entry
// for each (held and written a thousand at a time), and the good
// records' rows.
func TestPullWritesEveryBadRecordsEntry(t *testing.T) {
	cl, e := loggingEngine(t)
	mustExec(t, e, "CREATE STREAM ss (k STRING KEY, v INT) WITH (kafka_topic='src', key_format='KAFKA', value_format='JSON', partitions=1);")
	const bad = 2500
	recs := []kafka.Record{{Topic: "src", Partition: 0, Key: []byte("good"), Value: []byte(`{"V":1}`)}}
	for i := range bad {
		recs = append(recs, kafka.Record{Topic: "src", Partition: 0, Key: []byte(fmt.Sprint(i)), Value: []byte(`not json`)})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(mustPull(t, e, "SELECT * FROM ss;", nil).rows, ";"); got != "good 1" {
		t.Fatalf("rows %q, want good 1", got)
	}
	offsets := map[string]bool{}
	for _, v := range values(t, cl, "default_ksql_processing_log") {
		var entry struct {
			Message struct {
				DeserializationError struct {
					Offset int64 `json:"offset"`
				} `json:"deserializationError"`
			} `json:"message"`
		}
		_, value, _ := strings.Cut(v, "|") // after the (null) key
		if strings.Contains(value, `"deserializationError":{`) && json.Unmarshal([]byte(value), &entry) == nil {
			offsets[fmt.Sprint(entry.Message.DeserializationError.Offset)] = true
		}
	}
	for i := 1; i <= bad; i++ {
		if !offsets[fmt.Sprint(i)] {
			t.Fatalf("no processing-log entry for offset %d (%d entries)", i, len(offsets))
		}
	}
	if len(offsets) != bad {
		t.Fatalf("%d entries, want %d", len(offsets), bad)
	}
}
