package serde

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

// passCols covers every kind a column may pass as written, and the kinds
// next to them that may not.
var passCols = []types.Column{
	col("S", types.StringType),
	col("I", types.IntType),
	col("L", types.BigintType),
	col("DT", types.DateType),
	col("TM", types.TimeType),
	col("TS", types.TimestampType),
	col("D", types.DoubleType),
	col("B", types.BooleanType),
	col("A", types.ArrayOf(types.StringType)),
	col("s", types.StringType), // differs from S only in case
}

// passRecords are hostile values for the columns that may pass as
// written: escapes, non-ASCII, control characters, numbers that are not
// written as strconv writes them or that wrap, other kinds of token,
// nulls, missing, repeated and case-folded fields, bad syntax.
var passRecords = []string{
	`{"S":"plain","I":1,"L":2,"DT":3,"TM":4,"TS":1700000000000,"D":1.5,"B":true,"A":["x"],"s":"low"}`,
	`{"S":"","I":0,"L":-0,"DT":-1,"TM":00,"TS":-9223372036854775808}`,
	`{"S":"esc\"aped\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x\udc00","L":9223372036854775807}`,
	"{\"S\":\"caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 \x7f\",\"L\":123456789012345678}",
	"{\"S\":\"ctl \x01\"}", "{\"S\":\"bad utf8 \xff\"}", "{\"S\":\"esc\\n bad utf8 \xff\"}",
	`{"S":"bad \q escape"}`, `{"S":"trunc \u12"}`, `{"S":"end\`, `{"S":"unterminated`,
	`{"S":"\u0041\u0000"}`, `{"S":"\/"}`, `{"S":"a\"b"}`,
	`{"S":12,"I":"12","L":"-3","TS":"9","DT":"7"}`, `{"S":1.5e3,"L":1.5e2,"I":1.9,"TS":1E2}`,
	`{"S":true,"I":true}`, `{"S":false}`, `{"S":{"a" : [1, "x"]}}`, `{"S":[1,"two"]}`, `{"S":null,"L":null}`,
	`{"I":2147483647,"DT":2147483648,"TM":-2147483649}`, `{"I":999999999,"TM":-999999999,"DT":1000000000}`,
	`{"L":1234567890123456789,"TS":-1234567890123456789}`, `{"L":12345678901234567890}`, `{"L":9999999999999999999}`,
	`{"L":01}`, `{"L":-}`, `{"L":-a}`, `{"L":1.}`, `{"L":1e}`, `{"L":1.0}`, `{"L":1e0}`, `{"L":1E+2}`, `{"L":-0.0}`,
	`{"L":12x}`, `{"L":12 }`, `{"L": 12,"S": "sp"  ,"I":	3}`, "{\"L\":\n7\n}", `{"L":1}x`, `{"L":1`, `{"L":`,
	`{"S":"a","S":"b"}`, `{"S":"a\n","S":"b"}`, `{"S":"a","S":"b\n"}`, `{"s":"folded","S":"exact"}`,
	`{"S":"exact","s":"folded"}`, `{"l":5,"L":6}`, `{"L":5,"l":6}`, `{"l":5}`, `{"ts":"1","TS":2}`,
	`{}`, `null`, ``, `[]`, `"x"`, `{"S":"a",}`, `{"S" "a"}`, `{"X":"unknown","S":"a"}`,
}

// passPairs marks every passable column of passCols to pass to the same
// column of a sink with the same columns.
func passPairs() (from, to []int) {
	for i := range passCols {
		from, to = append(from, i), append(to, i)
	}
	return from, to
}

// checkPassThrough decodes data with s and with p (s passing the columns
// pass marks), and fails unless both reject it with the same error, or
// both accept it, the columns p does not pass hold Decode's values, and
// sink writes the same bytes for both rows. It decodes with Decode and
// into a Slab, which aliases the record's bytes.
func checkPassThrough(t *testing.T, s, p, sink Serde, ncols int, data []byte) {
	t.Helper()
	full := make([]any, ncols)
	errFull := s.Decode(data, full)
	var want []byte
	if errFull == nil {
		var err error
		if want, err = sink.Encode(full); err != nil {
			t.Fatalf("record %q: encoding Decode's row: %v", data, err)
		}
	}
	var slab Slab
	decoders := []func(dst []any) error{
		func(dst []any) error { return p.Decode(data, dst) },
		func(dst []any) error { return p.(SlabDecoder).DecodeSlab(data, dst, &slab) },
	}
	for _, decode := range decoders {
		got := make([]any, ncols)
		for i := range got {
			got[i] = "garbage" // decoding must clear every slot
		}
		err := decode(got)
		if (errFull == nil) != (err == nil) || (errFull != nil && errFull.Error() != err.Error()) {
			t.Fatalf("record %q: Decode error %v, pass-through error %v", data, errFull, err)
		}
		if err != nil {
			continue
		}
		for i := range got {
			if _, raw := appendRaw(nil, got[i]); !raw && !sameValue(full[i], got[i]) {
				t.Fatalf("record %q: column %d reads %#v, Decode gives %#v", data, i, got[i], full[i])
			}
		}
		out, err := sink.Encode(got)
		if err != nil || string(out) != string(want) {
			t.Fatalf("record %q: pass-through writes %q (%v), Decode's row %q", data, out, err, want)
		}
	}
}

// passCase is a decoder, the same decoder passing columns to sink, and
// how many columns it decodes.
type passCase struct {
	src, pass, sink Serde
	ncols           int
	unwrapped       bool
}

// passCases are what the equivalence tests compare: the wide schema, read
// whole and with some columns unread (one that could pass among them),
// and each passable column unwrapped, each passing every column it can
// to a sink of the same columns.
func passCases() []passCase {
	from, to := passPairs()
	wide := newJSON(passCols, false, false)
	partial := Reading(wide, []bool{true, false, true, true, true, true, false, true, false, true})
	cases := []passCase{
		{wide, PassThrough(wide, wide, from, to), wide, len(passCols), false},
		{partial, PassThrough(partial, wide, from, to), wide, len(passCols), false},
	}
	for _, c := range passCols[:6] {
		single := newJSON([]types.Column{c}, false, true)
		cases = append(cases, passCase{single, PassThrough(single, single, []int{0}, []int{0}), single, 1, true})
	}
	return cases
}

// TestJSONPassThroughMatchesDecode: for hostile records, a pass-through
// decoder rejects what Decode rejects with the same error, and the sink
// writes the same bytes for its rows as for Decode's.
func TestJSONPassThroughMatchesDecode(t *testing.T) {
	for _, c := range passCases() {
		if c.pass == c.src {
			t.Fatalf("%T passes nothing", c.src)
		}
		for _, r := range passRecords {
			checkPassThrough(t, c.src, c.pass, c.sink, c.ncols, []byte(r))
			// The first field's value alone, for the unwrapped serdes.
			if i := strings.IndexByte(r, ':'); i > 0 && strings.HasPrefix(r, `{"`) {
				checkPassThrough(t, c.src, c.pass, c.sink, c.ncols, []byte(strings.TrimSuffix(r[i+1:], "}")))
			}
		}
	}
}

// TestJSONPassThroughKeepsTokens: the plain strings and integers of a
// record pass as their tokens, and the others are decoded; so the
// equivalence tests do compare the two paths.
func TestJSONPassThroughKeepsTokens(t *testing.T) {
	from, to := passPairs()
	wide := newJSON(passCols, false, false)
	p := PassThrough(wide, wide, from, to)
	dst := make([]any, len(passCols))
	var slab Slab
	rec := []byte(`{"S":"caf` + "\xc3\xa9" + `","I":-12,"L":1700000000000,"DT":0,"TM":4.0,"TS":1.5,"D":2,"B":true,"A":["x"],"s":"a\tb"}`)
	if err := p.(SlabDecoder).DecodeSlab(rec, dst, &slab); err != nil {
		t.Fatal(err)
	}
	want := []any{rawJSON(`"caf` + "\xc3\xa9" + `"`), rawWord('-' | '1'<<8 | '2'<<16), rawJSON(`1700000000000`), rawWord('0'),
		types.TimeVal(4), types.TimestampVal(1), 2.0, true, []any{"x"}, "a\tb"}
	for i := range want {
		if fmt.Sprintf("%#v", dst[i]) != fmt.Sprintf("%#v", want[i]) {
			t.Errorf("column %s: %#v, want %#v", passCols[i].Name, dst[i], want[i])
		}
	}
}

// TestJSONPassThroughRefuses: only JSON values of the same type pass.
func TestJSONPassThroughRefuses(t *testing.T) {
	src := newJSON(passCols, false, false)
	strSink := newJSON([]types.Column{col("X", types.StringType)}, false, false)
	for _, tc := range []struct {
		name     string
		src      Serde
		sink     Serde
		from, to []int
	}{
		{"other type", src, strSink, []int{1}, []int{0}},
		{"kind that cannot pass", src, newJSON([]types.Column{col("X", types.DoubleType)}, false, false), []int{6}, []int{0}},
		{"unread column", Reading(src, []bool{false}), strSink, []int{0}, []int{0}},
		{"delimited sink", src, newDelimited([]types.Column{col("X", types.StringType)}, ","), []int{0}, []int{0}},
		{"key sink", src, newJSON([]types.Column{col("X", types.StringType)}, true, true), []int{0}, []int{0}},
		{"key source", newJSON(passCols[:1], true, true), strSink, []int{0}, []int{0}},
		{"out of range", src, strSink, []int{len(passCols)}, []int{0}},
	} {
		if got := PassThrough(tc.src, tc.sink, tc.from, tc.to); got != tc.src {
			t.Errorf("%s: PassThrough returned %T, want the source serde", tc.name, got)
		}
	}
}

// FuzzJSONPassThrough: for any bytes, the pass-through decoder fails iff
// Decode fails, with the same error, and the sink writes the same bytes.
func FuzzJSONPassThrough(f *testing.F) {
	for i, r := range passRecords {
		f.Add([]byte(r), uint8(i))
	}
	cases := passCases()
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		c := cases[int(which)%len(cases)]
		checkPassThrough(t, c.src, c.pass, c.sink, c.ncols, data)
	})
}

// TestJSONPassThroughRandom checks records built from random tokens,
// valid and not, in random fields, as the fuzz test does: a stand-in for
// fuzzing in every test run. The unwrapped serdes get a lone token.
func TestJSONPassThroughRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tokens := []func() string{
		func() string { return fmt.Sprint(rng.Int64N(1 << 62)) },
		func() string { return fmt.Sprint(-rng.Int64N(1 << 40)) },
		func() string { return fmt.Sprint(rng.Uint64()) },
		func() string { return fmt.Sprint(rng.Int32()) },
		func() string { return fmt.Sprint(rng.Int64N(1e10)) },
		func() string { return fmt.Sprint(rng.Float64() * 1e6) },
		func() string { return fmt.Sprintf("%de%d", rng.IntN(100), rng.IntN(30)) },
		func() string { return "0" + fmt.Sprint(rng.IntN(10)) },
		func() string { return "-0" },
		func() string { return `"` + randText(rng) + `"` },
		func() string { return `"` + randText(rng) + `"` },
		func() string { return fmt.Sprintf(`"%d"`, rng.IntN(1000)) },
		func() string {
			return []string{"true", "false", "null", "[]", "{}", `["a",1]`, `{"k":"v"}`, "tru", "-", ""}[rng.IntN(10)]
		},
	}
	token := func() string { return tokens[rng.IntN(len(tokens))]() }
	names := []string{"S", "s", "I", "L", "l", "DT", "TM", "TS", "ts", "D", "B", "A", "X"}
	cases := passCases()
	for n := 0; n < 20000; n++ {
		c := cases[rng.IntN(len(cases))]
		if c.unwrapped {
			checkPassThrough(t, c.src, c.pass, c.sink, c.ncols, []byte(token()))
			continue
		}
		var b strings.Builder
		b.WriteByte('{')
		for f := rng.IntN(6); f >= 0; f-- {
			if b.Len() > 1 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s":%s`, names[rng.IntN(len(names))], token())
		}
		b.WriteByte('}')
		checkPassThrough(t, c.src, c.pass, c.sink, c.ncols, []byte(b.String()))
	}
}

// randText is string contents of random characters: mostly plain ASCII,
// with escapes, control characters, non-ASCII UTF-8 and invalid bytes.
func randText(rng *rand.Rand) string {
	pieces := []string{"a", "Z", " ", "~", "\x7f", `\"`, `\\`, `\/`, `\n`, `\u00e9`, `\ud83d\ude00`, `\ud800`,
		"\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "\x01", "\xff", `\x`, "é"}
	var b strings.Builder
	for n := rng.IntN(12); n > 0; n-- {
		p := pieces[0]
		if rng.IntN(3) == 0 {
			p = pieces[rng.IntN(len(pieces))]
		}
		b.WriteString(p)
	}
	return b.String()
}

// bidCols and bidRecord are a Nexmark bid, as the benchmark's queries
// read it.
var (
	bidCols = []types.Column{
		col("BIDDER", types.BigintType), col("PRICE", types.BigintType), col("CHANNEL", types.StringType),
		col("URL", types.StringType), col("DATETIME", types.TimestampType), col("EXTRA", types.StringType),
	}
	bidRecord = []byte(`{"auction":1000,"bidder":1001,"price":9490,"channel":"channel-9768",` +
		`"url":"https://www.nexmark.com/yrv/yajj/slxd/item.htm?query=1&channel_id=9768","dateTime":1700000000000,` +
		`"extra":"brxyszqvnbtkrzwxzsckwvhbvrgwplrtwidjzlfhemfqhgsbrtdkvqspsbpzwtrnnvxkpbrqlxcwsjzptgvd"}`)
)

// BenchmarkJSONPassThrough decodes a bid and encodes Nexmark q0's value
// (BIDDER, PRICE, DATETIME, EXTRA) as a stateless query does, with the
// columns decoded and encoded, with the strings passing as written, and
// with every column that can.
func BenchmarkJSONPassThrough(b *testing.B) {
	src := Reading(newJSON(bidCols, false, false), []bool{true, true, false, false, true, true})
	sinkCols := []types.Column{bidCols[0], bidCols[1], bidCols[4], bidCols[5]}
	sink := newJSON(sinkCols, false, false)
	for _, c := range []struct {
		name     string
		from, to []int
	}{{"decode", nil, nil}, {"strings", []int{5}, []int{3}}, {"all", []int{0, 1, 4, 5}, []int{0, 1, 2, 3}}} {
		p := PassThrough(src, sink, c.from, c.to).(SlabDecoder)
		b.Run(c.name, func(b *testing.B) {
			row := make([]any, len(bidCols))
			out := make([]any, len(sinkCols))
			var slab Slab
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				if err := p.DecodeSlab(bidRecord, row, &slab); err != nil {
					b.Fatal(err)
				}
				out[0], out[1], out[2], out[3] = row[0], row[1], row[4], row[5]
				var err error
				if buf, _, err = sink.AppendEncode(buf[:0], out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJSONPassThroughDecode decodes a bid as Nexmark q2 does, for
// which a filter drops most rows before they are encoded: PRICE read,
// decoded or passing.
func BenchmarkJSONPassThroughDecode(b *testing.B) {
	src := Reading(newJSON(bidCols, false, false), []bool{false, true})
	sink := newJSON([]types.Column{bidCols[1]}, false, false)
	for _, c := range []struct {
		name     string
		from, to []int
	}{{"decode", nil, nil}, {"pass", []int{1}, []int{0}}} {
		p := PassThrough(src, sink, c.from, c.to).(SlabDecoder)
		b.Run(c.name, func(b *testing.B) {
			row := make([]any, len(bidCols))
			var slab Slab
			b.ReportAllocs()
			for b.Loop() {
				if err := p.DecodeSlab(bidRecord, row, &slab); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
