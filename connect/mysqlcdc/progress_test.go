package mysqlcdc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestProgressFollowsTheBinlog: the position DESCRIBE CONNECTOR shows
// comes to the server's own after a burst of transactions and a binlog
// rotation, though the progress is shown at most once a second: the
// newest position is held back and shown later, and a new file at once.
// (It once stayed at the last position shown before the rotation, in
// the old file, until a transaction more than a second later.)
func TestProgressFollowsTheBinlog(t *testing.T) {
	srv := mariaDB(t)
	srv.exec(t,
		"DROP TABLE IF EXISTS demo.cdc_progress",
		"CREATE TABLE demo.cdc_progress (id INT PRIMARY KEY)",
	)
	r := start(t, srv.config("prog1", "table.whitelist", "demo.cdc_progress"), newOffsetStore())
	r.waitSnapshotEmpty(30 * time.Second)

	srv.exec(t, "INSERT INTO demo.cdc_progress VALUES (1)")
	r.collect(1, 30*time.Second)
	r.waitProgress(srv)
	// Within the second after the position of row 1 was shown: a new
	// binlog file and a transaction in it.
	srv.exec(t, "FLUSH BINARY LOGS", "INSERT INTO demo.cdc_progress VALUES (2)")
	r.collect(1, 30*time.Second)
	r.waitProgress(srv)
}

// waitProgress waits for the progress to show the server's binlog
// position, failing after 30s (the server's heartbeat, every 5s on an
// idle stream, brings a held-back position out).
func (r *runner) waitProgress(srv *server) {
	t := r.t
	t.Helper()
	var file string
	var pos uint32
	var ignore any
	if err := srv.db.QueryRow("SHOW MASTER STATUS").Scan(&file, &pos, &ignore, &ignore); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("streaming the binlog at %s:%d", file, pos)
	deadline := time.Now().Add(30 * time.Second)
	for {
		r.tc.mu.Lock()
		last := r.tc.progress[len(r.tc.progress)-1]
		r.tc.mu.Unlock()
		if strings.HasSuffix(last, want) {
			return
		}
		// The server may write an event of its own meanwhile (a binlog
		// checkpoint after the rotation).
		if err := srv.db.QueryRow("SHOW MASTER STATUS").Scan(&file, &pos, &ignore, &ignore); err != nil {
			t.Fatal(err)
		}
		want = fmt.Sprintf("streaming the binlog at %s:%d", file, pos)
		if time.Now().After(deadline) {
			t.Fatalf("progress %q, want it to end %q (the server's position)", last, want)
		}
		r.quiet(500 * time.Millisecond)
	}
}
