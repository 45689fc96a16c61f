package serde

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

func TestJSONSRRoundTrip(t *testing.T) {
	reg, env := srEnv()
	s := mustNewFor(t, fmtOf(JSONSR), allCols, false, env)
	out := roundTrip(t, s, allRow)
	id, rs, err := reg.Latest("t-value")
	if err != nil || rs.Type != SchemaJSON {
		t.Fatalf("registered %v %v", rs, err)
	}
	if out[0] != 0 || int(binary.BigEndian.Uint32(out[1:5])) != id || out[5] != '{' {
		t.Errorf("framing % x", out[:6])
	}
	// The registered schema reads back as the same columns.
	cols, _, err := Infer(fmtOf(JSONSR), false, env)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := (&types.Schema{Columns: cols}).String(), (&types.Schema{Columns: allCols}).String(); got != want {
		t.Errorf("inferred %s\nwant %s", got, want)
	}
	if err := s.Decode([]byte(`{"B":true}`), make([]any, len(allCols))); err == nil || !strings.Contains(err.Error(), "magic byte") {
		t.Errorf("unframed JSON: %v", err)
	}
}

// joins.json: the key schema of a single INT key column.
func TestJSONSRKeySchema(t *testing.T) {
	reg, env := srEnv()
	s := mustNewFor(t, fmtOf(JSONSR), []types.Column{keyCol("ROWKEY", types.IntType)}, true, env)
	_, rs, _ := reg.Latest("t-key")
	jsonEqual(t, rs.Schema, `{"oneOf": [{"type": "null"}, {"type": "integer", "connect.type": "int32"}]}`)
	out := roundTrip(t, s, []any{int32(7)})
	if string(out[5:]) != "7" {
		t.Errorf("key body %q", out[5:])
	}
	if out, _ := s.Encode([]any{nil}); out != nil {
		t.Errorf("null key: % x", out)
	}
}

// The schema confluent-kafka-go's jsonschema serializer registers for a
// Go struct (invopop/jsonschema): the object is a $ref into $defs, and so
// is its nested struct. Local references are followed, a nullable union
// of one included; a recursive one, or one to a document the schema has
// no reference for, is an error rather than a guess.
func TestJSONSchemaColumnsFollowRefs(t *testing.T) {
	const order = `{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/Order","$defs":{
  "Address":{"properties":{"city":{"type":"string"},"zip":{"type":"string"}},"additionalProperties":false,"type":"object"},
  "Order":{"properties":{"id":{"type":"integer"},"ship":{"$ref":"#/$defs/Address"},
    "bill":{"oneOf":[{"type":"null"},{"$ref":"#/definitions/a~1b"}]},"lines":{"type":"array","items":{"$ref":"#/$defs/Line%20Item"}}},"type":"object"},
  "Line Item":{"type":"object","properties":{"qty":{"type":"integer","connect.type":"int32"}}}},
  "definitions":{"a/b":{"$ref":"#/$defs/Address"}}}`
	cols, err := jsonSchemaColumns(nil, RegSchema{Type: SchemaJSON, Schema: order}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	addr := types.StructOf(types.Field{Name: "city", Type: types.StringType}, types.Field{Name: "zip", Type: types.StringType})
	want := []types.Column{{Name: "id", Type: types.BigintType}, {Name: "ship", Type: addr}, {Name: "bill", Type: addr},
		{Name: "lines", Type: types.ArrayOf(types.StructOf(types.Field{Name: "qty", Type: types.IntType}))}}
	if got, w := (&types.Schema{Columns: cols}).String(), (&types.Schema{Columns: want}).String(); got != w {
		t.Errorf("columns %s\nwant %s", got, w)
	}
	// Unwrapped, the referenced schema is the one column's type.
	cols, err = jsonSchemaColumns(nil, RegSchema{Type: SchemaJSON, Schema: `{"$ref":"#/$defs/n","$defs":{"n":{"type":"integer","connect.type":"int32"}}}`}, true, true)
	if err != nil || len(cols) != 1 || cols[0].Type != types.IntType {
		t.Errorf("unwrapped: %v %v", cols, err)
	}
	for schema, msg := range map[string]string{
		`{"$ref":"#/$defs/Node","$defs":{"Node":{"type":"object","properties":{"next":{"$ref":"#/$defs/Node"}}}}}`: "recursive",
		`{"type":"object","properties":{"a":{"$ref":"#/$defs/Missing"}}}`:                                          "nothing at",
		`{"type":"object","properties":{"a":{"$ref":"address.json"}}}`:                                             "no reference named \"address.json\"",
	} {
		if _, err := jsonSchemaColumns(nil, RegSchema{Type: SchemaJSON, Schema: schema}, false, false); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want an error containing %q", schema, err, msg)
		}
	}
}

// TestJSONSRSchemaReferences: a JSON schema whose "$ref"s name documents
// registered under other subjects (schema references, as Confluent's
// JSON Schema serdes use them: the "$ref" is the reference's name, with a
// fragment or not) infers its columns, the referenced object a STRUCT,
// decodes and prints. A reference is read at the version it pins, though
// its subject has moved on to a different version, and so is a reference
// of the referenced schema.
func TestJSONSRSchemaReferences(t *testing.T) {
	reg, env := srEnv()
	reg.put("country", 1, RegSchema{Type: SchemaJSON, Schema: `{"type":"object","properties":{"code":{"type":"string"}}}`})
	reg.put("country", 2, RegSchema{Type: SchemaJSON, Schema: `{"type":"object","properties":{"iso":{"type":"integer"}}}`})
	const address = `{"type":"object","properties":{"city":{"type":"string"},"zip":{"$ref":"#/definitions/Zip"},
  "country":{"$ref":"country.json"}},"definitions":{"Zip":{"type":"integer","connect.type":"int32"}}}`
	reg.put("address", 3, RegSchema{Type: SchemaJSON, Schema: address, References: []RegReference{{Name: "country.json", Subject: "country", Version: 1}}})
	reg.put("address", 4, RegSchema{Type: SchemaJSON, Schema: `{"type":"object","properties":{"street":{"type":"string"}}}`})
	const customer = `{"type":"object","properties":{"name":{"type":"string"},"ship":{"oneOf":[{"type":"null"},{"$ref":"address.json"}]},
  "zips":{"type":"array","items":{"$ref":"./address.json#/definitions/Zip"}}}}`
	reg.put("t-value", 10, RegSchema{Type: SchemaJSON, Schema: customer, References: []RegReference{{Name: "address.json", Subject: "address", Version: 1}}})

	const want = "`NAME` STRING, `SHIP` STRUCT<`CITY` STRING, `ZIP` INTEGER, `COUNTRY` STRUCT<`CODE` STRING>>, `ZIPS` ARRAY<INTEGER>"
	f := fmtOf(JSONSR)
	cols, id, err := Infer(f, false, env)
	if err != nil {
		t.Fatalf("inferring columns from a schema with references: %v", err)
	}
	if got := (&types.Schema{Columns: cols}).String(); got != want || id != 10 {
		t.Fatalf("inferred %s (id %d)\nwant %s", got, id, want)
	}
	data := append([]byte{0, 0, 0, 0, 10}, `{"name":"Ada","ship":{"city":"Lyon","zip":69001,"country":{"code":"FR"}},"zips":[1,2]}`...)
	s := mustNewFor(t, f, cols, false, env)
	dst := make([]any, len(cols))
	if err := s.Decode(data, dst); err != nil {
		t.Fatal(err)
	}
	if dst[0] != "Ada" || !sameValue(dst[1], types.StructVal{"Lyon", int32(69001), types.StructVal{"FR"}}) || !sameValue(dst[2], []any{int32(1), int32(2)}) {
		t.Errorf("decoded %#v", dst)
	}
	if format, text, ok := RenderWithRegistry(data, reg); !ok || format != JSONSR || !strings.Contains(text, `"Lyon"`) {
		t.Errorf("PRINT: %s %q (ok %v)", format, text, ok)
	}

	// A reference to a version that does not exist, or to a schema of
	// another type, is an error naming it.
	reg.put("avro", 5, RegSchema{Type: SchemaAvro, Schema: `"string"`})
	for _, tc := range []struct {
		ref  RegReference
		want string
	}{
		{RegReference{Name: "address.json", Subject: "address", Version: 9}, "reference address.json (subject address)"},
		{RegReference{Name: "address.json", Subject: "avro", Version: 1}, "(subject avro): the schema is of type AVRO, not JSON"},
		{RegReference{Name: "other.json", Subject: "address", Version: 1}, `no reference named "address.json"`},
	} {
		reg.put("u-value", 20, RegSchema{Type: SchemaJSON, Schema: customer, References: []RegReference{tc.ref}})
		_, _, err := Infer(f, false, Env{Topic: "u", Registry: reg})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("reference %+v: %v, want an error containing %q", tc.ref, err, tc.want)
		}
	}
}
