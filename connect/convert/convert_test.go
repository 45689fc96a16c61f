package convert_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
	"github.com/eddysql/eddy/serde"
)

func plugins() *connect.Registry {
	r := connect.NewRegistry()
	convert.Register(r)
	return r
}

func build(t *testing.T, class string, cfg map[string]string, isKey bool, env connect.ConverterEnv) connect.Converter {
	t.Helper()
	p, ok := plugins().Converter(class)
	if !ok {
		t.Fatalf("no converter %s", class)
	}
	c, err := p.New(cfg, isKey, env)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sample is a struct using every type the converters map.
func sample() (*connect.Schema, *connect.Struct) {
	addr := &connect.Schema{Type: connect.StructT, Optional: true, Name: "Address", Fields: []connect.Field{
		{Name: "city", Schema: &connect.Schema{Type: connect.String, Optional: true}},
		{Name: "zip", Schema: &connect.Schema{Type: connect.Int64, Optional: true}},
	}}
	s := &connect.Schema{Type: connect.StructT, Name: "demo.Order", Fields: []connect.Field{
		{Name: "id", Schema: &connect.Schema{Type: connect.Int32, Optional: true}},
		{Name: "big", Schema: &connect.Schema{Type: connect.Int64, Optional: true}},
		{Name: "price", Schema: &connect.Schema{Type: connect.Float64, Optional: true}},
		{Name: "ok", Schema: &connect.Schema{Type: connect.Boolean, Optional: true}},
		{Name: "name", Schema: &connect.Schema{Type: connect.String, Optional: true}},
		{Name: "raw", Schema: &connect.Schema{Type: connect.Bytes, Optional: true}},
		{Name: "amount", Schema: &connect.Schema{Type: connect.Bytes, Optional: true, Name: connect.LogicalDecimal, Version: 1, Parameters: map[string]string{"scale": "2", "connect.decimal.precision": "10"}}},
		{Name: "ts", Schema: &connect.Schema{Type: connect.Int64, Optional: true, Name: connect.LogicalTimestamp, Version: 1}},
		{Name: "day", Schema: &connect.Schema{Type: connect.Int32, Optional: true, Name: connect.LogicalDate, Version: 1}},
		{Name: "tags", Schema: &connect.Schema{Type: connect.Array, Optional: true, ValueSchema: &connect.Schema{Type: connect.String, Optional: true}}},
		{Name: "attrs", Schema: &connect.Schema{Type: connect.Map, Optional: true, KeySchema: &connect.Schema{Type: connect.String, Optional: true}, ValueSchema: &connect.Schema{Type: connect.Int64, Optional: true}}},
		{Name: "address", Schema: addr},
		{Name: "missing", Schema: &connect.Schema{Type: connect.String, Optional: true}},
	}}
	v := &connect.Struct{Schema: s, Values: map[string]any{
		"id": int32(7), "big": int64(1) << 40, "price": 9.5, "ok": true, "name": "widget",
		"raw": []byte{0, 1, 255}, "amount": "-12.34",
		"ts":      time.UnixMilli(1700000000123).UTC(),
		"day":     time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		"tags":    []any{"a", "b"},
		"attrs":   map[string]any{"x": int64(1)},
		"address": &connect.Struct{Schema: addr, Values: map[string]any{"city": "Oslo", "zip": int64(150)}},
		"missing": nil,
	}}
	return s, v
}

func sameValues(t *testing.T, want, got *connect.Struct) {
	t.Helper()
	for k, w := range want.Values {
		g := got.Values[k]
		if ws, ok := w.(*connect.Struct); ok {
			gs, ok := g.(*connect.Struct)
			if !ok {
				t.Errorf("%s: got %T", k, g)
				continue
			}
			sameValues(t, ws, gs)
			continue
		}
		if wt, ok := w.(time.Time); ok {
			if gt, ok := g.(time.Time); !ok || !gt.Equal(wt) {
				t.Errorf("%s: got %v, want %v", k, g, w)
			}
			continue
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: got %#v (%T), want %#v (%T)", k, g, g, w, w)
		}
	}
}

func TestJSONWithSchemaRoundTrip(t *testing.T) {
	c := build(t, convert.JSONClass, map[string]string{"schemas.enable": "true"}, false, connect.ConverterEnv{})
	s, v := sample()
	b, err := c.FromConnect("t", s, v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"schema":{"type":"struct","fields":[{"type":"int32","optional":true,"field":"id"}`) ||
		!strings.Contains(string(b), `"payload":{"id":7,`) || !strings.Contains(string(b), `"amount":"+y4="`) {
		t.Errorf("envelope %s", b)
	}
	gs, gv, err := c.ToConnect("t", b)
	if err != nil {
		t.Fatal(err)
	}
	if gs.Name != "demo.Order" || len(gs.Fields) != len(s.Fields) {
		t.Errorf("schema %+v", gs)
	}
	sameValues(t, v, gv.(*connect.Struct))
	// Plain JSON is refused with the hint Kafka Connect gives.
	if _, _, err := c.ToConnect("t", []byte(`{"a":1}`)); err == nil || !strings.Contains(err.Error(), "schemas.enable=false") {
		t.Errorf("plain JSON with schemas.enable: %v", err)
	}
}

func TestJSONSchemalessRoundTrip(t *testing.T) {
	c := build(t, "json", map[string]string{"schemas.enable": "false"}, false, connect.ConverterEnv{})
	_, v, err := c.ToConnect("t", []byte(`{"a":1,"b":[1.5,"x"],"c":{"d":null},"e":true}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": int64(1), "b": []any{1.5, "x"}, "c": map[string]any{"d": nil}, "e": true}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v", v)
	}
	b, err := c.FromConnect("t", nil, v)
	if err != nil || string(b) != `{"a":1,"b":[1.5,"x"],"c":{"d":null},"e":true}` {
		t.Errorf("encoded %s, %v", b, err)
	}
	if b, _ := c.FromConnect("t", nil, nil); b != nil {
		t.Errorf("null value encodes as %q", b)
	}
	if _, _, err := c.ToConnect("t", []byte(`{"a":`)); err == nil {
		t.Error("truncated JSON accepted")
	}
}

func TestStringAndByteArray(t *testing.T) {
	s := build(t, convert.StringClass, nil, true, connect.ConverterEnv{})
	for _, c := range []struct {
		v    any
		want string
	}{{int64(42), "42"}, {"x", "x"}, {true, "true"}, {int32(-3), "-3"}, {1.25, "1.25"}} {
		b, err := s.FromConnect("t", nil, c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("%v: %q %v", c.v, b, err)
		}
	}
	_, v, _ := s.ToConnect("t", []byte("abc"))
	if v != "abc" {
		t.Errorf("read %v", v)
	}
	ba := build(t, convert.ByteArrayClass, nil, false, connect.ConverterEnv{})
	b, _ := ba.FromConnect("t", nil, []byte{1, 2})
	_, back, _ := ba.ToConnect("t", b)
	if !reflect.DeepEqual(back, []byte{1, 2}) {
		t.Errorf("bytes %v", back)
	}
	if _, err := ba.FromConnect("t", nil, int64(1)); err == nil {
		t.Error("ByteArrayConverter accepted an int")
	}
}

// TestSchemaRegistryRoundTrip writes and reads back through the embedded
// registry for each Schema Registry converter, and checks that a query
// serde reads what the Avro converter wrote.
func TestSchemaRegistryRoundTrip(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	reg, err := registry.New(context.Background(), registry.Config{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	env := connect.ConverterEnv{Registry: reg.Client()}
	for _, class := range []string{convert.AvroClass, convert.ProtobufClass, convert.JSONSchemaClass} {
		t.Run(class, func(t *testing.T) {
			c := build(t, class, nil, false, env)
			s, v := sample()
			topic := "orders_" + strings.ToLower(class[strings.LastIndex(class, ".")+1:])
			b, err := c.FromConnect(topic, s, v)
			if err != nil {
				t.Fatal(err)
			}
			if b[0] != 0 {
				t.Fatalf("not in the wire format: % x", b[:5])
			}
			_, gv, err := build(t, class, nil, false, env).ToConnect(topic, b)
			if err != nil {
				t.Fatal(err)
			}
			if class == convert.ProtobufClass {
				delete(v.Values, "missing") // proto3 strings have no null
			}
			sameValues(t, v, gv.(*connect.Struct))
		})
	}
	// Primitive keys are unwrapped.
	k := build(t, convert.AvroClass, nil, true, env)
	b, err := k.FromConnect("keys", &connect.Schema{Type: connect.Int64}, int64(99))
	if err != nil {
		t.Fatal(err)
	}
	if _, v, err := k.ToConnect("keys", b); err != nil || v != int64(99) {
		t.Errorf("key %v %v", v, err)
	}
	// A query reads the Avro record the converter registered.
	cols, _, err := serde.Infer(serde.Format{Name: "AVRO"}, false, serde.Env{Topic: "orders_avroconverter", Registry: reg.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if cols[0].Name != "ID" || cols[6].Type.String() != "DECIMAL(10, 2)" || cols[7].Type.String() != "TIMESTAMP" {
		t.Errorf("inferred columns %v", cols)
	}
	// An unknown registry URL is used over HTTP; an empty one needs a registry.
	if _, err := plugins().Converters()[0].New(map[string]string{}, false, connect.ConverterEnv{}); err == nil {
		t.Log("first converter needs no registry")
	}
	p, _ := plugins().Converter(convert.AvroClass)
	if _, err := p.New(nil, false, connect.ConverterEnv{}); err == nil || !strings.Contains(err.Error(), "schema.registry.url") {
		t.Errorf("no registry: %v", err)
	}
}

func TestJSONStringEscapes(t *testing.T) {
	c := build(t, convert.JSONClass, map[string]string{"schemas.enable": "false"}, false, connect.ConverterEnv{})
	in := "a\"b\\c\n\t\x01<&> é \xff"
	b, err := c.FromConnect("t", nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `"a\"b\\c\n\t\u0001<&> é \ufffd"` {
		t.Errorf("encoded %s", b)
	}
	_, back, err := c.ToConnect("t", b)
	if err != nil || back != "a\"b\\c\n\t\x01<&> é \ufffd" {
		t.Errorf("decoded %q %v", back, err)
	}
}

func TestNumberConverters(t *testing.T) {
	ic := build(t, "org.apache.kafka.connect.converters.IntegerConverter", nil, true, connect.ConverterEnv{})
	b, err := ic.FromConnect("t", nil, int32(-2))
	if err != nil || len(b) != 4 || b[0] != 0xff || b[3] != 0xfe {
		t.Errorf("int % x %v", b, err)
	}
	if _, v, err := ic.ToConnect("t", b); err != nil || v != int32(-2) {
		t.Errorf("back %v %v", v, err)
	}
	if _, _, err := ic.ToConnect("t", []byte{1}); err == nil {
		t.Error("short data accepted")
	}
	dc := build(t, "org.apache.kafka.connect.converters.DoubleConverter", nil, false, connect.ConverterEnv{})
	b, _ = dc.FromConnect("t", nil, 1.5)
	if _, v, _ := dc.ToConnect("t", b); v != 1.5 {
		t.Errorf("double %v", v)
	}
	lc := build(t, "org.apache.kafka.connect.converters.LongConverter", nil, true, connect.ConverterEnv{})
	b, _ = lc.FromConnect("t", nil, int64(1)<<40)
	if _, v, _ := lc.ToConnect("t", b); v != int64(1)<<40 {
		t.Errorf("long %v", v)
	}
}
