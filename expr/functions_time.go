package expr

import (
	"fmt"
	"time"

	"github.com/eddysql/eddy/types"
)

// zoneArg returns the zone named by args[i], or UTC when absent.
func zoneArg(a []any, i int) (*time.Location, error) {
	if len(a) <= i {
		return time.UTC, nil
	}
	return loadZone(a[i].(string))
}

func formatMillis(ms int64, pattern string, loc *time.Location) (any, error) {
	p, err := parseJavaPattern(pattern)
	if err != nil {
		return nil, err
	}
	return p.format(time.UnixMilli(ms).In(loc)), nil
}

// formatLocal formats a date (date true) or a time of day as ksqlDB does,
// through a java.time LocalDate or LocalTime: a pattern letter for a field
// the value lacks (a year for a time, an hour for a date, any zone) is an
// error, as Java's is, not a field of 1970-01-01T00:00Z.
func formatLocal(ms int64, pattern string, date bool, what string) (any, error) {
	p, err := parseJavaPattern(pattern)
	if err != nil {
		return nil, err
	}
	value := types.LocalTimeString(ms)
	if date {
		value = javaLocalDate(ms)
	}
	if why := p.lacking(date, value); why != "" {
		return nil, fmt.Errorf("Failed to format %s with formatter '%s': %s", what, pattern, why)
	}
	return p.format(time.UnixMilli(ms).UTC()), nil
}

// javaLocalDate is LocalDate.toString of the day holding ms.
func javaLocalDate(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02") }

func parseMillis(s, pattern string, loc *time.Location) (int64, error) {
	p, err := parseJavaPattern(pattern)
	if err != nil {
		return 0, err
	}
	t, err := p.parse(s, loc)
	if err != nil {
		return 0, err
	}
	return t.UnixMilli(), nil
}

// constPatternZone reads a time function's pattern (argument 1) and
// zone (argument 2, UTC when there is none) when both are constants, so
// that they are read once rather than per row; ok is false otherwise, and
// for a pattern or zone that does not read, which is then reported per
// row as without a constant.
func constPatternZone(consts []any, known []bool) (*javaPattern, *time.Location, bool) {
	if !known[1] || consts[1] == nil {
		return nil, nil, false
	}
	p, err := parseJavaPattern(consts[1].(string))
	if err != nil {
		return nil, nil, false
	}
	loc := time.UTC
	if len(known) > 2 {
		if !known[2] || consts[2] == nil {
			return nil, nil, false
		}
		if loc, err = loadZone(consts[2].(string)); err != nil {
			return nil, nil, false
		}
	}
	return p, loc, true
}

func registerTime(r *Registry) {
	tTs, tDate, tTime := types.TimestampType, types.DateType, types.TimeType

	fmtTs := func(get func(any) int64) stringFunc {
		return func(a []any) (string, bool, error) {
			loc, err := zoneArg(a, 2)
			if err != nil {
				return "", false, err
			}
			p, err := parseJavaPattern(a[1].(string))
			if err != nil {
				return "", false, err
			}
			return p.format(time.UnixMilli(get(a[0])).In(loc)), true, nil
		}
	}
	prepTs := func(get func(any) int64) func([]any, []bool) stringFunc {
		return func(consts []any, known []bool) stringFunc {
			p, loc, ok := constPatternZone(consts, known)
			if !ok {
				return nil
			}
			return func(a []any) (string, bool, error) { return p.format(time.UnixMilli(get(a[0])).In(loc)), true, nil }
		}
	}
	bigMs := func(v any) int64 { return v.(int64) }
	tsMs := func(v any) int64 { return int64(v.(types.TimestampVal)) }
	r.add("TIMESTAMPTOSTRING",
		ovS(fmtTs(bigMs), tBig, tStr).preparedS(prepTs(bigMs)),
		ovS(fmtTs(bigMs), tBig, tStr, tStr).preparedS(prepTs(bigMs)))
	r.add("FORMAT_TIMESTAMP",
		ovS(fmtTs(tsMs), tTs, tStr).preparedS(prepTs(tsMs)),
		ovS(fmtTs(tsMs), tTs, tStr, tStr).preparedS(prepTs(tsMs)))

	parseTs := func(wrap func(int64) any) func([]any) (any, error) {
		return func(a []any) (any, error) {
			loc, err := zoneArg(a, 2)
			if err != nil {
				return nil, err
			}
			ms, err := parseMillis(a[0].(string), a[1].(string), loc)
			if err != nil {
				return nil, err
			}
			return wrap(ms), nil
		}
	}
	prepParse := func(wrap func(int64) any) func([]any, []bool) func([]any) (any, error) {
		return func(consts []any, known []bool) func([]any) (any, error) {
			p, loc, ok := constPatternZone(consts, known)
			if !ok {
				return nil
			}
			return func(a []any) (any, error) {
				t, err := p.parse(a[0].(string), loc)
				if err != nil {
					return nil, err
				}
				return wrap(t.UnixMilli()), nil
			}
		}
	}
	asBig := func(ms int64) any { return ms }
	asTs := func(ms int64) any { return types.TimestampVal(ms) }
	r.add("STRINGTOTIMESTAMP",
		ov(tBig, parseTs(asBig), tStr, tStr).prepared(prepParse(asBig)),
		ov(tBig, parseTs(asBig), tStr, tStr, tStr).prepared(prepParse(asBig)))
	r.add("PARSE_TIMESTAMP",
		ov(tTs, parseTs(asTs), tStr, tStr).prepared(prepParse(asTs)),
		ov(tTs, parseTs(asTs), tStr, tStr, tStr).prepared(prepParse(asTs)))

	const day = int64(86400000)
	r.add("DATETOSTRING", ov(tStr, func(a []any) (any, error) {
		days := a[0].(int32)
		return formatLocal(int64(days)*day, a[1].(string), true, fmt.Sprint("date ", days))
	}, tInt, tStr))
	r.add("FORMAT_DATE", ov(tStr, func(a []any) (any, error) {
		ms := int64(a[0].(types.DateVal)) * day
		return formatLocal(ms, a[1].(string), true, "date "+javaLocalDate(ms))
	}, tDate, tStr))
	r.add("FORMAT_TIME", ov(tStr, func(a []any) (any, error) {
		ms := int64(a[0].(types.TimeVal))
		return formatLocal(ms, a[1].(string), false, "time "+types.LocalTimeString(ms))
	}, tTime, tStr))
	r.add("STRINGTODATE", ov(tInt, func(a []any) (any, error) {
		ms, err := parseMillis(a[0].(string), a[1].(string), time.UTC)
		if err != nil {
			return nil, err
		}
		return int32(types.TimestampToDate(types.TimestampVal(ms))), nil
	}, tStr, tStr))
	r.add("PARSE_DATE", ov(tDate, func(a []any) (any, error) {
		p, err := parseJavaPattern(a[1].(string))
		if err != nil {
			return nil, err
		}
		// ParseDate: a lenient FastDateFormat in GMT, which ignores text
		// after the pattern, and a date only when the time is midnight
		t, err := p.parseText(a[0].(string), time.UTC, true, true)
		if err != nil {
			return nil, err
		}
		ms := t.UnixMilli()
		if ms%day != 0 {
			return nil, fmt.Errorf("Failed to parse date '%s' with formatter '%s': Date format contains time field.", a[0], a[1])
		}
		return types.DateVal(ms / day), nil
	}, tStr, tStr))
	r.add("PARSE_TIME", ov(tTime, func(a []any) (any, error) {
		text, pattern := a[0].(string), a[1].(string)
		p, err := parseJavaPattern(pattern)
		if err != nil {
			return nil, err
		}
		t, err := p.parse(text, time.UTC)
		if err != nil {
			return nil, err
		}
		if why := p.timeOnly(); why != "" {
			return nil, fmt.Errorf("Failed to parse time '%s' with formatter '%s': %s", text, pattern, why)
		}
		// LocalTime.from: the time of day as written, whatever zone
		// the text gives
		ms := int64(t.Hour())*3600000 + int64(t.Minute())*60000 + int64(t.Second())*1000 + int64(t.Nanosecond())/1e6
		return types.TimeVal(ms), nil
	}, tStr, tStr))

	r.add("UNIX_TIMESTAMP",
		ov(tBig, func([]any) (any, error) { return time.Now().UnixMilli(), nil }),
		ov(tBig, func(a []any) (any, error) { return int64(a[0].(types.TimestampVal)), nil }, tTs))
	r.add("UNIX_DATE",
		ov(tInt, func([]any) (any, error) {
			return int32(types.TimestampToDate(types.TimestampVal(time.Now().UnixMilli()))), nil
		}),
		ov(tInt, func(a []any) (any, error) { return int32(a[0].(types.DateVal)), nil }, tDate))
	r.add("FROM_UNIXTIME", ov(tTs, func(a []any) (any, error) { return types.TimestampVal(a[0].(int64)), nil }, tBig))
	r.add("FROM_DAYS", ov(tDate, func(a []any) (any, error) { return types.DateVal(a[0].(int32)), nil }, tInt))
	r.add("CONVERT_TZ", ov(tTs, func(a []any) (any, error) {
		from, err := loadZone(a[1].(string))
		if err != nil {
			return nil, err
		}
		to, err := loadZone(a[2].(string))
		if err != nil {
			return nil, err
		}
		// Reinterpret the wall-clock time of from as a wall-clock time in to.
		t := time.UnixMilli(int64(a[0].(types.TimestampVal))).UTC()
		_, fo := t.In(from).Zone()
		_, to2 := t.In(to).Zone()
		return types.TimestampVal(t.UnixMilli() + int64(to2-fo)*1000), nil
	}, tTs, tStr, tStr))
}
