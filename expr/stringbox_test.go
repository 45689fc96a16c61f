package expr

import (
	"testing"

	"github.com/eddysql/eddy/types"
)

// countingBoxer boxes strings into one preallocated block and counts
// them, as serde.Slab does with recycled blocks.
type countingBoxer struct {
	block []string
	n     int
}

func (b *countingBoxer) BoxString(s string) any {
	b.n++
	if len(b.block) == cap(b.block) {
		b.block = b.block[:0] // the test's values die with each evaluation
	}
	b.block = append(b.block, s)
	return any(&b.block[len(b.block)-1]) // a distinct representation
}

// With a Context's Strings, STRING functions hand their results to it
// (no header allocated per result) and give the values they give
// without one.
func TestStringResultsBoxedByContext(t *testing.T) {
	schema := testResolver{cols: []types.Column{col("URL", types.StringType), col("TS", types.TimestampType)}}
	row := []any{"https://www.nexmark.com/a/b/item.htm?query=1&channel_id=7", types.TimestampVal(1_700_000_000_000)}
	for _, text := range []string{"SUBSTRING(URL, 9, 10)", "UCASE(URL)", "TRIM(URL)", "CONCAT(URL, '-x')", "REPLACE(URL, 'a', 'b')",
		"SPLIT(URL, '/')[4]", "REGEXP_EXTRACT('channel_id=([0-9]+)', URL, 1)", "FORMAT_TIMESTAMP(TS, 'yyyy-MM-dd')",
		"EXTRACTJSONFIELD('{\"a\":\"x\"}', '$.a')"} {
		c, err := Compile(mustParse(t, text), schema, NewRegistry())
		if err != nil {
			t.Fatalf("compile %s: %v", text, err)
		}
		want := c.Eval(&Context{}, row)
		if _, ok := want.(string); !ok {
			t.Fatalf("%s = %#v without Strings, want a string", text, want)
		}
		boxer := &countingBoxer{block: make([]string, 0, 8)}
		ctx := &Context{ReuseArgs: true, Strings: boxer}
		got := c.Eval(ctx, row)
		p, ok := got.(*string)
		if !ok || *p != want.(string) || boxer.n != 1 {
			t.Errorf("%s = %#v with Strings (%d boxed), want %q boxed once", text, got, boxer.n, want)
		}
	}
	c, err := Compile(mustParse(t, "SUBSTRING(URL, 9, 10)"), schema, NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	// Relative, as the race detector's build allocates the argument list.
	boxing := &Context{ReuseArgs: true, Strings: &countingBoxer{block: make([]string, 0, 8)}}
	plain := &Context{ReuseArgs: true}
	with := testing.AllocsPerRun(100, func() { c.Eval(boxing, row) })
	without := testing.AllocsPerRun(100, func() { c.Eval(plain, row) })
	if with != without-1 {
		t.Errorf("SUBSTRING: %v allocations per row with Strings, %v without, want one fewer", with, without)
	}
}
