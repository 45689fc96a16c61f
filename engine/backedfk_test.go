package engine

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// TestStoreBackedForeignKeyJoin: a LEFT and an INNER foreign-key join of
// a table of 60,000 keys (6,000 under the race detector) pointing at
// 6,000 right keys (600), ten left rows a right key, with their state in
// Pebble and caches of 500 rows a side. A server with its state in
// memory runs the same joins on the same input beside it. While the
// store-backed server is down, right rows are updated, deleted and
// added, left rows move to another foreign key, to a null one, or are
// deleted; after its restart, and another without its local stores
// (the changelog alone restores them), updates of half the right keys
// fan out to every left row registered with them, and only to those (an
// INNER row whose foreign key became null keeps its result). Both servers' results
// are what Kafka Streams' foreign-key join rules give, and no task keeps
// more than its caches between commits (the old code kept both tables
// and the index).
func TestStoreBackedForeignKeyJoin(t *testing.T) {
	n, m := 60_000, 6_000
	if raceOn {
		n, m = 6_000, 600
	}
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "fl", 2)
	createTopic(t, cl, "fr", 2)
	fk := func(i int) int { return i * 7919 % m }
	nullFK := func(i int) bool { return i%50 == 0 }
	// Phase 1's changes (while the store-backed server is down).
	moved := func(i int) bool { return i < n/10 && !nullFK(i) && fk(i) >= m/2 }
	nulled := func(i int) bool { return i >= n/10 && i < n/5 && !nullFK(i) && fk(i) >= m/2 }
	deleted := func(i int) bool { return i >= n/5 && i < n/5+n/50 }
	movedTo := func(i int) int { return m/2 + (fk(i)-m/2+1)%(m/2) }
	// right is right key j's F in a phase, "" for no row.
	right := func(j, phase int) string {
		switch {
		case phase >= 2 && j >= m/2:
			return fmt.Sprintf("w%d", j)
		case phase >= 1 && j < m/10 && j%3 != 0:
			return fmt.Sprintf("u%d", j)
		case phase >= 1 && j >= m/10 && j < m/5:
			return ""
		case phase >= 1 && j >= m/5 && j < 3*m/10 && j%3 == 0:
			return fmt.Sprintf("n%d", j)
		case j%3 != 0:
			return fmt.Sprintf("v%d", j)
		}
		return ""
	}
	f := func(s string) map[string]any {
		if s == "" {
			return map[string]any{"F": nil}
		}
		return map[string]any{"F": s}
	}
	left := func(phase int) func(k string) map[string]any {
		return func(k string) map[string]any {
			i, _ := strconv.Atoi(k[1:])
			switch {
			case phase >= 1 && deleted(i):
				return nil
			case nullFK(i), phase >= 1 && nulled(i):
				return f("") // null-padded
			case phase >= 1 && moved(i):
				return f(right(movedTo(i), phase))
			}
			return f(right(fk(i), phase))
		}
	}
	inner := func(phase int) func(k string) map[string]any {
		return func(k string) map[string]any {
			i, _ := strconv.Atoi(k[1:])
			j, p := fk(i), phase
			switch {
			case phase >= 1 && deleted(i), nullFK(i):
				return nil
			case phase >= 1 && nulled(i):
				p = 0 // skipped: the result stays, no longer registered
			case phase >= 1 && moved(i):
				j = movedTo(i)
			}
			if r := right(j, p); r != "" {
				return f(r)
			}
			return nil
		}
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("l%d", i)
	}
	leftRec := func(i int, fk string) kafka.Record {
		return kafka.Record{Key: []byte(fmt.Sprintf("l%d", i)), Value: []byte(fmt.Sprintf(`{"FK":%s}`, fk)), Timestamp: 1000}
	}
	rightRec := func(j int, f string) kafka.Record {
		r := kafka.Record{Key: []byte(fmt.Sprintf("r%d", j)), Timestamp: 1000}
		if f != "" {
			r.Value = []byte(fmt.Sprintf(`{"F":%q}`, f))
		}
		return r
	}
	produceChunks(t, cl, "fl", 0, n, func(i int) kafka.Record {
		if nullFK(i) {
			return leftRec(i, "null")
		}
		return leftRec(i, fmt.Sprintf(`"r%d"`, fk(i)))
	})
	var rs []kafka.Record
	for j := range m {
		if f := right(j, 0); f != "" {
			rs = append(rs, rightRec(j, f))
		}
	}
	produceJSON(t, cl, "fr", rs...)

	ddl := func(suffix string) string {
		return fmt.Sprintf(`CREATE TABLE L (ID STRING PRIMARY KEY, FK STRING) WITH (KAFKA_TOPIC='fl', VALUE_FORMAT='JSON');
			CREATE TABLE R (ID STRING PRIMARY KEY, F STRING) WITH (KAFKA_TOPIC='fr', VALUE_FORMAT='JSON');
			CREATE TABLE JL%[1]s AS SELECT L.ID, R.F FROM L LEFT JOIN R ON L.FK = R.ID;
			CREATE TABLE JI%[1]s AS SELECT L.ID, R.F FROM L JOIN R ON L.FK = R.ID;`, suffix)
	}
	mem, err := New(context.Background(), Options{Cluster: cl, ServiceID: "mem_", StateDir: t.TempDir(), Logf: t.Logf,
		Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	mustExec(t, mem, ddl("M"))
	dir := t.TempDir()
	e := newBackedEngine(t, cl, dir)
	mustExec(t, e, ddl("P"))
	wait := func(phase int) {
		t.Helper()
		for _, s := range []string{"M", "P"} {
			waitLatest(t, cl, "JL"+s, left(phase), keys)
			waitLatest(t, cl, "JI"+s, inner(phase), keys)
		}
	}
	wait(0)
	checkHeldBound(t, e, 2)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	var ls []kafka.Record
	rs = rs[:0]
	for i := range n {
		switch {
		case moved(i):
			ls = append(ls, leftRec(i, fmt.Sprintf(`"r%d"`, movedTo(i))))
		case nulled(i):
			ls = append(ls, leftRec(i, "null"))
		case deleted(i):
			ls = append(ls, kafka.Record{Key: []byte(fmt.Sprintf("l%d", i)), Timestamp: 1000})
		}
	}
	for j := range 3 * m / 10 {
		if right(j, 1) != right(j, 0) {
			rs = append(rs, rightRec(j, right(j, 1)))
		}
	}
	produceJSON(t, cl, "fl", ls...)
	produceJSON(t, cl, "fr", rs...)
	e2 := newBackedEngine(t, cl, dir)
	wait(1)
	checkHeldBound(t, e2, 2)
	if err := e2.Close(); err != nil {
		t.Fatal(err)
	}

	// A third server without the local stores: its state comes from the
	// changelog alone, registrations included.
	e3 := newBackedEngine(t, cl, t.TempDir())
	defer e3.Close()
	rs = rs[:0]
	for j := m / 2; j < m; j++ {
		rs = append(rs, rightRec(j, right(j, 2)))
	}
	produceJSON(t, cl, "fr", rs...)
	wait(2)
	checkHeldBound(t, e3, 2)
	t.Logf("%d left rows moved, %d nulled, %d deleted; %d right changes after the restart", countOf(n, moved), countOf(n, nulled), countOf(n, deleted), len(rs))
}

func countOf(n int, f func(int) bool) int {
	c := 0
	for i := range n {
		if f(i) {
			c++
		}
	}
	return c
}
