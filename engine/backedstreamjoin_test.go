package engine

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
)

// backedStreamChildEnv makes the test binary, run again by
// TestStoreBackedStreamStreamJoin, the server that is killed.
const backedStreamChildEnv = "EDDY_BACKED_STREAM_JOIN_CHILD"

const streamStreamJoinSQL = `CREATE STREAM A (K STRING KEY, V INT) WITH (KAFKA_TOPIC='lefts', VALUE_FORMAT='JSON');
	CREATE STREAM B (K STRING KEY, V INT) WITH (KAFKA_TOPIC='rights', VALUE_FORMAT='JSON');
	CREATE STREAM J AS SELECT A.K, A.V AS LV, B.V AS RV FROM A LEFT JOIN B WITHIN 1 HOUR GRACE PERIOD 1 HOUR ON A.K = B.K;`

// TestStoreBackedStreamStreamJoin: a LEFT JOIN WITHIN 1 HOUR GRACE
// PERIOD 1 HOUR of 20,000 left rows (4,000 under the race detector), a
// key each, with its windows in Pebble and caches of 500 keys. The
// server running it is killed (SIGKILL) while the right rows come; a
// second one takes over from its store and joins the rest; a third,
// after a clean restart, joins a second right row of every key with the
// stored left rows. Every left row joins each right row of its key (at
// least once), none is emitted unmatched (no window closes), and no task
// keeps more than its caches from one commit to the next: the old code
// kept every row of the windows.
func TestStoreBackedStreamStreamJoin(t *testing.T) {
	if env := os.Getenv(backedStreamChildEnv); env != "" {
		addr, dir, _ := strings.Cut(env, "|")
		cl, err := kafka.Dial(t.Context(), kafka.Config{Brokers: []string{addr}})
		if err != nil {
			t.Fatal(err)
		}
		e := newBackedEngine(t, cl, dir)
		mustExec(t, e, streamStreamJoinSQL)
		time.Sleep(10 * time.Minute) // until killed
		return
	}
	n := 20_000
	if raceOn {
		n = 4_000
	}
	addr, cl := testenv.Kafka(t, t.TempDir())
	dir := t.TempDir()
	createTopic(t, cl, "lefts", 2)
	createTopic(t, cl, "rights", 2)
	base := time.Now().Add(-time.Hour).UnixMilli()
	row := func(i, v int, ts int64) kafka.Record {
		return kafka.Record{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf(`{"V":%d}`, v)), Timestamp: ts}
	}
	produceChunks(t, cl, "lefts", 0, n, func(i int) kafka.Record { return row(i, i, base+int64(i)) })
	right := func(i int) kafka.Record { return row(i, n+i, base+500+int64(i)) }
	produceChunks(t, cl, "rights", 0, n/4, right)

	// joined waits until J holds, for every key, the pairs want says.
	joined := func(want func(i int) []int) {
		t.Helper()
		var bad []string
		waitRecords(t, cl, "J", func(recs []kafka.Record) bool {
			got := map[[2]int]bool{}
			bad = bad[:0]
			for _, r := range recs {
				v := jsonValue(t, r)
				rv, ok := v["RV"].(float64)
				if !ok && len(bad) < 10 {
					bad = append(bad, fmt.Sprintf("left row %v emitted unmatched", v["LV"]))
				}
				got[[2]int{int(v["LV"].(float64)), int(rv)}] = true
			}
			for i := range n {
				for _, rv := range want(i) {
					if !got[[2]int{i, rv}] {
						return false
					}
				}
			}
			return true
		})
		for _, b := range bad {
			t.Error(b)
		}
	}

	child, out := startChildTest(t, "TestStoreBackedStreamStreamJoin", backedStreamChildEnv+"="+addr+"|"+dir)
	waitRecords(t, cl, "J", func(recs []kafka.Record) bool { return len(recs) >= n/8 })
	for lo := n / 4; lo < n/2; lo += n / 40 {
		produceChunks(t, cl, "rights", lo, lo+n/40, right)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	recs, err := cl.ReadAll(t.Context(), "J")
	if err != nil || len(recs) >= n/2 {
		t.Fatalf("the first server joined %d rows (%v) before it was killed: the test kills it too late\n%s", len(recs), err, out)
	}
	t.Logf("the first server joined %d rows before it was killed", len(recs))
	produceChunks(t, cl, "rights", n/2, n, right)

	e1 := newBackedEngine(t, cl, dir)
	joined(func(i int) []int { return []int{n + i} })
	checkHeldBound(t, e1, 2)
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}

	// While no server runs, a second right row of every key.
	produceChunks(t, cl, "rights", 0, n, func(i int) kafka.Record { return row(i, 2*n+i, base+1000+int64(i)) })
	e2 := newBackedEngine(t, cl, dir)
	defer e2.Close()
	joined(func(i int) []int { return []int{n + i, 2*n + i} })
	checkHeldBound(t, e2, 2)
}
