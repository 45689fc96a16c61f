package jdbc

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

var (
	keySchema = &connect.Schema{Type: connect.StructT, Name: "OrderKey", Fields: []connect.Field{
		{Name: "id", Schema: &connect.Schema{Type: connect.Int64}},
	}}
	orderSchema = &connect.Schema{Type: connect.StructT, Name: "Order", Fields: []connect.Field{
		{Name: "id", Schema: &connect.Schema{Type: connect.Int64}},
		{Name: "item", Schema: &connect.Schema{Type: connect.String}},
		{Name: "qty", Schema: &connect.Schema{Type: connect.Int32, Optional: true}},
		{Name: "price", Schema: &connect.Schema{Type: connect.Bytes, Name: connect.LogicalDecimal, Optional: true, Parameters: map[string]string{"scale": "2"}}},
		{Name: "at", Schema: &connect.Schema{Type: connect.Int64, Name: connect.LogicalTimestamp}},
	}}
	t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

func order(topic string, offset, id int64, qty int32) connect.Record {
	k := (&connect.Struct{Schema: keySchema}).Put("id", id)
	v := (&connect.Struct{Schema: orderSchema}).Put("id", id).Put("item", fmt.Sprintf("item-%d", id)).
		Put("qty", qty).Put("price", big.NewRat(id*100+5, 100)).Put("at", t0.Add(time.Duration(id)*time.Second))
	return connect.Record{Topic: topic, Offset: offset, KeySchema: keySchema, Key: k, ValueSchema: orderSchema, Value: v}
}

func tombstone(topic string, offset, id int64) connect.Record {
	return connect.Record{Topic: topic, Offset: offset, KeySchema: keySchema, Key: (&connect.Struct{Schema: keySchema}).Put("id", id)}
}

func sinkConfig(d *testDB, kv ...string) connect.Config {
	cfg := connect.Config{"connection.url": d.url}
	for i := 0; i+1 < len(kv); i += 2 {
		cfg[kv[i]] = kv[i+1]
	}
	return cfg
}

func TestSinkUpsertIsIdempotent(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		cfg := sinkConfig(d, "insert.mode", "upsert", "pk.mode", "record_key", "auto.create", "true", "batch.size", "7")
		var recs []connect.Record
		for i := int64(1); i <= 50; i++ {
			recs = append(recs, order("orders", i, i, 1))
		}
		// Within one batch, a later write of a key wins.
		recs = append(recs, order("orders", 51, 3, 9), order("orders", 52, 3, 10))
		putFlush(t, startSink(t, cfg), recs)
		// Delivered again, as after a crash before the offsets were
		// committed, by a new task: still one row per key.
		putFlush(t, startSink(t, cfg), recs)
		got := d.rows(t, "SELECT COUNT(*), COUNT(DISTINCT id), SUM(qty) FROM orders")
		equal(t, "rows", got, []string{"50|50|59"})
		got = d.rows(t, "SELECT id, item, qty, price, at FROM orders WHERE id IN (3, 42) ORDER BY id")
		equal(t, "rows 3 and 42", got, []string{"3|item-3|10|3.05|2026-03-01 12:00:03.000", "42|item-42|1|42.05|2026-03-01 12:00:42.000"})
	})
}

func TestSinkTombstoneDeletes(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		cfg := sinkConfig(d, "insert.mode", "upsert", "pk.mode", "record_key", "auto.create", "true", "delete.enabled", "true")
		st := startSink(t, cfg)
		putFlush(t, st, []connect.Record{order("orders", 0, 1, 1), order("orders", 1, 2, 1), order("orders", 2, 3, 1)})
		// A delete between two writes of the same key, in one batch, keeps
		// their order; a tombstone for a row that is not there is fine.
		putFlush(t, st, []connect.Record{tombstone("orders", 3, 2), order("orders", 4, 3, 7), tombstone("orders", 5, 3), order("orders", 6, 3, 8), tombstone("orders", 7, 99)})
		equal(t, "rows", d.rows(t, "SELECT id, qty FROM orders ORDER BY id"), []string{"1|1", "3|8"})
	})
}

func TestSinkAutoCreateAndEvolve(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		cfg := sinkConfig(d, "pk.mode", "record_value", "pk.fields", "id", "auto.create", "true", "auto.evolve", "true",
			"table.name.format", "kafka_${topic}", "insert.mode", "upsert", "fields.whitelist", "id,item,qty,at,note")
		st := startSink(t, cfg)
		putFlush(t, st, []connect.Record{order("orders", 0, 1, 1)})
		// A new version of the schema with one more (optional) field.
		r := orderWithNote("orders", 1, 2, 2, "gift")
		putFlush(t, st, []connect.Record{r})
		equal(t, "rows", d.rows(t, "SELECT id, item, qty, note FROM kafka_orders ORDER BY id"), []string{"1|item-1|1|NULL", "2|item-2|2|gift"})
		// price is not in fields.whitelist: no column for it.
		var cols []string
		if d.kind == "postgres" {
			cols = d.rows(t, "SELECT column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns WHERE table_schema = '"+d.name+"' AND table_name = 'kafka_orders' ORDER BY ordinal_position")
			equal(t, "columns", cols, []string{"id bigint NO", "item text NO", "qty integer YES", "at timestamp without time zone NO", "note text YES"})
		} else {
			cols = d.rows(t, "SELECT CONCAT(column_name, ' ', column_type, ' ', is_nullable) FROM information_schema.columns WHERE table_schema = '"+d.name+"' AND table_name = 'kafka_orders' ORDER BY ordinal_position")
			equal(t, "columns", cols, []string{"id bigint(20) NO", "item text NO", "qty int(11) YES", "at datetime(3) NO", "note text YES"})
		}
	})
}

// TestSinkWaitsForAMissingTable: a table that does not exist (auto.create
// false), or that goes away mid-stream (renamed, a privilege revoked), is
// not the records' fault: Put fails the batch as a retriable error, not
// as records for errors.tolerance (which sent every record of a renamed
// table to the dead letter queue), and writes it once the table is back.
func TestSinkWaitsForAMissingTable(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		st := startSink(t, sinkConfig(d, "pk.mode", "record_key", "insert.mode", "upsert"))
		retriable := func(what string, err error) {
			t.Helper()
			var re *connect.RecordError
			if err == nil || errors.As(err, &re) {
				t.Fatalf("%s: Put = %v, want a retriable error", what, err)
			}
		}
		err := st.Put(context.Background(), []connect.Record{order("orders", 0, 1, 1)})
		retriable("no table", err)
		if !strings.Contains(err.Error(), "does not exist and auto.create is false") {
			t.Errorf("no table: %v", err)
		}
		d.exec(t, "CREATE TABLE orders (id BIGINT PRIMARY KEY, item TEXT NOT NULL, qty INT, price DECIMAL(10,2), at TIMESTAMP(3) NULL)")
		putFlush(t, st, []connect.Record{order("orders", 0, 1, 1)})
		d.exec(t, "ALTER TABLE orders RENAME TO orders_away")
		retriable("table renamed", st.Put(context.Background(), []connect.Record{order("orders", 1, 2, 2)}))
		d.exec(t, "ALTER TABLE orders_away RENAME TO orders")
		putFlush(t, st, []connect.Record{order("orders", 1, 2, 2)})
		equal(t, "rows", d.rows(t, "SELECT id, qty FROM orders ORDER BY id"), []string{"1|1", "2|2"})
	})
}

// A table another session holds locked fails the batch after
// write.timeout.ms with an error that says so (retried by the runtime,
// shown in the task's status) instead of waiting, silent, for the lock;
// once it is released the batch lands.
func TestSinkGivesUpOnALockedTable(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		d.exec(t, "CREATE TABLE orders (id BIGINT PRIMARY KEY, item TEXT NOT NULL, qty INT, price DECIMAL(10,2), at TIMESTAMP(3) NULL)")
		st := startSink(t, sinkConfig(d, "pk.mode", "record_key", "insert.mode", "upsert", "write.timeout.ms", "300"))
		ctx := context.Background()
		unlock := lockTable(t, d, "orders")
		err := st.Put(ctx, []connect.Record{order("orders", 0, 1, 1)})
		var re *connect.RecordError
		if err == nil || errors.As(err, &re) || !strings.Contains(err.Error(), "no answer from the database in time") {
			t.Fatalf("Put on a locked table: %v, want a retriable timeout", err)
		}
		unlock()
		putFlush(t, st, []connect.Record{order("orders", 0, 1, 1)})
		equal(t, "rows", d.rows(t, "SELECT id, qty FROM orders ORDER BY id"), []string{"1|1"})
	})
}

// auto.evolve's ALTER TABLE on a table another session holds locked
// gives up after lock.timeout.ms too, as a retriable error naming the
// lock, instead of waiting for it unbounded; once the lock goes the
// column is added and the record written.
func TestSinkEvolveGivesUpOnALockedTable(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		d.exec(t, "CREATE TABLE orders (id BIGINT PRIMARY KEY, item TEXT NOT NULL, qty INT, price DECIMAL(10,2), at TIMESTAMP(3) NULL)")
		st := startSink(t, sinkConfig(d, "pk.mode", "record_key", "insert.mode", "upsert", "auto.evolve", "true", "lock.timeout.ms", "1000"))
		putFlush(t, st, []connect.Record{order("orders", 0, 1, 1)}) // the columns are known
		ctx := context.Background()
		unlock := lockTable(t, d, "orders")
		r := orderWithNote("orders", 1, 2, 2, "gift")
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := st.Put(pctx, []connect.Record{r})
		cancel()
		var re *connect.RecordError
		if err == nil || errors.As(err, &re) || !strings.Contains(err.Error(), "ALTER TABLE") || !strings.Contains(err.Error(), "lock.timeout.ms") {
			t.Fatalf("Put needing a column on a locked table: %v, want a retriable lock timeout", err)
		}
		unlock()
		putFlush(t, st, []connect.Record{r})
		equal(t, "rows", d.rows(t, "SELECT id, qty, note FROM orders ORDER BY id"), []string{"1|1|NULL", "2|2|gift"})
	})
}

// A record the database refuses (a CHECK constraint) is handed back alone;
// the rest of its batch is written once, even when the runtime puts the
// remainder again.
func TestSinkIsolatesRefusedRecord(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		d.exec(t, "CREATE TABLE orders (id BIGINT PRIMARY KEY, item TEXT NOT NULL, qty INT CHECK (qty < 100), price DECIMAL(10,2), at TIMESTAMP(3) NULL)")
		st := startSink(t, sinkConfig(d, "pk.mode", "record_key"))
		recs := []connect.Record{order("orders", 0, 1, 1), order("orders", 1, 2, 500), order("orders", 2, 3, 3)}
		err := st.Put(context.Background(), recs)
		var re *connect.RecordError
		if !errors.As(err, &re) || len(re.Failed) != 1 || re.Failed[0].Record.Offset != 1 {
			t.Fatalf("Put: %v, want the record at offset 1 refused", err)
		}
		putFlush(t, st, []connect.Record{recs[0], recs[2]}) // insert mode: a second write would fail
		equal(t, "rows", d.rows(t, "SELECT id, qty FROM orders ORDER BY id"), []string{"1|1", "3|3"})
	})
}

func TestSinkKafkaKeysAndSchemalessValues(t *testing.T) {
	d := pgDB(t)
	st := startSink(t, sinkConfig(d, "pk.mode", "kafka", "auto.create", "true", "insert.mode", "upsert", "quote.sql.identifiers", "never"))
	recs := []connect.Record{
		{Topic: "clicks", Partition: 1, Offset: 7, Value: map[string]any{"USER_ID": int64(4), "PAGE": "/a", "SCORE": 1.5}},
		{Topic: "clicks", Partition: 1, Offset: 8, Value: map[string]any{"USER_ID": int64(5), "PAGE": "/b", "SCORE": 2.5}},
	}
	putFlush(t, st, recs)
	putFlush(t, st, recs)
	// quote.sql.identifiers=never: PostgreSQL folds the names to lower case.
	equal(t, "rows", d.rows(t, "SELECT __connect_topic, __connect_partition, __connect_offset, user_id, page, score FROM clicks ORDER BY 3"),
		[]string{"clicks|1|7|4|/a|1.5", "clicks|1|8|5|/b|2.5"})
}

func TestSinkConfigProblems(t *testing.T) {
	for _, c := range []struct {
		cfg  connect.Config
		want string
	}{
		{connect.Config{"connection.url": "postgres://x/y"}, "not a JDBC URL"},
		{connect.Config{"connection.url": "jdbc:oracle:thin:@x:1521/y"}, "unsupported database"},
		{connect.Config{"connection.url": "jdbc:postgresql://x/y", "insert.mode": "upsert"}, "needs a primary key"},
		{connect.Config{"connection.url": "jdbc:postgresql://x/y", "delete.enabled": "true", "pk.mode": "record_value"}, "needs pk.mode=record_key"},
	} {
		if _, err := newSinkTask(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.cfg, err, c.want)
		}
	}
}

// update mode changes existing rows and creates none.
func TestSinkUpdateMode(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		d.exec(t, "CREATE TABLE orders (id BIGINT PRIMARY KEY, item TEXT NOT NULL, qty INT, price DECIMAL(10,2), at TIMESTAMP(3) NULL)",
			"INSERT INTO orders (id, item, qty) VALUES (1, 'old', 0), (2, 'old', 0)")
		putFlush(t, startSink(t, sinkConfig(d, "insert.mode", "update", "pk.mode", "record_key")),
			[]connect.Record{order("orders", 0, 2, 5), order("orders", 1, 3, 6)})
		equal(t, "rows", d.rows(t, "SELECT id, item, qty FROM orders ORDER BY id"), []string{"1|old|0", "2|item-2|5"})
	})
}

// lockTable has another session lock table (PostgreSQL's LOCK TABLE …
// IN ACCESS EXCLUSIVE MODE in a transaction, MySQL's LOCK TABLES …
// WRITE) and returns what releases the lock.
func lockTable(t *testing.T, d *testDB, table string) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := d.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	lock, release := []string{"BEGIN", "LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE"}, "COMMIT"
	if d.kind == "mysql" {
		lock, release = []string{"LOCK TABLES " + table + " WRITE"}, "UNLOCK TABLES"
	}
	for _, s := range lock {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return func() {
		t.Helper()
		if _, err := conn.ExecContext(ctx, release); err != nil {
			t.Fatal(err)
		}
	}
}

// orderWithNote is order's record under the next version of its schema,
// which adds the optional field note.
func orderWithNote(topic string, offset, id int64, qty int32, note string) connect.Record {
	v2 := &connect.Schema{Type: connect.StructT, Name: "Order", Fields: append(append([]connect.Field(nil), orderSchema.Fields...),
		connect.Field{Name: "note", Schema: &connect.Schema{Type: connect.String, Optional: true}})}
	r := order(topic, offset, id, qty)
	r.ValueSchema = v2
	r.Value.(*connect.Struct).Schema = v2
	r.Value.(*connect.Struct).Put("note", note)
	return r
}
