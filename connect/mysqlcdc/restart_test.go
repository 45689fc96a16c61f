package mysqlcdc_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

// change identifies a record for comparing streams.
func change(r connect.Record) string {
	if r.Value == nil {
		return fmt.Sprintf("%v:tombstone", structString(r.Key))
	}
	return fmt.Sprintf("%v:%s:%v", structString(r.Key), op(r), structString(field(r, "after")))
}

// pollAck polls until n records came, acknowledging exactly the first n
// (the runtime stores the offset of the last record it wrote), and
// returns them; records past n are dropped unacknowledged, as a crash
// would drop them.
func (r *runner) pollAck(n int, timeout time.Duration) []connect.Record {
	r.t.Helper()
	var out []connect.Record
	deadline := time.Now().Add(timeout)
	for len(out) < n {
		if time.Now().After(deadline) {
			r.t.Fatalf("got %d records, want %d", len(out), n)
		}
		recs, err := r.task.Poll(context.Background())
		if err != nil {
			r.t.Fatalf("Poll: %v", err)
		}
		if len(out)+len(recs) > n {
			recs = recs[:n-len(out)]
		}
		r.store.ack(recs)
		out = append(out, recs...)
	}
	return out
}

func TestRestartMidStreamLosesNothing(t *testing.T) {
	for _, mode := range []string{"gtid", "file+pos"} {
		t.Run(mode, func(t *testing.T) {
			srv := mariaDB(t)
			srv.exec(t, "DROP TABLE IF EXISTS demo.cdc_restart", "CREATE TABLE demo.cdc_restart (id INT PRIMARY KEY, v INT)")
			store := newOffsetStore()
			prefix := "restart_" + strings.ReplaceAll(mode, "+", "_")
			// Schema changes off: other tests create tables in demo meanwhile.
			cfg := srv.config(prefix, "table.include.list", "demo.cdc_restart", "max.batch.size", "7", "include.schema.changes", "false")
			first := start(t, cfg, store)
			first.quiet(1200 * time.Millisecond) // empty snapshot

			// 10 transactions of one 20-row insert each, then a 50-row update
			// and a 30-row delete: events holding many rows each.
			for tx := 0; tx < 10; tx++ {
				var vals []string
				for i := 1; i <= 20; i++ {
					vals = append(vals, fmt.Sprintf("(%d, %d)", tx*20+i, tx))
				}
				srv.exec(t, "INSERT INTO demo.cdc_restart VALUES "+strings.Join(vals, ","))
			}
			srv.exec(t, "UPDATE demo.cdc_restart SET v = v + 100 WHERE id <= 50", "DELETE FROM demo.cdc_restart WHERE id > 170")
			const total = 200 + 50 + 30*2
			all := first.collect(total, 30*time.Second)
			first.task.Stop()

			// Replay the same history from its first transaction, crash
			// after record k (mid-event, mid-transaction, at a boundary) and
			// check that a restart continues exactly there.
			for _, k := range []int{75, 213, 251, 252, 300} {
				r1 := startAt(t, cfg, all[0], mode)
				got := r1.pollAck(k, 30*time.Second)
				r1.task.Stop()
				if off, _ := r1.store.lookup(map[string]any{"server": prefix}); (off["gtids"] != nil) != (mode == "gtid") {
					t.Fatalf("%s: stored offset %v", mode, off)
				}
				r2 := start(t, cfg, r1.store)
				// At least once: a delete acknowledged without its tombstone
				// comes again, both of them; nothing else repeats.
				want := total - k
				again := 0
				if k < total && change(all[k-1]) != change(all[k]) && op(all[k]) == "tombstone" {
					again = 1
				}
				rest := r2.collect(want+again, 30*time.Second)
				r2.quiet(1200 * time.Millisecond)
				r2.task.Stop()
				if again == 1 && change(rest[0]) != change(got[k-1]) {
					t.Fatalf("crash between a delete and its tombstone: restart began with %s", change(rest[0]))
				}
				seq := append(got, rest[again:]...)
				for i := range all {
					if change(seq[i]) != change(all[i]) {
						t.Fatalf("crash after %d: record %d is %s, want %s", k, i, change(seq[i]), change(all[i]))
					}
				}
			}
		})
	}
}

// startAt starts a connector whose stored offset is the start of rec's
// transaction with nothing of it emitted, so it re-reads history from
// there; in file+pos mode the offset has no GTID set, as on a server
// without GTIDs.
func startAt(t *testing.T, cfg connect.Config, rec connect.Record, mode string) *runner {
	store := newOffsetStore()
	off := map[string]any{}
	for k, v := range rec.SourceOffset {
		off[k] = v
	}
	delete(off, "event")
	delete(off, "row")
	if mode != "gtid" {
		delete(off, "gtids")
	}
	store.ack([]connect.Record{{SourcePartition: rec.SourcePartition, SourceOffset: off}})
	return start(t, cfg, store)
}

func TestRestartMidSnapshotStartsOver(t *testing.T) {
	srv := mariaDB(t)
	srv.exec(t, "DROP TABLE IF EXISTS demo.cdc_snaprestart", "CREATE TABLE demo.cdc_snaprestart (id INT PRIMARY KEY, v VARCHAR(20))")
	insertRows(t, srv, "demo.cdc_snaprestart", 5000)
	store := newOffsetStore()
	cfg := srv.config("snaprestart", "table.include.list", "demo.cdc_snaprestart", "snapshot.fetch.size", "500", "max.batch.size", "100")
	r1 := start(t, cfg, store)
	r1.pollAck(1000, 30*time.Second)
	r1.task.Stop()
	if off, _ := store.lookup(map[string]any{"server": "snaprestart"}); off["snapshot"] != true {
		t.Fatalf("offset after part of the snapshot %v", off)
	}

	r2 := start(t, cfg, store)
	recs := r2.collect(5000, 60*time.Second)
	for i, rec := range recs {
		if op(rec) != "r" || structString(rec.Key) != fmt.Sprintf("map[id:%d]", i+1) {
			t.Fatalf("record %d: %s", i, change(rec))
		}
	}
	if field(recs[4999], "source", "snapshot") != "last" {
		t.Errorf("last record's source.snapshot %v", field(recs[4999], "source", "snapshot"))
	}
	srv.exec(t, "UPDATE demo.cdc_snaprestart SET v = 'x' WHERE id = 77")
	ch := r2.collect(1, 30*time.Second)
	if op(ch[0]) != "u" || field(ch[0], "after", "v") != "x" {
		t.Errorf("after the snapshot: %s", change(ch[0]))
	}
	if !anyContains(r2.tc.allLogs(), "did not finish") {
		t.Errorf("the restart did not say the snapshot starts over: %v", r2.tc.allLogs())
	}
}

// TestRestartMidSnapshotDeletesRowsGoneMeanwhile: rows an interrupted
// snapshot already wrote and that are deleted before a new one begins
// must not stay in the topic as if they still existed, nor rows it wrote
// keep the values they had before an update, however many times the
// snapshot is interrupted.
func TestRestartMidSnapshotDeletesRowsGoneMeanwhile(t *testing.T) {
	srv := mariaDB(t)
	cfg, store, first := interruptSnapshot(t, srv, "snapgone", 5000, 1000)

	// While the connector is down: rows it already wrote go or change.
	srv.exec(t, "DELETE FROM demo.cdc_snapgone WHERE id BETWEEN 10 AND 19", "UPDATE demo.cdc_snapgone SET v = 'changed' WHERE id = 5")

	// The second attempt is interrupted too, and more rows go.
	r2 := start(t, cfg, store)
	second := r2.pollAck(1000, 30*time.Second)
	r2.task.Stop()
	srv.exec(t, "DELETE FROM demo.cdc_snapgone WHERE id BETWEEN 20 AND 29")

	r3 := start(t, cfg, store)
	// The snapshot's 4,980 rows, and with the last of them, at times, the
	// binlog's deletes since the first attempt began.
	recs := r3.collectAtLeast(4980, 60*time.Second)
	// A marker written after the restart: once it arrives, everything
	// before it has been read.
	srv.exec(t, "UPDATE demo.cdc_snapgone SET v = 'marker' WHERE id = 4000")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("the marker update did not arrive")
		}
		more := r3.poll()
		recs = append(recs, more...)
		if len(more) > 0 && field(more[len(more)-1], "after", "v") == "marker" {
			break
		}
	}
	latest := map[string]any{}
	for _, rec := range append(append(first, second...), recs...) {
		k := structString(rec.Key)
		if rec.Value == nil || field(rec, "after") == nil {
			delete(latest, k)
			continue
		}
		latest[k] = field(rec, "after", "v")
	}
	for id := 10; id <= 29; id++ {
		if v, ok := latest[fmt.Sprintf("map[id:%d]", id)]; ok {
			t.Errorf("row %d was deleted before a restart, but the topic's latest record for it still holds %v", id, v)
		}
	}
	if v := latest["map[id:5]"]; v != "changed" {
		t.Errorf("row 5: latest value %v, want changed", v)
	}
	if len(latest) != 4980 {
		t.Errorf("%d keys in the topic, want 4980", len(latest))
	}
}

// TestRestartMidSnapshotReadsTheBinlogSinceWithItsDefinitions: the
// binlog since an interrupted snapshot began is read with the table as it
// was then, not as the new snapshot found it after a DDL statement.
func TestRestartMidSnapshotReadsTheBinlogSinceWithItsDefinitions(t *testing.T) {
	srv := mariaDB(t)
	cfg, store, _ := interruptSnapshot(t, srv, "snapddl", 3000, 500)

	srv.exec(t,
		"UPDATE demo.cdc_snapddl SET v = 'pre' WHERE id = 6",
		"ALTER TABLE demo.cdc_snapddl ADD COLUMN w INT DEFAULT 7 AFTER id",
		"UPDATE demo.cdc_snapddl SET v = 'post', w = 8 WHERE id = 5",
	)
	r2 := start(t, cfg, store)
	snap := r2.collect(3000, 60*time.Second)
	if got := afterRow(snap[5]); got != "id=6 w=7 v=pre" {
		t.Errorf("snapshot row 6: %s", got)
	}
	recs := r2.collect(2, 30*time.Second)
	want := []string{"u id=6 v=pre", "u id=5 w=8 v=post"}
	for i, r := range recs {
		if got := op(r) + " " + afterRow(r); got != want[i] {
			t.Errorf("change %d since the interrupted snapshot: %s, want %s", i, got, want[i])
		}
	}
}

// interruptSnapshot makes the table demo.cdc_<name> of rows rows and
// starts the connector on it, stopping it once it acknowledged ack
// snapshot records: an interrupted snapshot. It returns the config and
// offsets to start again with, and the records read.
func interruptSnapshot(t *testing.T, srv *server, name string, rows, ack int) (connect.Config, *offsetStore, []connect.Record) {
	t.Helper()
	table := "demo.cdc_" + name
	srv.exec(t, "DROP TABLE IF EXISTS "+table, "CREATE TABLE "+table+" (id INT PRIMARY KEY, v VARCHAR(20))")
	insertRows(t, srv, table, rows)
	store := newOffsetStore()
	cfg := srv.config(name, "table.include.list", table, "snapshot.fetch.size", "500", "max.batch.size", "100", "include.schema.changes", "false")
	r := start(t, cfg, store)
	read := r.pollAck(ack, 30*time.Second)
	r.task.Stop()
	return cfg, store, read
}

func anyContains(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func insertRows(t testing.TB, srv *server, table string, n int) {
	t.Helper()
	for lo := 1; lo <= n; lo += 1000 {
		var vals []string
		for i := lo; i < lo+1000 && i <= n; i++ {
			vals = append(vals, fmt.Sprintf("(%d, 'row %d')", i, i))
		}
		srv.exec(t, "INSERT INTO "+table+" VALUES "+strings.Join(vals, ","))
	}
}

// TestSnapshotConsistentWithBinlog writes while the snapshot runs: every
// row must then appear exactly once, either in the snapshot or as a
// change after it, never both and never neither.
func TestSnapshotConsistentWithBinlog(t *testing.T) {
	srv := mariaDB(t)
	srv.exec(t, "DROP TABLE IF EXISTS demo.cdc_consistent", "CREATE TABLE demo.cdc_consistent (id INT PRIMARY KEY, v VARCHAR(20))")
	insertRows(t, srv, "demo.cdc_consistent", 20000)
	const extra = 1500
	writerDone := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		for i := 20001; i <= 20000+extra; i++ {
			if i == 20300 {
				close(started)
			}
			if _, err := srv.db.Exec(fmt.Sprintf("INSERT INTO demo.cdc_consistent VALUES (%d, 'late')", i)); err != nil {
				writerDone <- err
				return
			}
		}
		writerDone <- nil
	}()
	<-started // the snapshot begins while rows keep coming
	r := start(t, srv.config("consistent", "table.include.list", "demo.cdc_consistent", "snapshot.fetch.size", "200", "max.batch.size", "50", "max.queue.size", "100"), newOffsetStore())
	seen := map[string]string{}
	snapshotDone := false
	deadline := time.Now().Add(2 * time.Minute)
	for len(seen) < 20000+extra {
		if time.Now().After(deadline) {
			t.Fatalf("saw %d of %d rows", len(seen), 20000+extra)
		}
		for _, rec := range r.poll() {
			k := structString(rec.Key)
			if prev, dup := seen[k]; dup {
				t.Fatalf("row %s seen twice: %s then %s", k, prev, op(rec))
			}
			seen[k] = op(rec)
			if op(rec) == "c" {
				snapshotDone = true
			} else if snapshotDone {
				t.Fatalf("snapshot record %s after a change", k)
			}
		}
	}
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}
	late := 0
	for _, o := range seen {
		if o == "c" {
			late++
		}
	}
	t.Logf("%d of the %d concurrent inserts came from the binlog, the rest from the snapshot", late, extra)
	if late == 0 || late == extra {
		t.Errorf("the writes did not overlap the snapshot (%d of %d from the binlog); the test proves nothing", late, extra)
	}
	r.quiet(1200 * time.Millisecond)
}
