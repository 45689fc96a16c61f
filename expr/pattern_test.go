package expr

import (
	"testing"

	"github.com/eddysql/eddy/types"
)

// A regular-expression function gives the same result whether its
// pattern is a literal (compiled once) or a column (compiled per row);
// with a literal it does not compile per row, and a literal that does
// not compile still fails each row with the error.
func TestConstantPatternCompiledOnce(t *testing.T) {
	schema := testResolver{cols: []types.Column{col("URL", types.StringType), col("PAT", types.StringType)}}
	url := "https://www.nexmark.com/a/b/item.htm?query=1&channel_id=9768"
	cases := []struct{ literal, column string }{
		{"REGEXP_EXTRACT('channel_id=([0-9]+)', URL, 1)", "REGEXP_EXTRACT(PAT, URL, 1)"},
		{"REGEXP_EXTRACT('item', URL)", "REGEXP_EXTRACT(PAT, URL)"},
		{"REGEXP_REPLACE(URL, '[0-9]+', 'N')", "REGEXP_REPLACE(URL, PAT, 'N')"},
		{"REGEXP_SPLIT_TO_ARRAY(URL, '/')", "REGEXP_SPLIT_TO_ARRAY(URL, PAT)"},
		{"REGEXP_EXTRACT_ALL('[a-z]+', URL)", "REGEXP_EXTRACT_ALL(PAT, URL)"},
	}
	pats := []string{"channel_id=([0-9]+)", "item", "[0-9]+", "/", "[a-z]+"}
	for i, c := range cases {
		lit, byCol := mustCompile(t, c.literal, schema), mustCompile(t, c.column, schema)
		row := []any{url, pats[i]}
		got, want := lit.Eval(nil, row), byCol.Eval(nil, row)
		if types.FormatValue(got, lit.Type) != types.FormatValue(want, byCol.Type) || got == nil {
			t.Errorf("%s = %v, and with the pattern in a column %v", c.literal, got, want)
		}
		perRow := testing.AllocsPerRun(50, func() { byCol.Eval(nil, row) })
		once := testing.AllocsPerRun(50, func() { lit.Eval(nil, row) })
		if once >= perRow-5 {
			t.Errorf("%s: %v allocations per row with a literal pattern, %v compiling it per row", c.literal, once, perRow)
		}
	}
	bad := mustCompile(t, "REGEXP_EXTRACT('(', URL)", schema)
	var errs []error
	ctx := &Context{OnError: func(err error) { errs = append(errs, err) }}
	for range 2 {
		if v := bad.Eval(ctx, []any{url, ""}); v != nil {
			t.Errorf("a pattern that does not compile gave %v", v)
		}
	}
	if len(errs) != 2 {
		t.Errorf("a pattern that does not compile reported %v, want one error per row", errs)
	}
}

// mustCompile compiles text against schema with the built-in functions.
func mustCompile(t *testing.T, text string, schema Resolver) *Compiled {
	t.Helper()
	c, err := Compile(mustParse(t, text), schema, NewRegistry())
	if err != nil {
		t.Fatalf("compile %s: %v", text, err)
	}
	return c
}
