package serde

import (
	"encoding/binary"
	"strings"
	"testing"
)

// timeWindowed and sessionWindowed frame a key as Kafka Streams does:
// the inner key, then the start (time windows) or end and start
// (session windows), 8 bytes big-endian each.
func timeWindowed(key []byte, start int64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), key...), uint64(start))
}

func sessionWindowed(key []byte, start, end int64) []byte {
	b := binary.BigEndian.AppendUint64(append([]byte(nil), key...), uint64(end))
	return binary.BigEndian.AppendUint64(b, uint64(start))
}

func int32Bytes(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

// TestPrintFormatsOneRecord: the formats a single key or value leaves,
// in ksqlDB's order, and how the first renders it.
func TestPrintFormatsOneRecord(t *testing.T) {
	invalidUTF8 := []byte{0xff, 0xff, 'i', 's', ' ', 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0xff, 0xff}
	cases := []struct {
		name     string
		key      bool
		in       []byte
		describe string
		render   string
	}{
		{"short string key", true, []byte("u3"), "KAFKA_STRING", "u3"},
		// Small integers are also (control-character) text.
		{"int key", true, int32Bytes(24), "KAFKA_INT or KAFKA_STRING", "24"},
		{"int key not text", true, int32Bytes(1000), "KAFKA_INT", "1000"},
		{"negative int key", true, int32Bytes(-5), "KAFKA_INT", "-5"},
		{"bigint key", true, binary.BigEndian.AppendUint64(nil, 199), "KAFKA_BIGINT or KAFKA_DOUBLE", "199"},
		// The last eight bytes of a text key of nine or more characters
		// read as a window start past year 9999: no window (ksqlDB shows
		// [u@8315178040182321972/-]).
		{"long string key", true, []byte("user_1234"), "KAFKA_STRING", "user_1234"},
		{"long string session-sized key", true, []byte("key20200529-and-more"), "KAFKA_STRING", "key20200529-and-more"},
		{"window start in year 9999", true, timeWindowed([]byte("k"), 253402300799999), "HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING)", "[k@253402300799999/-]"},
		{"window start after year 9999", true, timeWindowed([]byte("k"), 253402300800000), PrintNoFormat, `k\x00\x00\xE6w\xD2\x1F\xDC\x00`},
		{"tumbling string key", true, timeWindowed([]byte("κόσμε"), 1234567890123), "HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING)", "[κόσμε@1234567890123/-]"},
		{"session string key", true, sessionWindowed([]byte("κόσμε"), 1534567890123, 1534567899999), "SESSION(KAFKA_STRING)", "[κόσμε@1534567890123/1534567899999]"},
		{"tumbling int key", true, timeWindowed(int32Bytes(24), 1700000000000), "HOPPING(KAFKA_INT) or TUMBLING(KAFKA_INT) or HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING)", "[24@1700000000000/-]"},
		{"session int key", true, sessionWindowed(int32Bytes(1000), 1700000000000, 1700000005000), "SESSION(KAFKA_INT)", "[1000@1700000000000/1700000005000]"},
		{"tumbling bigint key", true, timeWindowed(binary.BigEndian.AppendUint64(nil, 199), 1700000000000), "HOPPING(KAFKA_BIGINT) or TUMBLING(KAFKA_BIGINT) or HOPPING(KAFKA_DOUBLE) or TUMBLING(KAFKA_DOUBLE)", "[199@1700000000000/-]"},
		// `"k1"` is four bytes, so an INT as well.
		{"tumbling JSON key", true, timeWindowed([]byte(`"k1"`), 1700000000000), "HOPPING(JSON) or TUMBLING(JSON) or HOPPING(KAFKA_INT) or TUMBLING(KAFKA_INT) or HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING)", `["k1"@1700000000000/-]`},
		{"session JSON key", true, sessionWindowed([]byte(`{"a":1}`), 1700000000000, 1700000005000), "SESSION(JSON) or SESSION(KAFKA_STRING)", `[{"a":1}@1700000000000/1700000005000]`},
		// Jackson reads the first value of `{"a":1}` and ignores the
		// window after it, so with window bytes that are text the whole
		// key is JSON too.
		{"session JSON key, early window", true, sessionWindowed([]byte(`{"a":1}`), 100, 120), "SESSION(JSON) or HOPPING(JSON) or TUMBLING(JSON) or JSON or SESSION(KAFKA_STRING) or HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING) or KAFKA_STRING", `[{"a":1}@100/120]`},
		// A session that ends before it starts is no session window.
		{"session end before start", true, sessionWindowed([]byte("k"), 100, 99), "HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING) or KAFKA_STRING", "[k\x00\x00\x00\x00\x00\x00\x00c@100/-]"},
		{"negative window start", true, timeWindowed([]byte("k"), -1), PrintNoFormat, `k\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF`},
		{"JSON value", false, []byte(`{"ID": 1, "NAME": "x"}`), "JSON or KAFKA_STRING", `{"ID": 1, "NAME": "x"}`},
		{"8-byte JSON value", false, []byte(`{"ID":1}`), "JSON or KAFKA_BIGINT or KAFKA_DOUBLE or KAFKA_STRING", `{"ID":1}`},
		{"delimited value", false, []byte("1,one,100"), "KAFKA_STRING", "1,one,100"},
		{"number value", false, []byte("24.987"), "JSON or KAFKA_STRING", "24.987"},
		{"value not windowed", false, timeWindowed([]byte("κόσμε"), 1234567890123), PrintNoFormat, `\xCE\xBA\xCF\x8C\xCF\x83\xCE\xBC\xCE\xB5\x00\x00\x01\x1Fq\xFB\x04\xCB`},
		{"invalid UTF-8", false, invalidUTF8, PrintNoFormat, `\xFF\xFFis invalid\xFF\xFF`},
		{"text with U+FFFD", false, []byte("a\uFFFDb"), PrintNoFormat, `a\xEF\xBF\xBDb`},
		{"backslash", false, []byte{0xc3, '\\'}, PrintNoFormat, `\xC3\x5C`},
		{"empty value", false, []byte{}, PrintNoFormat, ""},
		// Framed like Avro, but no registry knows the id.
		{"unregistered framing", false, []byte{0, 0, 0, 0, 1, 0xff, 0xfe}, PrintNoFormat, `\x00\x00\x00\x00\x01\xFF\xFE`},
	}
	for _, c := range cases {
		p := NewPrintFormats(nil, c.key)
		p.Observe(c.in)
		if got := p.Describe(); got != c.describe {
			t.Errorf("%s: formats %q, want %q", c.name, got, c.describe)
		}
		if got := p.Render(c.in); got != c.render {
			t.Errorf("%s: rendered %q, want %q", c.name, got, c.render)
		}
	}
}

// TestPrintFormatsNarrow: the set only shrinks, record by record, and a
// record renders in the first format left after it.
func TestPrintFormatsNarrow(t *testing.T) {
	p := NewPrintFormats(nil, true)
	if p.Describe() != PrintNoData || p.Names() != nil {
		t.Fatalf("fresh: %q", p.Describe())
	}
	p.Observe(nil) // a null key narrows nothing, and is no data
	if p.Describe() != PrintNoData || p.Render(nil) != "<null>" {
		t.Fatalf("after a null: %q", p.Describe())
	}
	if n := len(NewPrintFormats(nil, true).cands); n != 4*int(numPrintBases) {
		t.Errorf("%d key candidates", n)
	}
	if n := len(NewPrintFormats(nil, false).cands); n != int(numPrintBases) {
		t.Errorf("%d value candidates", n)
	}

	// Eight bytes of text could be a BIGINT or a DOUBLE, until a longer
	// key rules the numbers out.
	dieHard := []byte("Die Hard")
	p.Observe(dieHard)
	if got := p.Describe(); got != "KAFKA_BIGINT or KAFKA_DOUBLE or KAFKA_STRING" {
		t.Fatalf("after Die Hard: %q", got)
	}
	if got := p.Render(dieHard); got != "4929582456461423204" {
		t.Errorf("Die Hard as a BIGINT: %q", got)
	}
	p.Observe([]byte("Key that's clearly a string"))
	if got := p.Describe(); got != "KAFKA_STRING" {
		t.Fatalf("after a string: %q", got)
	}
	if got := p.Render(dieHard); got != "Die Hard" {
		t.Errorf("Die Hard as a string: %q", got)
	}
	p.Observe([]byte{})
	if got := p.Describe(); got != PrintNoFormat {
		t.Fatalf("after an empty key: %q", got)
	}
	if got := p.Render(dieHard); got != "Die Hard" {
		t.Errorf("Die Hard with no format left: %q", got)
	}

	// Windowed string keys stay windowed while every key has a window;
	// one key too short for a window leaves the plain string.
	w := NewPrintFormats(nil, true)
	for i, k := range []string{"alpha", "beta", "gamma"} {
		w.Observe(timeWindowed([]byte(k), 1700000000000+int64(i)*60000))
	}
	if got := w.Describe(); got != "HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING)" {
		t.Fatalf("windowed: %q", got)
	}
	w.Observe([]byte("x"))
	if got := w.Describe(); got != PrintNoFormat {
		t.Fatalf("windowed then plain: %q", got)
	}
}

// TestJacksonReads: ksqlDB's PRINT takes as JSON what Jackson's readTree
// accepts, which reads only the first value.
func TestJacksonReads(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":1}`:        true,
		`[10,22,44]`:     true,
		`"text"`:         true,
		`24.987`:         true,
		`true`:           true,
		`null`:           true,
		`  `:             true, // a missing node
		`{"a":1}garbage`: true,
		`"k"` + "\x00":   true,
		`1 garbage`:      true,
		"1\x00":          false, // a top-level number must end at a blank
		`1,`:             false,
		`true]`:          true,
		`true,`:          true,
		`truex`:          false,
		`true1`:          false,
		`nul`:            false,
		`01`:             false,
		`-`:              false,
		`{"a":}`:         false,
		`{'a':1}`:        false,
		"\x00":           false,
		"\"a\x01\"":      false, // a raw control character in a string
		`u3`:             false,
		`NaN`:            false,
	} {
		if got := jacksonReads([]byte(in)); got != want {
			t.Errorf("jacksonReads(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestPrintFormatsObserveCost: observing a record checks each candidate
// left once, so a narrowed set costs less per record.
func TestPrintFormatsObserveCost(t *testing.T) {
	p := NewPrintFormats(nil, true)
	key := timeWindowed([]byte(strings.Repeat("k", 100)), 1700000000000)
	p.Observe(key)
	if len(p.cands) != 2 { // HOPPING and TUMBLING of KAFKA_STRING ("kkkkkkkk" is no session end)
		t.Fatalf("left %v", p.Names())
	}
	allocs := testing.AllocsPerRun(100, func() { p.Observe(key) })
	if allocs != 0 {
		t.Errorf("%v allocations per record", allocs)
	}
}
