package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/internal/testenv"
)

// These tests insert into a real ClickHouse server (CLICKHOUSE_URL, the
// Debian package's 18.16) and read back what it holds.

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

// ch is a small client for preparing tables and checking their rows.
type ch struct {
	t    testing.TB
	base string
}

func (c ch) try(sql string) (string, error) {
	res, err := http.Post(c.base+"/?query="+url.QueryEscape(sql), "text/plain", nil)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return "", fmt.Errorf("HTTP %d: %s", res.StatusCode, b)
	}
	return string(b), nil
}

func (c ch) exec(sql string) string {
	c.t.Helper()
	out, err := c.try(sql)
	if err != nil {
		c.t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// table creates a table with a unique name for the test and drops it at
// the end.
func (c ch) table(columns, engine string) string {
	c.t.Helper()
	name := fmt.Sprintf("eddy_chouse_%s_%d", strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(c.t.Name())), time.Now().UnixNano())
	c.exec("CREATE TABLE " + name + " (" + columns + ") ENGINE = " + engine)
	c.t.Cleanup(func() { c.try("DROP TABLE IF EXISTS " + name) })
	return name
}

func hostPort(t testing.TB, base string) (string, string) {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Hostname(), u.Port()
}

func startTask(t *testing.T, base string, extra connect.Config) (*task, *testContext) {
	t.Helper()
	reg := connect.NewRegistry()
	Register(reg)
	p, ok := reg.Lookup("clickhouse")
	if !ok {
		t.Fatal("alias clickhouse not registered")
	}
	host, port := hostPort(t, base)
	cfg := connect.Config{"hostname": host, "port": port, "ssl": "false"}
	for k, v := range extra {
		cfg[k] = v
	}
	st, err := p.NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tc := &testContext{}
	if err := st.Start(context.Background(), tc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Stop() })
	return st.(*task), tc
}

func putFlush(t *testing.T, tk *task, recs []connect.Record) {
	t.Helper()
	ctx := context.Background()
	if err := tk.Put(ctx, recs); err != nil {
		t.Fatalf("put: %v", err)
	}
	if err := tk.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

var eventSchema = &connect.Schema{Type: connect.StructT, Name: "event", Fields: []connect.Field{
	{Name: "ID", Schema: &connect.Schema{Type: connect.Int64}},
	{Name: "small", Schema: &connect.Schema{Type: connect.Int8}},
	{Name: "count", Schema: &connect.Schema{Type: connect.Int32}},
	{Name: "ratio", Schema: &connect.Schema{Type: connect.Float64}},
	{Name: "ok", Schema: &connect.Schema{Type: connect.Boolean}},
	{Name: "name", Schema: &connect.Schema{Type: connect.String}},
	{Name: "note", Schema: &connect.Schema{Type: connect.String, Optional: true}},
	{Name: "price", Schema: &connect.Schema{Type: connect.Bytes, Name: connect.LogicalDecimal, Parameters: map[string]string{"scale": "2"}}},
	{Name: "ts", Schema: &connect.Schema{Type: connect.Int64, Name: connect.LogicalTimestamp}},
	{Name: "ts_ms", Schema: &connect.Schema{Type: connect.Int64, Name: connect.LogicalTimestamp}},
	{Name: "day", Schema: &connect.Schema{Type: connect.Int32, Name: connect.LogicalDate}},
	{Name: "tags", Schema: &connect.Schema{Type: connect.Array, ValueSchema: &connect.Schema{Type: connect.String}}},
	{Name: "scores", Schema: &connect.Schema{Type: connect.Array, ValueSchema: &connect.Schema{Type: connect.Int32}}},
	{Name: "kind", Schema: &connect.Schema{Type: connect.String}},
	{Name: "blob", Schema: &connect.Schema{Type: connect.Bytes}},
	{Name: "address", Schema: &connect.Schema{Type: connect.StructT, Fields: []connect.Field{
		{Name: "city", Schema: &connect.Schema{Type: connect.String}},
	}}},
	{Name: "not_in_table", Schema: &connect.Schema{Type: connect.String}},
}}

const eventColumns = "id Int64, small Int8, count UInt32, ratio Float64, ok UInt8, name String, note Nullable(String), " +
	"price Decimal(10, 2), ts DateTime, ts_ms Int64, day Date, tags Array(String), scores Array(Int32), " +
	"kind Enum8('click' = 1, 'view' = 2), blob String, address String, added Int32 DEFAULT 7"

var baseTime = time.Date(2024, 5, 17, 10, 30, 0, 250e6, time.UTC)

func event(topic string, offset, id int64) connect.Record {
	v := &connect.Struct{Schema: eventSchema}
	v.Put("ID", id).Put("small", int8(-id%100)).Put("count", int32(id*3)).Put("ratio", float64(id)/4).Put("ok", id%2 == 0).
		Put("name", fmt.Sprintf("event \"%d\"\n", id)).Put("price", big.NewRat(1999+id, 100)).
		Put("ts", baseTime.Add(time.Duration(id)*time.Second)).Put("ts_ms", baseTime.Add(time.Duration(id)*time.Second)).
		Put("day", baseTime.AddDate(0, 0, int(id))).Put("tags", []any{"a", fmt.Sprint(id)}).Put("scores", []any{int32(id), int32(-1)}).
		Put("kind", "view").Put("blob", []byte{'x', 0xff, 0}).
		Put("address", (&connect.Struct{Schema: eventSchema.Field("address")}).Put("city", "Paris")).Put("not_in_table", "dropped")
	if id%3 == 0 {
		v.Put("note", "third")
	}
	return connect.Record{Topic: topic, Partition: 0, Offset: offset, KeySchema: &connect.Schema{Type: connect.Int64}, Key: id, ValueSchema: eventSchema, Value: v}
}

func TestRowsLandWithTheColumnTypes(t *testing.T) {
	base := testenv.ClickHouse(t)
	c := ch{t, base}
	table := c.table(eventColumns, "MergeTree ORDER BY id")
	tk, _ := startTask(t, base, nil)
	var recs []connect.Record
	for i := int64(1); i <= 30; i++ {
		recs = append(recs, event(table, i, i))
	}
	putFlush(t, tk, recs)

	if got := c.exec("SELECT count(), sum(id), sum(count), sum(price), sum(ok) FROM " + table); got != "30\t465\t1395\t604.35\t15\n" {
		t.Fatalf("count, sums: %q", got)
	}
	got := c.exec("SELECT id, small, count, ratio, ok, name, note, price, toUnixTimestamp(ts), ts_ms, day, tags, scores, kind, hex(blob), address, added FROM " + table + " WHERE id IN (3, 4) ORDER BY id FORMAT TSV")
	want := fmt.Sprintf("3\t-3\t9\t0.75\t0\tevent \"3\"\\n\tthird\t20.02\t%d\t%d\t2024-05-20\t['a','3']\t[3,-1]\tview\t78FF00\t{\"city\":\"Paris\"}\t7\n"+
		"4\t-4\t12\t1\t1\tevent \"4\"\\n\t\\N\t20.03\t%d\t%d\t2024-05-21\t['a','4']\t[4,-1]\tview\t78FF00\t{\"city\":\"Paris\"}\t7\n",
		baseTime.Unix()+3, baseTime.UnixMilli()+3000, baseTime.Unix()+4, baseTime.UnixMilli()+4000)
	if got != want {
		t.Fatalf("rows:\n got %q\nwant %q", got, want)
	}
}

func TestSchemalessJSONAndTopicToTableMap(t *testing.T) {
	base := testenv.ClickHouse(t)
	c := ch{t, base}
	table := c.table("page String, window_start DateTime, views UInt64, share Float32, label Nullable(String)", "MergeTree ORDER BY page")
	tk, _ := startTask(t, base, connect.Config{"topic2TableMap": "VIEWS=" + table + ", other=x"})
	// What JsonConverter with schemas.enable=false gives: int64 and
	// float64 numbers, upper-case names from ksqlDB.
	recs := []connect.Record{
		{Topic: "VIEWS", Offset: 0, Value: map[string]any{"PAGE": "Page_1", "WINDOW_START": int64(1715941800), "VIEWS": int64(3), "SHARE": 0.5}},
		{Topic: "VIEWS", Offset: 1, Value: map[string]any{"PAGE": "Page_2", "WINDOW_START": "2024-05-17 10:31:00", "VIEWS": 4.0, "SHARE": int64(1), "LABEL": "x"}},
	}
	putFlush(t, tk, recs)
	got := c.exec("SELECT page, toUnixTimestamp(window_start), views, share, label FROM " + table + " ORDER BY page FORMAT TSV")
	if want := "Page_1\t1715941800\t3\t0.5\t\\N\nPage_2\t1715941860\t4\t1\tx\n"; got != want {
		t.Fatalf("rows:\n got %q\nwant %q", got, want)
	}
}

func TestRecordsThatDoNotFitAreRejectedAlone(t *testing.T) {
	base := testenv.ClickHouse(t)
	c := ch{t, base}
	table := c.table("id Int64, n Int32, d Date, kind Enum8('a' = 1, 'b' = 2)", "MergeTree ORDER BY id")
	tk, _ := startTask(t, base, nil)
	var recs []connect.Record
	for i := int64(0); i < 10; i++ {
		v := map[string]any{"id": i, "n": i, "d": "2024-05-17", "kind": "a"}
		switch i {
		case 2:
			v["n"] = "not a number" // refused by the connector
		case 4:
			v["d"] = "yesterday" // refused by the server, which names the row
		case 6:
			v["kind"] = "zz" // refused by the server without naming the row
		case 8:
			delete(v, "n") // no field for a column without default
		}
		recs = append(recs, connect.Record{Topic: table, Offset: i, Value: v})
	}
	recs = append(recs, connect.Record{Topic: table, Offset: 10, Key: "k"}) // a tombstone: skipped
	err := tk.Put(context.Background(), recs)
	var re *connect.RecordError
	if !errors.As(err, &re) {
		t.Fatalf("put = %v, want a RecordError", err)
	}
	reasons := map[int64]string{}
	for _, f := range re.Failed {
		reasons[f.Record.Offset] = f.Reason
	}
	if len(reasons) != 4 || reasons[2] == "" || reasons[4] == "" || reasons[6] == "" || reasons[8] == "" {
		t.Fatalf("rejected %v, want offsets 2, 4, 6 and 8", reasons)
	}
	for off, words := range map[int64]string{2: "column n Int32", 4: "(at row 4)", 6: "zz", 8: "no field for column n"} {
		if !strings.Contains(reasons[off], words) {
			t.Errorf("reason for offset %d = %q, want it to mention %q", off, reasons[off], words)
		}
	}
	// The runtime puts the rest again: what already landed is not inserted twice.
	var rest []connect.Record
	for _, r := range recs {
		if reasons[r.Offset] == "" {
			rest = append(rest, r)
		}
	}
	putFlush(t, tk, rest)
	if got := c.exec("SELECT groupArray(id) FROM (SELECT id FROM " + table + " ORDER BY id)"); got != "[0,1,3,5,7,9]\n" {
		t.Fatalf("ids in the table: %s", got)
	}
}

func TestMissingTableIsRetriableAndNamed(t *testing.T) {
	base := testenv.ClickHouse(t)
	c := ch{t, base}
	name := fmt.Sprintf("eddy_chouse_later_%d", time.Now().UnixNano())
	t.Cleanup(func() { c.try("DROP TABLE IF EXISTS " + name) })
	tk, _ := startTask(t, base, nil)
	recs := []connect.Record{{Topic: name, Value: map[string]any{"id": int64(1)}}}
	err := tk.Put(context.Background(), recs)
	var re *connect.RecordError
	if err == nil || errors.As(err, &re) || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), name) {
		t.Fatalf("put into a missing table = %v, want a retriable error naming it", err)
	}
	c.exec("CREATE TABLE " + name + " (id Int64) ENGINE = MergeTree ORDER BY id")
	putFlush(t, tk, recs)
	if got := c.exec("SELECT count() FROM " + name); got != "1\n" {
		t.Fatalf("count %s", got)
	}
}

func TestServerDownThenUp(t *testing.T) {
	srv := testenv.ClickHouseServer(t)
	c := ch{t, srv.URL()}
	c.exec("CREATE TABLE ev (id Int64, name String) ENGINE = MergeTree ORDER BY id")
	tk, _ := startTask(t, srv.URL(), connect.Config{"insert.timeout.ms": "2000"})
	var recs []connect.Record
	for i := int64(0); i < 30; i++ {
		recs = append(recs, connect.Record{Topic: "ev", Offset: i, Value: map[string]any{"id": i, "name": fmt.Sprint("n", i)}})
	}
	putFlush(t, tk, recs[:10])

	srv.Stop()
	err := tk.Put(context.Background(), recs[10:])
	var re *connect.RecordError
	if err == nil || errors.As(err, &re) || !strings.Contains(err.Error(), fmt.Sprint("127.0.0.1:", srv.Port())) {
		t.Fatalf("put with the server down = %v, want a retriable error naming the server", err)
	}
	srv.Start()
	// The runtime retries the same records; the server may need a moment.
	deadline := time.Now().Add(30 * time.Second)
	for err = tk.Put(context.Background(), recs[10:]); err != nil && time.Now().Before(deadline); err = tk.Put(context.Background(), recs[10:]) {
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("put after the restart: %v", err)
	}
	if err := tk.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := c.exec("SELECT count(), uniqExact(id), sum(id) FROM ev"); got != "30\t30\t435\n" {
		t.Fatalf("count, distinct ids, sum: %q", got)
	}
}

func TestHungServerFailsTheInsertInsteadOfWaiting(t *testing.T) {
	srv := testenv.ClickHouseServer(t)
	c := ch{t, srv.URL()}
	c.exec("CREATE TABLE ev (id Int64) ENGINE = MergeTree ORDER BY id")
	tk, _ := startTask(t, srv.URL(), connect.Config{"insert.timeout.ms": "1000"})
	putFlush(t, tk, []connect.Record{{Topic: "ev", Offset: 0, Value: map[string]any{"id": int64(1)}}})
	srv.Pause()
	err := tk.Put(context.Background(), []connect.Record{{Topic: "ev", Offset: 1, Value: map[string]any{"id": int64(2)}}})
	srv.Resume()
	if err == nil || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("put to a hung server = %v, want a timeout", err)
	}
}

func TestCredentialsAndValidate(t *testing.T) {
	base := testenv.ClickHouse(t)
	c := ch{t, base}
	host, port := hostPort(t, base)
	ctx := context.Background()
	good := connect.Config{"hostname": host, "port": port, "ssl": "false", "username": "eddy", "password": "eddy"}
	if err := validate(ctx, good); err != nil {
		t.Fatalf("validate as eddy: %v", err)
	}
	table := c.table("id Int64", "MergeTree ORDER BY id")
	tk, _ := startTask(t, base, connect.Config{"username": "eddy", "password": "eddy"})
	putFlush(t, tk, []connect.Record{{Topic: table, Value: map[string]any{"id": int64(5)}}})
	if got := c.exec("SELECT sum(id) FROM " + table); got != "5\n" {
		t.Fatalf("sum %s", got)
	}

	bad := connect.Config{"hostname": host, "port": port, "ssl": "false", "username": "eddy", "password": "wrong"}
	if err := validate(ctx, bad); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("validate with a wrong password = %v, want an error without the password", err)
	}
	if err := validate(ctx, connect.Config{"hostname": host, "port": port, "ssl": "false", "database": "nope_eddy"}); err == nil || !strings.Contains(err.Error(), "no database nope_eddy") {
		t.Fatalf("validate with a missing database = %v", err)
	}
	if err := validate(ctx, connect.Config{"hostname": host, "port": "1", "ssl": "false"}); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("validate with a closed port = %v", err)
	}
	if _, err := parse(connect.Config{"hostname": "http://x:8123"}); err == nil {
		t.Fatal("a URL as hostname passed")
	}
	if _, err := parse(connect.Config{"hostname": "x", "exactlyOnce": "true"}); err == nil || !strings.Contains(err.Error(), "KeeperMap") {
		t.Fatalf("exactlyOnce=true: %v", err)
	}
}
