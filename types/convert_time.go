package types

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

const msPerDay = 86400000

// FormatDate renders days since epoch as yyyy-MM-dd.
func FormatDate(d DateVal) string {
	return time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02")
}

// FormatTime renders ms of day as ksqlDB's SqlTimeTypes.formatTime does
// (CAST(t AS STRING), TO_JSON_STRING, the REST API): the whole seconds'
// LocalTime.toString, HH:mm, then :ss only when the seconds are not zero;
// the milliseconds are dropped (13:25, 13:25:07).
func FormatTime(t TimeVal) string {
	return LocalTimeString(int64(t) / 1000 * 1000)
}

// LocalTimeString is Java's LocalTime.toString of a time of day in
// milliseconds: HH:mm, then :ss and .SSS only when not zero.
func LocalTimeString(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	switch {
	case t.Nanosecond() != 0:
		return t.Format("15:04:05.000")
	case t.Second() != 0:
		return t.Format("15:04:05")
	}
	return t.Format("15:04")
}

// formatSQLTime renders ms of day as java.sql.Time.toString does, HH:mm:ss,
// which is how a TIME inside an array, map or struct is written when the
// collection is cast to a string.
func formatSQLTime(t TimeVal) string {
	ms := int64(t)
	return fmt.Sprintf("%02d:%02d:%02d", ms/3600000, ms/60000%60, ms/1000%60)
}

// FormatTimestamp renders epoch ms as yyyy-MM-ddTHH:mm:ss.SSS in UTC.
func FormatTimestamp(ts TimestampVal) string {
	return time.UnixMilli(int64(ts)).UTC().Format("2006-01-02T15:04:05.000")
}

// ParseDate parses yyyy-MM-dd; as in ksqlDB the day, then the month, may
// be left out ("1970-01" is 1970-01-01). A trailing time part is rejected.
func ParseDate(s string) (DateVal, error) {
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return DateVal(t.Unix() / 86400), nil
		}
	}
	return 0, fmt.Errorf("Failed to parse date '%s': expected yyyy-MM-dd", s)
}

// ParseTime parses HH:mm[:ss[.fraction]].
func ParseTime(s string) (TimeVal, error) {
	bad := fmt.Errorf("Failed to parse time '%s': expected HH:mm[:ss[.SSS]]", s)
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, bad
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || len(parts[0]) != 2 || len(parts[1]) != 2 || h > 23 || m > 59 || h < 0 || m < 0 {
		return 0, bad
	}
	ms := int64(h)*3600000 + int64(m)*60000
	if len(parts) == 3 {
		sec, frac, _ := strings.Cut(parts[2], ".")
		sv, err := strconv.Atoi(sec)
		if err != nil || len(sec) != 2 || sv > 59 || sv < 0 {
			return 0, bad
		}
		ms += int64(sv) * 1000
		if frac != "" {
			f, ok := fracMillis(frac)
			if !ok {
				return 0, bad
			}
			ms += f
		}
	}
	return TimeVal(ms), nil
}

func fracMillis(frac string) (int64, bool) {
	if len(frac) == 0 || len(frac) > 9 {
		return 0, false
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	for len(frac) < 3 {
		frac += "0"
	}
	v, _ := strconv.ParseInt(frac[:3], 10, 64)
	return v, true
}

// ParseTimestamp parses the partial ISO forms ksqlDB accepts for
// TIMESTAMP strings: yyyy[-MM[-dd[Thh[:mm[:ss[.fff]]]]]] with an optional
// zone suffix (Z, +hh, +hh:mm, +hhmm). Missing parts default to their
// minimum; without a zone the time is UTC.
func ParseTimestamp(s string) (TimestampVal, error) {
	in := strings.TrimSpace(s)
	bad := fmt.Errorf("Failed to parse timestamp '%s': expected yyyy-MM-ddTHH:mm:ss.SSS", s)
	body, offset, err := splitZone(in)
	if err != nil {
		return 0, bad
	}
	datePart, timePart, hasT := strings.Cut(body, "T")
	if !hasT {
		datePart, timePart, hasT = strings.Cut(body, " ")
	}
	dp := strings.Split(datePart, "-")
	if len(dp) == 0 || len(dp) > 3 || len(dp[0]) != 4 {
		return 0, bad
	}
	nums := []int{0, 1, 1, 0, 0, 0}
	for i, p := range dp {
		v, err := strconv.Atoi(p)
		if err != nil || (i > 0 && len(p) != 2) {
			return 0, bad
		}
		nums[i] = v
	}
	var ms int64
	if hasT {
		if len(dp) != 3 {
			return 0, bad
		}
		tp := strings.Split(timePart, ":")
		if len(tp) > 3 {
			return 0, bad
		}
		for i, p := range tp {
			if i == 2 {
				sec, frac, hasFrac := strings.Cut(p, ".")
				p = sec
				if hasFrac {
					f, ok := fracMillis(frac)
					if !ok {
						return 0, bad
					}
					ms = f
				}
			}
			v, err := strconv.Atoi(p)
			if err != nil || len(p) != 2 {
				return 0, bad
			}
			nums[3+i] = v
		}
	}
	if nums[1] < 1 || nums[1] > 12 || nums[2] < 1 || nums[2] > 31 || nums[3] > 23 || nums[4] > 59 || nums[5] > 59 {
		return 0, bad
	}
	t := time.Date(nums[0], time.Month(nums[1]), nums[2], nums[3], nums[4], nums[5], 0, time.UTC)
	if t.Day() != nums[2] {
		return 0, bad
	}
	return TimestampVal(t.UnixMilli() + ms - offset*1000), nil
}

// splitZone strips a trailing zone designator and returns its offset in
// seconds east of UTC.
func splitZone(s string) (string, int64, error) {
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		return s[:len(s)-1], 0, nil
	}
	// A sign after the date part (position > 10) starts an offset.
	i := strings.LastIndexAny(s, "+-")
	if i <= 10 {
		return s, 0, nil
	}
	zone := strings.ReplaceAll(s[i+1:], ":", "")
	var h, m int
	var err error
	switch len(zone) {
	case 2:
		h, err = strconv.Atoi(zone)
	case 4:
		h, err = strconv.Atoi(zone[:2])
		if err == nil {
			m, err = strconv.Atoi(zone[2:])
		}
	default:
		return "", 0, fmt.Errorf("bad zone")
	}
	if err != nil {
		return "", 0, err
	}
	off := int64(h*3600 + m*60)
	if s[i] == '-' {
		off = -off
	}
	return strings.TrimSpace(s[:i]), off, nil
}

// TimestampToDate truncates a timestamp to its UTC day.
func TimestampToDate(ts TimestampVal) DateVal {
	ms := int64(ts)
	d := ms / msPerDay
	if ms%msPerDay < 0 {
		d--
	}
	return DateVal(d)
}

// TimestampToTime keeps the UTC time-of-day part of a timestamp.
func TimestampToTime(ts TimestampVal) TimeVal {
	ms := int64(ts) % msPerDay
	if ms < 0 {
		ms += msPerDay
	}
	return TimeVal(ms)
}
