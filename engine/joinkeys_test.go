package engine

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestJoinAcrossKeyFormats: the two sides of a join write the same key
// values in different key formats (KAFKA: 4 big-endian bytes; DELIMITED:
// decimal text), over four partitions. The producer places each record
// by its key bytes, so a key's rows sit in partitions of different
// numbers on the two sides; the join must bring them together (ksqlDB
// repartitions one side into the join's key format) and every key must
// join.
//
// All input is in Kafka before the queries start: the stream-table
// join's table is read back from the query's own repartition topic, and
// the stream waits until it is there (half the table rows are stamped
// after every stream record, so time order alone would miss them).
func TestJoinAcrossKeyFormats(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "left_k", 4)
	createTopic(t, cl, "right_d", 4)
	createTopic(t, cl, "table_k", 4)
	base := time.Now().Add(-time.Hour).UnixMilli()
	const n = 200
	var left, right, table []kafka.Record
	for i := range n {
		kafkaKey := binary.BigEndian.AppendUint32(nil, uint32(i))
		left = append(left, kafka.Record{Key: kafkaKey, Value: []byte(fmt.Sprintf(`{"A":"a%d"}`, i)), Timestamp: base + int64(i)})
		right = append(right, kafka.Record{Key: []byte(strconv.Itoa(i)), Value: []byte(fmt.Sprintf(`{"B":"b%d"}`, i)), Timestamp: base + int64(i)})
		// Half the table rows are stamped after every stream record: they
		// join because the table is read first, not by time order.
		ts := base - 1000
		if i%2 == 1 {
			ts = base + 1_000_000
		}
		table = append(table, kafka.Record{Key: kafkaKey, Value: []byte(fmt.Sprintf(`{"NAME":"n%d"}`, i)), Timestamp: ts})
	}
	produceJSON(t, cl, "left_k", left...)
	produceJSON(t, cl, "right_d", right...)
	produceJSON(t, cl, "table_k", table...)
	createTopic(t, cl, "clicks_d", 4)
	var stream []kafka.Record
	for i := range n {
		stream = append(stream, kafka.Record{Key: []byte(strconv.Itoa(i)), Value: []byte(fmt.Sprintf(`{"C":"c%d"}`, i)), Timestamp: base + int64(i)})
	}
	produceJSON(t, cl, "clicks_d", stream...)

	e := newBrokerEngine(t, cl)
	defer e.Close()
	mustExec(t, e, `CREATE STREAM L (ID INT KEY, A STRING) WITH (KAFKA_TOPIC='left_k', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON');
		CREATE STREAM R (ID INT KEY, B STRING) WITH (KAFKA_TOPIC='right_d', KEY_FORMAT='DELIMITED', VALUE_FORMAT='JSON');
		CREATE TABLE T (ID INT PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='table_k', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON');
		CREATE STREAM C (ID INT KEY, C STRING) WITH (KAFKA_TOPIC='clicks_d', KEY_FORMAT='DELIMITED', VALUE_FORMAT='JSON');
		CREATE STREAM SS AS SELECT L.ID, L.A, R.B FROM L JOIN R WITHIN 1 HOUR ON L.ID = R.ID;
		CREATE STREAM ST AS SELECT C.ID, C.C, T.NAME FROM C JOIN T ON C.ID = T.ID;`)

	check := func(topic, col, prefix string) {
		t.Helper()
		recs := waitRecords(t, cl, topic, func(r []kafka.Record) bool { return len(r) >= n })
		seen := map[string]bool{}
		for _, r := range recs {
			v := jsonValue(t, r)
			seen[fmt.Sprint(v[col])] = true
		}
		for i := range n {
			if !seen[fmt.Sprintf("%s%d", prefix, i)] {
				t.Fatalf("%s: key %d did not join (%d of %d keys joined)", topic, i, len(seen), n)
			}
		}
	}
	check("SS", "B", "b")
	check("ST", "NAME", "n")
}

// TestStreamJoinSideStoresRestore: a stream-stream join keeps each side's
// window in a store of its own, named as ksqlDB's are
// (KSTREAM-JOINTHIS-…, KSTREAM-JOINOTHER-…), each with a changelog. The
// left rows are joined by right rows that arrive after a restart, so the
// restarted query must have restored the left side's store.
func TestStreamJoinSideStoresRestore(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "sl", 2)
	createTopic(t, cl, "sr", 2)
	base := time.Now().Add(-time.Hour).UnixMilli()
	const n = 50
	var left, right []kafka.Record
	for i := range n {
		left = append(left, kafka.Record{Key: []byte(strconv.Itoa(i)), Value: []byte(fmt.Sprintf(`{"A":"a%d"}`, i)), Timestamp: base + int64(i)})
		right = append(right, kafka.Record{Key: []byte(strconv.Itoa(i)), Value: []byte(fmt.Sprintf(`{"B":"b%d"}`, i)), Timestamp: base + 100 + int64(i)})
	}
	produceJSON(t, cl, "sl", left...)
	e := newBrokerEngine(t, cl)
	mustExec(t, e, `CREATE STREAM L (ID INT KEY, A STRING) WITH (KAFKA_TOPIC='sl', KEY_FORMAT='DELIMITED', VALUE_FORMAT='JSON');
		CREATE STREAM R (ID INT KEY, B STRING) WITH (KAFKA_TOPIC='sr', KEY_FORMAT='DELIMITED', VALUE_FORMAT='JSON');
		CREATE STREAM J AS SELECT L.ID, L.A, R.B FROM L JOIN R WITHIN 1 HOUR ON L.ID = R.ID;`)
	stores := onlyQuery(t, e).Topology.Stores()
	if len(stores) != 2 || stores[0] != "KSTREAM-JOINTHIS-0000000008-store" || stores[1] != "KSTREAM-JOINOTHER-0000000009-store" {
		t.Fatalf("stores %v, want ksqlDB's KSTREAM-JOINTHIS-0000000008-store and KSTREAM-JOINOTHER-0000000009-store", stores)
	}
	group := onlyQuery(t, e).Topology.Group
	waitRecords(t, cl, group+"-KSTREAM-JOINTHIS-0000000008-store-changelog", func(r []kafka.Record) bool { return len(r) >= n })
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	produceJSON(t, cl, "sr", right...)
	e2 := newBrokerEngine(t, cl)
	defer e2.Close()
	recs := waitRecords(t, cl, "J", func(r []kafka.Record) bool { return len(r) >= n })
	for _, r := range recs {
		v := jsonValue(t, r)
		if a, b := fmt.Sprint(v["A"]), fmt.Sprint(v["B"]); a[1:] != b[1:] {
			t.Fatalf("joined %s with %s", a, b)
		}
	}
}
