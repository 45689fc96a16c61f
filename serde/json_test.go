package serde

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// decodeOne decodes data with a fresh serde and returns the row.
func decodeOne(t *testing.T, f Format, cols []types.Column, isKey bool, data string) ([]any, error) {
	t.Helper()
	s := mustNew(t, f, cols, isKey)
	dst := make([]any, len(cols))
	for i := range dst {
		dst[i] = "garbage" // Decode must overwrite every slot
	}
	err := s.Decode([]byte(data), dst)
	return dst, err
}

// sameValue compares decoded values, decimals by value and scale.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case decimal.Decimal:
		y, ok := b.(decimal.Decimal)
		return ok && x.Equal(y) && x.Exponent() == y.Exponent()
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case types.StructVal:
		y, ok := b.(types.StructVal)
		return ok && sameValue([]any(x), []any(y))
	case *types.MapVal:
		y, ok := b.(*types.MapVal)
		return ok && sameValue(x.Keys, y.Keys) && sameValue(x.Vals, y.Vals)
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	}
	return reflect.DeepEqual(a, b)
}

func TestJSONDecodeCoercions(t *testing.T) {
	cases := []struct {
		name string
		typ  *types.Type
		in   string // JSON for the field V
		want any
	}{
		{"int", types.IntType, `7`, int32(7)},
		{"int from string", types.IntType, `"49"`, int32(49)},
		{"int truncates fraction", types.IntType, `1.7`, int32(1)},
		{"int negative fraction", types.IntType, `-1.7`, int32(-1)},
		{"int wraps like Java", types.IntType, `4294967297`, int32(1)},
		{"bigint", types.BigintType, `10000000000`, int64(10000000000)},
		{"bigint from string", types.BigintType, `"-5"`, int64(-5)},
		{"bigint exponent", types.BigintType, `1e3`, int64(1000)},
		{"double", types.DoubleType, `10.1`, 10.1},
		{"double from int", types.DoubleType, `2`, 2.0},
		{"double from string", types.DoubleType, `"2.5"`, 2.5},
		{"double NaN string", types.DoubleType, `"NaN"`, math.NaN()},
		{"boolean", types.BooleanType, `true`, true},
		{"boolean from string", types.BooleanType, `"FALSE"`, false},
		{"string", types.StringType, `"hi"`, "hi"},
		{"string escapes", types.StringType, `"a\"b\\c\/d\n\u00e9\ud83d\ude00"`, "a\"b\\c/d\né😀"},
		{"string lone surrogate", types.StringType, `"x\ud800y"`, "x\uFFFDy"},
		{"string from false", types.StringType, `false`, "false"},
		{"string from number", types.StringType, `11`, "11"},
		{"string keeps number text", types.StringType, `1.50`, "1.50"},
		{"string from object", types.StringType, ` { "ITEMID" : 6, "CATEGORY": {"ID":2, "NAME":"Fo\u006fd"}, "L":[1, "a"] } `,
			`{"ITEMID":6,"CATEGORY":{"ID":2,"NAME":"Food"},"L":[1,"a"]}`},
		{"string from array", types.StringType, `["a", 1, null, {"x": true}, ["b", "c"]]`, `[a, 1, null, {"x":true}, [b, c]]`},
		{"string from empty array", types.StringType, `[ ]`, `[]`},
		{"decimal pads scale", types.DecimalOf(6, 4), `10`, dec("10.0000")},
		{"decimal exact", types.DecimalOf(21, 19), `10.1234512345123451234`, dec("10.1234512345123451234")},
		{"decimal from string", types.DecimalOf(4, 2), `"1.5"`, dec("1.50")},
		{"decimal exponent", types.DecimalOf(6, 2), `1.5E2`, dec("150.00")},
		{"bytes", types.BytesType, `"dmFyaWF0aW9ucw=="`, []byte("variations")},
		{"date", types.DateType, `10`, types.DateVal(10)},
		{"date from string", types.DateType, `"-10"`, types.DateVal(-10)},
		{"time", types.TimeType, `1000`, types.TimeVal(1000)},
		{"timestamp", types.TimestampType, `1528224275715`, types.TimestampVal(1528224275715)},
		{"timestamp from string", types.TimestampType, `"1528224275715"`, types.TimestampVal(1528224275715)},
		{"null", types.IntType, `null`, nil},
		{"array", types.ArrayOf(types.IntType), `[1, null, "3"]`, []any{int32(1), nil, int32(3)}},
		{"empty array", types.ArrayOf(types.IntType), `[]`, []any{}},
		{"nested array", types.ArrayOf(types.ArrayOf(types.StringType)), `[["a","b"],[]]`, []any{[]any{"a", "b"}, []any{}}},
		{"map string", types.MapOf(types.StringType, types.StringType), `{"other": 11, "status": false}`,
			&types.MapVal{Keys: []any{"other", "status"}, Vals: []any{"11", "false"}}},
		{"map int key", types.MapOf(types.IntType, types.DoubleType), `{"1": 1.5, "2": null}`,
			&types.MapVal{Keys: []any{int32(1), int32(2)}, Vals: []any{1.5, nil}}},
		{"map dup key keeps last", types.MapOf(types.StringType, types.IntType), `{"a":1,"a":2}`,
			&types.MapVal{Keys: []any{"a"}, Vals: []any{int32(2)}}},
		{"struct case-insensitive", types.StructOf(types.Field{Name: "PERSON", Type: types.StructOf(types.Field{Name: "NAME", Type: types.StringType})}),
			`{"Person": {"Name": "George", "extra": [1,{"a":2}]}}`, types.StructVal{types.StructVal{"George"}}},
		{"struct missing field", types.StructOf(types.Field{Name: "A", Type: types.IntType}, types.Field{Name: "B", Type: types.IntType}),
			`{"b": 2}`, types.StructVal{nil, int32(2)}},
		{"struct null field", types.StructOf(types.Field{Name: "A", Type: types.IntType}), `{"A": null}`, types.StructVal{nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			row, err := decodeOne(t, fmtOf("JSON"), []types.Column{col("V", c.typ)}, false, `{"V": `+c.in+`}`)
			if err != nil {
				t.Fatal(err)
			}
			if !sameValue(row[0], c.want) {
				t.Fatalf("got %#v (%T), want %#v (%T)", row[0], row[0], c.want, c.want)
			}
		})
	}
}

func TestJSONDecodeErrors(t *testing.T) {
	cases := []struct {
		name string
		typ  *types.Type
		in   string
		want string
	}{
		{"int from text", types.IntType, `"abc"`, `cannot convert string "abc" to INTEGER`},
		{"int from bool", types.IntType, `true`, "cannot convert JSON boolean to INTEGER"},
		{"int from object", types.IntType, `{}`, "cannot convert JSON object to INTEGER"},
		{"bool from int", types.BooleanType, `1`, "cannot convert JSON number to BOOLEAN"},
		{"bool from text", types.BooleanType, `"yes"`, `cannot convert string "yes" to BOOLEAN`},
		{"array from object", types.ArrayOf(types.IntType), `{}`, "cannot convert JSON object to ARRAY<INTEGER>"},
		{"struct from string", types.StructOf(types.Field{Name: "A", Type: types.IntType}), `"x"`, "cannot convert JSON string to STRUCT<`A` INTEGER>"},
		{"decimal rounding", types.DecimalOf(4, 2), `1.234`, "without rounding"},
		{"decimal overflow", types.DecimalOf(4, 2), `123.4`, "overflow"},
		{"bytes not base64", types.BytesType, `"!!"`, "base64"},
		{"bytes from number", types.BytesType, `1`, "cannot convert JSON number to BYTES"},
		{"array element", types.ArrayOf(types.IntType), `[1, "x"]`, "element 2"},
		{"bad number", types.DoubleType, `01`, "leading zero"},
		{"bad literal", types.BooleanType, `tru`, "invalid JSON"},
		{"unterminated", types.StringType, `"abc`, "unterminated"},
		{"control char", types.StringType, "\"a\x01\"", "control character"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeOne(t, fmtOf("JSON"), []types.Column{col("V", c.typ)}, false, `{"V": `+c.in+`}`)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "`V`") {
				t.Fatalf("error %q does not name the column", err)
			}
		})
	}
}

func TestJSONDecodeRecord(t *testing.T) {
	cols := []types.Column{col("ID", types.BigintType), col("NAME", types.StringType), col("@TIMESTAMP", types.BigintType), col("FROM", types.BigintType)}
	f := fmtOf("JSON")
	cases := []struct {
		name string
		in   string
		want []any
		err  string
	}{
		{"upper", `{"ID":1,"NAME":"a"}`, []any{int64(1), "a", nil, nil}, ""},
		{"lower and extra fields", `{"name":"b","extra":{"deep":[1,2,{"x":null}]},"id":2,"@timestamp":4,"from":5}`,
			[]any{int64(2), "b", int64(4), int64(5)}, ""},
		{"empty object", `{}`, []any{nil, nil, nil, nil}, ""},
		{"exact beats case-insensitive", `{"NAME":"exact","name":"folded"}`, []any{nil, "exact", nil, nil}, ""},
		{"later exact wins", `{"name":"folded","NAME":"exact"}`, []any{nil, "exact", nil, nil}, ""},
		{"blanks", " \n{ \"ID\" : 3 } \r\n", []any{int64(3), nil, nil, nil}, ""},
		{"null is a tombstone", `null`, nil, "record encodes null"},
		{"empty bytes is a tombstone", ``, nil, "record encodes null"},
		{"not an object", `"bar"`, nil, "expected a JSON object holding the columns, got string"},
		{"array", `[1]`, nil, "got array"},
		{"trailing data", `{"ID":1} x`, nil, "unexpected data after the JSON value"},
		{"truncated", `{"ID":1`, nil, "unexpected end of input"},
		{"bad extra field", `{"X":[1,}`, nil, "invalid JSON"},
		{"bad separator", `{"ID" 1}`, nil, "invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			row, err := decodeOne(t, f, cols, false, c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(row, c.want) {
				t.Fatalf("got %#v, want %#v", row, c.want)
			}
		})
	}
	row, err := decodeOne(t, f, cols, false, `null`)
	if !errors.Is(err, ErrNull) {
		t.Fatalf("want ErrNull, got %v", err)
	}
	_ = row
}

func TestJSONDecodeNilData(t *testing.T) {
	s := mustNew(t, fmtOf("JSON"), []types.Column{col("A", types.IntType)}, false)
	dst := []any{1, 2}
	if err := s.Decode(nil, dst); err != nil || dst[0] != nil || dst[1] != 2 {
		t.Fatalf("got %v %v", dst, err)
	}
}

func TestJSONUnwrapped(t *testing.T) {
	// serdes.json: the config default unwraps a lone value column.
	f := fmtOf("JSON", PropWrapDefault, "false")
	cols := []types.Column{col("FOO", types.StringType)}
	row, err := decodeOne(t, f, cols, false, `"bar"`)
	if err != nil || row[0] != "bar" {
		t.Fatalf("got %v, %v", row, err)
	}
	s := mustNew(t, f, cols, false)
	out, err := s.Encode([]any{"bar"})
	if err != nil || string(out) != `"bar"` {
		t.Fatalf("got %s, %v", out, err)
	}
	// A null lone value has nothing to write.
	if out, err := s.Encode([]any{nil}); out != nil || err != nil {
		t.Fatalf("got %q, %v", out, err)
	}
	// The config is ignored with more than one column.
	multi := []types.Column{col("FOO", types.StringType), col("FOO2", types.StringType)}
	s2 := mustNew(t, f, multi, false)
	out, _ = s2.Encode([]any{"bar", "bar"})
	if string(out) != `{"FOO":"bar","FOO2":"bar"}` {
		t.Fatalf("got %s", out)
	}
	// Explicit WRAP_SINGLE_VALUE beats the config.
	s3 := mustNew(t, fmtOf("JSON", PropWrapDefault, "false", PropWrapSingleValue, "true"), cols, false)
	out, _ = s3.Encode([]any{"bar"})
	if string(out) != `{"FOO":"bar"}` {
		t.Fatalf("got %s", out)
	}
	// serdes.json: unwrapped struct.
	st := types.StructOf(types.Field{Name: "F1", Type: types.StringType})
	s4 := mustNew(t, fmtOf("JSON", PropWrapSingleValue, "false"), []types.Column{col("FOO", st)}, false)
	dst := make([]any, 1)
	if err := s4.Decode([]byte(`{"F1": "bar"}`), dst); err != nil {
		t.Fatal(err)
	}
	out, _ = s4.Encode(dst)
	if string(out) != `{"F1":"bar"}` {
		t.Fatalf("got %s", out)
	}
	// Unwrapped: a literal null is still a tombstone.
	if err := s4.Decode([]byte(`null`), dst); !errors.Is(err, ErrNull) {
		t.Fatalf("got %v", err)
	}
}

func TestJSONKeys(t *testing.T) {
	one := mustNew(t, fmtOf("JSON"), []types.Column{keyCol("K", types.StringType)}, true)
	out, err := one.Encode([]any{"hello"})
	if err != nil || string(out) != `"hello"` {
		t.Fatalf("got %s, %v", out, err)
	}
	if out, _ := one.Encode([]any{nil}); out != nil {
		t.Fatalf("null key should be nil bytes, got %q", out)
	}
	dst := make([]any, 1)
	for in, want := range map[string]any{`"hello"`: "hello", `null`: nil, ``: nil} {
		if err := one.Decode([]byte(in), dst); err != nil || dst[0] != want {
			t.Fatalf("%s: got %v, %v", in, dst[0], err)
		}
	}
	boolKey := mustNew(t, fmtOf("JSON"), []types.Column{keyCol("K", types.BooleanType)}, true)
	if out, _ := boolKey.Encode([]any{true}); string(out) != `true` {
		t.Fatalf("got %s", out)
	}
	// group-by.json: multi-column JSON keys are objects.
	multi := mustNew(t, fmtOf("JSON"), []types.Column{keyCol("A", types.IntType), keyCol("B", types.IntType)}, true)
	out, _ = multi.Encode([]any{int32(1), int32(2)})
	if string(out) != `{"A":1,"B":2}` {
		t.Fatalf("got %s", out)
	}
	dst = make([]any, 2)
	if err := multi.Decode([]byte(`{"b":2,"a":1}`), dst); err != nil || dst[0] != int32(1) || dst[1] != int32(2) {
		t.Fatalf("got %v, %v", dst, err)
	}
	if err := multi.Decode([]byte(`null`), dst); err != nil || dst[0] != nil || dst[1] != nil {
		t.Fatalf("got %v, %v", dst, err)
	}
	none := mustNew(t, fmtOf("JSON"), nil, true)
	if out, err := none.Encode(nil); out != nil || err != nil {
		t.Fatalf("got %q %v", out, err)
	}
}

func TestJSONEncode(t *testing.T) {
	st := types.StructOf(types.Field{Name: "Name", Type: types.StringType}, types.Field{Name: "N", Type: types.IntType})
	cols := []types.Column{
		col("B", types.BooleanType),
		col("I", types.IntType),
		col("L", types.BigintType),
		col("D", types.DoubleType),
		col("DEC", types.DecimalOf(6, 4)),
		col("S", types.StringType),
		col("BY", types.BytesType),
		col("DT", types.DateType),
		col("TM", types.TimeType),
		col("TS", types.TimestampType),
		col("A", types.ArrayOf(types.DoubleType)),
		col("M", types.MapOf(types.StringType, types.IntType)),
		col("ST", st),
		col("lower `q`", types.StringType),
		col("N", types.StringType),
	}
	s := mustNew(t, fmtOf("JSON"), cols, false)
	m := types.NewMap(2)
	m.Put("k1", int32(1))
	m.Put("k\"2", nil)
	vals := []any{
		true, int32(-7), int64(10000000000), 2.0,
		dec("10.5"), "é\"\\\n\t\x01</>\u2028", []byte("variations"),
		types.DateVal(-10), types.TimeVal(1000), types.TimestampVal(1528224275715),
		[]any{1.5, nil, 1e7}, m, types.StructVal{"x", int32(3)}, "q", nil,
	}
	out, err := s.Encode(vals)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"B":true,"I":-7,"L":10000000000,"D":2.0,"DEC":10.5,"S":"é\"\\\n\t\u0001</>` + "\u2028" + `","BY":"dmFyaWF0aW9ucw==",` +
		`"DT":-10,"TM":1000,"TS":1528224275715,"A":[1.5,null,1.0E7],"M":{"k1":1,"k\"2":null},"ST":{"Name":"x","N":3},"lower ` + "`q`" + `":"q","N":null}`
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
	// And it reads back to the same row.
	dst := make([]any, len(cols))
	if err := s.Decode(out, dst); err != nil {
		t.Fatal(err)
	}
	vals[4] = dec("10.5000")
	for i := range vals {
		if !sameValue(dst[i], vals[i]) {
			t.Errorf("column %s: got %#v, want %#v", cols[i].Name, dst[i], vals[i])
		}
	}
}

func TestJSONEncodeSpecials(t *testing.T) {
	s := mustNew(t, fmtOf("JSON"), []types.Column{col("D", types.DoubleType)}, false)
	for v, want := range map[float64]string{math.Inf(1): `{"D":"Infinity"}`, 1e-5: `{"D":1.0E-5}`, -0.0: `{"D":0.0}`} {
		out, err := s.Encode([]any{v})
		if err != nil || string(out) != want {
			t.Errorf("%v: got %s, %v; want %s", v, out, err, want)
		}
	}
	out, _ := s.Encode([]any{math.NaN()})
	if string(out) != `{"D":"NaN"}` {
		t.Errorf("NaN: got %s", out)
	}
	// Decimal overflow on write is a serialization error.
	sd := mustNew(t, fmtOf("JSON"), []types.Column{col("X", types.DecimalOf(3, 1))}, false)
	if _, err := sd.Encode([]any{dec("1234.5")}); err == nil || !strings.Contains(err.Error(), "`X`") {
		t.Errorf("want overflow error naming the column, got %v", err)
	}
	// A decimal keeps its own scale within the column's.
	out, _ = sd.Encode([]any{dec("1")})
	if string(out) != `{"X":1}` {
		t.Errorf("got %s", out)
	}
	// A value of the wrong Go type is reported.
	si := mustNew(t, fmtOf("JSON"), []types.Column{col("I", types.IntType)}, false)
	if _, err := si.Encode([]any{"nope"}); err == nil || !strings.Contains(err.Error(), "string") {
		t.Errorf("got %v", err)
	}
	// Invalid UTF-8 is replaced, not written raw.
	ss := mustNew(t, fmtOf("JSON"), []types.Column{col("S", types.StringType)}, false)
	out, _ = ss.Encode([]any{"a\xffb"})
	if string(out) != "{\"S\":\"a\uFFFDb\"}" {
		t.Errorf("got %q", out)
	}
}

func TestJSONDeepNesting(t *testing.T) {
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	_, err := decodeOne(t, fmtOf("JSON"), []types.Column{col("X", types.IntType)}, false, `{"Y":`+deep+`}`)
	if err == nil || !strings.Contains(err.Error(), "deep") {
		t.Fatalf("got %v", err)
	}
}

func TestJSONConcurrent(t *testing.T) {
	s := mustNew(t, fmtOf("JSON"), benchCols, false)
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			dst := make([]any, len(benchCols))
			for i := 0; i < 200; i++ {
				if err := s.Decode(benchRecord, dst); err != nil {
					done <- err
					return
				}
				if _, err := s.Encode(dst); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestAppendDoubleMatchesFormatDouble(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 1.5, 0.001, 0.000999, 1e7, 9999999.999, 1.234e-5, -2.5e-300,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 12.578, 100, 1e21, 123456789012345680, math.NaN(), math.Inf(1), math.Inf(-1)}
	x := 1.0
	for i := 0; i < 2000; i++ {
		x = x*1.7 + 0.31
		if x > 1e300 {
			x = 1e-300
		}
		vals = append(vals, x, -x, 1/x)
	}
	for _, v := range vals {
		if got, want := string(appendDouble(nil, v)), types.FormatDouble(v); got != want {
			t.Fatalf("%v: got %s, want %s", v, got, want)
		}
	}
}

// More occurrences of a field than the arena has slots fall back to
// ordinary boxing.
func TestJSONRepeatedFields(t *testing.T) {
	cols := []types.Column{col("A", types.BigintType), col("S", types.StringType)}
	row, err := decodeOne(t, fmtOf("JSON"), cols, false, `{"A":1,"a":2,"A":3,"A":4,"S":"x","S":"y","s":"z","S":"w"}`)
	if err != nil || row[0] != int64(4) || row[1] != "w" {
		t.Fatalf("got %#v, %v", row, err)
	}
}

// TestJSONNulByteIsAnError: only empty or blank bytes (and `null`) read as
// no record; a NUL byte is not JSON, for keys and values alike.
func TestJSONNulByteIsAnError(t *testing.T) {
	cols := []types.Column{col("A", types.IntType)}
	for _, isKey := range []bool{false, true} {
		s := mustNew(t, fmtOf("JSON"), cols, isKey)
		for _, in := range []string{"\x00", "\x00{\"A\":1}", " \x00", "\x00null"} {
			dst := make([]any, 1)
			if err := s.Decode([]byte(in), dst); err == nil || errors.Is(err, ErrNull) {
				t.Errorf("key %v: %q read as %v, %v; want a deserialization error", isKey, in, dst, err)
			}
		}
		for _, in := range []string{"", " \n"} {
			err := s.Decode([]byte(in), make([]any, 1))
			if isKey && err != nil || !isKey && !errors.Is(err, ErrNull) {
				t.Errorf("key %v: %q: %v", isKey, in, err)
			}
		}
	}
}

// TestJSONMapNullKey: a map's null key is written as the key "null", as
// ksqlDB's JSON serializer writes it, not refused.
func TestJSONMapNullKey(t *testing.T) {
	s := mustNew(t, fmtOf("JSON"), []types.Column{col("M", types.MapOf(types.StringType, types.IntType))}, false)
	m := &types.MapVal{Keys: []any{nil, "a"}, Vals: []any{int32(1), int32(2)}}
	out, err := s.Encode([]any{m})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), `{"M":{"null":1,"a":2}}`; got != want {
		t.Fatalf("encoded %s, want %s", got, want)
	}
}

// A DECIMAL value is written at its own scale when that is within the
// column's, as ksqlDB's JSON serializer writes a BigDecimal, else rounded
// to the column's; an integer at the column's scale; a value with too
// many digits for the precision fails. The int64 fast path and the
// math/big path must agree on all of it.
func TestJSONEncodeDecimalScale(t *testing.T) {
	typ := types.DecimalOf(6, 3)
	s, err := New(Format{Name: JSON}, []types.Column{{Name: "D", Type: typ}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		v    any
		want string
	}{
		{decimal.New(1500, -3), `{"D":1.500}`},
		{decimal.New(15, -1), `{"D":1.5}`},
		{decimal.New(-5, -2), `{"D":-0.05}`},
		{decimal.New(12345, -4), `{"D":1.235}`},   // rounded half up
		{decimal.New(-12345, -4), `{"D":-1.235}`}, // away from zero
		{decimal.Decimal{}, `{"D":0}`},
		{int64(42), `{"D":42.000}`},
		{dec("123.4567890123456789012"), `{"D":123.457}`},
		{decimal.New(999999, -3), `{"D":999.999}`},
	} {
		got, err := s.Encode([]any{c.v})
		if err != nil || string(got) != c.want {
			t.Errorf("Encode(%v) = %s, %v; want %s", c.v, got, err, c.want)
		}
	}
	for _, v := range []any{decimal.New(1000, 0), dec("99999999999999999999999")} {
		if got, err := s.Encode([]any{v}); err == nil {
			t.Errorf("Encode(%v) = %s, want a precision error", v, got)
		}
	}
}
