package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
)

// A push query whose context ends (the REST API's /close-query, TERMINATE,
// the client leaving) emits no row after that, though its task is still
// working through the records it had fetched: over HTTP/2 a kafkajs walk
// received 68,000 rows in the 1.9 s after /close-query had answered.
func TestPushQueryEmitsNothingAfterItsContextEnds(t *testing.T) {
	cl := embeddedCluster(t)
	e := newEngineOn(t, cl, nil)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	recs := make([]kafka.Record, 5000)
	for i := range recs {
		recs[i] = kafka.Record{Topic: "s", Partition: 0, Key: []byte("k"), Value: fmt.Appendf(nil, `{"V":%d}`, i)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	qctx, stop := context.WithCancel(ctx)
	defer stop()
	rows, after := 0, 0
	err := e.Stream(qctx, "SELECT v FROM s EMIT CHANGES;", map[string]string{"auto.offset.reset": "earliest"}, func(r api.StreamedRow) error {
		if r.Row == nil {
			return nil
		}
		if qctx.Err() != nil {
			after++
		}
		rows++
		if rows == 10 {
			stop() // as /close-query does
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows < 10 || after != 0 {
		t.Fatalf("%d rows, %d of them after the query's context ended; want 10 and none after", rows, after)
	}
}
