package serde

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

// avroBody frames an Avro body written with writer schema text, which it
// registers under id.
func avroBody(reg *memRegistry, id int, schema string, body []byte) []byte {
	reg.put("", id, RegSchema{Type: SchemaAvro, Schema: schema})
	return append([]byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}, body...)
}

// A DOUBLE that is NaN or infinite has no DECIMAL value: reading one into
// a DECIMAL column fails the record (decimal.NewFromFloat panics on it).
func TestNonFiniteDoubleToDecimal(t *testing.T) {
	reg, env := srEnv()
	s := mustNewFor(t, Format{Name: Avro}, []types.Column{col("D", types.DecimalOf(4, 2))}, false, env)
	const writer = `{"type":"record","name":"r","fields":[{"name":"D","type":"double"}]}`
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		data := avroBody(reg, 7, writer, binary.LittleEndian.AppendUint64(nil, math.Float64bits(f)))
		err := s.Decode(data, make([]any, 1))
		if err == nil || !strings.Contains(err.Error(), "cannot convert") {
			t.Errorf("Avro double %v into DECIMAL: %v", f, err)
		}
		if _, err := coerceNatural(f, types.DecimalOf(4, 2)); err == nil {
			t.Errorf("protobuf double %v into DECIMAL: no error", f)
		}
	}
	// The writer: a DOUBLE column into an Avro decimal field.
	reg.put("out-value", 8, RegSchema{Type: SchemaAvro, Schema: `{"type":"record","name":"r","fields":[` +
		`{"name":"D","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}}]}`})
	env.Topic = "out"
	w := mustNewFor(t, fmtOf(Avro, "VALUE_SCHEMA_ID", "8"), []types.Column{col("D", types.DecimalOf(4, 2))}, false, env)
	if _, err := w.Encode([]any{math.NaN()}); err == nil {
		t.Error("writing NaN into an Avro decimal: no error")
	}
}

// The coefficient math.MinInt64 has 19 digits; negating it as an int64
// overflowed, and counted one, so it passed for a DECIMAL(5, 0).
func TestDecimalDigitsOfMinInt64(t *testing.T) {
	reg, env := srEnv()
	s := mustNewFor(t, Format{Name: Avro}, []types.Column{col("D", types.DecimalOf(5, 0))}, false, env)
	const writer = `{"type":"record","name":"r","fields":[{"name":"D","type":"long"}]}`
	data := avroBody(reg, 7, writer, appendLong(nil, math.MinInt64))
	dst := make([]any, 1)
	if err := s.Decode(data, dst); err == nil || !strings.Contains(err.Error(), "numeric field overflow") {
		t.Errorf("%d into DECIMAL(5, 0): %v, %v", int64(math.MinInt64), dst[0], err)
	}
	if _, err := decimalForType(dec("-9223372036854775808"), types.DecimalOf(18, 0)); err == nil {
		t.Error("decimalForType accepts 19 digits for DECIMAL(18, 0)")
	}
	if _, err := decimalForType(dec("-9223372036854775808"), types.DecimalOf(19, 0)); err != nil {
		t.Errorf("decimalForType rejects 19 digits for DECIMAL(19, 0): %v", err)
	}
}
