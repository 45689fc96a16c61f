package serde

import (
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
	if _, _, err := Infer(Format{Name: Protobuf}, false, env); err == nil || !strings.Contains(err.Error(), "recursive PROTOBUF messages are not supported") {
		t.Errorf("infer: %v", err)
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
