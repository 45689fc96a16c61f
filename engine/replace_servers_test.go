package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestReplaceOnOneServerOfTwo: two servers of one service share a GROUP
// BY while records keep arriving, and one of them runs CREATE OR
// REPLACE of it. The other server replaces its part as it reads the
// command, at once free for the next statement, and no record is lost.
func TestReplaceOnOneServerOfTwo(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "events", 4)
	cfg := map[string]string{"auto.offset.reset": "earliest"}
	srv := newTestServers(t, cl, "replace_", cfg, 2)
	srv.start(0)
	srv.start(1)
	a, b := srv.engines[0], srv.engines[1]
	mustExec(t, a, "CREATE STREAM ev (k STRING KEY, v INT) WITH (kafka_topic='events', value_format='JSON');")
	mustExec(t, a, "CREATE TABLE counts AS SELECT v, COUNT(*) AS n FROM ev GROUP BY v;")
	const id = "CTAS_COUNTS_0"
	running := func(e *Engine) bool {
		for _, st := range e.QueryStats() {
			if st.ID == id && st.State == "RUNNING" && len(st.PerTask) > 0 {
				return true
			}
		}
		return false
	}
	waitFor(t, "both servers to run a task of the query", 30*time.Second, func() bool { return running(a) && running(b) })

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var produced int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i += 200 {
			recs := make([]kafka.Record, 0, 200)
			for j := i; j < i+200; j++ {
				recs = append(recs, kafka.Record{Topic: "events", Partition: -1,
					Key: []byte(fmt.Sprintf("k%d", j%1000)), Value: []byte(fmt.Sprintf(`{"V":%d}`, j%50))})
			}
			if err := cl.Produce(context.Background(), recs...); err != nil {
				t.Errorf("produce: %v", err)
				return
			}
			produced = i + 200
			time.Sleep(10 * time.Millisecond)
		}
	}()
	stop := func() { cancel(); wg.Wait() }
	defer stop()
	waitFor(t, "the other server to count", 30*time.Second, func() bool {
		for _, st := range b.QueryStats() {
			if st.ID == id {
				for _, ts := range st.PerTask {
					if ts.In > 0 {
						return true
					}
				}
			}
		}
		return false
	})

	start := time.Now()
	mustExec(t, a, "CREATE OR REPLACE TABLE counts AS SELECT v, COUNT(*) AS n FROM ev WHERE v >= 0 GROUP BY v;")
	mustExec(t, b, "CREATE STREAM after (id INT) WITH (kafka_topic='after', value_format='JSON', partitions=1);")
	took := time.Since(start)
	time.Sleep(time.Second)
	stop()
	for i := range srv.logs {
		if line := srv.logs[i].find(id, "failed"); line != "" {
			t.Errorf("server %d's query failed: %s", i, line)
		}
	}
	if took > 8*time.Second {
		t.Errorf("the other server took %v to replace the query and run the next statement", took)
	}
	t.Logf("CREATE OR REPLACE to the other server's next statement: %v", took)
	// The count goes on until it has every record, or stays put for 5 s.
	var sum float64
	for last, still, deadline := -1.0, time.Now(), time.Now().Add(2*time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		recs, err := cl.ReadAll(context.Background(), "COUNTS")
		if err != nil {
			t.Fatal(err)
		}
		if sum = latestCountSum(t, recs, "N"); sum >= float64(produced) {
			break
		}
		if sum != last {
			last, still = sum, time.Now()
		} else if time.Since(still) > 5*time.Second {
			break
		}
	}
	if sum < float64(produced) {
		t.Errorf("counted %v of %d records", sum, produced)
	}
	t.Logf("counted %v of %d records", sum, produced)
}
