package codec

import (
	"bytes"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/types"
)

func bigDec(t *testing.T, s string, exp int32) decimal.Decimal {
	t.Helper()
	c, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("bad big int %q", s)
	}
	return decimal.NewFromBigInt(c, exp)
}

// sampleValues covers every SQL type's Go representation, edge values and
// nesting.
func sampleValues(t *testing.T) []any {
	m := types.NewMap(2)
	m.Put("a", int64(1))
	m.Put("b", nil)
	return []any{
		nil, true, false,
		int32(0), int32(math.MinInt32), int32(math.MaxInt32),
		int64(math.MinInt64), int64(math.MaxInt64),
		0.0, math.Copysign(0, -1), math.Inf(1), math.MaxFloat64, 1.5,
		"", "héllo\x00",
		[]byte{}, []byte{0, 1, 255},
		decimal.New(150, -2), decimal.New(-7, 3), decimal.Zero,
		bigDec(t, "-123456789012345678901234567890", -10),
		bigDec(t, "999999999999999999", -1), // 18 digits: the varint form
		types.DateVal(-1), types.TimeVal(86399999), types.TimestampVal(1700000000123),
		[]any{}, []any{int32(1), nil, []any{"x"}},
		types.StructVal{nil, "s", types.StructVal{int64(2)}},
		m, types.NewMap(0),
	}
}

// sameValue is deep equality that also tells decimals apart by exponent
// (1.50 is not 1.5) and -0.0 from 0.0.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case decimal.Decimal:
		y, ok := b.(decimal.Decimal)
		return ok && x.Exponent() == y.Exponent() && x.Coefficient().Cmp(y.Coefficient()) == 0
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case []any:
		y, ok := b.([]any)
		return ok && sameSlice(x, y)
	case types.StructVal:
		y, ok := b.(types.StructVal)
		return ok && sameSlice(x, y)
	case *types.MapVal:
		y, ok := b.(*types.MapVal)
		return ok && sameSlice(x.Keys, y.Keys) && sameSlice(x.Vals, y.Vals)
	}
	return reflect.DeepEqual(a, b)
}

func sameSlice(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameValue(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestValueRoundTrip(t *testing.T) {
	for _, v := range sampleValues(t) {
		b, err := AppendValue([]byte("prefix"), v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		got, rest, err := DecodeValue(b[len("prefix"):])
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if len(rest) != 0 || !sameValue(v, got) {
			t.Errorf("round trip of %#v gave %#v (rest %d bytes)", v, got, len(rest))
		}
	}
}

func TestRowRoundTripAndRest(t *testing.T) {
	row := sampleValues(t)
	b, err := AppendRow(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, 0xAB)
	got, rest, err := DecodeRow(b, make([]any, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	if !sameSlice(row, got) || !bytes.Equal(rest, []byte{0xAB}) {
		t.Fatalf("row round trip: got %#v rest %x", got, rest)
	}
}

func TestDecodeDoesNotAlias(t *testing.T) {
	b, _ := AppendRow(nil, []any{"str", []byte("raw")})
	got, _, err := DecodeRow(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0
	}
	if got[0] != "str" || string(got[1].([]byte)) != "raw" {
		t.Fatalf("decoded values changed with the input buffer: %#v", got)
	}
}

// Rows written before the compact decimal tag stored decimals as text.
func TestLegacyTextDecimal(t *testing.T) {
	b := AppendString([]byte{tagDecimal}, "-12.345")
	v, _, err := DecodeValue(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := v.(decimal.Decimal); !d.Equal(decimal.New(-12345, -3)) {
		t.Fatalf("got %v", d)
	}
}

func TestUnsupportedValue(t *testing.T) {
	if _, err := AppendValue(nil, struct{}{}); err == nil {
		t.Fatal("want an error for a non-SQL value")
	}
}

func TestCorruptInput(t *testing.T) {
	full, err := AppendRow(nil, sampleValues(t))
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(full); n++ {
		if _, _, err := DecodeRow(full[:n], nil); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(full))
		}
	}
	bad := map[string][]byte{
		"unknown tag":      {99},
		"huge count":       {tagArray, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"huge map":         {tagMap, 0xff, 0xff, 0xff, 0xff, 0x0f, tagNull},
		"int out of range": {tagInt, 0x80, 0x80, 0x80, 0x80, 0x20},
		"decimal exponent": {tagDecimalSmall, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x02},
		"decimal sign":     {tagDecimalBig, 0, 7, 1, 1},
		"bad text decimal": AppendString([]byte{tagDecimal}, "1.2.3"),
		"overlong string":  {tagString, 10, 'a'},
		"truncated double": {tagDouble, 1, 2, 3},
		"deep nesting":     bytes.Repeat([]byte{tagArray, 1}, maxDepth+1),
		"uncomparable key": {tagMap, 2, tagArray, 0, tagNull, tagArray, 0, tagNull},
	}
	for name, b := range bad {
		v, _, err := DecodeValue(b)
		if name == "uncomparable key" { // valid: keys are kept as written
			if err != nil || v.(*types.MapVal).Len() != 2 {
				t.Errorf("%s: %v %#v", name, err, v)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: decoded %#v, want an error", name, v)
		}
	}
}

func FuzzDecodeRow(f *testing.F) {
	b, _ := AppendRow(nil, sampleValues(&testing.T{}))
	f.Add(b)
	f.Add([]byte{1, tagMap, 1, tagString, 0, tagDecimalBig, 2, 0, 1, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		row, _, err := DecodeRow(b, nil)
		if err != nil {
			return
		}
		// Whatever decodes must encode again and decode to the same.
		again, err := AppendRow(nil, row)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		row2, _, err := DecodeRow(again, nil)
		if err != nil || !sameSlice(row, row2) {
			t.Fatalf("re-decode: %v %#v vs %#v", err, row, row2)
		}
	})
}

func BenchmarkAppendRow(b *testing.B) {
	row := []any{int64(42), "user_17", 3.25, decimal.New(12345, -2), types.TimestampVal(1700000000000)}
	buf := make([]byte, 0, 128)
	for b.Loop() {
		buf, _ = AppendRow(buf[:0], row)
	}
}

func BenchmarkDecodeRow(b *testing.B) {
	row := []any{int64(42), "user_17", 3.25, decimal.New(12345, -2), types.TimestampVal(1700000000000)}
	buf, _ := AppendRow(nil, row)
	dst := make([]any, 5)
	for b.Loop() {
		dst, _, _ = DecodeRow(buf, dst)
	}
}

// auctionRow is a Nexmark auction as a repartitioned join side carries
// it: mostly text.
func auctionRow() []any {
	return []any{int64(1042), "wkx mgee", strings.Repeat("nhmzvrk ", 12), int64(8136), int64(12043),
		types.TimestampVal(1700000001234), types.TimestampVal(1700000011234), int64(1017), int64(10), strings.Repeat("q", 400)}
}

// TestAppendRowGrowsOnce checks that encoding a row into an empty or
// one-byte buffer (a repartition value starts with its flag byte)
// allocates once, not once per doubling, and still round trips.
func TestAppendRowGrowsOnce(t *testing.T) {
	row := append(auctionRow(), []any{"a", int32(1)}, types.StructVal{"b", 2.5}, nil, true)
	for _, start := range [][]byte{nil, {7}} {
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := AppendRow(slices.Clip(start), row); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 1 && !raceOn {
			t.Errorf("AppendRow from %d bytes: %v allocations, want 1", len(start), allocs)
		}
		b, err := AppendRow(slices.Clip(start), row)
		if err != nil {
			t.Fatal(err)
		}
		got, rest, err := DecodeRow(b[len(start):], nil)
		if err != nil || len(rest) != 0 || !sameSlice(got, row) {
			t.Fatalf("round trip: %v, %d bytes left, %#v", err, len(rest), got)
		}
	}
}

// BenchmarkAppendRowFresh encodes an auction into a fresh one-byte
// buffer, as Repartition.send does for every row.
func BenchmarkAppendRowFresh(b *testing.B) {
	row := auctionRow()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendRow([]byte{0}, row); err != nil {
			b.Fatal(err)
		}
	}
}
