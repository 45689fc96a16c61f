package serde

import (
	"errors"
	"testing"

	"github.com/eddysql/eddy/types"
)

func TestDebeziumJSON(t *testing.T) {
	cols := []types.Column{{Name: "ID", Type: types.IntType}, {Name: "NAME", Type: types.StringType}}
	val, err := New(Format{Name: DebeziumJSON}, cols[1:], false)
	if err != nil {
		t.Fatal(err)
	}
	key, err := New(Format{Name: DebeziumJSON}, cols[:1], true)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]any, 1)
	for _, c := range []struct {
		in   string
		want any
		err  error
	}{
		{`{"before":null,"after":{"id":1,"name":"a"},"op":"c"}`, "a", nil},
		{`{"schema":{"type":"struct"},"payload":{"before":{"name":"a"},"after":{"name":"b"},"op":"u"}}`, "b", nil},
		{`{"before":{"name":"b"},"after":null,"op":"d"}`, nil, ErrNull},
		{`{"name":"flat"}`, nil, errNotEnvelope},
	} {
		dst[0] = nil
		err := val.Decode([]byte(c.in), dst)
		if !errors.Is(err, c.err) || (c.err == nil && dst[0] != c.want) {
			t.Errorf("%s: %v %v, want %v %v", c.in, dst[0], err, c.want, c.err)
		}
	}
	for _, in := range []string{`{"id":7}`, `{"schema":{"type":"struct"},"payload":{"id":7}}`} {
		dst[0] = nil
		if err := key.Decode([]byte(in), dst); err != nil || dst[0] != int32(7) {
			t.Errorf("key %s: %v %v", in, dst[0], err)
		}
	}
	out, err := val.Encode([]any{"z"})
	if err != nil {
		t.Fatal(err)
	}
	dst[0] = nil
	if err := val.Decode(out, dst); err != nil || dst[0] != "z" {
		t.Errorf("round trip %s: %v %v", out, dst[0], err)
	}
}
