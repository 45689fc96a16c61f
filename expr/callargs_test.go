package expr

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

var callSchema = testResolver{cols: []types.Column{
	col("S", types.StringType), col("N", types.StringType), col("TS", types.TimestampType), col("P", types.StringType),
}}

func compileCall(t testing.TB, text string) *Compiled {
	t.Helper()
	c, err := Compile(mustParse(t, text), callSchema, NewRegistry())
	if err != nil {
		t.Fatalf("compile %s: %v", text, err)
	}
	return c
}

// With ReuseArgs, calls take their argument lists from the Context: the
// results are the same, each call saves an allocation, and the stack is
// empty again after every evaluation, whether a call got a NULL, failed
// or returned.
func TestReuseArgs(t *testing.T) {
	rows := [][]any{
		{"a,b,c", "42", int64(1_700_000_000_000), "yyyy"},
		{"xcc", nil, int64(0), "HH"},
		{"", "not a number", int64(86_399_999), "yyyy-'"}, // a bad pattern fails per row
	}
	for _, text := range []string{
		"LEN(S) - LEN(REPLACE(S, 'c', ''))",
		"CONCAT(UCASE(S), LCASE(N), SUBSTRING(S, 2))",
		"CAST(N AS INT) + LEN(S)",
		"FORMAT_TIMESTAMP(TS, P)",
		"CASE WHEN LEN(S) > 2 THEN LPAD(S, 10, 'x') ELSE RPAD(S, 3, N) END",
	} {
		c := compileCall(t, text)
		plain, reuse := &Context{}, &Context{ReuseArgs: true}
		for _, row := range rows {
			want, got := c.Eval(plain, row), c.Eval(reuse, row)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s on %v: %v with ReuseArgs, %v without", text, row, got, want)
			}
			if len(reuse.args) != 0 {
				t.Errorf("%s on %v left %d arguments on the stack", text, row, len(reuse.args))
			}
		}
	}
	c := compileCall(t, "LEN(S) - LEN(REPLACE(S, 'c', ''))")
	row := rows[1]
	plain := testing.AllocsPerRun(100, func() { c.Eval(&Context{}, row) })
	ctx := &Context{ReuseArgs: true}
	reused := testing.AllocsPerRun(100, func() { c.Eval(ctx, row) })
	if plain-reused < 3 {
		t.Errorf("%v allocations per evaluation with ReuseArgs, %v without: want 3 fewer (three calls)", reused, plain)
	}
}

// A function returning a collection keeps a fresh argument list, so one
// result is never overwritten by the next.
func TestReuseArgsCollections(t *testing.T) {
	c := compileCall(t, "SPLIT(S, ',')")
	ctx := &Context{ReuseArgs: true}
	first := c.Eval(ctx, []any{"a,b", nil, nil, nil})
	c.Eval(ctx, []any{"x,y,z", nil, nil, nil})
	if !reflect.DeepEqual(first, []any{"a", "b"}) {
		t.Errorf("first result became %v", first)
	}
}

// FORMAT_TIMESTAMP with a constant pattern reads it once at compile time
// and formats exactly as with a pattern read per row.
func TestFormatTimestampConstantPattern(t *testing.T) {
	for _, p := range []string{"HH", "yyyy-MM-dd'T'HH:mm:ss.SSS", "EEE, d MMM yyyy"} {
		for _, zone := range []string{"", ", 'America/New_York'", ", 'UTC'"} {
			c := compileCall(t, "FORMAT_TIMESTAMP(TS, '"+strings.ReplaceAll(p, "'", "''")+"'"+zone+")")
			v := compileCall(t, "FORMAT_TIMESTAMP(TS, P"+zone+")")
			for _, ts := range []int64{0, 1_700_000_000_123, 1_700_040_000_000} {
				row := []any{nil, nil, types.TimestampVal(ts), p}
				if got, want := c.Eval(nil, row), v.Eval(nil, row); got != want {
					t.Errorf("FORMAT_TIMESTAMP(%d, '%s'%s) = %v, want %v", ts, p, zone, got, want)
				}
			}
		}
	}
	var errs []error
	c := compileCall(t, "FORMAT_TIMESTAMP(TS, 'yyyy-''MM')")
	if v := c.Eval(&Context{OnError: func(err error) { errs = append(errs, err) }}, []any{nil, nil, types.TimestampVal(0), nil}); v != nil || len(errs) != 1 {
		t.Errorf("a bad constant pattern gave %v and %d errors, want NULL and one error per row", v, len(errs))
	}
}

// BenchmarkNexmarkQ14Expressions evaluates q14's projected expressions on
// one bid.
func BenchmarkNexmarkQ14Expressions(b *testing.B) {
	exprs := []*Compiled{
		compileCall(b, `CASE WHEN CAST(FORMAT_TIMESTAMP(TS, 'HH') AS INT) >= 8 AND CAST(FORMAT_TIMESTAMP(TS, 'HH') AS INT) <= 18 THEN 'dayTime'
       WHEN CAST(FORMAT_TIMESTAMP(TS, 'HH') AS INT) <= 6 OR CAST(FORMAT_TIMESTAMP(TS, 'HH') AS INT) >= 20 THEN 'nightTime'
       ELSE 'otherTime' END`),
		compileCall(b, "LEN(S) - LEN(REPLACE(S, 'c', ''))"),
	}
	row := []any{"kjfcvbqhcmaiccyr", nil, types.TimestampVal(1_700_000_000_000 + 7*3_600_000), nil}
	ctx := &Context{ReuseArgs: true}
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range exprs {
			e.Eval(ctx, row)
		}
	}
}

// SPLIT(s, d)[i] with a constant i finds the one part without building
// the array, and gives what indexing the whole array gives.
func TestSplitElement(t *testing.T) {
	r := testResolver{cols: []types.Column{col("S", types.StringType), col("D", types.StringType), col("I", types.IntType)}}
	variable, err := Compile(mustParse(t, "SPLIT(S, D)[I]"), r, NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{-9, -4, -3, -1, 0, 1, 2, 3, 4, 5, 9} {
		c, err := Compile(mustParse(t, fmt.Sprintf("SPLIT(S, D)[%d]", i)), r, NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		for _, sd := range [][2]any{
			{"https://www.nexmark.com/abc/def/item.htm", "/"}, {"a//b", "/"}, {"", ","}, {"abc", ""}, {"x--y--", "--"},
			{"no delimiter", "#"}, {nil, "/"}, {"a/b", nil},
		} {
			row := []any{sd[0], sd[1], int32(i)}
			if got, want := c.Eval(nil, row), variable.Eval(nil, row); got != want {
				t.Errorf("SPLIT(%v, %v)[%d] = %#v, want %#v", sd[0], sd[1], i, got, want)
			}
		}
	}
}

// BenchmarkSplitElement is one of q22's SPLIT(URL, '/')[4].
func BenchmarkSplitElement(b *testing.B) {
	r := testResolver{cols: []types.Column{col("URL", types.StringType)}}
	c, err := Compile(mustParse(b, "SPLIT(URL, '/')[4]"), r, NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	row := []any{"https://www.nexmark.com/vrz/jfo/kqo/item.htm?query=1&channel_id=1138753536"}
	ctx := &Context{ReuseArgs: true}
	b.ReportAllocs()
	for b.Loop() {
		c.Eval(ctx, row)
	}
}
