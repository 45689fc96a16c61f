package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestLateRecordsAreCounted: records that arrive after every window they
// fall in has closed are dropped, as ksqlDB drops them, and counted:
// EXPLAIN says how many, and the server log says so at the first
// (then at most once a minute). The topic
// holds them before the query starts: two on time, one that moves stream
// time past the first windows' grace, then three late ones (a tumbling
// and a session window alike), and one still inside its grace. A
// hopping window (a minute, advancing by 30 s) counts each closed window
// a record falls in, as Kafka Streams does: 1 s and 2 s fall in one
// window (none starts before 0), 40 s in two, 4 in all.
func TestLateRecordsAreCounted(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e, log := loggedEngine(t, cl)
	createTopic(t, cl, "clicks", 1)
	const minute = int64(60_000)
	var recs []kafka.Record
	for _, ts := range []int64{0, 30_000, 10 * minute, 1_000, 2_000, 40_000, 9*minute + 30_000} {
		recs = append(recs, kafka.Record{Key: []byte("u"), Value: []byte(`{"N":1}`), Timestamp: ts})
	}
	produceJSON(t, cl, "clicks", recs...)
	mustExec(t, e, `CREATE STREAM clicks (u STRING KEY, n INT) WITH (kafka_topic='clicks', value_format='JSON');
		CREATE TABLE per_minute AS SELECT u, COUNT(*) AS c FROM clicks WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 1 MINUTE) GROUP BY u;
		CREATE TABLE sessions AS SELECT u, COUNT(*) AS c FROM clicks WINDOW SESSION (1 MINUTE, GRACE PERIOD 1 MINUTE) GROUP BY u;
		CREATE TABLE hops AS SELECT u, COUNT(*) AS c FROM clicks WINDOW HOPPING (SIZE 1 MINUTE, ADVANCE BY 30 SECONDS, GRACE PERIOD 1 MINUTE) GROUP BY u;`)
	for _, q := range []string{"CTAS_PER_MINUTE_0", "CTAS_SESSIONS_1", "CTAS_HOPS_2"} {
		want := "Late records dropped: 3 "
		if q == "CTAS_HOPS_2" {
			want = "Late records dropped: 4 "
		}
		// Waits for the whole count: the task counts as it goes.
		var topo string
		deadline := time.Now().Add(30 * time.Second)
		for {
			topo = explainOne(t, e, "EXPLAIN "+q+";").Topology
			if strings.Contains(topo, want) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(topo, want) {
			t.Errorf("EXPLAIN %s lacks %q:\n%s", q, want, topo)
		}
		// A session's close counts its gap too (both said "past its end
		// plus the grace period").
		why := "every window they fall in had closed: stream time was past its end plus the grace period)"
		switch q {
		case "CTAS_SESSIONS_1":
			why = "the session they would make had closed: stream time was past its end plus the gap plus the grace period)"
		case "CTAS_HOPS_2":
			why = "counted once per closed window a record falls in, as Kafka Streams counts them: stream time was past the window's end plus the grace period)"
		}
		if !strings.Contains(topo, why) {
			t.Errorf("EXPLAIN %s lacks %q:\n%s", q, why, topo)
		}
		// The first drop is logged at once; the rest wait a minute.
		log.waitFind(t, fmt.Sprintf("query %s: ", q), " dropped as late since the last note")
	}
	var stat QueryStat
	for _, s := range e.QueryStats() {
		if s.ID == "CTAS_PER_MINUTE_0" {
			stat = s
		}
	}
	if stat.LateRecords != 3 {
		t.Errorf("QueryStats LateRecords = %d, want 3", stat.LateRecords)
	}
}
