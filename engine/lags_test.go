package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// endsCounting is a MemCluster that counts the end-offset listings
// asked of it, per topic.
type endsCounting struct {
	*kafka.MemCluster
	mu    sync.Mutex
	asked map[string]int
}

func (c *endsCounting) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	c.mu.Lock()
	c.asked[topic]++
	c.mu.Unlock()
	return c.MemCluster.EndOffsets(ctx, topic)
}

// TestQueryLagsListEachTopicOnce: one reading of every query's lag (the
// console samples it every 2 s) lists each input topic's end offsets
// once however many queries read it, where it listed them per query (a
// server of 180 queries sent hundreds of requests a round), and each
// query's lag is still its own.
func TestQueryLagsListEachTopicOnce(t *testing.T) {
	cl := &endsCounting{MemCluster: kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1}), asked: map[string]int{}}
	e, err := New(context.Background(), Options{Cluster: cl, Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	mustExec(t, e, `CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);
		INSERT INTO s (k, v) VALUES ('a', 1);
		INSERT INTO s (k, v) VALUES ('b', 2);
		CREATE STREAM f1 AS SELECT * FROM s WHERE v > 0;
		CREATE STREAM f2 AS SELECT * FROM s WHERE v > 1;
		CREATE TABLE t AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;`)
	waitRecords(t, cl.MemCluster, "T", func(recs []kafka.Record) bool { return len(recs) == 2 })
	paused := ""
	for _, q := range e.QueryStats() {
		if strings.HasPrefix(q.ID, "CTAS_T_") {
			paused = q.ID
		}
	}
	mustExec(t, e, "PAUSE "+paused+"; INSERT INTO s (k, v) VALUES ('c', 3);")
	waitRecords(t, cl.MemCluster, "F1", func(recs []kafka.Record) bool { return len(recs) == 3 })
	waitRecords(t, cl.MemCluster, "F2", func(recs []kafka.Record) bool { return len(recs) == 2 })
	// Outputs are written before their offsets are committed: read
	// until the lags settle, counting the listings of the last reading.
	deadline := time.Now().Add(10 * time.Second)
	for {
		cl.mu.Lock()
		clear(cl.asked)
		cl.mu.Unlock()
		lags, err := e.QueryLags(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var wrong []string
		for id, parts := range lags {
			want := int64(0)
			if id == paused {
				want = 1 // the record inserted after the pause
			}
			if len(parts) != 1 || parts[0].Topic != "in" || parts[0].End != 3 || parts[0].Lag != want {
				wrong = append(wrong, fmt.Sprintf("%s: %+v, want one partition of 'in' ending at 3, lag %d", id, parts, want))
			}
		}
		if len(lags) != 3 {
			wrong = append(wrong, fmt.Sprintf("lags of %d queries, want 3", len(lags)))
		}
		if len(wrong) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(strings.Join(wrong, "; "))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if n := cl.asked["in"]; n != 1 {
		t.Errorf("the end offsets of 'in' were listed %d times for three queries, want once", n)
	}
}
