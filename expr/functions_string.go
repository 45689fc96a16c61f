package expr

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/eddysql/eddy/internal/box"
	"github.com/eddysql/eddy/types"
)

var (
	tStr  = types.StringType
	tInt  = types.IntType
	tBig  = types.BigintType
	tDbl  = types.DoubleType
	tBool = types.BooleanType
	tByt  = types.BytesType
)

func str1(f func(string) any) func([]any) (any, error) {
	return func(a []any) (any, error) { return f(a[0].(string)), nil }
}

// strS is a one-string STRING function.
func strS(f func(string) string) stringFunc {
	return func(a []any) (string, bool, error) { return f(a[0].(string)), true, nil }
}

func registerString(r *Registry) {
	r.add("LCASE", ovS(strS(javaLower), tStr))
	r.add("UCASE", ovS(strS(javaUpper), tStr))
	r.add("TRIM", ovS(strS(javaTrim), tStr))
	r.add("LTRIM", ovS(strS(func(s string) string {
		return strings.TrimLeftFunc(s, func(r rune) bool { return r <= ' ' })
	}), tStr))
	r.add("RTRIM", ovS(strS(func(s string) string {
		return strings.TrimRightFunc(s, func(r rune) bool { return r <= ' ' })
	}), tStr))
	r.add("LEN",
		ov(tInt, str1(func(s string) any { return int32(utf16Len(s)) }), tStr),
		ov(tInt, func(a []any) (any, error) { return int32(len(a[0].([]byte))), nil }, tByt))
	r.add("INITCAP", ov(tStr, str1(func(s string) any { return initCap(s) }), tStr))

	// CONCAT skips NULL arguments (all NULL gives the empty string).
	r.add("CONCAT",
		ovS(func(a []any) (string, bool, error) {
			n := 0
			for _, v := range a {
				if s, ok := v.(string); ok {
					n += len(s)
				}
			}
			var b strings.Builder
			b.Grow(n) // one allocation, not one per doubling
			for _, v := range a {
				if s, ok := v.(string); ok {
					b.WriteString(s)
				}
			}
			return b.String(), true, nil
		}, tStr).varargs().nullable(),
		ov(tByt, func(a []any) (any, error) {
			var b []byte
			for _, v := range a {
				if s, ok := v.([]byte); ok {
					b = append(b, s...)
				}
			}
			return b, nil
		}, tByt).varargs().nullable())
	r.add("CONCAT_WS",
		ov(tStr, func(a []any) (any, error) {
			sep, ok := a[0].(string)
			if !ok {
				return nil, nil
			}
			var parts []string
			for _, v := range a[1:] {
				if s, ok := v.(string); ok {
					parts = append(parts, s)
				}
			}
			return strings.Join(parts, sep), nil
		}, tStr, tStr).varargs().nullable(),
		ov(tByt, func(a []any) (any, error) {
			sep, ok := a[0].([]byte)
			if !ok {
				return nil, nil
			}
			var parts [][]byte
			for _, v := range a[1:] {
				if b, ok := v.([]byte); ok {
					parts = append(parts, b)
				}
			}
			return bytes.Join(parts, sep), nil
		}, tByt, tByt).varargs().nullable())

	r.add("SUBSTRING",
		ovS(func(a []any) (string, bool, error) {
			return substring(a[0].(string), a[1].(int32), 0, true), true, nil
		}, tStr, tInt),
		ovS(func(a []any) (string, bool, error) {
			return substring(a[0].(string), a[1].(int32), int(a[2].(int32)), false), true, nil
		}, tStr, tInt, tInt),
		ov(tByt, func(a []any) (any, error) {
			b := a[0].([]byte)
			st, end := substrBounds(len(b), a[1].(int32), len(b))
			return append([]byte(nil), b[st:end]...), nil
		}, tByt, tInt),
		ov(tByt, func(a []any) (any, error) {
			b := a[0].([]byte)
			st, end := substrBounds(len(b), a[1].(int32), int(a[2].(int32)))
			return append([]byte(nil), b[st:end]...), nil
		}, tByt, tInt, tInt))

	pad := func(left bool) func([]any) (any, error) {
		return func(a []any) (any, error) {
			// lengths count UTF-16 units, as Java's StringBuilder does
			s, n, ps := a[0].(string), int(a[1].(int32)), a[2].(string)
			if n < 0 || len(ps) == 0 {
				return nil, nil
			}
			if n > maxPadded {
				return nil, errPadded(left, n)
			}
			if asciiOnly(s) && asciiOnly(ps) { // a byte is a unit
				return padASCII(s, n, ps, left), nil
			}
			in, p := utf16Units(s), utf16Units(ps)
			if len(in) >= n {
				return fromUnits(in[:n]), nil
			}
			out := make([]uint16, 0, n)
			if !left {
				out = append(out, in...)
			}
			for i := 0; i < n-len(in); i++ {
				out = append(out, p[i%len(p)])
			}
			if left {
				out = append(out, in...)
			}
			return fromUnits(out), nil
		}
	}
	padBytes := func(left bool) func([]any) (any, error) {
		return func(a []any) (any, error) {
			in, n, p := a[0].([]byte), int(a[1].(int32)), a[2].([]byte)
			if n < 0 || len(p) == 0 {
				return nil, nil
			}
			if n > maxPadded {
				return nil, errPadded(left, n)
			}
			if len(in) >= n {
				return append([]byte(nil), in[:n]...), nil
			}
			out := make([]byte, 0, n)
			if !left {
				out = append(out, in...)
			}
			for i := 0; i < n-len(in); i++ {
				out = append(out, p[i%len(p)])
			}
			if left {
				out = append(out, in...)
			}
			return out, nil
		}
	}
	r.add("LPAD", ov(tStr, pad(true), tStr, tInt, tStr), ov(tByt, padBytes(true), tByt, tInt, tByt))
	r.add("RPAD", ov(tStr, pad(false), tStr, tInt, tStr), ov(tByt, padBytes(false), tByt, tInt, tByt))

	r.add("REPLACE", ovS(func(a []any) (string, bool, error) {
		return strings.ReplaceAll(a[0].(string), a[1].(string), a[2].(string)), true, nil
	}, tStr, tStr, tStr))

	instr := func(a []any) (any, error) {
		pos, occ := int32(1), int32(1)
		if len(a) > 2 {
			p, ok := a[2].(int32)
			if !ok {
				return nil, nil
			}
			pos = p
		}
		if len(a) > 3 {
			o, ok := a[3].(int32)
			if !ok {
				return nil, nil
			}
			occ = o
		}
		s, okS := a[0].(string)
		sub, okSub := a[1].(string)
		if !okS || !okSub {
			return int32(0), nil // ksqlDB: a NULL string or substring is found nowhere
		}
		if asciiOnly(s) && asciiOnly(sub) {
			return instrASCII(s, sub, int(pos), int(occ)), nil
		}
		return instrOf(utf16Units(s), utf16Units(sub), int(pos), int(occ)), nil
	}
	r.add("INSTR",
		ov(tInt, instr, tStr, tStr).nullable(),
		ov(tInt, instr, tStr, tStr, tInt).nullable(),
		ov(tInt, instr, tStr, tStr, tInt, tInt).nullable())

	splitStr := func(a []any) (any, error) {
		s, d := a[0].(string), a[1].(string)
		var parts []string
		if d == "" {
			for _, r := range s {
				parts = append(parts, string(r))
			}
			if s == "" {
				parts = []string{""} // Java's "".split(""), which ksqlDB's SPLIT uses: one empty part
			}
		} else {
			parts = strings.Split(s, d)
		}
		out := make([]any, len(parts))
		box.Strings(out, parts) // no allocation per part
		return out, nil
	}
	r.add("SPLIT",
		ov(types.ArrayOf(tStr), splitStr, tStr, tStr).element(func(a []any, i int64) (string, bool, error) {
			s, d := a[0].(string), a[1].(string)
			if d == "" {
				parts, err := splitStr(a)
				if err != nil {
					return "", false, err
				}
				e, ok := arrayAt(parts.([]any), i).(string)
				return e, ok, nil
			}
			e, ok := splitPart(s, d, i)
			return e, ok, nil
		}),
		ov(types.ArrayOf(tByt), func(a []any) (any, error) {
			b, d := a[0].([]byte), a[1].([]byte)
			var parts [][]byte
			if len(d) == 0 {
				for i := range b {
					parts = append(parts, b[i:i+1])
				}
				if len(b) == 0 {
					parts = [][]byte{{}} // as SPLIT('', ''): one empty part
				}
			} else {
				parts = bytes.Split(b, d)
			}
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = append([]byte(nil), p...)
			}
			return out, nil
		}, tByt, tByt))

	r.add("CHR",
		ov(tStr, func(a []any) (any, error) {
			r := rune(a[0].(int32))
			if r < 0 || r > unicode.MaxRune {
				return nil, nil
			}
			return string(r), nil
		}, tInt),
		ov(tStr, func(a []any) (any, error) { return chrEscape(a[0].(string)), nil }, tStr))
	r.add("MD5", ov(tStr, str1(func(s string) any {
		h := md5.Sum([]byte(s))
		return hex.EncodeToString(h[:])
	}), tStr))
	r.add("UUID", ov(tStr, func([]any) (any, error) {
		var u [16]byte
		if _, err := rand.Read(u[:]); err != nil {
			return nil, err
		}
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
		return uuidText(u[:]), nil
	}), ov(tStr, func(a []any) (any, error) {
		u := a[0].([]byte) // 16 bytes as a UUID's text, as ksqlDB's uuid(BYTES)
		if len(u) != 16 {
			return nil, nil
		}
		return uuidText(u), nil
	}, tByt))

	r.add("REGEXP_REPLACE", patternStringOverload(1, func(re *regexp.Regexp, a []any) (string, bool, error) {
		return re.ReplaceAllString(a[0].(string), javaReplacement(a[2].(string))), true, nil
	}, tStr, tStr, tStr))
	regexExtract := func(re *regexp.Regexp, a []any) (string, bool, error) {
		g := 0
		if len(a) > 2 {
			g = int(a[2].(int32))
		}
		s := a[1].(string)
		m := re.FindStringSubmatchIndex(s)
		if m == nil || g < 0 || 2*g >= len(m) || m[2*g] < 0 {
			return "", false, nil // no match, no such group, or a group that took no part (Java's group() is null)
		}
		return s[m[2*g]:m[2*g+1]], true, nil
	}
	r.add("REGEXP_EXTRACT", patternStringOverload(0, regexExtract, tStr, tStr), patternStringOverload(0, regexExtract, tStr, tStr, tInt))
	r.add("REGEXP_SPLIT_TO_ARRAY", patternOverload(types.ArrayOf(tStr), 1, func(re *regexp.Regexp, a []any) (any, error) {
		parts := re.Split(a[0].(string), -1)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	}, tStr, tStr))
}

// javaTrim is String.trim(): strips code points <= ' ' at both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// substrBounds is ksqlDB's SUBSTRING: 1-based, a negative start counts
// from the end, everything clamped to the value.
func substrBounds(n int, pos int32, length int) (int, int) {
	var st int
	if pos < 0 {
		st = max(n+int(pos), 0)
	} else {
		st = max(min(int(pos)-1, n), 0)
	}
	end := max(min(st+length, n), st)
	if length > n { // avoid overflow of st+length for "to the end"
		end = n
	}
	return st, end
}

// instrOf is INSTR over UTF-16 units (Java's String positions): the
// 1-based position of the occ-th occurrence of sub, searching forward
// from pos, or backward when pos < 0. ksqlDB searches backward by
// reversing both strings and searching forward from -pos, so the whole
// match must lie within the first len(s)+pos+1 units. An empty sub is
// found at once whatever occ is (commons-lang's ordinalIndexOf).
func instrOf(s, sub []uint16, pos, occ int) int32 {
	if occ <= 0 || pos == 0 || abs(pos) > len(s) {
		return 0
	}
	if len(sub) == 0 {
		occ = 1
	}
	idx := -1
	if pos > 0 {
		from := pos - 1
		for range occ {
			idx = indexUnits(s, sub, from)
			if idx < 0 {
				return 0
			}
			from = idx + 1
		}
	} else {
		from := len(s) + pos - len(sub) + 1 // the last start to consider
		for range occ {
			idx = lastIndexUnits(s, sub, from)
			if idx < 0 {
				return 0
			}
			from = idx - 1
		}
	}
	return int32(idx + 1)
}

// instrASCII is instrOf for ASCII text, whose UTF-16 units are its
// bytes: it searches the strings in place instead of converting them.
func instrASCII(s, sub string, pos, occ int) int32 {
	if occ <= 0 || pos == 0 || abs(pos) > len(s) {
		return 0
	}
	if sub == "" {
		occ = 1
	}
	idx := -1
	if pos > 0 {
		from := pos - 1
		for range occ {
			if from > len(s) {
				return 0
			}
			i := strings.Index(s[from:], sub)
			if i < 0 {
				return 0
			}
			idx = from + i
			from = idx + 1
		}
	} else {
		from := len(s) + pos - len(sub) + 1 // the last start to consider
		for range occ {
			if from < 0 {
				return 0
			}
			idx = strings.LastIndex(s[:min(from+len(sub), len(s))], sub)
			if idx < 0 {
				return 0
			}
			from = idx - 1
		}
	}
	return int32(idx + 1)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func indexUnits(s, sub []uint16, from int) int {
	for i := max(from, 0); i+len(sub) <= len(s); i++ {
		if unitsAt(s, sub, i) {
			return i
		}
	}
	return -1
}

func lastIndexUnits(s, sub []uint16, from int) int {
	for i := min(from, len(s)-len(sub)); i >= 0; i-- {
		if unitsAt(s, sub, i) {
			return i
		}
	}
	return -1
}

func unitsAt(s, sub []uint16, i int) bool {
	for j, u := range sub {
		if s[i+j] != u {
			return false
		}
	}
	return true
}

// javaReplacement converts Java's $1 group references to Go's ${1}.
func javaReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(s[i])
			}
		case c == '$' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			b.WriteString("${" + s[i+1:j] + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// chrEscape decodes one code point written as \uXXXX, or as a UTF-16
// surrogate pair \uXXXX\uXXXX; anything else is NULL.
// uuidText writes 16 bytes as a UUID: five groups of hex digits.
func uuidText(u []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

func chrEscape(s string) any {
	if len(s) < 6 || !strings.HasPrefix(s, "\\u") {
		return nil
	}
	out, ok := unescapeJava(s)
	if !ok {
		return nil
	}
	return out
}

// unescapeJava undoes Java's string escapes as commons-text's
// StringEscapeUtils.unescapeJava does, which ksqlDB's CHR applies to the
// whole argument: \uXXXX (UTF-16 units, surrogate pairs joined), octal
// \0 to \377, \b \t \n \f \r \" \' \\, and a backslash before
// anything else dropped. ok is false for a \u without four hex digits.
func unescapeJava(s string) (string, bool) {
	var units []uint16
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' && i+1 == len(s) {
			break // a trailing backslash is dropped
		}
		if c != '\\' {
			r, n := utf8.DecodeRuneInString(s[i:])
			units = utf16.AppendRune(units, r)
			i += n
			continue
		}
		i++
		switch e := s[i]; {
		case e == 'u':
			for i < len(s) && s[i] == 'u' {
				i++
			}
			if i < len(s) && s[i] == '+' {
				i++
			}
			if i+4 > len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i:i+4], 16, 16)
			if err != nil {
				return "", false
			}
			units = append(units, uint16(v))
			i += 4
		case e >= '0' && e <= '7':
			n := 1
			for n < 3 && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7' && (n < 2 || e <= '3') {
				n++
			}
			v, _ := strconv.ParseUint(s[i:i+n], 8, 16)
			units = append(units, uint16(v))
			i += n
		case e < utf8.RuneSelf:
			units = append(units, uint16(javaEscaped(e)))
			i++
		default: // a backslash before a non-ASCII character is dropped
			r, n := utf8.DecodeRuneInString(s[i:])
			units = utf16.AppendRune(units, r)
			i += n
		}
	}
	return string(utf16.Decode(units)), true
}

// javaEscaped is the character a backslash and e stand for: a control
// character for b, t, n, f and r, e itself otherwise (\" \' \\, and the
// backslash dropped before anything else).
func javaEscaped(e byte) byte {
	switch e {
	case 'b':
		return '\b'
	case 't':
		return '\t'
	case 'n':
		return '\n'
	case 'f':
		return '\f'
	case 'r':
		return '\r'
	}
	return e
}

// splitPart is element i of SPLIT(s, d) for a non-empty d (as arrayAt
// indexes it), found without splitting the rest of s.
func splitPart(s, d string, i int64) (string, bool) {
	n := int64(strings.Count(s, d)) + 1
	switch {
	case i > 0 && i <= n:
		i--
	case i < 0 && -i <= n:
		i += n
	default:
		return "", false
	}
	for ; i > 0; i-- {
		s = s[strings.Index(s, d)+len(d):]
	}
	if j := strings.Index(s, d); j >= 0 {
		s = s[:j]
	}
	return s, true
}

// substring is SUBSTRING(s, pos[, length]) counting characters, to the
// end of s when toEnd. An ASCII string's characters are its bytes, so it
// is sliced in place rather than converted to runes and back.
func substring(s string, pos int32, length int, toEnd bool) string {
	if asciiOnly(s) {
		if toEnd {
			length = len(s)
		}
		st, end := substrBounds(len(s), pos, length)
		return s[st:end]
	}
	us := utf16Units(s) // positions count UTF-16 units, as Java's do
	if toEnd {
		length = len(us)
	}
	st, end := substrBounds(len(us), pos, length)
	return fromUnits(us[st:end])
}

// padASCII is LPAD (left) or RPAD of ASCII text with an ASCII pad:
// s cut or filled to n bytes with repeats of pad.
func padASCII(s string, n int, pad string, left bool) string {
	if len(s) >= n {
		return s[:n]
	}
	var b strings.Builder
	b.Grow(n)
	if !left {
		b.WriteString(s)
	}
	for i := 0; i < n-len(s); i++ {
		b.WriteByte(pad[i%len(pad)])
	}
	if left {
		b.WriteString(s)
	}
	return b.String()
}

// asciiOnly reports whether s holds only ASCII bytes.
func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
