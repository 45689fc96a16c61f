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
// of one included; a recursive one, or one to another document, is an
// error rather than a guess.
func TestJSONSchemaColumnsFollowRefs(t *testing.T) {
	const order = `{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/Order","$defs":{
  "Address":{"properties":{"city":{"type":"string"},"zip":{"type":"string"}},"additionalProperties":false,"type":"object"},
  "Order":{"properties":{"id":{"type":"integer"},"ship":{"$ref":"#/$defs/Address"},
    "bill":{"oneOf":[{"type":"null"},{"$ref":"#/definitions/a~1b"}]},"lines":{"type":"array","items":{"$ref":"#/$defs/Line%20Item"}}},"type":"object"},
  "Line Item":{"type":"object","properties":{"qty":{"type":"integer","connect.type":"int32"}}}},
  "definitions":{"a/b":{"$ref":"#/$defs/Address"}}}`
	cols, err := jsonSchemaColumns(order, false, false)
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
	cols, err = jsonSchemaColumns(`{"$ref":"#/$defs/n","$defs":{"n":{"type":"integer","connect.type":"int32"}}}`, true, true)
	if err != nil || len(cols) != 1 || cols[0].Type != types.IntType {
		t.Errorf("unwrapped: %v %v", cols, err)
	}
	for schema, msg := range map[string]string{
		`{"$ref":"#/$defs/Node","$defs":{"Node":{"type":"object","properties":{"next":{"$ref":"#/$defs/Node"}}}}}`: "recursive",
		`{"type":"object","properties":{"a":{"$ref":"#/$defs/Missing"}}}`:                                          "nothing at",
		`{"type":"object","properties":{"a":{"$ref":"address.json"}}}`:                                             "only references within the schema",
	} {
		if _, err := jsonSchemaColumns(schema, false, false); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want an error containing %q", schema, err, msg)
		}
	}
}
