package convert

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

// HeaderText matches Kafka's Values.convertToString (SimpleHeaderConverter),
// which Debezium's __debezium.newkey/oldkey headers go through.
func TestHeaderTextIsSimpleHeaderConverters(t *testing.T) {
	dec := func(scale string) *connect.Schema {
		return &connect.Schema{Type: connect.Bytes, Name: connect.LogicalDecimal, Parameters: map[string]string{"scale": scale}}
	}
	key := &connect.Schema{Type: connect.StructT, Fields: []connect.Field{
		{Name: "id", Schema: &connect.Schema{Type: connect.Int32}},
		{Name: "code", Schema: &connect.Schema{Type: connect.String}},
		{Name: "amount", Schema: dec("2")},
		{Name: "raw", Schema: &connect.Schema{Type: connect.Bytes}},
		{Name: "gone", Schema: &connect.Schema{Type: connect.String, Optional: true}},
	}}
	st := &connect.Struct{Schema: key, Values: map[string]any{
		"id": int32(7), "code": `a"b\c`, "amount": big.NewRat(150, 100), "raw": []byte{1, 2, 3},
	}}
	for _, c := range []struct {
		sch  *connect.Schema
		v    any
		want string
	}{
		{key, st, `{"id":7,"code":"a\"b\\c","amount":1.50,"raw":"AQID","gone":null}`},
		{nil, "plain", "plain"},
		{nil, []byte{1, 2, 3}, "AQID"},
		{dec("7"), big.NewRat(1, 10000000), "1E-7"},
		{dec("0"), big.NewRat(-42, 1), "-42"},
		{dec("3"), "-0.5", "-0.500"},
		{nil, 100.0, "100.0"},
		{nil, 1e10, "1.0E10"},
		{nil, float32(1.5e-5), "1.5E-5"},
		{nil, math.Inf(-1), "-Infinity"},
		{nil, int64(-3), "-3"},
		{nil, true, "true"},
		{nil, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "2024-03-01"},
		{nil, time.Date(2024, 3, 1, 10, 0, 0, 5e6, time.UTC), "2024-03-01T10:00:00.005Z"},
		{nil, []any{"x", int32(1)}, `["x",1]`},
		{nil, (*connect.Struct)(nil), "null"},
	} {
		if got := HeaderText(c.sch, c.v); got != c.want {
			t.Errorf("HeaderText(%v) = %s, want %s", c.v, got, c.want)
		}
	}
}
