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
