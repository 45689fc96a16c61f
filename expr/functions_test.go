package expr

import (
	"testing"
	"time"

	"github.com/eddysql/eddy/sql"
)

func TestFunctions(t *testing.T) {
	tests := []struct {
		expr, want, typ string
	}{
		// strings
		{"LCASE('MiXeD')", "string:mixed", "STRING"},
		{"UCASE(S)", "string:HELLO", "STRING"},
		{"UCASE(NS)", "<nil>", "STRING"},
		{"TRIM(' \t with white space \t')", "string:with white space", "STRING"},
		{"LEN(S)", "int32:5", "INTEGER"},
		{"LEN(BYT)", "int32:3", "INTEGER"},
		{"CONCAT(S, NS, '!', '?')", "string:hello!?", "STRING"},
		{"CONCAT_WS('-', 'a', NS, 'b')", "string:a-b", "STRING"},
		{"CONCAT_WS(NS, 'a')", "<nil>", "STRING"},
		{"SUBSTRING('some_string', 6)", "string:string", "STRING"},
		{"SUBSTRING('some_string', 6, 3)", "string:str", "STRING"},
		{"SUBSTRING('short', 6, 3)", "string:", "STRING"},
		{"SUBSTRING('some string', 0, 2)", "string:so", "STRING"},
		{"SUBSTRING('some string', -6)", "string:string", "STRING"},
		{"SUBSTRING(S, NI)", "<nil>", "STRING"},
		{"SUBSTRING(BYT, 2)", "bytes:bc", "BYTES"},
		{"LPAD('abc', 6, 'xy')", "string:xyxabc", "STRING"},
		{"RPAD('abc', 2, 'xy')", "string:ab", "STRING"},
		{"RPAD('abc', 6, 'xy')", "string:abcxyx", "STRING"},
		{"LPAD('abcdef', 3, 'x')", "string:abc", "STRING"},
		{"RPAD('abc', 5, '')", "<nil>", "STRING"},
		{"REPLACE('abcabc', 'b', 'X')", "string:aXcaXc", "STRING"},
		{"INSTR('corporate floor', 'or')", "int32:2", "INTEGER"},
		{"INSTR('corporate floor', 'or', 4)", "int32:5", "INTEGER"},
		{"INSTR('corporate floor', 'or', 4, 2)", "int32:14", "INTEGER"},
		{"INSTR('corporate floor', 'or', -4)", "int32:5", "INTEGER"},
		{"INSTR('corporate floor', 'or', -4, 2)", "int32:2", "INTEGER"},
		{"INSTR('short', 'or', -4, 2)", "int32:0", "INTEGER"},
		{"SPLIT('a,b,,c', ',')", "[string:a string:b string: string:c]", "ARRAY<STRING>"},
		{"SPLIT('ab', '')", "[string:a string:b]", "ARRAY<STRING>"},
		// BYTES overloads (BYT holds "abc")
		{"LPAD(BYT, 6, TO_BYTES('xy', 'utf8'))", "bytes:xyxabc", "BYTES"},
		{"RPAD(BYT, 5, TO_BYTES('xy', 'utf8'))", "bytes:abcxy", "BYTES"},
		{"LPAD(BYT, 2, TO_BYTES('xy', 'utf8'))", "bytes:ab", "BYTES"},
		{"RPAD(BYT, 4, TO_BYTES('', 'utf8'))", "<nil>", "BYTES"},
		{"SPLIT(TO_BYTES('a,b,,c', 'utf8'), TO_BYTES(',', 'utf8'))", "[bytes:a bytes:b bytes: bytes:c]", "ARRAY<BYTES>"},
		{"SPLIT(BYT, TO_BYTES('', 'utf8'))", "[bytes:a bytes:b bytes:c]", "ARRAY<BYTES>"},
		{"CONCAT_WS(TO_BYTES('-', 'utf8'), BYT, NULL, BYT)", "bytes:abc-abc", "BYTES"},
		{"CONCAT_WS(CAST(NULL AS BYTES), BYT)", "<nil>", "BYTES"},
		{"INITCAP('the FOX jumps')", "string:The Fox Jumps", "STRING"},
		{"REGEXP_REPLACE('a1b22', '[0-9]+', '#')", "string:a#b#", "STRING"},
		{"REGEXP_EXTRACT('(\\w+)@', 'joe@x')", "string:joe@", "STRING"},
		{"MD5('a')", "string:0cc175b9c0f1b6a831c399e269772661", "STRING"},
		// math
		{"ABS(-3)", "int32:3", "INTEGER"},
		{"ABS(-DEC)", "dec:10.01@2", "DECIMAL(4, 2)"},
		{"ABS(-3.1E0)", "f64:3.1", "DOUBLE"},
		{"CEIL(1.1E0)", "f64:2.0", "DOUBLE"},
		{"CEIL(CAST(1.1 AS DECIMAL(2, 1)))", "dec:2@1", "DECIMAL(2, 1)"},
		{"FLOOR(CAST(-1.5 AS DECIMAL(2, 1)))", "dec:-2@1", "DECIMAL(2, 1)"},
		{"FLOOR(I)", "int32:7", "INTEGER"},
		{"ROUND(1.5E0)", "int64:2", "BIGINT"},
		{"ROUND(-1.5E0)", "int64:-1", "BIGINT"},
		{"ROUND(D)", "int64:3", "BIGINT"},
		{"ROUND(1.234567E0, 2)", "f64:1.23", "DOUBLE"},
		{"ROUND(111E0, -1)", "f64:110.0", "DOUBLE"},
		{"ROUND(111E0, -2)", "f64:100.0", "DOUBLE"},
		{"ROUND(CAST('12345678987654321.2345678987654321' AS DECIMAL(33, 16)))", "dec:12345678987654321@0", "DECIMAL(17, 0)"},
		{"ROUND(CAST('12345678987654321.2345678987654321' AS DECIMAL(33, 16)), 10)", "dec:12345678987654321.2345678988@16", "DECIMAL(33, 16)"},
		{"ROUND(CAST('12345678987654321.2345678987654321' AS DECIMAL(33, 16)), -2)", "dec:12345678987654300@16", "DECIMAL(33, 16)"},
		{"ROUND(CAST(-2.5 AS DECIMAL(2, 1)))", "dec:-2@0", "DECIMAL(1, 0)"},
		{"TRUNC(1.7E0)", "int64:1", "BIGINT"},
		{"TRUNC(1.234567E0, 2)", "f64:1.23", "DOUBLE"},
		{"TRUNC(CAST(111 AS DECIMAL(12, 7)), -1)", "dec:110@7", "DECIMAL(12, 7)"},
		{"SIGN(-2.0E0)", "int32:-1", "INTEGER"},
		{"SIGN(B)", "int32:1", "INTEGER"},
		{"SQRT(I - 3)", "f64:2.0", "DOUBLE"},
		{"SQRT(-1)", "f64:NaN", "DOUBLE"},
		{"LN(0)", "f64:-Infinity", "DOUBLE"},
		{"EXP(0)", "f64:1.0", "DOUBLE"},
		{"LOG(13)", "f64:2.5649493574615367", "DOUBLE"},
		{"LOG(1, 13)", "f64:NaN", "DOUBLE"},
		{"LOG(15, 13)", "f64:0.9471572411831843", "DOUBLE"},
		{"LOG(15, 0)", "f64:-Infinity", "DOUBLE"},
		{"LOG(-15, 13)", "f64:NaN", "DOUBLE"},
		{"POWER(15, -1)", "f64:0.06666666666666667", "DOUBLE"},
		{"CBRT(-8)", "f64:-2.0", "DOUBLE"},
		{"ROUND(ATAN2(-2, -3), 13)", "f64:-2.5535900500422", "DOUBLE"},
		{"ROUND(DEGREES(2), 12)", "f64:114.591559026165", "DOUBLE"},
		{"COT(0)", "f64:Infinity", "DOUBLE"},
		{"PI()", "f64:3.141592653589793", "DOUBLE"},
		{"RANDOM() < 1.0", "bool:true", "BOOLEAN"},
		// null handling
		{"COALESCE(NI, I)", "int32:7", "INTEGER"},
		{"COALESCE(NS, 'x')", "string:x", "STRING"},
		{"COALESCE(NI, NI)", "<nil>", "INTEGER"},
		{"COALESCE(NI, B)", "int64:100", "BIGINT"},
		{"IFNULL(NI, 10)", "int32:10", "INTEGER"},
		{"IFNULL(M['zz'], -1)", "int32:-1", "INTEGER"},
		{"NULLIF(I, 7)", "<nil>", "INTEGER"},
		{"NULLIF(S, 'x')", "string:hello", "STRING"},
		{"NULLIF(ARR, ARRAY[1, 2, 3])", "<nil>", "ARRAY<INTEGER>"},
		{"AS_VALUE(I)", "int32:7", "INTEGER"},
		{"GREATEST(I, 5, NULL)", "int32:7", "INTEGER"},
		{"LEAST(I, 5, NULL)", "int32:5", "INTEGER"},
		{"GREATEST(I, B, DEC, D, NULL)", "f64:100.0", "DOUBLE"},
		{"GREATEST(DEC, DEC2)", "dec:10.01@2", "DECIMAL(5, 3)"}, // the argument as it is, as ksqlDB returns it
		{"GREATEST(NS, 'hello', 'apple')", "string:hello", "STRING"},
		{"GREATEST(DT, '2022-06-15')", "types.DateVal:19158", "DATE"},
		{"LEAST(TS, '2000-01-01')", "types.TimestampVal:946684800000", "TIMESTAMP"},
		// date and time
		{"TIMESTAMPTOSTRING(1526075913000, 'yyyy-MM-dd''T''HH:mm:ss.SSSX')", "string:2018-05-11T21:58:33.000Z", "STRING"},
		{"TIMESTAMPTOSTRING(1526075913000, 'yyyy-MM-dd HH:mm:ss', 'America/Los_Angeles')", "string:2018-05-11 14:58:33", "STRING"},
		{"STRINGTOTIMESTAMP('2018-05-11T21:58:33Z', 'yyyy-MM-dd''T''HH:mm:ssX')", "int64:1526075913000", "BIGINT"},
		{"STRINGTOTIMESTAMP('2020-05-11T21:58:33z', 'yyyy-MM-dd''T''HH:mm:ssX')", "int64:1589234313000", "BIGINT"},
		{"STRINGTOTIMESTAMP('2019-08-27T13:31:09.2+0000', 'yyyy-MM-dd''T''HH:mm:ss.SX')", "int64:1566912669200", "BIGINT"},
		{"STRINGTOTIMESTAMP('not a date', 'yyyy-MM-dd')", "<nil>", "BIGINT"},
		{"PARSE_TIMESTAMP('2018-05-11T21:58:33 PST', 'yyyy-MM-dd''T''HH:mm:ss zzz')", "types.TimestampVal:1526101113000", "TIMESTAMP"},
		{"PARSE_TIMESTAMP('11/05/2018 09:58 PM', 'dd/MM/yyyy hh:mm a')", "types.TimestampVal:1526075880000", "TIMESTAMP"},
		{"FORMAT_TIMESTAMP(TS, 'dd MMM yyyy, EEE')", "string:11 May 2018, Fri", "STRING"},
		{"DATETOSTRING(19157, 'yyyy-MM-dd')", "string:2022-06-14", "STRING"},
		{"STRINGTODATE('2022-06-14', 'yyyy-MM-dd')", "int32:19157", "INTEGER"},
		{"PARSE_DATE('2003-12-24', 'yyyy-MM-dd')", "types.DateVal:12410", "DATE"},
		{"PARSE_DATE('2004', 'yyyy-MM-dd')", "<nil>", "DATE"},
		// ParseDate's FastDateFormat is lenient: values carry over
		{"PARSE_DATE('2021-02-30', 'yyyy-MM-dd')", "types.DateVal:18688", "DATE"}, // 2021-03-02
		{"PARSE_DATE('2021-01-32', 'yyyy-MM-dd')", "types.DateVal:18659", "DATE"}, // 2021-02-01
		{"PARSE_DATE('2021-13-01', 'yyyy-MM-dd')", "types.DateVal:18993", "DATE"}, // 2022-01-01
		{"PARSE_DATE('2021-00-01', 'yyyy-MM-dd')", "types.DateVal:18597", "DATE"}, // 2020-12-01
		{"PARSE_DATE('2021-01-00', 'yyyy-MM-dd')", "types.DateVal:18627", "DATE"}, // 2020-12-31
		{"PARSE_DATE('20210230', 'yyyyMMdd')", "types.DateVal:18688", "DATE"},
		{"PARSE_DATE('2021-02-30xyz', 'yyyy-MM-dd')", "types.DateVal:18688", "DATE"},
		{"PARSE_DATE('2021-366', 'yyyy-DDD')", "types.DateVal:18993", "DATE"},
		{"PARSE_DATE('2021-01-01 24', 'yyyy-MM-dd HH')", "types.DateVal:18629", "DATE"}, // midnight of 2021-01-02
		// and a time of day other than midnight is an error
		{"PARSE_DATE('2021-01-01 10', 'yyyy-MM-dd HH')", "<nil>", "DATE"},
		{"PARSE_DATE('2021-02-30 +0100', 'yyyy-MM-dd Z')", "<nil>", "DATE"},
		{"FORMAT_DATE(DT, 'dd.MM.yy')", "string:14.06.22", "STRING"},
		{"PARSE_TIME('09:16:00', 'HH:mm:ss')", "types.TimeVal:33360000", "TIME"},
		{"FORMAT_TIME(TM, 'HH.mm')", "string:09.16", "STRING"},
		{"UNIX_TIMESTAMP(TS)", "int64:1526075913000", "BIGINT"},
		{"UNIX_TIMESTAMP() > 0", "bool:true", "BOOLEAN"},
		{"UNIX_DATE(DT)", "int32:19157", "INTEGER"},
		{"FROM_UNIXTIME(B)", "types.TimestampVal:100", "TIMESTAMP"},
		{"FROM_DAYS(1)", "types.DateVal:1", "DATE"},
		// collections
		{"ARRAY_LENGTH(ARR)", "int32:3", "INTEGER"},
		{"ARRAY_CONTAINS(ARR, 2)", "bool:true", "BOOLEAN"},
		{"ARRAY_CONTAINS(ARR, 9)", "bool:false", "BOOLEAN"},
		{"MAP_KEYS(M)", "[string:a string:b]", "ARRAY<STRING>"},
		{"MAP_VALUES(M)", "[int32:1 int32:2]", "ARRAY<INTEGER>"},
		{"ARRAY_MAX(ARR)", "int32:3", "INTEGER"},
		{"ARRAY_SORT(ARRAY[3, NULL, 1], 'DESC')", "[int32:3 int32:1 <nil>]", "ARRAY<INTEGER>"},
		{"ARRAY_DISTINCT(ARRAY[1, 1, 2])", "[int32:1 int32:2]", "ARRAY<INTEGER>"},
		{"ARRAY_JOIN(ARR, '|')", "string:1|2|3", "STRING"},
		{"SLICE(ARR, 2, 3)", "[int32:2 int32:3]", "ARRAY<INTEGER>"},
		{"ELT(2, 'a', 'b')", "string:b", "STRING"},
		{"TRANSFORM(ARR, x => x * 2)", "[int32:2 int32:4 int32:6]", "ARRAY<INTEGER>"},
		{"FILTER(ARR, x => x > 1)", "[int32:2 int32:3]", "ARRAY<INTEGER>"},
		{"REDUCE(ARR, 0, (s, x) => s + x)", "int32:6", "INTEGER"},
		{"TRANSFORM(M, (k, v) => UCASE(k), (k, v) => v + I)", "map{string:A=int32:8 string:B=int32:9}", "MAP<STRING, INTEGER>"},
		{"TRANSFORM(M, (k, v) => 'same', (k, v) => v)", "<nil>", "MAP<STRING, INTEGER>"}, // two entries, one key
		{"TRANSFORM(ARR, x => TRANSFORM(ARR, y => x * y))", "[[int32:1 int32:2 int32:3] [int32:2 int32:4 int32:6] [int32:3 int32:6 int32:9]]", "ARRAY<ARRAY<INTEGER>>"},
		// JSON
		{"EXTRACTJSONFIELD('{\"a\": {\"b\": [1, \"x\"]}}', '$.a.b[1]')", "string:x", "STRING"},
		{"EXTRACTJSONFIELD('{\"a\": {\"b\": [1, 2]}}', '$.a.b')", "string:[1,2]", "STRING"},
		{"EXTRACTJSONFIELD('{\"b\": 1, \"a\": {\"z\": [1, 2.50], \"y\": \"\\u00e9\"}}', '$')", "string:{\"b\":1,\"a\":{\"z\":[1,2.50],\"y\":\"é\"}}", "STRING"},
		{"EXTRACTJSONFIELD('{\"k\": {\"b\": 1, \"a\": 2}} trailing', '$.k')", "string:{\"b\":1,\"a\":2}", "STRING"},
		{"EXTRACTJSONFIELD('{\"a\": 1}', '$.zz')", "<nil>", "STRING"},
		{"EXTRACTJSONFIELD('not json', '$.a')", "<nil>", "STRING"},
		{"TO_JSON_STRING(ST)", "string:{\"A\":5,\"B\":\"x\"}", "STRING"},
		{"TO_JSON_STRING(M)", "string:{\"a\":1,\"b\":2}", "STRING"},
		{"TO_JSON_STRING(TM)", "string:\"09:16\"", "STRING"},
		{"TO_JSON_STRING(PARSE_TIME('13:25:07.123', 'HH:mm:ss.SSS'))", "string:\"13:25:07\"", "STRING"},
		{"TO_JSON_STRING(ARRAY[TM])", "string:[\"09:16\"]", "STRING"},
		{"TO_JSON_STRING(NI)", "string:null", "STRING"},
		{"TO_JSON_STRING(DEC)", "string:10.01", "STRING"},
		{"TO_JSON_STRING(2.0E0)", "string:2.0", "STRING"},
		{"TO_JSON_STRING(ARRAY[1E20, 0.5E0])", "string:[1.0E20,0.5]", "STRING"},
		{"TO_JSON_STRING(SQRT(-1))", "string:\"NaN\"", "STRING"},
		{"IS_JSON_STRING('[1]')", "bool:true", "BOOLEAN"},
		{"JSON_ARRAY_LENGTH('[1, 2]')", "int32:2", "INTEGER"},
		{"JSON_KEYS('{\"a\": 1, \"b\": 2}')", "[string:a string:b]", "ARRAY<STRING>"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			v, typ, _ := eval(t, tc.expr)
			if got := render(v); got != tc.want {
				t.Errorf("value = %s, want %s", got, tc.want)
			}
			if typ.String() != tc.typ {
				t.Errorf("type = %s, want %s", typ, tc.typ)
			}
		})
	}
}

func TestFunctionPanicBecomesNull(t *testing.T) {
	r := NewRegistry()
	r.add("BOOM", ov(tInt, func([]any) (any, error) { panic("kaboom") }, tInt))
	c, err := Compile(&sql.Call{Name: "BOOM", Args: []sql.Expr{&sql.IntLit{Val: 1}}}, testSchema, r)
	if err != nil {
		t.Fatal(err)
	}
	var got []error
	v := c.Eval(&Context{OnError: func(e error) { got = append(got, e) }}, testRow())
	if v != nil || len(got) != 1 {
		t.Fatalf("got %v, errors %v", v, got)
	}
	// A nil Context or OnError must not crash either.
	if v := c.Eval(nil, testRow()); v != nil {
		t.Fatal(v)
	}
}

func TestJavaPatternRoundTrip(t *testing.T) {
	const ts = int64(1526075913123)
	for _, p := range []string{"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "yyyyMMddHHmmssSSS", "dd/MMM/yyyy:HH:mm:ss.SSS Z", "EEEE h:mm:ss.SSS a, d MMMM yyyy"} {
		s, err := formatMillis(ts, p, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseMillis(s.(string), p, time.UTC)
		if err != nil || back != ts {
			t.Errorf("%s: %s parsed back as %d, %v", p, s, back, err)
		}
	}
	if _, err := parseJavaPattern("yyyy-'MM"); err == nil {
		t.Error("unterminated quote should fail")
	}
}

// Era, quarter, week and numeric day-of-week letters format as
// java.time does in ksqlDB's default (en_US) locale, where weeks start
// on Sunday and week 1 is the one holding January 1st.
func TestJavaPatternEraQuarterWeek(t *testing.T) {
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 13, 5, 9, 0, time.UTC) }
	cases := []struct {
		t       time.Time
		pattern string
		want    string
	}{
		{at(2020, 9, 13), "G yyyy", "AD 2020"},
		{at(2020, 9, 13), "GGGG", "Anno Domini"},
		{at(2020, 9, 13), "Q QQ QQQ QQQQ", "3 03 Q3 3rd quarter"},
		{at(2020, 1, 2), "QQQQ", "1st quarter"},
		{at(2020, 9, 13), "YYYY-ww", "2020-38"},
		{at(2020, 9, 12), "YYYY-w", "2020-37"},
		{at(2020, 12, 27), "YYYY-ww", "2021-01"},
		{at(2021, 1, 1), "YYYY w", "2021 1"},
		{at(2020, 12, 26), "YY ww", "20 52"},
		{at(2020, 9, 13), "W", "3"},
		{at(2020, 9, 12), "W", "2"},
		{at(2020, 9, 13), "e ee c", "1 01 1"},
		{at(2020, 9, 12), "e eee eeee", "7 Sat Saturday"},
		{at(2020, 9, 13), "EEEEE MMMMM", "S S"},
		{at(2020, 9, 13), "N", "47109000000000"},
	}
	for _, c := range cases {
		p, err := parseJavaPattern(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		if got := p.format(c.t); got != c.want {
			t.Errorf("%s of %s = %q, want %q", c.pattern, c.t.Format(time.DateOnly), got, c.want)
		}
	}
}

// SLICE is Java's List.subList(from-1, to): a NULL bound means the
// array's start or end, a bound outside the array gives NULL, and a start
// past the end is an error (reported, so NULL) rather than an empty array.
func TestSliceBounds(t *testing.T) {
	for _, tc := range []struct {
		expr, want string
		errs       int
	}{
		{"SLICE(ARRAY[1, 2, 3], 0, 5)", "<nil>", 0},
		{"SLICE(ARRAY[1, 2, 3], 1, 4)", "<nil>", 0},
		{"SLICE(ARRAY[1, 2, 3], 0, 2)", "<nil>", 0},
		{"SLICE(ARRAY[1, 2, 3], 2, 5)", "<nil>", 0},
		{"SLICE(ARRAY[1, 2, 3], 2, 2)", "[int32:2]", 0},
		{"SLICE(ARRAY[1, 2, 3], 2, 1)", "[]", 0},
		{"SLICE(ARRAY[1, 2, 3], 4, 3)", "[]", 0},
		{"SLICE(ARRAY[1, 2, 3], 3, 1)", "<nil>", 1},
		{"SLICE(ARRAY[1, 2, 3], NI, 2)", "[int32:1 int32:2]", 0},
		{"SLICE(ARRAY[1, 2, 3], 2, NI)", "[int32:2 int32:3]", 0},
		{"SLICE(ARRAY[1, 2, 3], NULL, NULL)", "[int32:1 int32:2 int32:3]", 0},
		{"SLICE(CAST(NULL AS ARRAY<INT>), 1, 2)", "<nil>", 0},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			v, _, errs := eval(t, tc.expr)
			if got := render(v); got != tc.want || len(errs) != tc.errs {
				t.Errorf("= %s %v, want %s with %d errors", got, errs, tc.want, tc.errs)
			}
		})
	}
}

// FORMAT_DATE, DATETOSTRING and FORMAT_TIME format a java.time LocalDate
// or LocalTime: a letter for a field the value lacks, or for a zone, is
// an error (so NULL), not a field of 1970-01-01T00:00Z.
func TestFormatLocalLacksFields(t *testing.T) {
	for _, tc := range []struct{ expr, want, err string }{
		{"FORMAT_TIME(TM, 'HH:mm:ss.SSS a')", "string:09:16:00.000 AM", ""},
		{"FORMAT_DATE(DT, 'yyyy-MM-dd EEE D')", "string:2022-06-14 Tue 165", ""},
		{"FORMAT_TIME(TM, 'yyyy')", "<nil>", "function FORMAT_TIME failed: Failed to format time 09:16 with formatter 'yyyy': Unsupported field: YearOfEra"},
		{"FORMAT_TIME(TM, 'HH X')", "<nil>", "function FORMAT_TIME failed: Failed to format time 09:16 with formatter 'HH X': Unsupported field: OffsetSeconds"},
		{"FORMAT_TIME(TM, 'HH VV')", "<nil>", "function FORMAT_TIME failed: Failed to format time 09:16 with formatter 'HH VV': Unable to extract ZoneId from temporal 09:16"},
		{"FORMAT_DATE(DT, 'HH')", "<nil>", "function FORMAT_DATE failed: Failed to format date 2022-06-14 with formatter 'HH': Unsupported field: HourOfDay"},
		{"FORMAT_DATE(DT, 'yyyy-MM-dd mm')", "<nil>", "function FORMAT_DATE failed: Failed to format date 2022-06-14 with formatter 'yyyy-MM-dd mm': Unsupported field: MinuteOfHour"},
		{"DATETOSTRING(19157, 'yyyy-MM-dd''T''HH')", "<nil>", "function DATETOSTRING failed: Failed to format date 19157 with formatter 'yyyy-MM-dd'T'HH': Unsupported field: HourOfDay"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			v, _, errs := eval(t, tc.expr)
			if got := render(v); got != tc.want {
				t.Errorf("= %s, want %s", got, tc.want)
			}
			if tc.err == "" && len(errs) > 0 || tc.err != "" && (len(errs) != 1 || errs[0].Error() != tc.err) {
				t.Errorf("errors %v, want %q", errs, tc.err)
			}
		})
	}
}
