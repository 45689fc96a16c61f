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
// of 1970 and must exist there. A field out of its range (hour 25, minute
// 60, month 13) is an error, not carried into the next; HH 24:00 is the
// midnight ending the day.
func TestParseTimestampSmartDayOfMonth(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"PARSE_TIMESTAMP('2020-02-30', 'yyyy-MM-dd')", "2020-02-29T00:00:00Z"},
		{"PARSE_TIMESTAMP('2021-02-31 10:15', 'yyyy-MM-dd HH:mm')", "2021-02-28T10:15:00Z"},
		{"PARSE_TIMESTAMP('2020-04-31', 'uuuu-MM-dd')", "2020-04-30T00:00:00Z"},
		{"STRINGTOTIMESTAMP('2020-02-30', 'yyyy-MM-dd')", "2020-02-29T00:00:00Z"},
		{"STRINGTODATE('2020-02-30', 'yyyy-MM-dd')", "2020-02-29T00:00:00Z"},
		{"PARSE_TIMESTAMP('2020-02-32', 'yyyy-MM-dd')", "<nil>"},
		{"PARSE_TIMESTAMP('02-30', 'MM-dd')", "<nil>"},
		{"PARSE_TIMESTAMP('2021-02-29', 'yyyy-MM-dd')", "2021-02-28T00:00:00Z"},
		{"PARSE_TIMESTAMP('2021-01-01 25:00', 'yyyy-MM-dd HH:mm')", "<nil>"},
		{"PARSE_TIMESTAMP('2021-01-01 10:60', 'yyyy-MM-dd HH:mm')", "<nil>"},
		{"PARSE_TIMESTAMP('2021-01-01 10:00:60', 'yyyy-MM-dd HH:mm:ss')", "<nil>"},
		{"PARSE_TIMESTAMP('2021-13-01', 'yyyy-MM-dd')", "<nil>"},
		{"PARSE_TIMESTAMP('2021-00-01', 'yyyy-MM-dd')", "<nil>"},
		{"PARSE_TIMESTAMP('2021-01-00', 'yyyy-MM-dd')", "<nil>"},
		{"PARSE_TIMESTAMP('2021-01-01 13:00', 'yyyy-MM-dd hh:mm')", "<nil>"},
		{"PARSE_TIMESTAMP('2021-01-01 12:00', 'yyyy-MM-dd hh:mm')", "2021-01-01T00:00:00Z"},
		{"PARSE_TIMESTAMP('2021-01-01 12:00 PM', 'yyyy-MM-dd KK:mm a')", "<nil>"},
		{"PARSE_TIMESTAMP('2021-01-01 24:00', 'yyyy-MM-dd HH:mm')", "2021-01-02T00:00:00Z"},
		{"PARSE_TIMESTAMP('2021-12-31 24:00:00', 'yyyy-MM-dd HH:mm:ss')", "2022-01-01T00:00:00Z"},
		{"PARSE_TIMESTAMP('2021-01-01 24:01', 'yyyy-MM-dd HH:mm')", "<nil>"},
		{"PARSE_TIMESTAMP('2021-12-31 24:00', 'yyyy-MM-dd kk:mm')", "2021-12-31T00:00:00Z"},
		{"PARSE_TIMESTAMP('2021-12-31 25:00', 'yyyy-MM-dd kk:mm')", "<nil>"},
		{"PARSE_TIMESTAMP('24:00', 'HH:mm')", "1970-01-01T00:00:00Z"},
		{"PARSE_TIMESTAMP('2021-366', 'yyyy-DDD')", "<nil>"},
		{"PARSE_TIMESTAMP('2020-366', 'yyyy-DDD')", "2020-12-31T00:00:00Z"},
		{"STRINGTOTIMESTAMP('2021-01-01 25:00', 'yyyy-MM-dd HH:mm')", "<nil>"},
		{"PARSE_TIME('25:00', 'HH:mm')", "<nil>"},
		{"PARSE_TIME('10:60', 'HH:mm')", "<nil>"},
		{"PARSE_TIME('24:00', 'HH:mm')", "00:00:00"},
		{"PARSE_TIME('11:00 PM', 'KK:mm a')", "23:00:00"},
		// ParseTime: a pattern with a date field gives no TIME, an hour of
		// AM or PM needs its a, and a zone in the text is not applied
		{"PARSE_TIME('2021-01-01 10:00', 'yyyy-MM-dd HH:mm')", "<nil>"},
		{"PARSE_TIME('01 10:00', 'MM HH:mm')", "<nil>"},
		{"PARSE_TIME('10:00 Monday', 'HH:mm EEEE')", "<nil>"},
		{"PARSE_TIME('AD 10:00', 'G HH:mm')", "<nil>"},
		{"PARSE_TIME('10:00', 'hh:mm')", "<nil>"},
		{"PARSE_TIME('10:00 PM', 'hh:mm a')", "22:00:00"},
		{"PARSE_TIME('10:00 +0200', 'HH:mm Z')", "10:00:00"},
		{"PARSE_TIME('10:00:01.5 America/Los_Angeles', 'HH:mm:ss.S VV')", "10:00:01"},
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
			case types.TimeVal:
				got = time.UnixMilli(int64(v)).UTC().Format(time.TimeOnly)
			}
			if got != tc.want {
				t.Errorf("= %s, want %s", got, tc.want)
			}
		})
	}
}

// The era (G) and the long zone name (zzzz) of java.time patterns, as
// ksqlDB's time reference shows them, read and write as Java's do.
func TestParseTimestampEraAndLongZoneName(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"STRINGTOTIMESTAMP('2001.07.04 AD 12:08:56', 'yyyy.MM.dd G HH:mm:ss')", "2001-07-04T12:08:56Z"},
		{"STRINGTOTIMESTAMP('2001.07.04 Anno Domini 12:08:56', 'yyyy.MM.dd GGGG HH:mm:ss')", "2001-07-04T12:08:56Z"},
		{"STRINGTOTIMESTAMP('0044.03.15 BC', 'yyyy.MM.dd GG')", "-0043-03-15T00:00:00Z"},
		{"STRINGTOTIMESTAMP('2001.07.04 ad 12:08:56', 'yyyy.MM.dd G HH:mm:ss')", "<nil>"},
		{"STRINGTOTIMESTAMP('2001.07.04 12:08:56 Pacific Daylight Time', 'yyyy.MM.dd HH:mm:ss zzzz')", "2001-07-04T19:08:56Z"},
		{"STRINGTOTIMESTAMP('2001.01.04 12:08:56 Pacific Standard Time', 'yyyy.MM.dd HH:mm:ss zzzz')", "2001-01-04T20:08:56Z"},
		{"STRINGTOTIMESTAMP('2001.07.04 12:08:56 Central European Summer Time', 'yyyy.MM.dd HH:mm:ss zzzz')", "2001-07-04T10:08:56Z"},
		{"STRINGTOTIMESTAMP('2001.07.04 12:08:56 Coordinated Universal Time', 'yyyy.MM.dd HH:mm:ss zzzz')", "2001-07-04T12:08:56Z"},
		{"STRINGTOTIMESTAMP('2001.07.04 12:08:56 PDT', 'yyyy.MM.dd HH:mm:ss zzzz')", "2001-07-04T19:08:56Z"},
		{"STRINGTOTIMESTAMP('2001.07.04 12:08:56 Pacific Daylight Time', 'yyyy.MM.dd HH:mm:ss z')", "<nil>"},
		{"STRINGTOTIMESTAMP('2001.07.04 AD at 12:08:56 PDT', 'yyyy.MM.dd G ''at'' HH:mm:ss z')", "2001-07-04T19:08:56Z"},
		{"FORMAT_TIMESTAMP(FROM_UNIXTIME(994273736000), 'yyyy.MM.dd G ''at'' HH:mm:ss zzzz', 'America/Los_Angeles')", "2001.07.04 AD at 12:08:56 Pacific Daylight Time"},
		{"FORMAT_TIMESTAMP(FROM_UNIXTIME(978638936000), 'zzzz z', 'America/Los_Angeles')", "Pacific Standard Time PST"},
		{"FORMAT_TIMESTAMP(FROM_UNIXTIME(994273736000), 'zzzz', 'Europe/Paris')", "Central European Summer Time"},
		{"FORMAT_TIMESTAMP(FROM_UNIXTIME(994273736000), 'GGGG zzzz')", "Anno Domini Coordinated Universal Time"},
		{"FORMAT_TIMESTAMP(FROM_UNIXTIME(994273736000), 'zzzz', '+05:30')", "+05:30"},
		// GMT is a zone of its own in Java, not UTC under another name.
		{"FORMAT_TIMESTAMP(FROM_UNIXTIME(994273736000), 'HH:mm z zzzz', 'GMT')", "19:08 GMT Greenwich Mean Time"},
		{"TIMESTAMPTOSTRING(994273736000, 'HH:mm z', 'GMT')", "19:08 GMT"},
		{"FORMAT_TIMESTAMP(FROM_UNIXTIME(994273736000), 'HH:mm z', 'UTC')", "19:08 UTC"},
		{"FORMAT_TIMESTAMP(FROM_UNIXTIME(-63517996800000), 'yyyy G')", "0044 BC"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			v, _, _ := eval(t, tc.expr)
			got := "<nil>"
			switch v := v.(type) {
			case int64:
				got = time.UnixMilli(v).UTC().Format(time.RFC3339)
			case string:
				got = v
			}
			if got != tc.want {
				t.Errorf("= %s, want %s", got, tc.want)
			}
		})
	}
}
