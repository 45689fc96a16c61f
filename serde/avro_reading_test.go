package serde

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"

	"github.com/eddysql/eddy/types"
)

// avroReadingWriter is a writer schema with a field of every shape, read
// into avroReadingCols with every coercion eddy makes, including ones
// that fail after the read (range, precision, text parsing, NaN) and a
// union branch no column type takes.
const avroReadingWriter = `{"type":"record","name":"w","fields":[
	{"name":"b","type":"boolean"},
	{"name":"i","type":"int"},
	{"name":"l","type":"long"},
	{"name":"li","type":"long"},
	{"name":"f","type":"float"},
	{"name":"d","type":"double"},
	{"name":"dd","type":"double"},
	{"name":"s","type":"string"},
	{"name":"sn","type":"string"},
	{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},
	{"name":"by","type":"bytes"},
	{"name":"fx","type":{"type":"fixed","name":"F3","size":3}},
	{"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}},
	{"name":"decx","type":{"type":"fixed","name":"F9","size":9,"logicalType":"decimal","precision":20,"scale":4}},
	{"name":"decs","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":1}},
	{"name":"decd","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":3}},
	{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
	{"name":"tsu","type":{"type":"long","logicalType":"timestamp-micros"}},
	{"name":"dt","type":{"type":"int","logicalType":"date"}},
	{"name":"tm","type":{"type":"int","logicalType":"time-millis"}},
	{"name":"tmu","type":{"type":"long","logicalType":"time-micros"}},
	{"name":"skipme","type":{"type":"record","name":"S","fields":[
		{"name":"a","type":{"type":"array","items":"string"}},
		{"name":"m","type":{"type":"map","values":["null","double"]}}]}},
	{"name":"n","type":["null","long"]},
	{"name":"u","type":["null","string","boolean"]},
	{"name":"arr","type":{"type":"array","items":["null","int"]}},
	{"name":"m","type":{"type":"map","values":"long"}},
	{"name":"rec","type":{"type":"record","name":"R","fields":[
		{"name":"x","type":"int"},
		{"name":"y","type":{"type":"array","items":"string"}},
		{"name":"z","type":{"type":"map","values":"bytes"}}]}},
	{"name":"nrec","type":["null",{"type":"record","name":"R2","fields":[
		{"name":"a","type":"long"},
		{"name":"b","type":["null","string"]},
		{"name":"c","type":{"type":"bytes","logicalType":"decimal","precision":3,"scale":1}}]}]},
	{"name":"il","type":"long"},
	{"name":"ld","type":"long"},
	{"name":"fd","type":"float"},
	{"name":"es","type":{"type":"enum","name":"E2","symbols":["true","false"]}}
]}`

var avroReadingCols = []types.Column{
	col("B", types.BooleanType),
	col("I", types.IntType),
	col("L", types.BigintType),
	col("LI", types.IntType), // long → INT: range checked
	col("F", types.DoubleType),
	col("D", types.DoubleType),
	col("DD", types.DecimalOf(6, 2)), // double → DECIMAL: NaN, rounding, precision
	col("S", types.StringType),
	col("SN", types.IntType), // string → INT: parsed
	col("E", types.StringType),
	col("BY", types.BytesType),
	col("FX", types.BytesType),
	col("DEC", types.DecimalOf(6, 2)),
	col("DECX", types.DecimalOf(5, 1)), // big coefficient, smaller scale
	col("DECS", types.DecimalOf(8, 3)), // scale padded
	col("DECD", types.DoubleType),
	col("TS", types.TimestampType),
	col("TSU", types.TimestampType),
	col("DT", types.DateType),
	col("TM", types.TimeType),
	col("TMU", types.TimeType),
	col("N", types.BigintType),
	col("U", types.BigintType), // the boolean branch cannot be read
	col("ARR", types.ArrayOf(types.IntType)),
	col("M", types.MapOf(types.StringType, types.BigintType)),
	col("REC", types.StructOf(
		types.Field{Name: "X", Type: types.IntType},
		types.Field{Name: "Y", Type: types.ArrayOf(types.StringType)},
	)),
	col("NREC", types.StructOf(
		types.Field{Name: "A", Type: types.BigintType},
		types.Field{Name: "B", Type: types.StringType},
		types.Field{Name: "C", Type: types.DecimalOf(6, 1)},
	)),
	col("IL", types.StringType),
	col("LD", types.DecimalOf(4, 0)),
	col("FD", types.StringType),
	col("ES", types.BooleanType), // enum → BOOLEAN: parsed
	col("MISSING", types.IntType),
}

// avroUnwrapped are single unwrapped columns with the writer schema of
// the whole body.
var avroUnwrapped = []struct {
	schema string
	t      *types.Type
}{
	{`"long"`, types.BigintType},
	{`["null","string"]`, types.StringType},
	{`{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`, types.DecimalOf(3, 2)},
	{`{"type":"array","items":["null","double"]}`, types.ArrayOf(types.DoubleType)},
	{`{"type":"record","name":"r","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}`,
		types.StructOf(types.Field{Name: "A", Type: types.IntType})},
	{`"double"`, types.DecimalOf(4, 1)},
	{`{"type":"array","items":"null"}`, types.ArrayOf(types.IntType)},
	{avroListSchema, types.StructOf(types.Field{Name: "ID", Type: types.IntType},
		types.Field{Name: "NEXT", Type: types.StructOf(types.Field{Name: "ID", Type: types.IntType})})},
}

const avroReadingID = 77

// avroReadingSerde is a wide Avro serde and, by mask, the same serde
// reading only the masked columns (built once: each builds decoders).
type avroReadingSerde struct {
	s     Serde
	reg   *memRegistry
	ncols int
	parts map[uint64]Serde
}

func newAvroReadingSerde(t testing.TB, cols []types.Column, f Format, writer string) *avroReadingSerde {
	reg, env := srEnv()
	reg.put("", avroReadingID, RegSchema{Type: SchemaAvro, Schema: writer})
	return &avroReadingSerde{s: mustNewFor(t, f, cols, false, env), reg: reg, ncols: len(cols), parts: map[uint64]Serde{}}
}

func (a *avroReadingSerde) reading(mask uint64) ([]bool, Serde) {
	read := make([]bool, a.ncols)
	for i := range read {
		read[i] = mask&(1<<i) != 0
	}
	p, ok := a.parts[mask]
	if !ok {
		p = Reading(a.s, read)
		a.parts[mask] = p
	}
	return read, p
}

// check decodes body, framed with the writer's id, fully and reading the
// columns mask marks, and compares the two.
func (a *avroReadingSerde) check(t *testing.T, body []byte, mask uint64) {
	t.Helper()
	read, p := a.reading(mask)
	if p == a.s {
		t.Fatalf("%T does not implement Partial", a.s)
	}
	comparePartial(t, a.s, p, read, append([]byte{0, 0, 0, 0, avroReadingID}, body...))
}

// readingMasks: nothing, everything, each column alone and all but each.
func readingMasks(n int) []uint64 {
	all := uint64(1)<<n - 1
	ms := []uint64{0, all}
	for i := 0; i < n; i++ {
		ms = append(ms, 1<<i, all&^(1<<i))
	}
	return ms
}

// genAvro appends a random value of schema s. Tame values convert to
// every column type of the tests; wild ones include values that fail
// conversions (out of range, NaN, long decimals, text that is not a
// number) and indexes out of range.
func genAvro(rng *rand.Rand, s avro.Schema, dst []byte, wild bool) []byte {
	s = derefAvro(s)
	switch s.Type() {
	case avro.Null:
		return dst
	case avro.Boolean:
		return append(dst, byte(rng.IntN(2)))
	case avro.Int:
		return appendLong(dst, int64(int32(pick(rng, wild, []int64{0, 1, -1, 255, 1234},
			[]int64{math.MaxInt32 + 1, math.MinInt64, math.MaxInt64, 1700000000123}))))
	case avro.Long:
		return appendLong(dst, pick(rng, wild, []int64{0, 1, -1, 255, 1234},
			[]int64{math.MaxInt32 + 1, math.MinInt64, math.MaxInt64, 1700000000123}))
	case avro.Float, avro.Double:
		f := pick(rng, wild, []float64{0, 1.5, -12.25}, []float64{1234.5678, 1e300, math.NaN(), math.Inf(1), math.Inf(-1), 0.125})
		if s.Type() == avro.Float {
			return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(f)))
		}
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
	case avro.String, avro.Bytes:
		text := pick(rng, wild, []string{"12", "-7"}, []string{"", "x", "2147483648", "héllo", "\xff\xfe", " 3 ", "1.5"})
		return appendAvroBytes(dst, []byte(text))
	case avro.Fixed:
		for range s.(*avro.FixedSchema).Size() {
			dst = append(dst, pick(rng, wild, []byte{0}, []byte{0x55, 0xaa, 0xff}))
		}
		return dst
	case avro.Enum:
		n := len(s.(*avro.EnumSchema).Symbols())
		return appendLong(dst, int64(pick(rng, wild, []int{rng.IntN(n)}, []int{n, -1})))
	case avro.Union:
		bs := s.(*avro.UnionSchema).Types()
		i := pick(rng, wild, []int{rng.IntN(len(bs))}, []int{len(bs), -1})
		dst = appendLong(dst, int64(i))
		if i >= 0 && i < len(bs) {
			dst = genAvro(rng, bs[i], dst, wild)
		}
		return dst
	case avro.Array, avro.Map:
		if wild && rng.IntN(8) == 0 { // a count no body holds
			return appendLong(dst, []int64{1 << 62, -1 << 62, math.MinInt64, maxEmptyItems + 1}[rng.IntN(4)])
		}
		for range rng.IntN(3) { // blocks
			n := 1 + rng.IntN(3)
			var block []byte
			for range n {
				if s.Type() == avro.Map {
					block = appendAvroBytes(block, []byte{byte('a' + rng.IntN(3))})
					block = genAvro(rng, s.(*avro.MapSchema).Values(), block, wild)
				} else {
					block = genAvro(rng, s.(*avro.ArraySchema).Items(), block, wild)
				}
			}
			if rng.IntN(2) == 0 { // a negative count is followed by the block's size
				dst = appendLong(appendLong(dst, int64(-n)), int64(len(block)))
			} else {
				dst = appendLong(dst, int64(n))
			}
			dst = append(dst, block...)
		}
		return append(dst, 0)
	case avro.Record:
		for _, f := range s.(*avro.RecordSchema).Fields() {
			dst = genAvro(rng, f.Type(), dst, wild)
		}
		return dst
	}
	panic("genAvro: " + string(s.Type()))
}

// pick returns one of tame, or when wild, one of tame and bad (a bad one
// a quarter of the time).
func pick[T any](rng *rand.Rand, wild bool, tame, bad []T) T {
	if wild && rng.IntN(4) == 0 {
		return bad[rng.IntN(len(bad))]
	}
	return tame[rng.IntN(len(tame))]
}

// avroReadingBodies are random records of the wide writer schema, tame
// and wild, each followed by copies cut short, with a byte more and with
// one byte changed.
func avroReadingBodies(n int) [][]byte {
	sch := avro.MustParse(avroReadingWriter)
	rng := rand.New(rand.NewPCG(1, 2))
	var out [][]byte
	for i := range n {
		b := genAvro(rng, sch, nil, i%2 == 1)
		out = append(out, b, b[:rng.IntN(len(b))], append(b, 0))
		bad := append([]byte(nil), b...)
		bad[rng.IntN(len(bad))] ^= byte(1 + rng.IntN(255))
		out = append(out, bad)
	}
	return out
}

// TestAvroReading: reading any set of columns fails on the same records
// with the same errors as Decode, and the read columns hold its values.
func TestAvroReading(t *testing.T) {
	wide := newAvroReadingSerde(t, avroReadingCols, Format{Name: Avro}, avroReadingWriter)
	bodies := avroReadingBodies(300)
	fails := 0
	for _, body := range bodies {
		for _, m := range readingMasks(len(avroReadingCols)) {
			wide.check(t, body, m)
		}
		if wide.s.Decode(append([]byte{0, 0, 0, 0, avroReadingID}, body...), make([]any, len(avroReadingCols))) != nil {
			fails++
		}
	}
	// The records must exercise both outcomes.
	if fails == 0 || fails == len(bodies) {
		t.Fatalf("%d of %d records fail to decode", fails, len(bodies))
	}
	for _, u := range avroUnwrapped {
		s := newAvroReadingSerde(t, []types.Column{col("V", u.t)}, fmtOf(Avro, "WRAP_SINGLE_VALUE", "false"), u.schema)
		sch := avro.MustParse(u.schema)
		rng := rand.New(rand.NewPCG(3, 4))
		for range 200 {
			b := genAvro(rng, sch, nil, rng.IntN(2) == 0)
			for _, body := range [][]byte{b, b[:rng.IntN(len(b)+1)], append(b, 1)} {
				s.check(t, body, 0)
				s.check(t, body, 1)
			}
		}
	}
}

// TestAvroReadingUnreadErrors: a bad value in a column nothing reads
// fails the record with Decode's message, naming the column.
func TestAvroReadingUnreadErrors(t *testing.T) {
	reg, env := srEnv()
	cols := []types.Column{col("A", types.BigintType), col("B", types.IntType), col("C", types.DecimalOf(3, 1)), col("D", types.ArrayOf(types.StringType))}
	reg.put("", 9, RegSchema{Type: SchemaAvro, Schema: `{"type":"record","name":"r","fields":[
		{"name":"a","type":"long"},{"name":"b","type":["null","long"]},{"name":"c","type":"double"},
		{"name":"d","type":{"type":"array","items":"string"}}]}`})
	s := Reading(mustNewFor(t, Format{Name: Avro}, cols, false, env), []bool{true})
	frame := func(b ...byte) []byte { return append([]byte{0, 0, 0, 0, 9, 2}, b...) }
	nan := binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.NaN()))
	one := binary.LittleEndian.AppendUint64(nil, math.Float64bits(1))
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"union index", frame(6), "`B`: Avro union index 3 out of range (2 branches)"},
		{"INT range", append(frame(2), appendLong(nil, math.MaxInt32+1)...), "`B`: value 2147483648 is out of range for INT"},
		{"NaN", append(frame(0), nan...), "`C`: cannot convert NaN to DECIMAL(3, 1)"},
		{"truncated", append(frame(0), 1, 2), "truncated Avro body"},
		{"array", append(append(frame(0), one...), 2, 10), "`D`: truncated Avro body"},
	} {
		dst := make([]any, len(cols))
		err := s.Decode(tc.body, dst)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	dst := make([]any, len(cols))
	if err := s.Decode(append(append(frame(0), one...), 0), dst); err != nil || dst[0] != int64(1) || dst[2] != nil {
		t.Errorf("good record: %v, %#v", err, dst)
	}
}

// TestAvroReadingAllocs: columns nothing reads cost no allocations, so a
// record read for one number allocates only the arena's slot slab; a
// string adds the arena's text block.
func TestAvroReadingAllocs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	_, env := srEnv()
	s := mustNewFor(t, Format{Name: Avro}, benchCols, false, env)
	rec, err := s.Encode(avroBenchRow)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		read []bool
		max  float64
	}{
		{"nothing read", nil, 0},
		{"one number read", []bool{true}, 1},
		{"one string read", []bool{false, true}, 2},
	} {
		p := Reading(s, tc.read)
		dst := make([]any, len(benchCols))
		got := testing.AllocsPerRun(100, func() {
			if err := p.Decode(rec, dst); err != nil {
				t.Fatal(err)
			}
		})
		if got > tc.max {
			t.Errorf("%s: %v allocations per record, want at most %v", tc.name, got, tc.max)
		}
	}
}

// FuzzAvroReading: for any body and any set of read columns, reading
// fails iff Decode fails, with the same error, and the read columns hold
// Decode's values.
func FuzzAvroReading(f *testing.F) {
	for i, b := range avroReadingBodies(20) {
		f.Add(b, uint64(i)*0x9E3779B97F4A7C15)
	}
	wide := newAvroReadingSerde(f, avroReadingCols, Format{Name: Avro}, avroReadingWriter)
	f.Fuzz(func(t *testing.T, body []byte, mask uint64) {
		wide.check(t, body, mask&(1<<len(avroReadingCols)-1))
	})
}
