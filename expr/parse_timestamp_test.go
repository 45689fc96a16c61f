package expr

import (
	"testing"
	"time"

	"github.com/eddysql/eddy/types"
)

// PARSE_TIMESTAMP and STRINGTOTIMESTAMP with a literal pattern (read
// once, at compile time) give what they give with the pattern in a
// column, fail the rows the pattern does not fit, and do less per row.
func TestParseTimestampLiteralPattern(t *testing.T) {
	schema := testResolver{cols: []types.Column{col("S", types.StringType), col("PAT", types.StringType)}}
	cases := []struct{ literal, column, pattern string }{
		{"PARSE_TIMESTAMP(S, 'yyyy-MM-dd HH:mm:ss')", "PARSE_TIMESTAMP(S, PAT)", "yyyy-MM-dd HH:mm:ss"},
		{"PARSE_TIMESTAMP(S, 'yyyy-MM-dd HH:mm:ss', 'America/Los_Angeles')", "PARSE_TIMESTAMP(S, PAT, 'America/Los_Angeles')", "yyyy-MM-dd HH:mm:ss"},
		{"STRINGTOTIMESTAMP(S, 'yyyy-MM-dd HH:mm:ss')", "STRINGTOTIMESTAMP(S, PAT)", "yyyy-MM-dd HH:mm:ss"},
	}
	for _, c := range cases {
		lit, byCol := mustCompile(t, c.literal, schema), mustCompile(t, c.column, schema)
		for _, text := range []string{"2023-11-14 22:13:20", "1970-01-01 00:00:00", "2024-02-29 12:00:00", "not a time", "2023-11-14"} {
			row := []any{text, c.pattern}
			var litErrs, colErrs int
			got := lit.Eval(&Context{OnError: func(error) { litErrs++ }}, row)
			want := byCol.Eval(&Context{OnError: func(error) { colErrs++ }}, row)
			if got == nil && text[0] == '2' && len(text) > 10 {
				t.Errorf("%s of %q is NULL", c.literal, text)
			}
			if got != want || litErrs != colErrs {
				t.Errorf("%s of %q = %v (%d errors), with the pattern in a column %v (%d errors)", c.literal, text, got, litErrs, want, colErrs)
			}
		}
		row := []any{"2023-11-14 22:13:20", c.pattern}
		perRow := testing.AllocsPerRun(50, func() { byCol.Eval(nil, row) })
		once := testing.AllocsPerRun(50, func() { lit.Eval(nil, row) })
		if once >= perRow {
			t.Errorf("%s: %v allocations per row with a literal pattern, %v reading it per row", c.literal, once, perRow)
		}
	}
}

// ksqlDB parses with java.time's default SMART resolver style: with a
// year, a day of the month past the month's end becomes its last day
// (day 32 is still an error); without a year the day is set on a month
// of 1970 and must exist there.
func TestParseTimestampSmartDayOfMonth(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"PARSE_TIMESTAMP('2020-02-30', 'yyyy-MM-dd')", "2020-02-29T00:00:00Z"},
		{"PARSE_TIMESTAMP('2021-02-31 10:15', 'yyyy-MM-dd HH:mm')", "2021-02-28T10:15:00Z"},
		{"PARSE_TIMESTAMP('2020-04-31', 'uuuu-MM-dd')", "2020-04-30T00:00:00Z"},
		{"STRINGTOTIMESTAMP('2020-02-30', 'yyyy-MM-dd')", "2020-02-29T00:00:00Z"},
		{"STRINGTODATE('2020-02-30', 'yyyy-MM-dd')", "2020-02-29T00:00:00Z"},
		{"PARSE_TIMESTAMP('2020-02-32', 'yyyy-MM-dd')", "<nil>"},
		{"PARSE_TIMESTAMP('02-30', 'MM-dd')", "<nil>"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			v, _, _ := eval(t, tc.expr)
			got := "<nil>"
			switch v := v.(type) {
			case types.TimestampVal:
				got = time.UnixMilli(int64(v)).UTC().Format(time.RFC3339)
			case int64:
				got = time.UnixMilli(v).UTC().Format(time.RFC3339)
			case int32:
				got = time.Unix(int64(v)*86400, 0).UTC().Format(time.RFC3339)
			}
			if got != tc.want {
				t.Errorf("= %s, want %s", got, tc.want)
			}
		})
	}
}
