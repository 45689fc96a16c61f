package transform_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/transform"
)

const p = "org.apache.kafka.connect.transforms."

func tr(t *testing.T, class string, cfg map[string]string) connect.Transformation {
	t.Helper()
	r := connect.NewRegistry()
	transform.Register(r)
	tp, ok := r.Transform(class)
	if !ok {
		t.Fatalf("no transform %s", class)
	}
	checked, err := connect.CheckOptions(class, tp.Spec, cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	x, err := tp.New(checked)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func apply(t *testing.T, x connect.Transformation, r connect.Record) (connect.Record, bool) {
	t.Helper()
	out, keep, err := x.Apply(r)
	if err != nil {
		t.Fatal(err)
	}
	return out, keep
}

var (
	str  = &connect.Schema{Type: connect.String, Optional: true}
	i64  = &connect.Schema{Type: connect.Int64, Optional: true}
	user = &connect.Schema{Type: connect.StructT, Name: "User", Fields: []connect.Field{{Name: "id", Schema: i64}, {Name: "name", Schema: str}, {Name: "email", Schema: str}}}
)

func userRec() connect.Record {
	return connect.Record{Topic: "users", Partition: 2, Offset: 40, Timestamp: time.UnixMilli(1000).UTC(),
		Key: "k", ValueSchema: user, Value: &connect.Struct{Schema: user, Values: map[string]any{"id": int64(1), "name": "Ann", "email": "a@x"}}}
}

func fields(s *connect.Schema) []string {
	var out []string
	for _, f := range s.Fields {
		out = append(out, f.Name)
	}
	return out
}

func TestInsertField(t *testing.T) {
	x := tr(t, p+"InsertField$Value", map[string]string{"topic.field": "t", "partition.field": "p", "offset.field": "o", "timestamp.field": "ts!", "static.field": "s", "static.value": "v"})
	out, _ := apply(t, x, userRec())
	st := out.Value.(*connect.Struct)
	if got := fields(out.ValueSchema); !reflect.DeepEqual(got, []string{"id", "name", "email", "t", "p", "o", "ts", "s"}) {
		t.Errorf("fields %v", got)
	}
	if st.Get("t") != "users" || st.Get("p") != int32(2) || st.Get("o") != int64(40) || st.Get("s") != "v" || !st.Get("ts").(time.Time).Equal(time.UnixMilli(1000)) {
		t.Errorf("values %v", st.Values)
	}
	if out.ValueSchema.Field("ts").Name != connect.LogicalTimestamp {
		t.Error("timestamp field is not a Timestamp")
	}
	// Schemaless: timestamp as epoch ms; tombstones pass.
	m, _ := apply(t, x, connect.Record{Topic: "a", Value: map[string]any{"x": 1}, Timestamp: time.UnixMilli(5)})
	if m.Value.(map[string]any)["ts"] != int64(5) {
		t.Errorf("schemaless %v", m.Value)
	}
	tomb, keep := apply(t, x, connect.Record{Key: "k"})
	if !keep || tomb.Value != nil {
		t.Error("tombstone changed")
	}
	k := tr(t, p+"InsertField$Key", map[string]string{"topic.field": "t"})
	ko, _ := apply(t, k, connect.Record{Topic: "a", Key: map[string]any{"id": 1}})
	if ko.Key.(map[string]any)["t"] != "a" {
		t.Errorf("key %v", ko.Key)
	}
}

func TestExtractFieldAndValueToKey(t *testing.T) {
	out, _ := apply(t, tr(t, p+"ExtractField$Value", map[string]string{"field": "name"}), userRec())
	if out.Value != "Ann" || out.ValueSchema != str {
		t.Errorf("%v %v", out.Value, out.ValueSchema)
	}
	vk, _ := apply(t, tr(t, p+"ValueToKey", map[string]string{"fields": "id,email"}), userRec())
	ks := vk.Key.(*connect.Struct)
	if ks.Get("id") != int64(1) || ks.Get("email") != "a@x" || len(vk.KeySchema.Fields) != 2 {
		t.Errorf("key %v", ks.Values)
	}
	// ValueToKey then ExtractField$Key, as the CDC examples chain them.
	ek, _ := apply(t, tr(t, p+"ExtractField$Key", map[string]string{"field": "id"}), vk)
	if ek.Key != int64(1) {
		t.Errorf("key %v", ek.Key)
	}
	if _, _, err := tr(t, p+"ExtractField$Value", map[string]string{"field": "nope"}).Apply(userRec()); err == nil {
		t.Error("unknown field accepted")
	}
	if _, _, err := tr(t, p+"ValueToKey", map[string]string{"fields": "nope"}).Apply(userRec()); err == nil {
		t.Error("unknown field accepted")
	}
}

func TestReplaceFieldAndMask(t *testing.T) {
	out, _ := apply(t, tr(t, p+"ReplaceField$Value", map[string]string{"exclude": "email", "renames": "name:full_name"}), userRec())
	if got := fields(out.ValueSchema); !reflect.DeepEqual(got, []string{"id", "full_name"}) || out.Value.(*connect.Struct).Get("full_name") != "Ann" {
		t.Errorf("%v %v", got, out.Value)
	}
	wl, _ := apply(t, tr(t, p+"ReplaceField$Value", map[string]string{"whitelist": "id"}), userRec())
	if got := fields(wl.ValueSchema); !reflect.DeepEqual(got, []string{"id"}) {
		t.Errorf("whitelist %v", got)
	}
	bl, _ := apply(t, tr(t, p+"ReplaceField$Value", map[string]string{"blacklist": "id,name"}), connect.Record{Value: map[string]any{"id": 1, "name": "x", "z": 2}})
	if !reflect.DeepEqual(bl.Value, map[string]any{"z": 2}) {
		t.Errorf("blacklist %v", bl.Value)
	}
	m, _ := apply(t, tr(t, p+"MaskField$Value", map[string]string{"fields": "email,id"}), userRec())
	if v := m.Value.(*connect.Struct); v.Get("email") != "" || v.Get("id") != int64(0) || v.Get("name") != "Ann" {
		t.Errorf("masked %v", v.Values)
	}
	m2, _ := apply(t, tr(t, p+"MaskField$Value", map[string]string{"fields": "email", "replacement": "***"}), userRec())
	if m2.Value.(*connect.Struct).Get("email") != "***" {
		t.Errorf("replacement %v", m2.Value)
	}
	// The original record is untouched.
	if r := userRec(); r.Value.(*connect.Struct).Get("email") != "a@x" {
		t.Error("input changed")
	}
}

func TestRegexRouterCastTimestamp(t *testing.T) {
	out, _ := apply(t, tr(t, p+"RegexRouter", map[string]string{"regex": "dbserver1\\.(.*)\\.(.*)", "replacement": "$2_cdc"}), connect.Record{Topic: "dbserver1.demo.CUSTOMERS"})
	if out.Topic != "CUSTOMERS_cdc" {
		t.Errorf("topic %s", out.Topic)
	}
	same, _ := apply(t, tr(t, p+"RegexRouter", map[string]string{"regex": "x", "replacement": "y"}), connect.Record{Topic: "xx"})
	if same.Topic != "xx" {
		t.Errorf("partial match renamed: %s", same.Topic)
	}
	c, _ := apply(t, tr(t, p+"Cast$Value", map[string]string{"spec": "id:string,name:string"}), userRec())
	if c.Value.(*connect.Struct).Get("id") != "1" || c.ValueSchema.Field("id").Type != connect.String {
		t.Errorf("cast %v", c.Value)
	}
	cw, _ := apply(t, tr(t, p+"Cast$Key", map[string]string{"spec": "int32"}), connect.Record{Key: "42", KeySchema: str})
	if cw.Key != int32(42) {
		t.Errorf("whole cast %v", cw.Key)
	}
	if _, _, err := tr(t, p+"Cast$Key", map[string]string{"spec": "int32"}).Apply(connect.Record{Key: "x"}); err == nil {
		t.Error("bad cast accepted")
	}
	ts := tr(t, p+"TimestampConverter$Value", map[string]string{"field": "at", "target.type": "string", "format": "yyyy-MM-dd'T'HH:mm:ss"})
	o, _ := apply(t, ts, connect.Record{Value: map[string]any{"at": int64(86400000)}})
	if o.Value.(map[string]any)["at"] != "1970-01-02T00:00:00" {
		t.Errorf("timestamp %v", o.Value)
	}
	back, _ := apply(t, tr(t, p+"TimestampConverter$Value", map[string]string{"field": "at", "target.type": "unix", "format": "yyyy-MM-dd'T'HH:mm:ss"}), o)
	if back.Value.(map[string]any)["at"] != int64(86400000) {
		t.Errorf("back %v", back.Value)
	}
	toTS, _ := apply(t, tr(t, p+"TimestampConverter$Value", map[string]string{"target.type": "Timestamp"}), connect.Record{Value: int64(1000), ValueSchema: i64})
	if tm, ok := toTS.Value.(time.Time); !ok || tm.UnixMilli() != 1000 || toTS.ValueSchema.Name != connect.LogicalTimestamp {
		t.Errorf("to Timestamp %v %v", toTS.Value, toTS.ValueSchema)
	}
}

func TestPredicatesAndFilterInRegistry(t *testing.T) {
	r := connect.NewRegistry()
	transform.Register(r)
	pred := func(class string, cfg map[string]string) connect.Predicate {
		pp, ok := r.Predicate(class)
		if !ok {
			t.Fatalf("no %s", class)
		}
		x, err := pp.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	if !pred(p+"predicates.TopicNameMatches", map[string]string{"pattern": "a.*"}).Test(connect.Record{Topic: "abc"}) {
		t.Error("TopicNameMatches")
	}
	if pred(p+"predicates.TopicNameMatches", map[string]string{"pattern": "b"}).Test(connect.Record{Topic: "abc"}) {
		t.Error("TopicNameMatches matched a part")
	}
	if !pred(p+"predicates.HasHeaderKey", map[string]string{"name": "h"}).Test(connect.Record{Headers: []connect.Header{{Key: "h"}}}) {
		t.Error("HasHeaderKey")
	}
	if !pred(p+"predicates.RecordIsTombstone", nil).Test(connect.Record{Key: "k"}) {
		t.Error("RecordIsTombstone")
	}
	if _, keep := apply(t, tr(t, p+"Filter", nil), userRec()); keep {
		t.Error("Filter kept a record")
	}
}

// envelope builds a Debezium change event.
func envelope(op string, before, after map[string]any) connect.Record {
	row := &connect.Schema{Type: connect.StructT, Optional: true, Name: "db.demo.CUSTOMERS.Value", Fields: []connect.Field{{Name: "id", Schema: i64}, {Name: "name", Schema: str}}}
	source := &connect.Schema{Type: connect.StructT, Name: "io.debezium.connector.mysql.Source", Fields: []connect.Field{{Name: "table", Schema: str}, {Name: "ts_ms", Schema: i64}}}
	env := &connect.Schema{Type: connect.StructT, Name: "db.demo.CUSTOMERS.Envelope", Fields: []connect.Field{
		{Name: "before", Schema: row}, {Name: "after", Schema: row}, {Name: "source", Schema: source},
		{Name: "op", Schema: &connect.Schema{Type: connect.String}}, {Name: "ts_ms", Schema: i64}}}
	mk := func(m map[string]any) any {
		if m == nil {
			return nil
		}
		return &connect.Struct{Schema: row, Values: m}
	}
	return connect.Record{Topic: "db.demo.CUSTOMERS", ValueSchema: env, Value: &connect.Struct{Schema: env, Values: map[string]any{
		"before": mk(before), "after": mk(after), "op": op, "ts_ms": int64(9),
		"source": &connect.Struct{Schema: source, Values: map[string]any{"table": "CUSTOMERS", "ts_ms": int64(8)}},
	}}}
}

func TestExtractNewRecordState(t *testing.T) {
	unwrap := tr(t, transform.ExtractNewRecordStateClass, map[string]string{"add.fields": "op,table,source.ts_ms"})
	out, keep := apply(t, unwrap, envelope("u", map[string]any{"id": int64(1), "name": "a"}, map[string]any{"id": int64(1), "name": "b"}))
	st := out.Value.(*connect.Struct)
	if !keep || st.Get("name") != "b" || st.Get("__op") != "u" || st.Get("__table") != "CUSTOMERS" || st.Get("__source_ts_ms") != int64(8) {
		t.Errorf("unwrapped %v", st.Values)
	}
	if got := fields(out.ValueSchema); !reflect.DeepEqual(got, []string{"id", "name", "__op", "__table", "__source_ts_ms"}) {
		t.Errorf("fields %v", got)
	}
	if _, keep := apply(t, unwrap, envelope("d", map[string]any{"id": int64(1)}, nil)); keep {
		t.Error("delete kept under drop")
	}
	if _, keep := apply(t, unwrap, connect.Record{Key: "k"}); keep {
		t.Error("tombstone kept under drop.tombstones=true")
	}
	rewrite := tr(t, transform.ExtractNewRecordStateClass, map[string]string{"delete.handling.mode": "rewrite", "drop.tombstones": "false"})
	d, keep := apply(t, rewrite, envelope("d", map[string]any{"id": int64(1), "name": "a"}, nil))
	if !keep || d.Value.(*connect.Struct).Get("__deleted") != "true" || d.Value.(*connect.Struct).Get("name") != "a" {
		t.Errorf("rewrite %v", d.Value)
	}
	c, _ := apply(t, rewrite, envelope("c", nil, map[string]any{"id": int64(2), "name": "n"}))
	if c.Value.(*connect.Struct).Get("__deleted") != "false" {
		t.Errorf("rewrite create %v", c.Value)
	}
	if _, keep := apply(t, rewrite, connect.Record{Key: "k"}); !keep {
		t.Error("tombstone dropped under drop.tombstones=false")
	}
	none := tr(t, transform.ExtractNewRecordStateClass, map[string]string{"delete.handling.mode": "none"})
	if n, keep := apply(t, none, envelope("d", map[string]any{"id": int64(1)}, nil)); !keep || n.Value != nil {
		t.Errorf("none %v", n.Value)
	}
	if _, err := connect.CheckOptions("x", nil, map[string]string{"bogus": "1"}, true); err == nil || !strings.Contains(err.Error(), "'bogus'") {
		t.Errorf("strict options: %v", err)
	}
}

func TestMoreTransforms(t *testing.T) {
	sm, _ := apply(t, tr(t, p+"SetSchemaMetadata$Value", map[string]string{"schema.name": "com.example.User", "schema.version": "3"}), userRec())
	if sm.ValueSchema.Name != "com.example.User" || sm.ValueSchema.Version != 3 || sm.Value.(*connect.Struct).Schema.Name != "com.example.User" || user.Name != "User" {
		t.Errorf("SetSchemaMetadata %+v", sm.ValueSchema)
	}
	h, _ := apply(t, tr(t, p+"HoistField$Key", map[string]string{"field": "id"}), connect.Record{Key: int64(5), KeySchema: i64})
	if h.Key.(*connect.Struct).Get("id") != int64(5) || h.KeySchema.Fields[0].Schema != i64 {
		t.Errorf("HoistField %v", h.Key)
	}
	inner := &connect.Schema{Type: connect.StructT, Optional: true, Fields: []connect.Field{{Name: "city", Schema: str}}}
	outer := &connect.Schema{Type: connect.StructT, Fields: []connect.Field{{Name: "id", Schema: i64}, {Name: "addr", Schema: inner}}}
	f, _ := apply(t, tr(t, p+"Flatten$Value", map[string]string{"delimiter": "_"}), connect.Record{ValueSchema: outer, Value: &connect.Struct{Schema: outer, Values: map[string]any{
		"id": int64(1), "addr": &connect.Struct{Schema: inner, Values: map[string]any{"city": "Oslo"}}}}})
	if got := fields(f.ValueSchema); !reflect.DeepEqual(got, []string{"id", "addr_city"}) || f.Value.(*connect.Struct).Get("addr_city") != "Oslo" {
		t.Errorf("Flatten %v %v", got, f.Value)
	}
	fm, _ := apply(t, tr(t, p+"Flatten$Value", map[string]string{}), connect.Record{Value: map[string]any{"a": map[string]any{"b": 1}}})
	if !reflect.DeepEqual(fm.Value, map[string]any{"a.b": 1}) {
		t.Errorf("Flatten map %v", fm.Value)
	}
	tsr, _ := apply(t, tr(t, p+"TimestampRouter", map[string]string{}), connect.Record{Topic: "logs", Timestamp: time.Date(2024, 3, 9, 10, 0, 0, 0, time.UTC)})
	if tsr.Topic != "logs-20240309" {
		t.Errorf("TimestampRouter %s", tsr.Topic)
	}
	ih, _ := apply(t, tr(t, p+"InsertHeader", map[string]string{"header": "src", "value.literal": "eddy"}), connect.Record{})
	dh, _ := apply(t, tr(t, p+"DropHeaders", map[string]string{"headers": "src"}), ih)
	if len(ih.Headers) != 1 || string(ih.Headers[0].Value) != "eddy" || len(dh.Headers) != 0 {
		t.Errorf("headers %v %v", ih.Headers, dh.Headers)
	}
}
