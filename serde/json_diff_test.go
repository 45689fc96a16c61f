package serde

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// validityCols read any JSON value (STRING takes every kind as text), so
// a record fails only for its syntax. The names are a bid's, one short
// and one longer than a word, so keys are matched both in place and by
// scanning.
var validityCols = []types.Column{
	col("BIDDER", types.StringType),
	col("PRICE", types.StringType),
	col("DATETIME", types.StringType),
	col("A", types.StringType),
	col("LONGER_THAN_A_WORD", types.StringType),
}

// FuzzJSONValidity: the decoder accepts a record exactly when
// encoding/json finds it valid and it is an object (or null, or empty,
// which read as no record), whether it decodes every column, checks them
// all, or mixes both. Inputs with invalid UTF-8 are out of scope (the
// decoder rejects it in strings, encoding/json lets it through), as is
// nesting past maxDepth.
func FuzzJSONValidity(f *testing.F) {
	for _, r := range []string{
		`{"auction":1000,"bidder":1001,"price":9490,"channel":"channel-9768","dateTime":1700000000000,"extra":"brx"}`,
		`{"BIDDER":"x","Price":[1,{"a":null}],"datetime":-1.5e3,"a":true,"longer_than_a_word":{}}`,
		`{ "bidder" : 1 , "price"	:2 }`, `{"bi\u0064der":1}`, `{"bidder\"":1}`, `{"bidder`, `{"bidder"`, `{"a":`,
		`{"bidder":1,}`, `{"bidder":01}`, `{"a":"\ud800"}`, `{"a":"x` + "\x01" + `"}`, `[1]`, `"s"`, `null`, ``, ` `,
		`{"a":1} x`, `{"a":1}{}`, `{"longer_than_a_word":1,"LONGER_THAN_A_WORD":2}`, `{"a":1,"a":[]}`, `{"":1}`,
	} {
		f.Add([]byte(r), uint8(0))
	}
	s, err := New(Format{Name: JSON}, validityCols, false)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, mask uint8) {
		if !utf8.Valid(data) || bytes.Count(data, []byte{'['})+bytes.Count(data, []byte{'{'}) > maxDepth {
			return
		}
		trimmed := bytes.TrimLeft(data, " \t\r\n")
		want := len(trimmed) == 0 || (json.Valid(data) && (trimmed[0] == '{' || trimmed[0] == 'n'))
		read := make([]bool, len(validityCols))
		for i := range read {
			read[i] = mask&(1<<i) != 0
		}
		for _, d := range []Serde{s, Reading(s, read)} {
			err := d.Decode(data, make([]any, len(validityCols)))
			if err == ErrNull {
				err = nil
			}
			if (err == nil) != want {
				t.Fatalf("%T: Decode(%q) = %v, encoding/json valid object: %v", d, data, err, want)
			}
		}
	})
}

// FuzzNameKey: matching a field name against a key's bytes in place
// agrees with scanning the key, reading the colon right after it and
// folding the key as lookup does, and misses a match only near the end of
// the input.
func FuzzNameKey(f *testing.F) {
	for _, c := range [][2]string{
		{"BIDDER", `bidder":1}`}, {"DATETIME", `dateTime":1}`}, {"DATETIME", `DATETIME":`}, {"URL", `url":`},
		{"A_B", `a_b":1`}, {"@[", "`{\":1"}, {"LONGER_THAN_A_WORD", `longer_than_a_WORD":1}`}, {"X", `x\"":1`},
		{"quoted\"", `quoted\"":1`}, {"É", `é":1`}, {"k", "\u212a\":1"}, {"", `":1`}, {"PRICE", `price" :1`},
		{"PRICE", `price"`}, {"abcdef", `ABCDEF":0`},
	} {
		f.Add(c[0], []byte(c[1]))
		f.Add(c[0], []byte(c[1]+`,"next":[1,2,3]}`)) // long enough to match in place
	}
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		o := newObjCodec([]string{name}, []*types.Type{types.StringType})
		_, exact, ok := o.keyInPlace(&scanner{b: append([]byte{'"'}, b...)}, 0)
		// What scanning finds: the string's content if b holds one.
		s := scanner{b: append([]byte{'"'}, b...)}
		key, err := s.str()
		fold := err == nil && s.cur() == ':' && len(key) == len(name) && o.foldEq(0, key)
		if ok {
			if !fold || exact != (string(key) == name) || s.i+1 != len(name)+3 {
				t.Fatalf("keyInPlace(%q) for %q = exact %v, ok; scanning gives %q (%v)", b, name, exact, key, err)
			}
			return
		}
		plain := name != "" && !strings.ContainsAny(name, "\"\\") && isASCII([]byte(name)) &&
			strings.IndexFunc(name, func(r rune) bool { return r < 0x20 }) < 0
		if fold && plain && (len(name)+2+7)/8*8 <= len(b) {
			t.Fatalf("keyInPlace(%q) for %q missed the key %q", b, name, key)
		}
	})
}

// FuzzInteger: reading an integer in one pass (eight digits at a time)
// gives the value, error and end offset that reading the number token and
// converting it as Java's longValue does give.
func FuzzInteger(f *testing.F) {
	for _, n := range []string{
		"0", "-0", "7,", "1700000000000,", "12345678", "123456789}", "-999999999999999999", "1000000000000000000",
		"9223372036854775807", "-9223372036854775808", "99999999999999999999999", "00", "012", "1.5", "-", "1e3",
		"12345678.5", "123456789012345678e1", "4294967296 ", "1234567\x00", "98765432:", "5/", "5" + strings.Repeat("9", 30),
	} {
		f.Add([]byte(n))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		slow := scanner{b: b}
		tok, isInt, err := slow.num()
		fast := scanner{b: b}
		got, gotErr := fast.integer()
		var want int64
		if err == nil {
			want = intOfNumber(tok, isInt)
		}
		if fmt.Sprint(gotErr) != fmt.Sprint(err) || got != want || fast.i != slow.i {
			t.Fatalf("integer(%q) = %d, %v at %d; num gives %d, %v at %d", b, got, gotErr, fast.i, want, err, slow.i)
		}
	})
}

// FuzzStr: scanning a string in chunks (sixteen bytes where the CPU has
// vectors, then eight) gives what reading it a byte at a time gives: the
// same text, error and end offset, whether it is kept or only checked.
func FuzzStr(f *testing.F) {
	for _, s := range []string{
		`abc"`, `abc`, `"`, ``, `0123456789abcdef"x`, "é\"", "\xff\"", "abcdefgh\xe9\"", "a\x01\"", `a\"b"`,
		`a\u00e9"`, `a\q"`, "abcdefghijklmnop\x7f\"}", "0123456789é0123456789\"", "\xe9\x80", "abc\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b := append([]byte{'"'}, body...)
		fast := scanner{b: b}
		got, gotErr := fast.str()
		check := scanner{b: b}
		checkErr := check.skipStr()
		ref := scanner{b: b}
		want, wantErr := strByBytes(&ref)
		if string(got) != string(want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || fast.i != ref.i {
			t.Fatalf("str(%q) = %q, %v at %d; byte by byte %q, %v at %d", b, got, gotErr, fast.i, want, wantErr, ref.i)
		}
		if fmt.Sprint(checkErr) != fmt.Sprint(wantErr) || (wantErr == nil && check.i != ref.i) {
			t.Fatalf("skipStr(%q) = %v at %d; byte by byte %v at %d", b, checkErr, check.i, wantErr, ref.i)
		}
	})
}

// strByBytes is the reference for scanStr: one byte at a time.
func strByBytes(s *scanner) ([]byte, error) {
	for i := s.i + 1; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			if v := s.b[1:i]; utf8.Valid(v) {
				return v, nil
			}
			return nil, s.errf("invalid UTF-8 in string")
		case c == '\\':
			s.i = i
			return s.strEscaped(1)
		case c < 0x20:
			s.i = i
			return nil, s.errf("control character in string")
		}
	}
	s.i = len(s.b)
	return nil, s.errf("unterminated string")
}

// TestIntOfNumberScale: numbers whose exponent puts their value beyond
// 64 low bits, or below 1, convert to 0 without being spelled out, and
// agree with the exact conversion wherever that is quick to compute.
func TestIntOfNumberScale(t *testing.T) {
	exact := func(tok string) int64 {
		d, err := decimal.NewFromString(tok)
		if err != nil {
			t.Fatalf("%s: %v", tok, err)
		}
		return lowBits(d.Truncate(0).BigInt())
	}
	for _, tok := range []string{
		"1e63", "1e64", "3e64", "-7e70", "1.5e64", "1.5e65", "12.34e65", "5e-1", "-5e-1", "9.9e0",
		"123e-3", "1234e-3", "0.0001e2", "0.0001e4", "1E+19", "-1E+20", "2e1000", "1e-1000", "0e99",
	} {
		if got, want := intOfNumber([]byte(tok), false), exact(tok); got != want {
			t.Errorf("intOfNumber(%s) = %d, want %d", tok, got, want)
		}
	}
	// Far too large to spell out: each must come back at once (a
	// regression hangs the test for minutes per token).
	for _, tok := range []string{"1E77585807", "-3.5e999999999", "1e99999999999999999999", "7e-77585807"} {
		if got := intOfNumber([]byte(tok), false); got != 0 {
			t.Errorf("intOfNumber(%s) = %d, want 0", tok, got)
		}
	}
}
