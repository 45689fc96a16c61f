package mysqlcdc_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

func TestSnapshotThenChanges(t *testing.T) {
	srv := mariaDB(t)
	srv.exec(t,
		"DROP TABLE IF EXISTS demo.cdc_customers",
		`CREATE TABLE demo.cdc_customers (id INT PRIMARY KEY, first_name VARCHAR(50) NOT NULL, club_status VARCHAR(20), comments TEXT)`,
		"INSERT INTO demo.cdc_customers VALUES (1, 'Rica', 'platinum', 'a'), (2, 'Ruthie', 'gold', NULL), (3, 'Mariejeanne', 'bronze', 'c')",
	)
	r := start(t, srv.config("snap1", "table.whitelist", "demo.cdc_customers"), newOffsetStore())

	snap := r.collect(3, 30*time.Second)
	for i, rec := range snap {
		if rec.Topic != "snap1.demo.cdc_customers" {
			t.Errorf("topic %q", rec.Topic)
		}
		if op(rec) != "r" {
			t.Errorf("record %d op %q, want r", i, op(rec))
		}
		if got := structString(rec.Key); got != structString(&connect.Struct{Values: map[string]any{"id": int32(i + 1)}}) {
			t.Errorf("record %d key %s", i, got)
		}
		wantSnap := "true"
		if i == 2 {
			wantSnap = "last"
		}
		if got := field(rec, "source", "snapshot"); got != wantSnap {
			t.Errorf("record %d source.snapshot %v, want %s", i, got, wantSnap)
		}
		if field(rec, "before") != nil {
			t.Errorf("snapshot record has a before")
		}
	}
	after := field(snap[1], "after").(*connect.Struct)
	if !reflect.DeepEqual(after.Values, map[string]any{"id": int32(2), "first_name": "Ruthie", "club_status": "gold", "comments": nil}) {
		t.Errorf("after %v", after.Values)
	}
	if snap[2].SourceOffset["snapshot"] != nil {
		t.Errorf("the last snapshot record's offset %v should mark the snapshot complete", snap[2].SourceOffset)
	}
	if snap[0].SourceOffset["snapshot"] != true {
		t.Errorf("a snapshot record's offset %v should say the snapshot is under way", snap[0].SourceOffset)
	}

	// Schemas as Debezium names and shapes them.
	rec := snap[0]
	if rec.KeySchema.Name != "snap1.demo.cdc_customers.Key" || rec.KeySchema.Fields[0].Name != "id" ||
		rec.KeySchema.Fields[0].Schema.Type != connect.Int32 || rec.KeySchema.Fields[0].Schema.Optional {
		t.Errorf("key schema %+v", rec.KeySchema)
	}
	env := rec.ValueSchema
	if env.Name != "snap1.demo.cdc_customers.Envelope" {
		t.Errorf("envelope name %q", env.Name)
	}
	var names []string
	for _, f := range env.Fields {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "before,after,source,op,ts_ms,transaction" {
		t.Errorf("envelope fields %s", got)
	}
	val := env.Field("after")
	if val.Name != "snap1.demo.cdc_customers.Value" || !val.Optional || env.Field("before") != val {
		t.Errorf("value schema %+v", val)
	}
	for _, c := range []struct {
		name     string
		typ      connect.Type
		optional bool
	}{{"id", connect.Int32, false}, {"first_name", connect.String, false}, {"club_status", connect.String, true}, {"comments", connect.String, true}} {
		if f := val.Field(c.name); f == nil || f.Type != c.typ || f.Optional != c.optional {
			t.Errorf("value field %s: %+v, want %s optional=%v", c.name, f, c.typ, c.optional)
		}
	}
	src := env.Field("source")
	names = nil
	for _, f := range src.Fields {
		names = append(names, f.Name)
	}
	if src.Name != "io.debezium.connector.mysql.Source" || strings.Join(names, ",") != "version,connector,name,ts_ms,snapshot,db,table,server_id,gtid,file,pos,row,thread,query" {
		t.Errorf("source schema %s %s", src.Name, strings.Join(names, ","))
	}
	if field(rec, "source", "connector") != "mysql" || field(rec, "source", "name") != "snap1" ||
		field(rec, "source", "db") != "demo" || field(rec, "source", "table") != "cdc_customers" {
		t.Errorf("source %v", structString(field(rec, "source")))
	}
	if f, _ := field(rec, "source", "file").(string); !strings.HasPrefix(f, "binlog.") {
		t.Errorf("source.file %q", f)
	}

	// Changes after the snapshot.
	srv.exec(t,
		"INSERT INTO demo.cdc_customers VALUES (4, 'Hashim', 'silver', NULL)",
		"UPDATE demo.cdc_customers SET club_status = 'bronze' WHERE id = 2",
		"DELETE FROM demo.cdc_customers WHERE id = 3",
	)
	ch := r.collect(4, 30*time.Second)
	if got := []string{op(ch[0]), op(ch[1]), op(ch[2]), op(ch[3])}; !reflect.DeepEqual(got, []string{"c", "u", "d", "tombstone"}) {
		t.Fatalf("ops %v", got)
	}
	if v := field(ch[0], "after", "first_name"); v != "Hashim" || field(ch[0], "before") != nil {
		t.Errorf("insert after.first_name %v before %v", v, field(ch[0], "before"))
	}
	if b, a := field(ch[1], "before", "club_status"), field(ch[1], "after", "club_status"); b != "gold" || a != "bronze" {
		t.Errorf("update before %v after %v", b, a)
	}
	if structString(ch[1].Key) != "map[id:2]" {
		t.Errorf("update key %s", structString(ch[1].Key))
	}
	if field(ch[2], "after") != nil || field(ch[2], "before", "first_name") != "Mariejeanne" {
		t.Errorf("delete before %v after %v", structString(field(ch[2], "before")), field(ch[2], "after"))
	}
	if ch[3].Value != nil || structString(ch[3].Key) != "map[id:3]" || ch[3].Topic != "snap1.demo.cdc_customers" {
		t.Errorf("tombstone %+v", ch[3])
	}
	for _, rec := range ch[:3] {
		if field(rec, "source", "snapshot") != "false" {
			t.Errorf("streamed record source.snapshot %v", field(rec, "source", "snapshot"))
		}
		if field(rec, "source", "server_id") != int64(1) {
			t.Errorf("source.server_id %v, want the server's id 1", field(rec, "source", "server_id"))
		}
		if g, _ := field(rec, "source", "gtid").(string); !strings.HasPrefix(g, "0-1-") {
			t.Errorf("source.gtid %q, want a MariaDB GTID", g)
		}
		if ts, _ := field(rec, "source", "ts_ms").(int64); time.Since(time.UnixMilli(ts)) > time.Minute {
			t.Errorf("source.ts_ms %v", ts)
		}
		if p, _ := field(rec, "source", "pos").(int64); p <= 4 {
			t.Errorf("source.pos %v", p)
		}
	}
	r.quiet(1500 * time.Millisecond)
}

func TestTombstonesOff(t *testing.T) {
	srv := mariaDB(t)
	srv.exec(t,
		"DROP TABLE IF EXISTS demo.cdc_tomb",
		"CREATE TABLE demo.cdc_tomb (id INT PRIMARY KEY, v INT)",
	)
	r := start(t, srv.config("tomb", "table.include.list", "demo.cdc_tomb", "tombstones.on.delete", "false"), newOffsetStore())
	r.waitSnapshotEmpty(30 * time.Second)
	srv.exec(t, "INSERT INTO demo.cdc_tomb VALUES (1, 1)", "DELETE FROM demo.cdc_tomb WHERE id = 1")
	recs := r.collect(2, 30*time.Second)
	if op(recs[0]) != "c" || op(recs[1]) != "d" {
		t.Fatalf("%s", describe(recs))
	}
	r.quiet(1200 * time.Millisecond)
}

// An UPDATE that changes the primary key is, as Debezium writes it, a
// delete of the old key (with its tombstone) and a create of the new one:
// a table or an upserting sink keyed on the old key must lose that row.
func TestPrimaryKeyChangeDeletesTheOldKey(t *testing.T) {
	srv := mariaDB(t)
	srv.exec(t,
		"DROP TABLE IF EXISTS demo.cdc_rekey",
		"CREATE TABLE demo.cdc_rekey (id INT PRIMARY KEY, v VARCHAR(10))",
		"INSERT INTO demo.cdc_rekey VALUES (1, 'a'), (2, 'b')",
	)
	r := start(t, srv.config("rekey", "table.include.list", "demo.cdc_rekey"), newOffsetStore())
	r.collect(2, 30*time.Second)
	srv.exec(t, "UPDATE demo.cdc_rekey SET id = id + 100, v = 'moved' WHERE id = 1",
		"UPDATE demo.cdc_rekey SET v = 'same key' WHERE id = 2")
	ch := r.collect(4, 30*time.Second)
	if got := []string{op(ch[0]), op(ch[1]), op(ch[2]), op(ch[3])}; !reflect.DeepEqual(got, []string{"d", "tombstone", "c", "u"}) {
		t.Fatalf("ops %v: %s", got, describe(ch))
	}
	if structString(ch[0].Key) != "map[id:1]" || structString(ch[1].Key) != "map[id:1]" || structString(ch[2].Key) != "map[id:101]" {
		t.Errorf("keys %s %s %s", structString(ch[0].Key), structString(ch[1].Key), structString(ch[2].Key))
	}
	if field(ch[0], "before", "v") != "a" || field(ch[0], "after") != nil {
		t.Errorf("delete before %v after %v", structString(field(ch[0], "before")), field(ch[0], "after"))
	}
	if field(ch[2], "before") != nil || field(ch[2], "after", "id") != int32(101) || field(ch[2], "after", "v") != "moved" {
		t.Errorf("create before %v after %v", field(ch[2], "before"), structString(field(ch[2], "after")))
	}
	// A crash before the create must replay the row: only the create
	// carries the offset past it.
	if !reflect.DeepEqual(ch[0].SourceOffset, ch[1].SourceOffset) || reflect.DeepEqual(ch[1].SourceOffset, ch[2].SourceOffset) {
		t.Errorf("offsets %v %v %v", ch[0].SourceOffset, ch[1].SourceOffset, ch[2].SourceOffset)
	}
	if structString(ch[3].Key) != "map[id:2]" || field(ch[3], "before", "v") != "b" {
		t.Errorf("update %s", describe(ch[3:]))
	}
	// Debezium's headers, as its default SimpleHeaderConverter writes the
	// key Struct: the new key on the delete and its tombstone, the old key
	// on the create, none on an update that keeps its key.
	for i, want := range []map[string]string{
		{"__debezium.newkey": `{"id":101}`},
		{"__debezium.newkey": `{"id":101}`},
		{"__debezium.oldkey": `{"id":1}`},
		{},
	} {
		got := map[string]string{}
		for _, h := range ch[i].Headers {
			got[h.Key] = string(h.Value)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("record %d (%s) headers %v, want %v", i, op(ch[i]), got, want)
		}
	}
	r.quiet(1200 * time.Millisecond)
}
