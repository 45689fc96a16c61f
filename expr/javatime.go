package expr

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone rules for ksqlDB's tz arguments, independent of the host
	"unicode"
)

// javaPattern is a parsed java.time DateTimeFormatter pattern such as
// yyyy-MM-dd'T'HH:mm:ss.SSSX. Only the letters ksqlDB users rely on are
// supported: G y u Y Q q M L w W d D H h k K m s S n N A a E e c X x Z z VV
// (zzzz with the long names of javazones.go).
type javaPattern struct {
	toks []jtok
}

type jtok struct {
	letter rune   // 0 for a literal
	count  int    // repeat count of the letter
	lit    string // literal text
}

const patternLetters = "GuyDMLdQqYwWEecFaBhKkHmsSAnNVvzOXxZ"

func parseJavaPattern(p string) (*javaPattern, error) {
	var toks []jtok
	rs := []rune(p)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '\'':
			j := i + 1
			var b strings.Builder
			for j < len(rs) {
				if rs[j] == '\'' {
					if j+1 < len(rs) && rs[j+1] == '\'' {
						b.WriteRune('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteRune(rs[j])
				j++
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated quote in pattern %q", p)
			}
			lit := b.String()
			if lit == "" { // '' is a quote character
				lit = "'"
			}
			toks = append(toks, jtok{lit: lit})
			i = j + 1
		case unicode.IsLetter(r) && r < 128:
			if !strings.ContainsRune(patternLetters, r) {
				return nil, fmt.Errorf("unknown pattern letter: %c", r)
			}
			j := i
			for j < len(rs) && rs[j] == r {
				j++
			}
			toks = append(toks, jtok{letter: r, count: j - i})
			i = j
		case r == '[' || r == ']':
			return nil, fmt.Errorf("optional sections are not supported in pattern %q", p)
		default:
			toks = append(toks, jtok{lit: string(r)})
			i++
		}
	}
	return &javaPattern{toks: toks}, nil
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for len(s) < width {
		s = "0" + s
	}
	if neg {
		s = "-" + s
	}
	return s
}

// appendPad appends n in decimal with at least width digits, as pad
// returns it.
func appendPad(dst []byte, n, width int) []byte {
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(n), 10)
	for i := len(d); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}

// format renders t with the pattern.
func (p *javaPattern) format(t time.Time) string {
	var buf [32]byte // on the stack: formatting costs only the result string
	b := buf[:0]
	for _, tk := range p.toks {
		if tk.letter == 0 {
			b = append(b, tk.lit...)
			continue
		}
		n := tk.count
		switch tk.letter {
		case 'y', 'u', 'Y':
			year := t.Year()
			switch {
			case tk.letter == 'Y':
				year, _ = usWeek(t)
			case tk.letter == 'y' && year <= 0:
				year = 1 - year // the year of the era: 1 BC is year 0
			}
			if n == 2 {
				b = appendPad(b, year%100, 2)
			} else {
				b = appendPad(b, year, n)
			}
		case 'G':
			b = append(b, eraText(t.Year(), n)...)
		case 'Q', 'q':
			q := (int(t.Month())-1)/3 + 1
			switch {
			case n == 3:
				b = append(b, 'Q')
				b = appendPad(b, q, 1)
			case n == 4:
				b = append(b, [...]string{"1st", "2nd", "3rd", "4th"}[q-1]...)
				b = append(b, " quarter"...)
			default:
				b = appendPad(b, q, min(n, 2))
			}
		case 'w':
			_, w := usWeek(t)
			b = appendPad(b, w, n)
		case 'W':
			first := int(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Weekday())
			b = appendPad(b, (t.Day()-1+first)/7+1, n)
		case 'M', 'L':
			switch {
			case n == 5:
				b = append(b, t.Month().String()[:1]...)
			case n >= 4:
				b = append(b, t.Month().String()...)
			case n == 3:
				b = append(b, t.Month().String()[:3]...)
			default:
				b = appendPad(b, int(t.Month()), n)
			}
		case 'd':
			b = appendPad(b, t.Day(), n)
		case 'D':
			b = appendPad(b, t.YearDay(), n)
		case 'H':
			b = appendPad(b, t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b = appendPad(b, h, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b = appendPad(b, h, n)
		case 'K':
			b = appendPad(b, t.Hour()%12, n)
		case 'm':
			b = appendPad(b, t.Minute(), n)
		case 's':
			b = appendPad(b, t.Second(), n)
		case 'S':
			frac := pad(t.Nanosecond(), 9)
			for len(frac) < n {
				frac += "0"
			}
			b = append(b, frac[:n]...)
		case 'n':
			b = appendPad(b, t.Nanosecond(), n)
		case 'N':
			b = appendPad(b, (t.Hour()*3600+t.Minute()*60+t.Second())*1e9+t.Nanosecond(), n)
		case 'A':
			b = appendPad(b, int(t.Sub(t.Truncate(24*time.Hour)).Milliseconds()), n)
		case 'a':
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'E', 'e', 'c':
			switch {
			case tk.letter == 'e' && n <= 2, tk.letter == 'c' && n == 1:
				// Localized day number: Sunday is 1 in en_US.
				b = appendPad(b, int(t.Weekday())+1, n)
			case n == 5:
				b = append(b, t.Weekday().String()[:1]...)
			case n == 4:
				b = append(b, t.Weekday().String()...)
			default:
				b = append(b, t.Weekday().String()[:3]...)
			}
		case 'X', 'x', 'Z', 'O':
			b = append(b, formatOffset(t, tk.letter, n)...)
		case 'z':
			if n >= 4 {
				b = append(b, zoneLongName(t)...)
			} else {
				name, _ := t.Zone()
				b = append(b, name...)
			}
		case 'v':
			if n >= 4 {
				b = append(b, t.Location().String()...)
			} else {
				name, _ := t.Zone()
				b = append(b, name...)
			}
		case 'V':
			b = append(b, t.Location().String()...)
		default:
			b = append(b, string(tk.letter)...)
		}
	}
	return string(b)
}

// usWeek is java.time's week-based year and week of that year in the
// en_US locale ksqlDB formats with: weeks start on Sunday and week 1 is
// the week holding January 1st, so late-December days can fall in week 1
// of the next year.
func usWeek(t time.Time) (year, week int) {
	year = t.Year()
	dow := int(t.Weekday())
	if endOfWeek := t.AddDate(0, 0, 6-dow); endOfWeek.Year() != year {
		return endOfWeek.Year(), 1
	}
	jan1 := int(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Weekday())
	return year, (t.YearDay()-1+jan1)/7 + 1
}

// eraText is the 'G' field: AD/BC, Anno Domini/Before Christ, A/B.
func eraText(year, n int) string {
	ad := year > 0
	switch {
	case n == 4 && ad:
		return "Anno Domini"
	case n == 4:
		return "Before Christ"
	case n == 5 && ad:
		return "A"
	case n == 5:
		return "B"
	case ad:
		return "AD"
	}
	return "BC"
}

func formatOffset(t time.Time, letter rune, n int) string {
	_, off := t.Zone()
	if off == 0 && (letter == 'X' || (letter == 'Z' && n == 5)) {
		return "Z"
	}
	sign := "+"
	if off < 0 {
		sign = "-"
		off = -off
	}
	hh, mm := pad(off/3600, 2), pad(off/60%60, 2)
	switch {
	case letter == 'O':
		return "GMT" + sign + strconv.Itoa(off/3600)
	case letter == 'Z' && n == 4:
		return "GMT" + sign + hh + ":" + mm
	case letter == 'Z' && n <= 3:
		return sign + hh + mm
	case n == 1 && mm == "00":
		return sign + hh
	case n == 1 || n == 2 || n == 4:
		return sign + hh + mm
	}
	return sign + hh + ":" + mm
}

// zoneAliases maps the short names Java resolves when parsing 'z'.
var zoneAliases = map[string]string{
	"PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
	"MST": "America/Denver", "MDT": "America/Denver",
	"CST": "America/Chicago", "CDT": "America/Chicago",
	"EST": "America/New_York", "EDT": "America/New_York",
	"GMT": "UTC", "UTC": "UTC", "UT": "UTC", "Z": "UTC",
	"BST": "Europe/London", "CET": "Europe/Paris", "CEST": "Europe/Paris",
	"IST": "Asia/Kolkata", "JST": "Asia/Tokyo",
}

// gmt is the zone GMT: UTC's offset under its own name.
var gmt = time.FixedZone("GMT", 0)

// loadZone resolves a ksqlDB time zone argument: an id, an alias or an
// offset such as +05:30 or GMT+2.
func loadZone(name string) (*time.Location, error) {
	n := strings.TrimSpace(name)
	if strings.EqualFold(n, "GMT") {
		// Java's ZoneId.of("GMT") is a zone of its own, written GMT
		// (Greenwich Mean Time), not UTC.
		return gmt, nil
	}
	if a, ok := zoneAliases[strings.ToUpper(n)]; ok {
		n = a
	}
	if n == "UTC" {
		return time.UTC, nil
	}
	for _, pre := range []string{"GMT", "UTC", "UT", ""} {
		rest, ok := strings.CutPrefix(n, pre)
		if ok && rest != "" && (rest[0] == '+' || rest[0] == '-') {
			off, _, err := parseOffset(rest)
			if err == nil {
				return time.FixedZone(n, off), nil
			}
		}
	}
	loc, err := time.LoadLocation(n)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone '%s'", name)
	}
	return loc, nil
}

// parseOffset reads ±H, ±HH, ±HHMM, ±HH:MM (and :SS) at the start of s;
// it returns the offset in seconds and the bytes consumed.
func parseOffset(s string) (int, int, error) {
	if s == "" || (s[0] != '+' && s[0] != '-') {
		return 0, 0, fmt.Errorf("bad offset %q", s)
	}
	i := 1
	digits := func(max int) (int, int) {
		j := i
		for j < len(s) && j-i < max && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		v, _ := strconv.Atoi(s[i:j])
		return v, j - i
	}
	h, nh := digits(2)
	if nh == 0 {
		return 0, 0, fmt.Errorf("bad offset %q", s)
	}
	i += nh
	m, sec := 0, 0
	for k := 0; k < 2; k++ {
		colon := i < len(s) && s[i] == ':'
		if colon {
			i++
		}
		v, nv := digits(2)
		if nv != 2 {
			if colon {
				i--
			}
			break
		}
		i += nv
		if k == 0 {
			m = v
		} else {
			sec = v
		}
	}
	off := h*3600 + m*60 + sec
	if s[0] == '-' {
		off = -off
	}
	return off, i, nil
}

// parse reads s with the pattern as a java.time formatter does with its
// default SMART resolver style; fields absent from the pattern default to
// 1970-01-01T00:00:00 in loc.
func (p *javaPattern) parse(s string, loc *time.Location) (time.Time, error) {
	return p.parseText(s, loc, false, false)
}

// parseText is parse; with prefixOnly, text after the pattern is ignored.
// Without lenient it resolves the fields as java.time's SMART resolver
// does: a field out of its range is an error, and a day of the month past
// the end of a month of a parsed year becomes that month's last day
// (2020-02-30 is 2020-02-29). With lenient, as a lenient
// java.util.Calendar does for ksqlDB's PARSE_DATE (prefixOnly too), any
// value carries into the next field: 2021-02-30 is 2021-03-02, 2021-13-01
// is 2022-01-01, hour 24 is the next day.
func (p *javaPattern) parseText(s string, loc *time.Location, prefixOnly, lenient bool) (time.Time, error) {
	year, month, day, hour, min, sec, nanos := 1970, 1, 1, 0, 0, 0, 0
	yday, pm, hour12 := 0, -1, false
	hasYear := false // a y or u field: Java resolves year, month and day together
	hasMonth, hasDay := false, false
	endOfDay := false // HH read 24, which SMART takes for midnight ending the day when the rest is 0
	// rangeErr is why the first field read is out of its range, as java.time's
	// SMART resolver reports it once the text has parsed.
	var rangeErr error
	check := func(v, lo, hi int, field string) {
		if (v < lo || v > hi) && rangeErr == nil {
			rangeErr = fmt.Errorf("Text '%s' could not be parsed: Invalid value for %s (valid values %d - %d): %d", s, field, lo, hi, v)
		}
	}
	era, yearOfEra := -1, false // a G field (0 BC, 1 AD) and whether a y field was read
	var zone *time.Location
	pos := 0
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("Text '%s' could not be parsed at index %d", s, pos)
	}
	isNum := func(l rune) bool { return strings.ContainsRune("yuYMLdDHhkKmsSnA", l) }
	for ti, tk := range p.toks {
		if tk.letter == 0 {
			if !strings.HasPrefix(strings.ToLower(s[pos:]), strings.ToLower(tk.lit)) {
				return bad()
			}
			pos += len(tk.lit)
			continue
		}
		if tk.letter == 'M' && tk.count >= 3 || tk.letter == 'L' && tk.count >= 3 {
			found := false
			for m := time.January; m <= time.December; m++ {
				for _, name := range []string{m.String(), m.String()[:3]} {
					if strings.HasPrefix(strings.ToLower(s[pos:]), strings.ToLower(name)) {
						month, pos, found = int(m), pos+len(name), true
						hasMonth = true
						break
					}
				}
				if found {
					break
				}
			}
			if !found {
				return bad()
			}
			continue
		}
		if isNum(tk.letter) {
			// Adjacent numeric fields take exactly their width.
			adjacent := ti+1 < len(p.toks) && p.toks[ti+1].letter != 0 && isNum(p.toks[ti+1].letter)
			maxW := 10
			if adjacent || tk.letter == 'S' {
				maxW = tk.count
				if tk.letter == 'S' && !adjacent {
					maxW = 9
				}
			}
			neg := false
			if (tk.letter == 'y' || tk.letter == 'u') && pos < len(s) && (s[pos] == '-' || s[pos] == '+') && tk.count > 2 {
				neg = s[pos] == '-'
				pos++
			}
			j := pos
			for j < len(s) && j-pos < maxW && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == pos || (adjacent && j-pos != tk.count) {
				return bad()
			}
			txt := s[pos:j]
			v, _ := strconv.Atoi(txt)
			if neg {
				v = -v
			}
			pos = j
			switch tk.letter {
			case 'y', 'u', 'Y':
				if tk.count == 2 && len(txt) == 2 {
					v += 2000
				}
				year = v
				hasYear = hasYear || tk.letter != 'Y'
				yearOfEra = tk.letter == 'y'
			case 'M', 'L':
				month, hasMonth = v, true
				check(v, 1, 12, "MonthOfYear")
			case 'd':
				day, hasDay = v, true
				check(v, 1, 31, "DayOfMonth")
			case 'D':
				yday = v
				check(v, 1, 366, "DayOfYear")
			case 'H':
				// 24 is kept for the end-of-day check below
				hour, endOfDay = v, v == 24
				if !endOfDay {
					check(v, 0, 23, "HourOfDay")
				}
			case 'k':
				// SMART takes 0 as well as 1 to 24; 24 is hour 0 of the same day
				hour = v % 24
				check(v, 0, 24, "ClockHourOfDay")
			case 'h':
				hour, hour12 = v%12, true
				check(v, 0, 12, "ClockHourOfAmPm")
			case 'K':
				hour, hour12 = v, true
				check(v, 0, 11, "HourOfAmPm")
			case 'm':
				min = v
				check(v, 0, 59, "MinuteOfHour")
			case 's':
				sec = v
				check(v, 0, 59, "SecondOfMinute")
			case 'S':
				for len(txt) < 9 {
					txt += "0"
				}
				nanos, _ = strconv.Atoi(txt[:9])
			case 'n':
				nanos = v
			case 'A':
				hour, min, sec, nanos = v/3600000, v/60000%60, v/1000%60, v%1000*1e6
				check(v, 0, 86399999, "MilliOfDay")
			}
			continue
		}
		switch tk.letter {
		case 'G':
			// Java's era text is case-sensitive: AD or BC, Anno Domini or
			// Before Christ (GGGG), A or B (GGGGG).
			era = -1
			for e, y := range [2]int{0, 1} {
				if name := eraText(y, tk.count); strings.HasPrefix(s[pos:], name) {
					era, pos = e, pos+len(name)
					break
				}
			}
			if era < 0 {
				return bad()
			}
		case 'a':
			rest := strings.ToUpper(s[pos:])
			switch {
			case strings.HasPrefix(rest, "AM"):
				pm = 0
			case strings.HasPrefix(rest, "PM"):
				pm = 1
			default:
				return bad()
			}
			pos += 2
		case 'E', 'e', 'c':
			j := pos
			for j < len(s) && unicode.IsLetter(rune(s[j])) {
				j++
			}
			if j == pos {
				return bad()
			}
			pos = j
		case 'X', 'x', 'Z', 'O':
			rest := s[pos:]
			if strings.HasPrefix(rest, "GMT") {
				rest, pos = rest[3:], pos+3
			}
			if len(rest) > 0 && (rest[0] == 'Z' || rest[0] == 'z') {
				zone, pos = time.UTC, pos+1
				continue
			}
			off, n, err := parseOffset(rest)
			if err != nil {
				return bad()
			}
			zone, pos = time.FixedZone("", off), pos+n
		case 'z', 'V', 'v':
			if tk.letter == 'z' && tk.count >= 4 {
				// zzzz reads a long name (Pacific Daylight Time) as well as
				// the ids and short names z reads.
				if l, n := readLongZoneName(s[pos:]); l != nil {
					zone, pos = l, pos+n
					continue
				}
			}
			j := pos
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || strings.ContainsRune("/_+-:0123456789", rune(s[j]))) {
				j++
			}
			l, err := loadZone(s[pos:j])
			if err != nil {
				return bad()
			}
			zone, pos = l, j
		default:
			return bad()
		}
	}
	if pos != len(s) && !prefixOnly {
		return time.Time{}, fmt.Errorf("Text '%s' could not be parsed, unparsed text found at index %d", s, pos)
	}
	if era == 0 && yearOfEra {
		year = 1 - year // 1 BC is year 0
	}
	if zone == nil {
		zone = loc
	}
	if lenient {
		if hour12 && pm == 1 {
			hour += 12
		}
		if yday > 0 {
			month, day = 1, yday
		}
		return time.Date(year, time.Month(month), day, hour, min, sec, nanos, zone), nil
	}
	if rangeErr != nil {
		return time.Time{}, rangeErr
	}
	if endOfDay {
		// SMART reads 24:00 (and 24:00:00.0) as the midnight ending the
		// day, hour 24 with anything else is out of range.
		if min != 0 || sec != 0 || nanos != 0 {
			return time.Time{}, fmt.Errorf("Text '%s' could not be parsed: Invalid value for HourOfDay (valid values 0 - 23): 24", s)
		}
		hour = 0
	}
	if hour12 && pm == 1 {
		hour += 12
	}
	if yday > 0 && yday > time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC).YearDay() {
		// day 366 of a year that is not a leap year, or of 1970 when
		// there is no year
		return time.Time{}, fmt.Errorf("Text '%s' could not be parsed: Invalid date 'DayOfYear 366' as '%d' is not a leap year", s, year)
	}
	if hasYear && yday == 0 {
		// the month's last day is day 0 of the next month
		if last := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day(); day > last {
			day = last
		}
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nanos, zone)
	if yday > 0 {
		t = time.Date(year, 1, yday, hour, min, sec, nanos, zone)
	} else if t.Day() != day {
		return time.Time{}, fmt.Errorf("Text '%s' could not be parsed: invalid date", s)
	}
	if endOfDay && hasYear && (hasMonth && hasDay || yday > 0) {
		// the day after, when there is a whole date to add it to; java.time
		// drops the extra day otherwise
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// timeOnly is why ksqlDB's PARSE_TIME refuses what the pattern parsed,
// or "" when it does not: a field of the date (ParseTime checks every
// date-based ChronoField the parse supports), or an hour of AM or PM
// without the a that says which, from which Java makes no LocalTime.
func (p *javaPattern) timeOnly() string {
	ampmHour, ampm := false, false
	for _, tk := range p.toks {
		switch tk.letter {
		case 'G', 'y', 'u', 'D', 'M', 'L', 'd', 'E', 'e', 'c', 'F':
			return "Time format contains date field."
		case 'h', 'K':
			ampmHour = true
		case 'a':
			ampm = true
		}
	}
	if ampmHour && !ampm {
		return "Unable to obtain LocalTime from TemporalAccessor"
	}
	return ""
}

// Java's names for the fields behind the pattern letters, as its
// "Unsupported field" errors give them.
var (
	dateFieldNames = map[rune]string{
		'G': "Era", 'y': "YearOfEra", 'u': "Year", 'D': "DayOfYear",
		'M': "MonthOfYear", 'L': "MonthOfYear", 'd': "DayOfMonth",
		'Q': "QuarterOfYear", 'q': "QuarterOfYear", 'E': "DayOfWeek",
		'Y': "WeekBasedYear[WeekFields[SUNDAY,1]]",
		'w': "WeekOfWeekBasedYear[WeekFields[SUNDAY,1]]",
		'W': "WeekOfMonth[WeekFields[SUNDAY,1]]",
		'e': "DayOfWeek[WeekFields[SUNDAY,1]]", 'c': "DayOfWeek[WeekFields[SUNDAY,1]]",
		'F': "AlignedDayOfWeekInMonth",
	}
	timeFieldNames = map[rune]string{
		'a': "AmPmOfDay", 'h': "ClockHourOfAmPm", 'K': "HourOfAmPm",
		'k': "ClockHourOfDay", 'H': "HourOfDay", 'm': "MinuteOfHour",
		's': "SecondOfMinute", 'S': "NanoOfSecond", 'n': "NanoOfSecond",
		'N': "NanoOfDay", 'A': "MilliOfDay", 'B': "AmPmOfDay",
	}
)

// lacking is why Java cannot format a LocalDate (date true) or a
// LocalTime with the pattern: the first letter whose field the value
// lacks, including any zone or offset. It is "" when all are there.
func (p *javaPattern) lacking(date bool, value string) string {
	other := dateFieldNames
	if date {
		other = timeFieldNames
	}
	for _, tk := range p.toks {
		switch tk.letter {
		case 0:
		case 'X', 'x', 'Z', 'O':
			return "Unsupported field: OffsetSeconds"
		case 'V', 'z', 'v':
			return "Unable to extract ZoneId from temporal " + value
		default:
			if name, ok := other[tk.letter]; ok {
				return "Unsupported field: " + name
			}
		}
	}
	return ""
}
