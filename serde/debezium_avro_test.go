package serde

import (
	"errors"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"

	"github.com/eddysql/eddy/types"
)

// debeziumEnvelope is the value schema Confluent's AvroConverter registers
// for a Debezium MySQL table, trimmed of the source fields it never reads.
const debeziumEnvelope = `{"type":"record","name":"Envelope","namespace":"asgard.demo.CUSTOMERS","fields":[
 {"name":"before","type":["null",{"type":"record","name":"Value","fields":[
   {"name":"id","type":"int"},
   {"name":"first_name","type":["null","string"],"default":null},
   {"name":"club_status","type":["null","string"],"default":null},
   {"name":"score","type":["null",{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}],"default":null}]}],"default":null},
 {"name":"after","type":["null","Value"],"default":null},
 {"name":"source","type":{"type":"record","name":"Source","namespace":"io.debezium.connector.mysql","fields":[
   {"name":"version","type":"string"},{"name":"db","type":"string"},{"name":"pos","type":"long"},
   {"name":"gtid","type":["null","string"],"default":null}]}},
 {"name":"op","type":"string"},
 {"name":"ts_ms","type":["null","long"],"default":null},
 {"name":"transaction","type":["null",{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[
   {"name":"id","type":"string"},{"name":"total_order","type":"long"}]}],"default":null}]}`

const debeziumKey = `{"type":"record","name":"Key","namespace":"asgard.demo.CUSTOMERS","fields":[{"name":"id","type":"int"}]}`

// framed encodes v with the schema and puts the wire header of id before it.
func framed(t testing.TB, schema string, id int, v any) []byte {
	t.Helper()
	s, err := avro.Parse(schema)
	if err != nil {
		t.Fatal(err)
	}
	body, err := avro.Marshal(s, v)
	if err != nil {
		t.Fatal(err)
	}
	return append(appendHeader(nil, id), body...)
}

func debeziumRow(id int, name, status string) map[string]any {
	return map[string]any{"id": id, "first_name": name, "club_status": status, "score": nil}
}

func debeziumEvent(op string, before, after map[string]any) map[string]any {
	ev := map[string]any{
		"source": map[string]any{"version": "2.7", "db": "demo", "pos": int64(4), "gtid": nil},
		"op":     op, "ts_ms": int64(1700000000000), "transaction": nil,
		"before": nil, "after": nil,
	}
	if before != nil {
		ev["before"] = map[string]any{"asgard.demo.CUSTOMERS.Value": before}
	}
	if after != nil {
		ev["after"] = map[string]any{"asgard.demo.CUSTOMERS.Value": after}
	}
	return ev
}

func TestDebeziumAvroInfersKeyAndAfterColumns(t *testing.T) {
	reg := newMemRegistry()
	reg.put("asgard.demo.CUSTOMERS-key", 1, RegSchema{Type: SchemaAvro, Schema: debeziumKey})
	reg.put("asgard.demo.CUSTOMERS-value", 2, RegSchema{Type: SchemaAvro, Schema: debeziumEnvelope})
	env := Env{Topic: "asgard.demo.CUSTOMERS", Registry: reg, ReadOnly: true}
	f := Format{Name: DebeziumAvro}
	key, _, err := Infer(f, true, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 1 || key[0].Name != "ID" || !key[0].Type.Equal(types.IntType) || key[0].Namespace != types.KeyColumn {
		t.Errorf("key columns %v, want ID INT KEY", key)
	}
	val, _, err := Infer(f, false, env)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range val {
		got = append(got, c.Name+" "+c.Type.String())
	}
	if want := "ID INTEGER,FIRST_NAME STRING,CLUB_STATUS STRING,SCORE DECIMAL(5, 2)"; strings.Join(got, ",") != want {
		t.Errorf("value columns %q, want %q", strings.Join(got, ","), want)
	}
	// A plain Avro record is no envelope.
	reg.put("plain-value", 3, RegSchema{Type: SchemaAvro, Schema: debeziumKey})
	if _, _, err := Infer(f, false, Env{Topic: "plain", Registry: reg}); err == nil || !strings.Contains(err.Error(), "not a Debezium change event") {
		t.Errorf("inferring from a plain record: %v", err)
	}
}

func TestDebeziumAvroDecodesEnvelopes(t *testing.T) {
	reg := newMemRegistry()
	reg.put("c-value", 7, RegSchema{Type: SchemaAvro, Schema: debeziumEnvelope})
	reg.put("c-key", 8, RegSchema{Type: SchemaAvro, Schema: debeziumKey})
	env := Env{Topic: "c", Registry: reg, ReadOnly: true}
	// The columns in another order than the record's fields, the key
	// column left out, as a table's value columns are.
	cols := []types.Column{{Name: "CLUB_STATUS", Type: types.StringType}, {Name: "FIRST_NAME", Type: types.StringType}}
	val := mustNewFor(t, Format{Name: DebeziumAvro}, cols, false, env)
	dst := make([]any, 2)
	for _, c := range []struct {
		name string
		ev   map[string]any
		want []any
		err  error
	}{
		{"snapshot read", debeziumEvent("r", nil, debeziumRow(1, "Rica", "gold")), []any{"gold", "Rica"}, nil},
		{"insert", debeziumEvent("c", nil, debeziumRow(2, "Ruthie", "platinum")), []any{"platinum", "Ruthie"}, nil},
		{"update", debeziumEvent("u", debeziumRow(2, "Ruthie", "platinum"), debeziumRow(2, "Ruthie", "bronze")), []any{"bronze", "Ruthie"}, nil},
		{"delete", debeziumEvent("d", debeziumRow(2, "Ruthie", "bronze"), nil), []any{nil, nil}, ErrNull},
	} {
		dst[0], dst[1] = "stale", "stale"
		err := val.Decode(framed(t, debeziumEnvelope, 7, c.ev), dst)
		if !errors.Is(err, c.err) || (c.err == nil && err != nil) || dst[0] != c.want[0] || dst[1] != c.want[1] {
			t.Errorf("%s: %v %v, want %v %v", c.name, dst, err, c.want, c.err)
		}
	}
	if err := val.Decode(nil, dst); err != nil || dst[0] != nil {
		t.Errorf("tombstone: %v %v", dst, err)
	}
	if err := val.Decode([]byte{1, 0, 0, 0, 7}, dst); err == nil {
		t.Error("a payload without the wire format's magic byte was read")
	}

	// The key is Debezium's key struct, a record even for one field.
	key := mustNewFor(t, Format{Name: DebeziumAvro}, []types.Column{{Name: "ID", Type: types.IntType}}, true, env)
	kd := make([]any, 1)
	if err := key.Decode(framed(t, debeziumKey, 8, map[string]any{"id": 42}), kd); err != nil || kd[0] != int32(42) {
		t.Errorf("key: %v %v", kd, err)
	}
}

func TestDebeziumAvroRejectsOtherRecords(t *testing.T) {
	reg := newMemRegistry()
	reg.put("c-value", 3, RegSchema{Type: SchemaAvro, Schema: debeziumKey})
	val := mustNewFor(t, Format{Name: DebeziumAvro}, []types.Column{{Name: "ID", Type: types.IntType}}, false, Env{Topic: "c", Registry: reg, ReadOnly: true})
	err := val.Decode(framed(t, debeziumKey, 3, map[string]any{"id": 1}), make([]any, 1))
	if err == nil || !strings.Contains(err.Error(), "not a Debezium change event") {
		t.Errorf("a plain record read as an envelope: %v", err)
	}
}

func TestDebeziumAvroWritesCreateEvents(t *testing.T) {
	reg, env := srEnv()
	cols := []types.Column{{Name: "NAME", Type: types.StringType}, {Name: "N", Type: types.BigintType}}
	val := mustNewFor(t, Format{Name: DebeziumAvro}, cols, false, env)
	out, err := val.Encode([]any{"z", int64(3)})
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := splitHeader(out)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := reg.ByID(id)
	if err != nil {
		t.Fatal(err)
	}
	// A generic Avro reader sees a create event with the row as after.
	var ev map[string]any
	if err := avro.Unmarshal(avro.MustParse(rs.Schema), out[wireHeader:], &ev); err != nil {
		t.Fatal(err)
	}
	union, _ := ev["after"].(map[string]any)
	after, _ := union[debeziumAvroFullName+".Value"].(map[string]any)
	if ev["op"] != "c" || ev["before"] != nil || after == nil || after["NAME"] != "z" || after["N"] != int64(3) {
		t.Errorf("event %v", ev)
	}
	dst := make([]any, 2)
	if err := val.Decode(out, dst); err != nil || dst[0] != "z" || dst[1] != int64(3) {
		t.Errorf("round trip: %v %v", dst, err)
	}
	cols2, _, err := Infer(Format{Name: DebeziumAvro}, false, env)
	if err != nil || len(cols2) != 2 || cols2[0].Name != "NAME" {
		t.Errorf("columns inferred from the written envelope: %v %v", cols2, err)
	}
}

// BenchmarkDebeziumAvroDecode reads the after row of an update event (the
// before image and source block skipped) into three columns.
func BenchmarkDebeziumAvroDecode(b *testing.B) {
	reg := newMemRegistry()
	reg.put("c-value", 7, RegSchema{Type: SchemaAvro, Schema: debeziumEnvelope})
	cols := []types.Column{{Name: "FIRST_NAME", Type: types.StringType}, {Name: "CLUB_STATUS", Type: types.StringType},
		{Name: "SCORE", Type: types.DecimalOf(5, 2)}}
	val := mustNewFor(b, Format{Name: DebeziumAvro}, cols, false, Env{Topic: "c", Registry: reg, ReadOnly: true})
	data := framed(b, debeziumEnvelope, 7, debeziumEvent("u", debeziumRow(2, "Ruthie", "platinum"), debeziumRow(2, "Ruthie", "bronze")))
	dst := make([]any, len(cols))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := val.Decode(data, dst); err != nil {
			b.Fatal(err)
		}
	}
}
