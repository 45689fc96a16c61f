package datagen

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

func newTask(t testing.TB, cfg connect.Config) *task {
	t.Helper()
	g, nx, key, err := schemaOf(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &task{topic: "t", gen: g, nx: nx, keyField: key, seed: 11, fixedSeed: true}
}

// TestQuickstartsShapes checks every quickstart's field names and that
// generated values stay inside the quickstart's ranges and patterns.
func TestQuickstartsShapes(t *testing.T) {
	want := map[string][]string{
		"ratings":      {"rating_id", "user_id", "stars", "route_id", "rating_time", "channel", "message"},
		"pageviews":    {"viewtime", "userid", "pageid"},
		"users":        {"registertime", "userid", "regionid", "gender"},
		"clickstream":  {"ip", "userid", "remote_user", "time", "_time", "request", "status", "bytes", "referrer", "agent"},
		"orders":       {"ordertime", "orderid", "itemid", "orderunits", "address"},
		"transactions": {"transaction_id", "card_id", "user_id", "purchase_id", "store_id"},
		"stock_trades": {"side", "quantity", "symbol", "price", "account", "userid"},
	}
	names := make([]string, 0, len(quickstarts))
	for n := range quickstarts {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) != len(want) {
		t.Errorf("quickstarts %v", names)
	}
	for _, q := range names {
		tk := newTask(t, connect.Config{"quickstart": q})
		var got []string
		for _, f := range tk.gen.schema.Fields {
			got = append(got, f.Name)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[q]) {
			t.Errorf("%s fields %v, want %v", q, got, want[q])
		}
		for i := range int64(2000) {
			rec := tk.record(i, time.Now())
			if rec.Key != rec.Value.(*connect.Struct).Get(quickstarts[q].keyField) {
				t.Fatalf("%s: key %v is not the %s field", q, rec.Key, quickstarts[q].keyField)
			}
			checkRecord(t, q, i, rec.Value.(*connect.Struct))
		}
	}
}

var (
	userRe   = regexp.MustCompile(`^User_[1-9]$`)
	userOpt  = regexp.MustCompile(`^User_[1-9]?$`)
	pageRe   = regexp.MustCompile(`^Page_[1-9][0-9]$`)
	regionRe = regexp.MustCompile(`^Region_[1-9]$`)
	itemRe   = regexp.MustCompile(`^Item_[1-9][0-9]{0,2}$`)
	cityRe   = regexp.MustCompile(`^City_[1-9]{0,2}$`)
)

func checkRecord(t *testing.T, q string, i int64, v *connect.Struct) {
	t.Helper()
	bad := func(f string) { t.Fatalf("%s record %d: %s = %v out of range", q, i, f, v.Get(f)) }
	switch q {
	case "ratings":
		if v.Get("rating_id") != i+1 {
			bad("rating_id")
		}
		if s := v.Get("stars").(int32); s < 1 || s > 5 {
			bad("stars")
		}
		if u := v.Get("user_id").(int32); u < -1 || u > 20 {
			bad("user_id")
		}
		if r := v.Get("route_id").(int32); r < 1 || r > 9999 {
			bad("route_id")
		}
		if v.Get("rating_time") != 1+12*i {
			bad("rating_time")
		}
	case "pageviews":
		if v.Get("viewtime") != 1+10*i {
			bad("viewtime")
		}
		if !userRe.MatchString(v.Get("userid").(string)) {
			bad("userid")
		}
		if !pageRe.MatchString(v.Get("pageid").(string)) {
			bad("pageid")
		}
	case "users":
		if r := v.Get("registertime").(int64); r < 1487715775521 || r > 1519273364600 {
			bad("registertime")
		}
		if !regionRe.MatchString(v.Get("regionid").(string)) {
			bad("regionid")
		}
	case "orders":
		if v.Get("orderid") != int32(i) {
			bad("orderid")
		}
		if u := v.Get("orderunits").(float64); u < 0.1 || u > 10 {
			bad("orderunits")
		}
		if !itemRe.MatchString(v.Get("itemid").(string)) {
			bad("itemid")
		}
		a := v.Get("address").(*connect.Struct)
		if !cityRe.MatchString(a.Get("city").(string)) || a.Get("zipcode").(int64) < 10000 || a.Get("zipcode").(int64) > 99999 {
			bad("address")
		}
	case "transactions":
		if v.Get("transaction_id") != i+1 || v.Get("purchase_id") != i {
			bad("transaction_id")
		}
		if c := v.Get("card_id").(int64); c < 1 || c > 24 {
			bad("card_id")
		}
		if !userOpt.MatchString(v.Get("user_id").(string)) {
			bad("user_id")
		}
	case "stock_trades":
		if q := v.Get("quantity").(int32); q < 1 || q > 5000 {
			bad("quantity")
		}
		if p := v.Get("price").(int32); p < 5 || p > 1000 {
			bad("price")
		}
	case "clickstream":
		if u := v.Get("userid").(int32); u < -1 || u > 40 {
			bad("userid")
		}
	}
}

// TestCustomSchemaHints: schema.string with options, range, regex,
// iteration with restart, length, an enum, an optional field and a
// logical timestamp; the same seed gives the same records.
func TestCustomSchemaHints(t *testing.T) {
	schema := `{"type":"record","name":"thing","namespace":"x", // comments are allowed
	  "fields":[
	  {"name":"id","type":{"type":"int","arg.properties":{"iteration":{"start":10,"step":5,"restart":30}}}},
	  {"name":"color","type":{"type":"string","arg.properties":{"options":["red","blue"]}}},
	  {"name":"code","type":{"type":"string","arg.properties":{"regex":"[A-C]{2}-(x|yy)\\d"}}},
	  {"name":"score","type":{"type":"double","arg.properties":{"range":{"min":1,"max":2}}}},
	  {"name":"tags","type":{"type":"array","items":"string","arg.properties":{"length":3}}},
	  {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},
	  {"name":"note","type":["null","string"]},
	  {"name":"at","type":{"type":"long","logicalType":"timestamp-millis","arg.properties":{"range":{"min":0,"max":1000}}}}]}`
	cfg := connect.Config{"schema.string": schema, "schema.keyfield": "color"}
	a, b := newTask(t, cfg), newTask(t, cfg)
	codeRe := regexp.MustCompile(`^[A-C]{2}-(x|yy)[0-9]$`)
	for i := range int64(200) {
		va := a.record(i, time.Now()).Value.(*connect.Struct)
		vb := b.record(i, time.Now()).Value.(*connect.Struct)
		if fmt.Sprint(va.Values) != fmt.Sprint(vb.Values) {
			t.Fatalf("record %d differs for the same seed", i)
		}
		if id := va.Get("id").(int32); id != int32(10+(5*i)%20) {
			t.Fatalf("id %d at %d", id, i)
		}
		if c := va.Get("color"); c != "red" && c != "blue" {
			t.Fatalf("color %v", c)
		}
		if !codeRe.MatchString(va.Get("code").(string)) {
			t.Fatalf("code %q", va.Get("code"))
		}
		if s := va.Get("score").(float64); s < 1 || s > 2 {
			t.Fatalf("score %v", s)
		}
		if len(va.Get("tags").([]any)) != 3 {
			t.Fatalf("tags %v", va.Get("tags"))
		}
	}
	if a.gen.schema.Field("note").Optional != true || a.gen.schema.Field("at").Name != connect.LogicalTimestamp || a.gen.schema.Name != "x.thing" {
		t.Errorf("schema %+v", a.gen.schema)
	}
	for _, bad := range []struct{ cfg connect.Config }{
		{connect.Config{"schema.string": `{"type":"record","name":"r","fields":[{"name":"a","type":{"type":"string","arg.properties":{"regex":"[a"}}}]}`}},
		{connect.Config{"schema.string": `{"type":"record","name":"r","fields":[{"name":"a","type":"strin"}]}`}},
		{connect.Config{"schema.string": `not json`}},
		{connect.Config{"quickstart": "users", "schema.keyfield": "nope"}},
		{connect.Config{"quickstart": "users", "schema.string": "{}"}},
	} {
		if _, _, _, err := schemaOf(bad.cfg); err == nil {
			t.Errorf("accepted %v", bad.cfg)
		}
	}
}

// TestSchemasTooLargeToGenerate: schemas whose records could not be
// built in memory, or never end, are refused when the connector is
// created; by hand an array length of a hundred million grew the server
// past 4 GB, a negative length panicked and a record containing itself
// overflowed the stack, each ending the server.
func TestSchemasTooLargeToGenerate(t *testing.T) {
	field := func(typ string) string {
		return `{"type":"record","name":"r","fields":[{"name":"a","type":` + typ + `}]}`
	}
	for _, c := range []struct{ schema, want string }{
		{field(`{"type":"array","items":"int","arg.properties":{"length":{"min":100000000,"max":100000001}}}`),
			"arg.properties length must be between 0 and 10000000"},
		{field(`{"type":"string","arg.properties":{"length":-5}}`), "arg.properties length must be between 0 and 10000000"},
		{field(`{"type":"array","items":{"type":"array","items":"int","arg.properties":{"length":10000}},"arg.properties":{"length":10000}}`),
			"could hold up to 10000001 values"},
		{field(`{"type":"map","values":"string","arg.properties":{"length":1000000}}`), "could hold up to 10000001 values"},
		{`{"type":"record","name":"node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","node"]}]}`,
			"field next: record node contains itself"},
	} {
		_, _, _, err := schemaOf(connect.Config{"schema.string": c.schema})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("schema %s: %v, want %q", c.schema, err, c.want)
		}
	}
	// Large but bounded records are generated.
	tk := newTask(t, connect.Config{"schema.string": field(`{"type":"array","items":{"type":"string","arg.properties":{"length":5}},"arg.properties":{"length":100000}}`)})
	if got := len(tk.record(0, time.Now()).Value.(*connect.Struct).Get("a").([]any)); got != 100000 {
		t.Errorf("a 100,000-element array has %d elements", got)
	}
}

// BenchmarkGenerate measures records/s out of the generator alone.
func BenchmarkGenerate(b *testing.B) {
	for _, q := range []string{"ratings", "pageviews", "clickstream"} {
		b.Run(q, func(b *testing.B) {
			tk := newTask(b, connect.Config{"quickstart": q})
			now := time.Now()
			b.ReportAllocs()
			for i := range b.N {
				tk.record(int64(i), now)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
