package serde

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/eddysql/eddy/types"
)

// TestJSONNestingBounded: JSON nested 100,000 deep fails the record
// (maxDepth), in a read column, an unread one and an unknown field.
func TestJSONNestingBounded(t *testing.T) {
	s := mustNewFor(t, Format{Name: JSON}, []types.Column{col("A", types.IntType), col("S", types.StringType)}, false, Env{})
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	for _, v := range []string{`{"A":1,"X":` + deep + `}`, `{"A":1,"S":` + deep + `}`} {
		for _, d := range []Serde{s, Reading(s, []bool{true, false})} {
			if err := d.Decode([]byte(v), make([]any, 2)); err == nil || !strings.Contains(err.Error(), "JSON nested too deeply") {
				t.Errorf("%.20s…: %v", v, err)
			}
		}
	}
}

// TestProtobufHostile: a recursive message type cannot be inferred; a
// message nested 20,000 deep, a length larger than the body and a huge
// count of message indexes each fail the record.
func TestProtobufHostile(t *testing.T) {
	reg, env := srEnv()
	reg.put("t-value", 5, RegSchema{Type: SchemaProtobuf, Schema: `syntax = "proto3"; message Node { int32 id = 1; Node next = 2; }`})
	// Named at its first repetition, not 64 levels down.
	const want = "field next: recursive PROTOBUF messages are not supported: the message Node holds itself"
	if _, _, err := Infer(Format{Name: Protobuf}, false, env); err == nil || !strings.Contains(err.Error(), "'t': "+want) {
		t.Errorf("infer: %v, want %q", err, want)
	}
	s := mustNewFor(t, Format{Name: Protobuf}, []types.Column{col("ID", types.IntType)}, false, env)
	deep := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 7)
	for range 20_000 {
		deep = protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), deep)
	}
	long := protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.BytesType), 1<<62)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"deep", append([]byte{0, 0, 0, 0, 5, 0}, deep...), "exceeded max recursion depth"},
		{"length", append([]byte{0, 0, 0, 0, 5, 0}, long...), "cannot parse invalid wire-format data"},
		{"indexes", append([]byte{0, 0, 0, 0, 5}, protowire.AppendVarint(nil, 1<<40)...), "invalid PROTOBUF message index count"},
	} {
		if err := s.Decode(tc.data, make([]any, 1)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// avroDAG is a record of n nested levels, each with two fields of the
// next level's named type: 2^n SQL types from a schema of n records.
func avroDAG(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"type":"record","name":"L%d","fields":[{"name":"a","type":`, i)
	}
	fmt.Fprintf(&b, `{"type":"record","name":"L%d","fields":[{"name":"x","type":"int"}]}`, n)
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, `},{"name":"b","type":"L%d"}]}`, i+1)
	}
	return b.String()
}

// protoDAG is avroDAG in protobuf.
func protoDAG(n int) string {
	var b strings.Builder
	b.WriteString(`syntax = "proto3"; `)
	for i := range n {
		fmt.Fprintf(&b, "message L%d { L%d a = 1; L%d b = 2; }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "message L%d { int32 x = 1; }\n", n)
	return b.String()
}

// TestInferenceBounded: a schema of a few kilobytes whose named types
// are reused at every level expands to 2^n SQL types; inference (CREATE
// without columns, PRINT) refuses it past maxInferredTypes instead of
// running for hours. A small one still infers.
func TestInferenceBounded(t *testing.T) {
	for _, tc := range []struct {
		format, schemaType, small, huge, want string
	}{
		{Avro, SchemaAvro, avroDAG(8), avroDAG(40), "the Avro schema expands to more than 100000 SQL types"},
		{Protobuf, SchemaProtobuf, protoDAG(8), protoDAG(40), "the PROTOBUF schema expands to more than 100000 SQL types"},
	} {
		reg, env := srEnv()
		reg.put("t-value", 1, RegSchema{Type: tc.schemaType, Schema: tc.small})
		if cols, _, err := Infer(Format{Name: tc.format}, false, env); err != nil || len(cols) != 2 {
			t.Errorf("%s, 8 levels: %v, %v", tc.format, cols, err)
		}
		reg.put("t-value", 2, RegSchema{Type: tc.schemaType, Schema: tc.huge})
		if _, _, err := Infer(Format{Name: tc.format}, false, env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s, 40 levels: %v", tc.format, err)
		}
		if _, _, ok := RenderWithRegistry([]byte{0, 0, 0, 0, 2, 0}, reg); ok && tc.format == Avro {
			t.Errorf("PRINT rendered a record of a schema of 2^40 types")
		}
	}
}
