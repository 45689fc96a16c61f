package serde

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

// readingCols covers every type the JSON serde reads, nested ones too.
var readingCols = []types.Column{
	col("S", types.StringType),
	col("I", types.IntType),
	col("L", types.BigintType),
	col("D", types.DoubleType),
	col("M", types.DecimalOf(4, 2)),
	col("B", types.BooleanType),
	col("Y", types.BytesType),
	col("DT", types.DateType),
	col("TM", types.TimeType),
	col("TS", types.TimestampType),
	col("A", types.ArrayOf(types.IntType)),
	col("MP", types.MapOf(types.StringType, types.DoubleType)),
	col("ST", types.StructOf(
		types.Field{Name: "X", Type: types.IntType},
		types.Field{Name: "Z", Type: types.ArrayOf(types.StringType)},
		types.Field{Name: "W", Type: types.MapOf(types.IntType, types.BooleanType)},
	)),
}

// readingAmbiguous has names that differ only in case, which changes how
// fields are matched (an exact match outranks a folded one).
var readingAmbiguous = []types.Column{
	col("x", types.BigintType),
	col("X", types.StringType),
	col("Q", types.ArrayOf(types.DoubleType)),
}

// checkReading decodes data with s and with s reading only the columns
// mask marks (bit i for column i), and fails unless both reject it with
// the same error, or both accept it with the same read columns and the
// unread ones nil.
func checkReading(t *testing.T, s Serde, ncols int, data []byte, mask uint64) {
	t.Helper()
	read := make([]bool, ncols)
	for i := range read {
		read[i] = mask&(1<<i) != 0
	}
	p := Reading(s, read)
	if p == s {
		t.Fatalf("%T does not implement Partial", s)
	}
	comparePartial(t, s, p, read, data)
}

// comparePartial decodes data with s and with p, s reading only the
// columns read marks, and fails unless both reject it with the same
// error, or both accept it with the same read columns and the unread
// ones nil.
func comparePartial(t *testing.T, s, p Serde, read []bool, data []byte) {
	t.Helper()
	ncols := len(read)
	full := make([]any, ncols)
	part := make([]any, ncols)
	for i := range part {
		part[i] = "garbage" // Decode must clear every slot
	}
	errFull := s.Decode(data, full)
	errPart := p.Decode(data, part)
	if (errFull == nil) != (errPart == nil) || (errFull != nil && errFull.Error() != errPart.Error()) {
		t.Fatalf("record %q, read %v: Decode error %v, reading error %v", data, read, errFull, errPart)
	}
	if errFull == nil {
		checkRead(t, data, read, full, part)
	}
	// Decoding into a Slab reads the same, full or partial.
	var slab Slab
	for _, d := range []Serde{s, p} {
		sd, ok := d.(SlabDecoder)
		if !ok {
			continue
		}
		got := make([]any, ncols)
		err := sd.DecodeSlab(data, got, &slab)
		if (errFull == nil) != (err == nil) || (errFull != nil && errFull.Error() != err.Error()) {
			t.Fatalf("record %q, read %v: Decode error %v, DecodeSlab error %v", data, read, errFull, err)
		}
		if err == nil && d == p {
			checkRead(t, data, read, full, got)
		} else if err == nil {
			checkRead(t, data, nil, full, got)
		}
	}
}

// checkRead compares the columns read marks (all for a nil read) with
// Decode's, and checks that the others are nil.
func checkRead(t *testing.T, data []byte, read []bool, full, part []any) {
	t.Helper()
	for i := range full {
		isRead := read == nil || read[i]
		switch {
		case !isRead && part[i] != nil:
			t.Fatalf("record %q: unread column %d holds %#v", data, i, part[i])
		case isRead && !sameValue(full[i], part[i]):
			t.Fatalf("record %q: column %d reads %#v, Decode gives %#v", data, i, part[i], full[i])
		}
	}
}

// readingSerdes are the serdes the equivalence tests compare: the wide
// schema, the case-ambiguous one, and each type as an unwrapped value.
func readingSerdes(t testing.TB) (wide, amb Serde, single []Serde) {
	wide = newJSON(readingCols, false, false)
	amb = newJSON(readingAmbiguous, false, false)
	for _, c := range readingCols {
		single = append(single, newJSON([]types.Column{c}, false, true))
	}
	return wide, amb, single
}

// readingRecords are records with a value of every kind in every column:
// good ones, wrong types, bad syntax, escapes, coercions.
var readingRecords = []string{
	``, `null`, ` null `, "\x00", `{}`, `[]`, `{"S":"a"} x`, `{"S":"a"`, `"x"`, `1`, `true`,
	`{"S":"plain","I":1,"L":2,"D":1.5,"M":12.34,"B":true,"Y":"AAE=","DT":3,"TM":4,"TS":5,` +
		`"A":[1,2,null],"MP":{"k":1.5,"n":null},"ST":{"X":7,"Z":["a","b"],"W":{"1":true}}}`,
	`{"s":"lower","i":"12","l":"-3","d":"1e3","m":"1.5","b":"TRUE","y":"","dt":"7","tm":"8","ts":"9"}`,
	`{"S":1.5e3,"I":1.9,"L":12345678901234567890,"D":1e400,"M":1E1,"TS":-0}`,
	`{"S":{"a" : [1, "x", {"b":null}]},"A":[],"MP":{},"ST":{}}`,
	`{"S":[1,"two",[3],{"k":"v"}],"S":true}`,
	`{"S":false,"s":"folded loses to exact"}`,
	`{"s":"x","s":"y"}`,
	`{"S":"esc\"aped\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x\udc00"}`,
	`{"S":"bad \q escape"}`, `{"S":"bad \u12G4"}`, `{"S":"trunc \u12"}`, `{"S":"end\`,
	"{\"S\":\"ctl \x01\"}", "{\"S\":\"esc\\n ctl \x01\"}",
	"{\"S\":\"bad utf8 \xff\"}", "{\"S\":\"esc\\n bad utf8 \xff\"}", "{\"S\":\"\xc3\\n split\"}",
	"{\"S\":\"\\u00e9\xa9 continuation\"}", "{\"S\":\"ok \xc3\xa9\\t\xc3\xa9\"}", "{\"S\":\"a\\n\xff\\tb\"}",
	`{"I":"abc"}`, `{"I":"2147483648"}`, `{"I":2147483648}`, `{"I":true}`, `{"I":[1]}`, `{"I":01}`, `{"I":-}`, `{"I":1.}`, `{"I":1e}`,
	`{"L":"9223372036854775808"}`, `{"L":1.5e2}`, `{"L":{}}`,
	`{"D":"NaN"}`, `{"D":"-Infinity"}`, `{"D":"1,5"}`, `{"D":false}`, `{"D":-0.0e-5}`,
	`{"M":123.4}`, `{"M":1.234}`, `{"M":"99.99"}`, `{"M":"100"}`, `{"M":"x"}`, `{"M":true}`,
	`{"B":1}`, `{"B":"yes"}`, `{"B":"False"}`, `{"B":tru}`,
	`{"Y":"!!!"}`, `{"Y":"AAE"}`, `{"Y":1}`,
	`{"DT":"x"}`, `{"TM":1.5}`, `{"TS":"2020-01-01"}`,
	`{"A":[1,"2",3]}`, `{"A":[1,"x"]}`, `{"A":[1,,2]}`, `{"A":[1 2]}`, `{"A":{"k":1}}`, `{"A":"[1]"}`, `{"A":[1,[2]]}`,
	`{"MP":{"k":"x"}}`, `{"MP":{"k":1,}}`, `{"MP":{1:2}}`, `{"MP":[]}`, `{"MP":{"a\nb":true}}`,
	`{"ST":{"X":"x"}}`, `{"ST":{"x":1,"X":2}}`, `{"ST":{"Z":[1,{"a":1}]}}`, `{"ST":{"W":{"x":true}}}`,
	`{"ST":{"W":{"1":"maybe"}}}`, `{"ST":{"Q":"unknown field"}}`, `{"ST":1}`, `{"ST":{"X":1 "Z":[]}}`,
	`{"U":"unknown \q"}`, `{"U":{"deep":[1,{"x":"\u0041"}]}}`, `{"S":"a",}`, `{"S" "a"}`, `{"S":"a"]`,
	`{"x":1,"X":"two","Q":[1.5,"2"]}`, `{"X":1,"x":"2"}`, `{"x":"nope"}`, `{"X":[1],"Q":["a"]}`,
	`{"S":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`,
	`{"A":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`,
	`{"S":` + strings.Repeat("[", 511) + `"x"` + strings.Repeat("]", 511) + `}`,
	`{"S":` + strings.Repeat("[", 511) + `{"k":1}` + strings.Repeat("]", 511) + `}`,
	`{"S":` + strings.Repeat(`{"k":`, 511) + `1` + strings.Repeat("}", 511) + `}`,
}

// TestJSONReadingMatchesDecode decodes each record reading no column,
// each column alone, all but one, and all, and checks that the errors
// and the read values are Decode's.
func TestJSONReadingMatchesDecode(t *testing.T) {
	wide, amb, single := readingSerdes(t)
	masks := func(n int) []uint64 {
		all := uint64(1)<<n - 1
		ms := []uint64{0, all}
		for i := 0; i < n; i++ {
			ms = append(ms, 1<<i, all&^(1<<i))
		}
		return ms
	}
	for _, r := range readingRecords {
		for _, m := range masks(len(readingCols)) {
			checkReading(t, wide, len(readingCols), []byte(r), m)
		}
		for _, m := range masks(len(readingAmbiguous)) {
			checkReading(t, amb, len(readingAmbiguous), []byte(r), m)
		}
		for _, s := range single {
			checkReading(t, s, 1, []byte(r), 0)
			checkReading(t, s, 1, []byte(r), 1)
		}
		// The same record as each single column's unwrapped value.
		if strings.HasPrefix(r, `{"`) {
			if i := strings.IndexByte(r, ':'); i > 0 {
				v := []byte(strings.TrimSuffix(r[i+1:], "}"))
				for _, s := range single {
					checkReading(t, s, 1, v, 0)
				}
			}
		}
	}
}

// TestJSONReadingRejectsUnreadColumn: a wrong type in a column nothing
// reads still fails the record, with Decode's message.
func TestJSONReadingRejectsUnreadColumn(t *testing.T) {
	s := Reading(newJSON(readingCols, false, false), []bool{true})
	for _, tc := range []struct{ rec, err string }{
		{`{"S":"ok","I":"abc"}`, "field `I`: cannot"},
		{`{"S":"ok","A":[1,"x"]}`, "field `A`: element 2: cannot"},
		{`{"S":"ok","M":123.4}`, "numeric field overflow"},
		{`{"S":"ok","ST":{"W":{"x":true}}}`, "field `ST`: field `W`: map key: cannot"},
		{"{\"S\":\"ok\",\"MP\":{\"k\\n\":\"v\xff\"}}", "invalid UTF-8"},
	} {
		dst := make([]any, len(readingCols))
		err := s.Decode([]byte(tc.rec), dst)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got %v, want an error containing %q", tc.rec, err, tc.err)
		}
	}
	dst := make([]any, len(readingCols))
	if err := s.Decode([]byte(`{"S":"ok","I":"12","A":[1,"2"]}`), dst); err != nil || dst[0] != "ok" || dst[1] != nil || dst[10] != nil {
		t.Errorf("good record: %v, %#v", err, dst)
	}
}

// TestJSONReadingAllocs: columns nothing reads cost no allocations, so a
// record read for one number allocates only the arena's slot slab.
func TestJSONReadingAllocs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	s := newJSON(benchCols, false, false)
	escaped := []byte(`{"ORDERID":1,"ITEMID":"a\nb\u00e9","ADDRESS":"x\"y","PRIORITY":2}`)
	for _, tc := range []struct {
		name string
		read []bool
		rec  []byte
		max  float64
	}{
		{"nothing read", nil, benchRecord, 0},
		{"one number read", []bool{true}, benchRecord, 1},
		{"escaped strings unread", []bool{true}, escaped, 1},
	} {
		p := Reading(s, tc.read)
		dst := make([]any, len(benchCols))
		got := testing.AllocsPerRun(100, func() {
			if err := p.Decode(tc.rec, dst); err != nil {
				t.Fatal(err)
			}
		})
		if got > tc.max {
			t.Errorf("%s: %v allocations per record, want at most %v", tc.name, got, tc.max)
		}
	}
}

// FuzzJSONReading: for any bytes and any set of read columns, reading
// fails iff Decode fails, with the same error, and the read columns hold
// Decode's values.
func FuzzJSONReading(f *testing.F) {
	for i, r := range readingRecords {
		f.Add([]byte(r), uint64(i)*0x9E3779B97F4A7C15, uint8(i))
	}
	f.Add([]byte(`{"S":"a","I":1}`), uint64(0), uint8(0))
	f.Add([]byte(`{"S":"a","I":"x"}`), uint64(1), uint8(1))
	wide, amb, single := readingSerdes(f)
	f.Fuzz(func(t *testing.T, data []byte, mask uint64, which uint8) {
		checkReading(t, wide, len(readingCols), data, mask)
		checkReading(t, amb, len(readingAmbiguous), data, mask)
		checkReading(t, single[int(which)%len(single)], 1, data, mask)
	})
}

func BenchmarkJSONDecodeReading(b *testing.B) {
	s, err := New(Format{Name: JSON}, benchCols, false)
	if err != nil {
		b.Fatal(err)
	}
	for _, read := range [][]bool{nil, {true}, {true, false, true}} {
		p := Reading(s, read)
		b.Run(fmt.Sprintf("read=%v", read), func(b *testing.B) {
			dst := make([]any, len(benchCols))
			b.SetBytes(int64(len(benchRecord)))
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Decode(benchRecord, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestJSONSRReading: JSON_SR reads its framed JSON body with the mask.
func TestJSONSRReading(t *testing.T) {
	_, env := srEnv()
	s := mustNewFor(t, fmtOf(JSONSR), readingCols, false, env)
	body := func(j string) []byte { return append([]byte{0, 0, 0, 0, 1}, j...) }
	for _, r := range []string{`{"S":"a","I":1,"A":[1]}`, `{"S":"a","I":"x"}`, `{"S":"a\q"}`} {
		checkReading(t, s, len(readingCols), body(r), 1<<1)
	}
	checkReading(t, s, len(readingCols), []byte(`{"S":"unframed"}`), 1)
	read := make([]bool, len(readingCols))
	read[1] = true
	dst := make([]any, len(readingCols))
	if err := Reading(s, read).Decode(body(`{"S":"a","I":1}`), dst); err != nil || dst[0] != nil || dst[1] != int32(1) {
		t.Errorf("JSON_SR reading I: %v, %#v", err, dst[:2])
	}
}
