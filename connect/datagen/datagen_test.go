package datagen

import (
	"fmt"
	"math/big"
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
	if len(names) != len(want)+len(quickstartSigs) {
		t.Errorf("quickstarts %v", names)
	}
	for _, q := range names {
		if want[q] == nil {
			continue // TestMoreQuickstarts
		}
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
			`arg.properties length must be between 0 and 10000000, not {"max":100000001,"min":100000000}`},
		{field(`{"type":"string","arg.properties":{"length":-5}}`), "arg.properties length must be between 0 and 10000000, not -5"},
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

// TestRecordOptionsAndDecimals: arg.properties options on a record (the
// whole record, a nested record field, array items) pick one of the
// listed objects, fields an object leaves out are generated, and a bytes
// field with logicalType decimal gives values in its range at its scale.
func TestRecordOptionsAndDecimals(t *testing.T) {
	schema := `{"type":"record","name":"r","fields":[
	  {"name":"id","type":"int"},
	  {"name":"name","type":"string"},
	  {"name":"extra","type":{"type":"int","arg.properties":{"range":{"min":5,"max":7}}}},
	  {"name":"loc","type":{"type":"record","name":"loc","fields":[{"name":"lat","type":"double"},{"name":"lon","type":"double"}]},
	   "arg.properties":{"options":[{"lat":1.5,"lon":-2.5},{"lat":3,"lon":4}]}},
	  {"name":"lines","type":{"type":"array","arg.properties":{"length":{"min":1,"max":3}},"items":{"type":"record","name":"line","fields":[{"name":"n","type":"int"},{"name":"p","type":"double"}],
	   "arg.properties":{"options":[{"n":1,"p":0.5},{"n":2,"p":1}]}}}},
	  {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2,"arg.properties":{"range":{"min":10.0,"max":50.0}}}},
	  {"name":"fixed","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":3,"arg.properties":{"options":[1.2345,7]}}}],
	 "arg.properties":{"options":[{"id":1,"name":"one"},{"id":2,"name":"two"}]}}`
	tk := newTask(t, connect.Config{"schema.string": schema, "schema.keyfield": "id"})
	if p := tk.gen.schema.Field("price"); p.Type != connect.Bytes || p.Name != connect.LogicalDecimal || p.Parameters["scale"] != "2" || p.Parameters["connect.decimal.precision"] != "4" {
		t.Fatalf("price schema %+v", p)
	}
	seen := map[string]bool{}
	for i := range int64(500) {
		rec := tk.record(i, time.Now())
		v := rec.Value.(*connect.Struct)
		id, name := v.Get("id").(int32), v.Get("name").(string)
		if !(id == 1 && name == "one" || id == 2 && name == "two") || rec.Key != id {
			t.Fatalf("record %d: id %v name %v key %v: not one of the record options", i, id, name, rec.Key)
		}
		seen[name] = true
		if e := v.Get("extra").(int32); e < 5 || e > 6 {
			t.Fatalf("extra %d: a field the option leaves out is generated with its hints", e)
		}
		loc := v.Get("loc").(*connect.Struct)
		if ll := fmt.Sprint(loc.Get("lat"), loc.Get("lon")); ll != "1.5 -2.5" && ll != "3 4" {
			t.Fatalf("loc %s", ll)
		}
		lines := v.Get("lines").([]any)
		if len(lines) < 1 || len(lines) > 3 {
			t.Fatalf("%d lines", len(lines))
		}
		for _, l := range lines {
			l := l.(*connect.Struct)
			if n := l.Get("n").(int32); n != 1 && n != 2 || l.Get("p").(float64) != float64(n)/2 {
				t.Fatalf("line %v", l.Values)
			}
		}
		p := v.Get("price").(*big.Rat)
		if p.Cmp(big.NewRat(10, 1)) < 0 || p.Cmp(big.NewRat(50, 1)) > 0 || new(big.Rat).Mul(p, big.NewRat(100, 1)).IsInt() == false {
			t.Fatalf("price %s", p.FloatString(4))
		}
		if f := v.Get("fixed").(*big.Rat).FloatString(3); f != "1.235" && f != "7.000" {
			t.Fatalf("fixed %s", f)
		}
	}
	if len(seen) != 2 {
		t.Errorf("options seen %v", seen)
	}
	for _, bad := range []string{
		`{"type":"record","name":"r","fields":[{"name":"d","type":{"type":"int","logicalType":"decimal","precision":4,"scale":2}}]}`,
		`{"type":"record","name":"r","fields":[{"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}}]}`,
	} {
		if _, _, _, err := schemaOf(connect.Config{"schema.string": bad}); err == nil || !strings.Contains(err.Error(), "decimal") {
			t.Errorf("schema %s: %v", bad, err)
		}
	}
}
