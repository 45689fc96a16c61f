package engine

import (
	"context"
	"testing"
	"time"
)

// TestReplaceOnOneServerOfTwo: two servers of one service share a GROUP
// BY while records keep arriving, and one of them runs CREATE OR
// REPLACE of it. The other server replaces its part as it reads the
// command, at once free for the next statement, and no record is lost.
func TestReplaceOnOneServerOfTwo(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	sc := startSharedCount(t, cl, "replace_")
	defer sc.stop()
	srv, a, b, id := sc.srv, sc.a, sc.b, sharedCountID

	start := time.Now()
	mustExec(t, a, "CREATE OR REPLACE TABLE counts AS SELECT v, COUNT(*) AS n FROM ev WHERE v >= 0 GROUP BY v;")
	mustExec(t, b, "CREATE STREAM after (id INT) WITH (kafka_topic='after', value_format='JSON', partitions=1);")
	took := time.Since(start)
	time.Sleep(time.Second)
	sc.stop()
	produced := sc.produced.Load()
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
