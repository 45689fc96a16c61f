package mysqlcdc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

// afterRow renders the envelope's after as name=value pairs in the order
// of its schema's fields, the columns the event was read with.
func afterRow(r connect.Record) string {
	st, _ := field(r, "after").(*connect.Struct)
	if st == nil {
		return "<nil>"
	}
	var parts []string
	for _, f := range st.Schema.Fields {
		parts = append(parts, fmt.Sprintf("%s=%v", f.Name, st.Values[f.Name]))
	}
	return strings.Join(parts, " ")
}

// TestStoppedAcrossDDLReadsEachEventWithItsSchema stops the connector,
// changes the table twice (a column added in the middle, another dropped,
// one renamed) with rows written between, and restarts it: each binlog
// event must be read with the table as it was when the event was written,
// not with today's columns by position.
func TestStoppedAcrossDDLReadsEachEventWithItsSchema(t *testing.T) {
	srv := mariaDB(t)
	srv.exec(t, "DROP TABLE IF EXISTS demo.dbzavro_lag",
		"CREATE TABLE demo.dbzavro_lag (id INT PRIMARY KEY, a VARCHAR(10), b INT)",
		"INSERT INTO demo.dbzavro_lag VALUES (1, 'a1', 1)")
	store := newOffsetStore()
	// Its own server id: MariaDB drops a binlog reader when another connects
	// with the same one, and the other tests derive theirs from their names.
	cfg := srv.config("dbzavro_lag", "table.include.list", "demo.dbzavro_lag", "include.schema.changes", "false", "database.server.id", "5399")
	first := start(t, cfg, store)
	if got := afterRow(first.collect(1, 30*time.Second)[0]); got != "id=1 a=a1 b=1" {
		t.Fatalf("snapshot row: %s", got)
	}
	first.quiet(1200 * time.Millisecond)
	first.task.Stop()

	srv.exec(t,
		"INSERT INTO demo.dbzavro_lag VALUES (2, 'a2', 2)",
		"ALTER TABLE demo.dbzavro_lag ADD COLUMN c VARCHAR(10) AFTER id",
		"INSERT INTO demo.dbzavro_lag VALUES (3, 'c3', 'a3', 3)",
		"UPDATE demo.dbzavro_lag SET b = 11 WHERE id = 1",
		"ALTER TABLE demo.dbzavro_lag DROP COLUMN a, CHANGE COLUMN b bb BIGINT NOT NULL DEFAULT 0",
		"INSERT INTO demo.dbzavro_lag VALUES (4, 'c4', 4)",
		"UPDATE demo.dbzavro_lag SET c = 'c2' WHERE id = 2",
	)
	second := start(t, cfg, store)
	recs := second.collect(5, 30*time.Second)
	second.quiet(1200 * time.Millisecond)
	want := []string{
		"c id=2 a=a2 b=2",
		"c id=3 c=c3 a=a3 b=3",
		"u id=1 c=<nil> a=a1 b=11",
		"c id=4 c=c4 bb=4",
		"u id=2 c=c2 bb=2",
	}
	for i, r := range recs {
		if got := op(r) + " " + afterRow(r); got != want[i] {
			t.Errorf("event %d: %s, want %s", i, got, want[i])
		}
	}
	// before images are read with the same definitions.
	if st, _ := field(recs[2], "before").(*connect.Struct); st == nil || st.Values["b"] != int32(1) || st.Values["a"] != "a1" {
		t.Errorf("before of the update: %v", field(recs[2], "before"))
	}

	// A third start resumes from the offset the second stored, past both
	// statements: it has nothing to re-read and reads new rows with the
	// newest definition.
	second.task.Stop()
	srv.exec(t, "INSERT INTO demo.dbzavro_lag VALUES (5, 'c5', 5)")
	third := start(t, cfg, store)
	if got := afterRow(third.collect(1, 30*time.Second)[0]); got != "id=5 c=c5 bb=5" {
		t.Errorf("after the restart: %s", got)
	}
}
