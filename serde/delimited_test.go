package serde

import (
	"reflect"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

func TestDelimitedEncodeQuoting(t *testing.T) {
	cols := []types.Column{col("A", types.StringType), col("B", types.StringType)}
	s := mustNew(t, fmtOf("DELIMITED"), cols, false)
	cases := []struct {
		a, b any
		want string
	}{
		{"zero", "0.0", "zero,0.0"},
		{nil, "x", ",x"},
		{"x", nil, "x,"},
		{nil, nil, ","},
		{"", "", `"",`}, // an empty first field is quoted, later ones are not
		{"a,b", `say "hi"`, `"a,b","say ""hi"""`},
		{"-10", "-10", `"-10",-10`},           // date.json: first field must start alphanumeric
		{"_x", "_x", `"_x",_x`},               // same rule for any punctuation
		{" lead", " lead", `" lead"," lead"`}, // string.json: a leading blank is quoted anywhere
		{"trail ", "t\t", `"trail ","t` + "\t" + `"`},
		{"#c", "!x", `"#c","!x"`},
		{"line\nbreak", "cr\r", "\"line\nbreak\",\"cr\r\""},
		{"é", "é", `"é",é`}, // non-ASCII first character is quoted in the first field only
		{"a$b", "$", "a$b,$"},
	}
	for _, c := range cases {
		out, err := s.Encode([]any{c.a, c.b})
		if err != nil || string(out) != c.want {
			t.Errorf("%q,%q: got %q, %v; want %q", c.a, c.b, out, err, c.want)
		}
		// Everything written reads back, with "" as null.
		dst := make([]any, 2)
		if err := s.Decode(out, dst); err != nil {
			t.Errorf("%q: decode: %v", out, err)
			continue
		}
		for i, v := range []any{c.a, c.b} {
			if v == "" {
				v = nil
			}
			if dst[i] != v {
				t.Errorf("%q: column %d read back %#v, want %#v", out, i, dst[i], v)
			}
		}
	}
}

// project-filter.json: a string starting with a quote.
func TestDelimitedEmbeddedCode(t *testing.T) {
	s := mustNew(t, fmtOf("DELIMITED"), []types.Column{col("X", types.StringType)}, false)
	in := `" + new java.util.function.Supplier<String>(){public String get() {return "boom";}}.get() + "`
	out, _ := s.Encode([]any{in})
	want := `""" + new java.util.function.Supplier<String>(){public String get() {return ""boom"";}}.get() + """`
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
}

func TestDelimitedTypes(t *testing.T) {
	cols := []types.Column{
		col("ID", types.BigintType), col("NAME", types.StringType), col("VALUE", types.DoubleType),
		col("I", types.IntType), col("B", types.BooleanType), col("DEC", types.DecimalOf(6, 4)),
		col("BY", types.BytesType), col("DT", types.DateType), col("TM", types.TimeType), col("TS", types.TimestampType),
	}
	s := mustNew(t, fmtOf("DELIMITED"), cols, false)
	in := "4294967296,zero,0.0,-7,true,10.0,dmFyaWF0aW9ucw==,-10,1000,1526075913000"
	dst := make([]any, len(cols))
	if err := s.Decode([]byte(in), dst); err != nil {
		t.Fatal(err)
	}
	want := []any{int64(4294967296), "zero", 0.0, int32(-7), true, dec("10.0000"), []byte("variations"),
		types.DateVal(-10), types.TimeVal(1000), types.TimestampVal(1526075913000)}
	for i := range want {
		if !sameValue(dst[i], want[i]) {
			t.Errorf("%s: got %#v, want %#v", cols[i].Name, dst[i], want[i])
		}
	}
	out, err := s.Encode(dst)
	if err != nil {
		t.Fatal(err)
	}
	// decimal.json: the column's scale is kept, never trimmed.
	if w := "4294967296,zero,0.0,-7,true,10.0000,dmFyaWF0aW9ucw==,-10,1000,1526075913000"; string(out) != w {
		t.Fatalf("got  %s\nwant %s", out, w)
	}
}

func TestDelimitedDecode(t *testing.T) {
	cols := []types.Column{col("C1", types.BigintType), col("C2", types.IntType), col("C3", types.StringType)}
	s := mustNew(t, fmtOf("DELIMITED"), cols, false)
	cases := []struct {
		in   string
		want []any
		err  string
	}{
		{"123,456,foo", []any{int64(123), int32(456), "foo"}, ""},
		{",456,foo", []any{nil, int32(456), "foo"}, ""},
		{",,", []any{nil, nil, nil}, ""},
		{`1,2,"a,""b"""`, []any{int64(1), int32(2), `a,"b"`}, ""},
		{"1,2,\"multi\nline\"", []any{int64(1), int32(2), "multi\nline"}, ""},
		{`1,2,"quoted" `, []any{int64(1), int32(2), "quoted"}, ""},
		{`1,2,a"b`, []any{int64(1), int32(2), `a"b`}, ""}, // a quote inside a plain field is literal
		{"1,2,x\r\n", []any{int64(1), int32(2), "x"}, ""},
		{"1,2, x ", []any{int64(1), int32(2), " x "}, ""},
		{"1,2", nil, "expected 3 delimited fields, got 2"},
		{"1,2,3,4", nil, "expected 3 delimited fields, got 4"},
		{"x,2,3", nil, "`C1`: cannot convert string \"x\" to BIGINT"},
		{"1,2.5,3", nil, "`C2`"},
		{" 1,2,3", nil, "`C1`"},
		{`1,2,"open`, nil, "ends inside a quoted field"},
		{`1,2,"a"b`, nil, "after a quoted field"},
		{"1,2,3\n4,5,6", nil, "one delimited record"},
		{"", nil, "got 0"},
	}
	for _, c := range cases {
		dst := make([]any, 3)
		err := s.Decode([]byte(c.in), dst)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(dst, c.want) {
			t.Errorf("%q: got %#v, %v; want %#v", c.in, dst, err, c.want)
		}
	}
}

func TestDelimitedDelimiters(t *testing.T) {
	cols := []types.Column{col("A", types.StringType), col("B", types.IntType)}
	for delim, want := range map[string]string{"TAB": "a b\t1", "SPACE": `"a b" 1`, "|": "a b|1", "§": "a b§1", "$": "a b$1"} {
		s := mustNew(t, fmtOf("DELIMITED", "DELIMITER", delim), cols, false)
		out, err := s.Encode([]any{"a b", int32(1)})
		if err != nil || string(out) != want {
			t.Errorf("%s: got %q, %v; want %q", delim, out, err, want)
			continue
		}
		dst := make([]any, 2)
		if err := s.Decode(out, dst); err != nil || dst[0] != "a b" || dst[1] != int32(1) {
			t.Errorf("%s: read back %#v, %v", delim, dst, err)
		}
	}
	// VALUE_DELIMITER is understood too.
	s := mustNew(t, fmtOf("DELIMITED", "VALUE_DELIMITER", "|"), cols, false)
	if out, _ := s.Encode([]any{"x", int32(2)}); string(out) != "x|2" {
		t.Errorf("got %q", out)
	}
}

// Multi-column DELIMITED keys, e.g. "a,1" (semantics 3.6), and the
// group-by.json key "\"-1\",a,1".
func TestDelimitedKeys(t *testing.T) {
	cols := []types.Column{keyCol("K1", types.IntType), keyCol("K2", types.StringType), keyCol("K3", types.IntType)}
	s := mustNew(t, fmtOf("DELIMITED"), cols, true)
	out, err := s.Encode([]any{int32(-1), "a", int32(1)})
	if err != nil || string(out) != `"-1",a,1` {
		t.Fatalf("got %q, %v", out, err)
	}
	dst := make([]any, 3)
	if err := s.Decode(out, dst); err != nil || dst[0] != int32(-1) || dst[1] != "a" || dst[2] != int32(1) {
		t.Fatalf("got %#v, %v", dst, err)
	}
	one := mustNew(t, fmtOf("DELIMITED"), []types.Column{keyCol("ID", types.IntType)}, true)
	if err := one.Decode([]byte("10"), dst); err != nil || dst[0] != int32(10) {
		t.Fatalf("got %#v, %v", dst, err)
	}
	// A lone null writes as empty bytes and reads back as null.
	out, _ = one.Encode([]any{nil})
	if out == nil || len(out) != 0 {
		t.Fatalf("got %#v", out)
	}
	if err := one.Decode(out, dst); err != nil || dst[0] != nil {
		t.Fatalf("got %#v, %v", dst, err)
	}
}
