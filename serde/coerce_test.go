package serde

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
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

// TestFarDecimals: a DECIMAL value whose exponent is far out is judged by
// its exponent alone, with the error (or value) that rescaling it would
// give, and a message in E notation instead of millions of digits.
func TestFarDecimals(t *testing.T) {
	slow := func(d decimal.Decimal, typ *types.Type) string {
		r := d.Round(int32(typ.Scale))
		switch {
		case r.Cmp(d) != 0:
			return "rounding"
		case digits(r) > typ.Precision:
			return "overflow"
		}
		return "ok " + r.String()
	}
	kind := func(err error) string {
		switch {
		case err == nil:
			return "ok"
		case strings.Contains(err.Error(), "without rounding"):
			return "rounding"
		case strings.Contains(err.Error(), "overflow"):
			return "overflow"
		}
		return err.Error()
	}
	typs := []*types.Type{types.DecimalOf(10, 2), types.DecimalOf(38, 0), types.DecimalOf(4, 4)}
	for _, s := range []string{"1E1001", "-7E1500", "1E-1001", "-3.5E-1200", "5E-1003", "0E5000",
		"1" + strings.Repeat("0", 1100) + "E-1050", "1" + strings.Repeat("0", 1100) + "E-1101"} {
		d, err := decimal.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range typs {
			got, err := fitDecimal(d, typ)
			g := kind(err)
			if err == nil {
				g = "ok " + got.String()
			}
			if want := slow(d, typ); g != want {
				t.Errorf("fitDecimal(%.20s…, %s) = %s, want %s", s, typ, g, want)
			}
		}
	}
	// Far too large to rescale: decided at once, with a short message.
	for _, s := range []string{"1E77585807", "-9E2000000000", "1E-77585807"} {
		d, err := decimal.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		_, err = fitDecimal(d, types.DecimalOf(10, 2))
		if err == nil || len(err.Error()) > 200 {
			t.Errorf("fitDecimal(%s) = %v, want a short error", s, err)
		}
	}
}
