package mongodb

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/event"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/internal/testenv"
)

// These tests write to a real MongoDB-protocol server (FerretDB,
// MONGO_URL) and read back what it holds.

type testContext struct {
	mu   sync.Mutex
	logs []string
}

func (c *testContext) Logf(format string, args ...any) {
	c.mu.Lock()
	c.logs = append(c.logs, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}
func (c *testContext) SetProgress(string) {}

func uniqueName(t *testing.T) string {
	return fmt.Sprintf("%s_%d", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano())
}

func startTask(t *testing.T, cfg connect.Config) *task {
	t.Helper()
	return startTaskWith(t, cfg, &testContext{})
}

func startTaskWith(t *testing.T, cfg connect.Config, tc connect.TaskContext) *task {
	t.Helper()
	reg := connect.NewRegistry()
	Register(reg)
	p, ok := reg.Lookup("mongodb")
	if !ok {
		t.Fatal("alias mongodb not registered")
	}
	st, err := p.NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Start(context.Background(), tc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Stop() })
	return st.(*task)
}

// reader opens a separate client to check the server's contents.
func reader(t *testing.T, uri, db, coll string) *mongo.Collection {
	t.Helper()
	c, err := mongo.Connect(context.Background(), options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(context.Background()) })
	return c.Database(db).Collection(coll)
}

func all(t *testing.T, c *mongo.Collection) []bson.M {
	t.Helper()
	cur, err := c.Find(context.Background(), bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var out []bson.M
	if err := cur.All(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func putFlush(t *testing.T, tk *task, recs []connect.Record) {
	t.Helper()
	if err := tk.Put(context.Background(), recs); err != nil {
		t.Fatalf("put: %v", err)
	}
	if err := tk.Flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

var orderSchema = &connect.Schema{Type: connect.StructT, Name: "orders", Fields: []connect.Field{
	{Name: "order_id", Schema: &connect.Schema{Type: connect.Int64}},
	{Name: "qty", Schema: &connect.Schema{Type: connect.Int16}},
	{Name: "item", Schema: &connect.Schema{Type: connect.String}},
	{Name: "ts", Schema: &connect.Schema{Type: connect.Int64, Name: connect.LogicalTimestamp}},
	{Name: "tags", Schema: &connect.Schema{Type: connect.Array, ValueSchema: &connect.Schema{Type: connect.String}}},
	{Name: "raw", Schema: &connect.Schema{Type: connect.Bytes, Optional: true}},
	{Name: "address", Schema: &connect.Schema{Type: connect.StructT, Fields: []connect.Field{
		{Name: "city", Schema: &connect.Schema{Type: connect.String}},
	}}},
}}

var baseTime = time.Date(2024, 5, 17, 10, 30, 0, 0, time.UTC)

func order(topic string, offset, id int64, qty int16) connect.Record {
	v := (&connect.Struct{Schema: orderSchema}).Put("order_id", id).Put("qty", qty).Put("item", fmt.Sprint("item-", id)).
		Put("ts", baseTime.Add(time.Duration(id)*time.Minute)).
		Put("tags", []any{"x", "y"}).Put("raw", []byte{1, 2, 3}).
		Put("address", (&connect.Struct{Schema: orderSchema.Field("address")}).Put("city", "Lyon"))
	ks := &connect.Schema{Type: connect.StructT, Fields: []connect.Field{{Name: "_id", Schema: &connect.Schema{Type: connect.Int64}}}}
	return connect.Record{Topic: topic, Offset: offset, Timestamp: baseTime, KeySchema: ks, Key: (&connect.Struct{Schema: ks}).Put("_id", id), ValueSchema: orderSchema, Value: v}
}

func TestWritesDocumentsWithSchemaTypes(t *testing.T) {
	uri := testenv.Mongo(t)
	db, topic := "eddy_test", uniqueName(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": db})
	var recs []connect.Record
	for i := int64(0); i < 40; i++ {
		recs = append(recs, order(topic, i, i, int16(i%3)))
	}
	putFlush(t, tk, recs)
	docs := all(t, reader(t, uri, db, topic))
	if len(docs) != 40 {
		t.Fatalf("%d documents, want 40", len(docs))
	}
	var d bson.M
	for _, x := range docs {
		if x["order_id"] == int64(7) {
			d = x
		}
	}
	if d == nil {
		t.Fatal("no document with order_id 7")
	}
	if _, ok := d["_id"].(primitive.ObjectID); !ok {
		t.Errorf("_id is %T, want an ObjectId (BsonOidStrategy)", d["_id"])
	}
	if d["qty"] != int32(1) || d["item"] != "item-7" {
		t.Errorf("qty %v (%T), item %v", d["qty"], d["qty"], d["item"])
	}
	if ts, ok := d["ts"].(primitive.DateTime); !ok || !ts.Time().Equal(baseTime.Add(7*time.Minute)) {
		t.Errorf("ts = %v (%T), want the Date %v", d["ts"], d["ts"], baseTime.Add(7*time.Minute))
	}
	if raw, ok := d["raw"].(primitive.Binary); !ok || len(raw.Data) != 3 {
		t.Errorf("raw = %v (%T), want binary", d["raw"], d["raw"])
	}
	if a, ok := d["address"].(bson.M); !ok || a["city"] != "Lyon" {
		t.Errorf("address = %v", d["address"])
	}
	if tags, ok := d["tags"].(bson.A); !ok || len(tags) != 2 {
		t.Errorf("tags = %v", d["tags"])
	}
	// Delivered again (a restart before the offsets were committed): the
	// derived ObjectIds are the same, so nothing is duplicated.
	putFlush(t, startTask(t, connect.Config{"connection.uri": uri, "database": db}), recs)
	if n := len(all(t, reader(t, uri, db, topic))); n != 40 {
		t.Fatalf("%d documents after re-delivery, want 40", n)
	}
}

func TestIDFromKeyRePutReplaces(t *testing.T) {
	uri := testenv.Mongo(t)
	db, topic := "eddy_test", uniqueName(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": db, "document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInKeyStrategy"})
	var first, second []connect.Record
	for i := int64(0); i < 15; i++ {
		first = append(first, order(topic, i, i, 1))
		second = append(second, order(topic, 15+i, i, 2))
	}
	putFlush(t, tk, first)
	putFlush(t, tk, second)
	docs := all(t, reader(t, uri, db, topic))
	if len(docs) != 15 {
		t.Fatalf("%d documents, want 15", len(docs))
	}
	for _, d := range docs {
		if d["qty"] != int32(2) || d["_id"] != d["order_id"] {
			t.Fatalf("document %v: want the later qty 2 and _id = order_id", d)
		}
	}
}

func TestTombstoneDeletes(t *testing.T) {
	uri := testenv.Mongo(t)
	db, topic := "eddy_test", uniqueName(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": db, "document.id.strategy": "FullKeyStrategy", "delete.on.null.values": "true"})
	recs := []connect.Record{
		{Topic: topic, Offset: 0, Key: "a", Value: map[string]any{"n": int64(1)}},
		{Topic: topic, Offset: 1, Key: "b", Value: map[string]any{"n": int64(2)}},
		{Topic: topic, Offset: 2, Key: "a"}, // tombstone
	}
	putFlush(t, tk, recs)
	docs := all(t, reader(t, uri, db, topic))
	if len(docs) != 1 || docs[0]["_id"] != "b" {
		t.Fatalf("documents %v, want only b", docs)
	}
}

func TestDeleteOnNullNeedsKeyBasedID(t *testing.T) {
	_, err := newTask(connect.Config{"database": "d", "delete.on.null.values": "true"})
	if err == nil || !strings.Contains(err.Error(), "key-based") {
		t.Fatalf("newTask = %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for name, cfg := range map[string]connect.Config{
		"database":                             {},
		"connection.uri":                       {"database": "d", "connection.uri": "http://x"},
		"document.id.strategy":                 {"database": "d", "document.id.strategy": "NoSuchStrategy"},
		"topic.override.t.colection":           {"database": "d", "topic.override.t.colection": "x"},
		"change.data.capture.handler":          {"database": "d", "change.data.capture.handler": "com.example.Handler"},
		"PartialKeyStrategy needs":             {"database": "d", "document.id.strategy": "PartialKeyStrategy"},
		"ReplaceOneBusinessKeyStrateg":         {"database": "d", "writemodel.strategy": "ReplaceOneBusinessKeyStrategy"},
		"topic.override.t: Invalid value Nope": {"database": "d", "topic.override.t.document.id.strategy": "Nope"},
	} {
		if _, err := newTask(cfg); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("config %v: error %v should name %s", cfg, err, name)
		}
	}
	if _, err := newTask(connect.Config{"database": "d", "topic.override.a.b.collection": "x", "topic.override.a.b.document.id.strategy": "FullKeyStrategy"}); err != nil {
		t.Errorf("overrides of a dotted topic name: %v", err)
	}
}

func TestRefusedDocumentIsRejectedOthersLand(t *testing.T) {
	uri := testenv.Mongo(t)
	db, topic := "eddy_test", uniqueName(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": db,
		"document.id.strategy": "ProvidedInValueStrategy", "writemodel.strategy": "InsertOneDefaultStrategy"})
	var recs []connect.Record
	for i := int64(0); i < 8; i++ {
		id := i
		if i == 5 {
			id = 2 // a second document with _id 2: a duplicate key
		}
		recs = append(recs, connect.Record{Topic: topic, Offset: i, Value: map[string]any{"_id": id, "n": i}})
	}
	err := tk.Put(context.Background(), recs)
	var re *connect.RecordError
	if !errors.As(err, &re) || len(re.Failed) != 1 || re.Failed[0].Record.Offset != 5 {
		t.Fatalf("put = %v, want a RecordError naming offset 5", err)
	}
	if !strings.Contains(re.Failed[0].Reason, "11000") {
		t.Errorf("reason %q", re.Failed[0].Reason)
	}
	docs := all(t, reader(t, uri, db, topic))
	if len(docs) != 7 {
		t.Fatalf("%d documents, want the 7 others (the ordered bulk goes on after the refused one)", len(docs))
	}
	// The runtime puts the rest again: those already written are not re-sent.
	var rest []connect.Record
	for _, r := range recs {
		if r.Offset != 5 {
			rest = append(rest, r)
		}
	}
	putFlush(t, tk, rest)
}

// FerretDB 1.24 has no Decimal128 (it drops the connection on one), so
// the Decimal conversion is checked on the BSON the driver would send.
func TestDecimalBecomesDecimal128(t *testing.T) {
	s := &connect.Schema{Type: connect.Bytes, Name: connect.LogicalDecimal, Parameters: map[string]string{"scale": "2"}}
	for _, v := range []any{big.NewRat(1057, 100), "10.57"} {
		got, err := toBSON(s, v)
		if dec, ok := got.(primitive.Decimal128); err != nil || !ok || dec.String() != "10.57" {
			t.Errorf("toBSON(%v) = %v (%T), %v; want Decimal128 10.57", v, got, got, err)
		}
	}
	if _, err := toBSON(s, "ten"); err == nil {
		t.Error("a decimal string that is not a number converted")
	}
}

func TestValueNotADocumentIsRejected(t *testing.T) {
	uri := testenv.Mongo(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": "eddy_test"})
	err := tk.Put(context.Background(), []connect.Record{{Topic: uniqueName(t), Value: "just a string"}})
	var re *connect.RecordError
	if !errors.As(err, &re) || !strings.Contains(re.Failed[0].Reason, "not a struct or map") {
		t.Fatalf("put = %v", err)
	}
}

func TestDebeziumMySQLEvents(t *testing.T) {
	uri := testenv.Mongo(t)
	db, topic := "eddy_test", uniqueName(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": db, "collection": "customers_" + topic,
		"change.data.capture.handler": "com.mongodb.kafka.connect.sink.cdc.debezium.mysql.MysqlHandler"})
	key := func(id int32) map[string]any { return map[string]any{"id": id} }
	row := func(id int32, name string) map[string]any {
		return map[string]any{"id": id, "name": name}
	}
	ev := func(off int64, op string, id int32, before, after map[string]any) connect.Record {
		v := map[string]any{"op": op, "source": map[string]any{"db": "demo", "table": "customers"}}
		if before != nil {
			v["before"] = before
		}
		if after != nil {
			v["after"] = after
		}
		return connect.Record{Topic: topic, Offset: off, Key: key(id), Value: v}
	}
	putFlush(t, tk, []connect.Record{
		ev(0, "r", 1, nil, row(1, "Ann")),
		ev(1, "c", 2, nil, row(2, "Bob")),
		ev(2, "c", 3, nil, row(3, "Cy")),
		ev(3, "u", 2, row(2, "Bob"), row(2, "Robert")),
		ev(4, "d", 3, row(3, "Cy"), nil),
		{Topic: topic, Offset: 5, Key: key(3)}, // tombstone after the delete
	})
	docs := all(t, reader(t, uri, db, "customers_"+topic))
	if len(docs) != 2 {
		t.Fatalf("documents %v, want Ann and Robert", docs)
	}
	got := map[string]bool{}
	for _, d := range docs {
		id, _ := d["_id"].(bson.M)
		got[fmt.Sprintf("%v %v", id["id"], d["name"])] = true
	}
	if !got["1 Ann"] || !got["2 Robert"] {
		t.Fatalf("documents %v: want _id {id:1} Ann and {id:2} Robert", docs)
	}
}

func TestPartialValueBusinessKeyAndTopicOverride(t *testing.T) {
	uri := testenv.Mongo(t)
	db, topic := "eddy_test", uniqueName(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": db,
		"topic.override." + topic + ".collection":           "biz_" + topic,
		"topic.override." + topic + ".document.id.strategy": "PartialValueStrategy",
		"value.projection.type":                             "allowlist",
		"value.projection.list":                             "region,sku",
		"topic.override." + topic + ".writemodel.strategy":  "ReplaceOneBusinessKeyStrategy"})
	mk := func(off int64, region, sku string, stock int64) connect.Record {
		return connect.Record{Topic: topic, Offset: off, Value: map[string]any{"region": region, "sku": sku, "stock": stock}}
	}
	putFlush(t, tk, []connect.Record{mk(0, "eu", "a", 1), mk(1, "us", "a", 2), mk(2, "eu", "a", 3)})
	docs := all(t, reader(t, uri, db, "biz_"+topic))
	if len(docs) != 2 {
		t.Fatalf("documents %v, want one per (region, sku)", docs)
	}
	for _, d := range docs {
		if d["region"] == "eu" && d["stock"] != int64(3) {
			t.Fatalf("eu/a has stock %v, want the later 3", d["stock"])
		}
	}
}

// TestIDStrategyOwnProjection: the id strategies' own projection options
// (document.id.strategy.partial.value.projection.*, as tutorials and
// MongoDB's connector docs write them, in any case) make the _id, while
// value.projection.* still shapes the stored document through the
// post-processor chain.
func TestIDStrategyOwnProjection(t *testing.T) {
	uri := testenv.Mongo(t)
	db, topic := "eddy_test", uniqueName(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": db, "collection": topic,
		"document.id.strategy":                               "com.mongodb.kafka.connect.sink.processor.id.strategy.PartialValueStrategy",
		"document.id.strategy.partial.value.projection.type": "AllowList",
		"document.id.strategy.partial.value.projection.list": "sku",
		"writemodel.strategy":                                "com.mongodb.kafka.connect.sink.writemodel.strategy.ReplaceOneBusinessKeyStrategy",
		"post.processor.chain":                               "com.mongodb.kafka.connect.sink.processor.DocumentIdAdder,com.mongodb.kafka.connect.sink.processor.BlockListValueProjector",
		"value.projection.type":                              "BlockList",
		"value.projection.list":                              "secret"})
	mk := func(off int64, sku string, stock int64) connect.Record {
		return connect.Record{Topic: topic, Offset: off, Value: map[string]any{"sku": sku, "stock": stock, "secret": "x"}}
	}
	putFlush(t, tk, []connect.Record{mk(0, "a", 1), mk(1, "b", 2), mk(2, "a", 3)})
	docs := all(t, reader(t, uri, db, topic))
	if len(docs) != 2 {
		t.Fatalf("documents %v, want one per sku", docs)
	}
	for _, d := range docs {
		if _, ok := d["secret"]; ok {
			t.Errorf("document %v kept the field value.projection.* drops", d)
		}
		if d["sku"] == "a" && d["stock"] != int64(3) {
			t.Errorf("sku a has stock %v, want the later 3", d["stock"])
		}
	}
	// Without any projection the strategy is refused at CREATE.
	if _, err := parse(connect.Config{"connection.uri": uri, "database": db, "document.id.strategy": "PartialValueStrategy"}); err == nil || !strings.Contains(err.Error(), "document.id.strategy.partial.value.projection.type") {
		t.Errorf("PartialValueStrategy without a projection: %v", err)
	}
}

func TestTargetDownThenBack(t *testing.T) {
	srv, uri := testenv.FerretServer(t)
	uri += "?serverSelectionTimeoutMS=1500&connectTimeoutMS=1000"
	db, topic := "eddy_test", uniqueName(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": db, "document.id.strategy": "ProvidedInKeyStrategy", "retries.defer.timeout": "100"})
	var recs []connect.Record
	for i := int64(0); i < 30; i++ {
		recs = append(recs, order(topic, i, i, 1))
	}
	putFlush(t, tk, recs[:10])
	srv.Stop()
	err := tk.Put(context.Background(), recs[10:])
	var re *connect.RecordError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("put with the server down = %v, want a retriable error", err)
	}
	srv.Start()
	putFlush(t, tk, recs[10:]) // the runtime's retry
	docs := all(t, reader(t, uri, db, topic))
	if len(docs) != 30 {
		t.Fatalf("%d documents after the server came back, want 30", len(docs))
	}
}

func TestHungServerFailsTheWriteInsteadOfWaiting(t *testing.T) {
	srv, uri := testenv.FerretServer(t)
	db, topic := "eddy_test", uniqueName(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": db, "bulk.write.timeout.ms": "1500"})
	recs := []connect.Record{order(topic, 0, 1, 1), order(topic, 1, 2, 1)}
	putFlush(t, tk, recs[:1])
	srv.Pause()
	err := tk.Put(context.Background(), recs[1:])
	srv.Resume()
	var re *connect.RecordError
	if err == nil || errors.As(err, &re) || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("put to a hung server = %v, want a retriable timeout", err)
	}
	putFlush(t, tk, recs[1:])
	if n := len(all(t, reader(t, uri, db, topic))); n != 2 {
		t.Fatalf("%d documents, want 2", n)
	}
}

func TestValidateNamesURIThatDoesNotAnswer(t *testing.T) {
	uri := testenv.Mongo(t)
	ctx := context.Background()
	if err := validate(ctx, connect.Config{"connection.uri": uri, "database": "d"}); err != nil {
		t.Fatalf("validate %s: %v", uri, err)
	}
	err := validate(ctx, connect.Config{"connection.uri": "mongodb://eddy:s3cret@127.0.0.1:1/?serverSelectionTimeoutMS=500", "database": "d"})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("validate with a dead URI = %v, want an error naming it without the password", err)
	}
}

// TestBigBatchKeepsWhatEachBulkWriteWrote: the runtime hands a sink up to
// 10,000 records at once. Written as one bulk write, a batch the server
// cannot take within bulk.write.timeout.ms (FerretDB on SQLite under load
// writes a few dozen documents a second) timed out and started over on
// every retry, and never got through. Bulk writes of at most 500 keep what
// each wrote: here the server stops after the first one, the Put fails,
// and its retry sends only the writes that were not done.
func TestBigBatchKeepsWhatEachBulkWriteWrote(t *testing.T) {
	srv, uri := testenv.FerretServer(t)
	db, topic := "eddy_test", uniqueName(t)
	tk := startTask(t, connect.Config{"connection.uri": uri, "database": db, "max.num.retries": "0"})

	var mu sync.Mutex
	var sizes []int // writes per update command, in order
	stopped := false
	mon := &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			if e.CommandName != "update" {
				return
			}
			n := 0
			if a, ok := e.Command.Lookup("updates").ArrayOK(); ok {
				vs, _ := a.Values()
				n = len(vs)
			}
			mu.Lock()
			sizes = append(sizes, n)
			mu.Unlock()
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			mu.Lock()
			defer mu.Unlock()
			if e.CommandName == "update" && !stopped {
				stopped = true
				srv.Stop()
			}
		},
	}
	watchTask(t, tk, options.Client().ApplyURI(uri).SetMonitor(mon).SetServerSelectionTimeout(2*time.Second))

	const total = 1001
	recs := numberedOrders(topic, total)
	err := tk.Put(context.Background(), recs)
	srv.Start()
	if err == nil {
		t.Fatalf("put of %d records, the server stopped after the first bulk write: no error, want one (update commands of %v writes)", total, sizes)
	}
	mu.Lock()
	before := len(sizes)
	mu.Unlock()
	putFlush(t, tk, recs) // the runtime's retry
	mu.Lock()
	defer mu.Unlock()
	sent := 0
	for _, n := range sizes[before:] {
		sent += n
	}
	if sent != total-sizes[0] {
		t.Errorf("the retry sent %d writes in commands of %v, want the %d not written before", sent, sizes[before:], total-sizes[0])
	}
	for _, n := range sizes {
		if n > 500 {
			t.Errorf("an update command of %d writes (all: %v), want at most 500", n, sizes)
		}
	}
	if n := len(all(t, reader(t, uri, db, topic))); n != total {
		t.Fatalf("%d documents, want %d", n, total)
	}
}

// reportingContext records what a task reports through
// connect.RetryReporter, as the runtime's task context takes it.
type reportingContext struct {
	testContext
	mu      sync.Mutex
	reports []string // "retrying" or "written", in order
	onRetry func()
}

func (c *reportingContext) Retrying(time.Duration, error) {
	c.mu.Lock()
	c.reports = append(c.reports, "retrying")
	f := c.onRetry
	c.onRetry = nil
	c.mu.Unlock()
	if f != nil {
		f()
	}
}

func (c *reportingContext) Written() {
	c.mu.Lock()
	c.reports = append(c.reports, "written")
	c.mu.Unlock()
}

// TestBulkWriteAfterRetryReportsWritten: within one Put of 1,001
// records (bulk writes of 500), the server goes away after the first
// bulk write and comes back at the task's retry. The bulk write that
// then succeeds tells the runtime at once, so the task's status drops
// the retry's error then, not when the whole batch is written (the
// runtime hands a sink up to 10,000 records at once).
func TestBulkWriteAfterRetryReportsWritten(t *testing.T) {
	srv, uri := testenv.FerretServer(t)
	uri += "?serverSelectionTimeoutMS=1500&connectTimeoutMS=1000"
	db, topic := "eddy_test", uniqueName(t)
	tc := &reportingContext{onRetry: srv.Start}
	tk := startTaskWith(t, connect.Config{"connection.uri": uri, "database": db, "max.num.retries": "3", "retries.defer.timeout": "100"}, tc)
	var once sync.Once
	mon := &event.CommandMonitor{
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			if e.CommandName == "update" {
				once.Do(srv.Stop)
			}
		},
	}
	watchTask(t, tk, options.Client().ApplyURI(uri).SetMonitor(mon))

	const total = 1001
	recs := numberedOrders(topic, total)
	putFlush(t, tk, recs)
	tc.mu.Lock()
	reports := strings.Join(tc.reports, ",")
	tc.mu.Unlock()
	i := strings.LastIndex(reports, "retrying")
	if i < 0 || !strings.Contains(reports[i:], "written") {
		t.Errorf("reports %q, want a write reported after the retry", reports)
	}
	if n := len(all(t, reader(t, uri, db, topic))); n != total {
		t.Fatalf("%d documents, want %d", n, total)
	}
}

// watchTask gives tk a client made with opts (a command monitor's, to
// watch its writes) in place of its own, which is disconnected at the
// end of the test; the task's Stop disconnects the new one.
func watchTask(t *testing.T, tk *task, opts *options.ClientOptions) {
	t.Helper()
	c, err := mongo.Connect(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	own := tk.client
	tk.client = c
	t.Cleanup(func() { own.Disconnect(context.Background()) })
}

// numberedOrders is n orders to topic, order i at offset i with id i.
func numberedOrders(topic string, n int) []connect.Record {
	recs := make([]connect.Record, n)
	for i := range recs {
		recs[i] = order(topic, int64(i), int64(i), 1)
	}
	return recs
}
