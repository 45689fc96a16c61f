package expr

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/eddysql/eddy/types"
)

func registerMoreString(r *Registry) {
	// ENCODE(s, from, to) re-encodes s between hex, utf8, ascii and base64.
	r.add("ENCODE", ov(tStr, func(a []any) (any, error) {
		if strings.EqualFold(a[1].(string), a[2].(string)) {
			// ksqlDB's table of encoders pairs only different encodings.
			return nil, errors.New("Supported input and output encodings are: hex, utf8, ascii and base64")
		}
		b, err := decodeString(a[0].(string), a[1].(string))
		if err != nil {
			return nil, err
		}
		return encodeBytes(b, a[2].(string), false) // commons-codec's lower-case hex
	}, tStr, tStr, tStr))

	extractAll := func(re *regexp.Regexp, a []any) (any, error) {
		g := 0
		if len(a) > 2 {
			g = int(a[2].(int32))
		}
		if g < 0 || g > re.NumSubexp() {
			return nil, fmt.Errorf("no group %d in pattern %s", g, a[0])
		}
		s := a[1].(string)
		out := []any{}
		for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
			if m[2*g] < 0 {
				out = append(out, nil)
				continue
			}
			out = append(out, s[m[2*g]:m[2*g+1]])
		}
		return out, nil
	}
	r.add("REGEXP_EXTRACT_ALL",
		patternOverload(types.ArrayOf(tStr), 0, extractAll, tStr, tStr),
		patternOverload(types.ArrayOf(tStr), 0, extractAll, tStr, tStr, tInt))

	registerMask(r)
}

// maskChars are the replacements for upper, lower, digit and other
// characters; a negative rune leaves that class unmasked.
type maskChars [4]rune

var defaultMask = maskChars{'X', 'x', 'n', '-'}

// maskArgs reads the optional replacement arguments starting at a[i]:
// a NULL (or empty) argument leaves its class unmasked.
func maskArgs(a []any, i int) maskChars {
	if len(a) <= i {
		return defaultMask
	}
	var m maskChars
	for j := range m {
		m[j] = -1
		if s, ok := a[i+j].(string); ok && s != "" {
			m[j], _ = utf8.DecodeRuneInString(s)
		}
	}
	return m
}

func (m maskChars) mask(r rune) rune {
	c := m[3]
	switch {
	case unicode.IsUpper(r):
		c = m[0]
	case unicode.IsLower(r):
		c = m[1]
	case unicode.IsDigit(r):
		c = m[2]
	}
	if c < 0 {
		return r
	}
	return c
}

// maskRange masks the runes of s whose index i satisfies in(i, n).
func maskRange(s string, m maskChars, in func(i, n int) bool) string {
	rs := []rune(s)
	for i, r := range rs {
		if in(i, len(rs)) {
			rs[i] = m.mask(r)
		}
	}
	return string(rs)
}

func registerMask(r *Registry) {
	// MASK(s [, upper, lower, digit, other]).
	mask := func(a []any) (any, error) {
		s, ok := a[0].(string)
		if !ok {
			return nil, nil
		}
		return maskRange(s, maskArgs(a, 1), func(int, int) bool { return true }), nil
	}
	r.add("MASK",
		ov(tStr, mask, tStr),
		ov(tStr, mask, tStr, tStr, tStr, tStr, tStr).nullable())

	// The positional variants take a character count n >= 0.
	positional := func(name string, in func(i, l, n int) bool) {
		f := func(a []any) (any, error) {
			s, ok := a[0].(string)
			n, ok2 := a[1].(int32)
			if !ok || !ok2 {
				return nil, nil
			}
			if n < 0 {
				return nil, fmt.Errorf("function %s requires a non-negative number of characters, not %d", name, n)
			}
			return maskRange(s, maskArgs(a, 2), func(i, l int) bool { return in(i, l, int(n)) }), nil
		}
		r.add(name,
			ov(tStr, f, tStr, tInt),
			ov(tStr, f, tStr, tInt, tStr, tStr, tStr, tStr).nullable())
	}
	positional("MASK_LEFT", func(i, _, n int) bool { return i < n })
	positional("MASK_RIGHT", func(i, l, n int) bool { return i >= l-n })
	positional("MASK_KEEP_LEFT", func(i, _, n int) bool { return i >= n })
	positional("MASK_KEEP_RIGHT", func(i, l, n int) bool { return i < l-n })
}

// decodeString turns s into bytes by the named encoding.
func decodeString(s, enc string) ([]byte, error) {
	switch strings.ToLower(enc) {
	case "hex":
		return decodeHex(s)
	case "utf8":
		return []byte(s), nil
	case "ascii":
		b := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 0x7f {
				r = '?'
			}
			b = append(b, byte(r))
		}
		return b, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return base64.RawStdEncoding.DecodeString(s)
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown encoding %q: use hex, utf8, ascii or base64", enc)
}

// encodeBytes renders b as a string in the named encoding, hex in upper
// case when upperHex. Bytes that do not decode become U+FFFD, as in Java.
func encodeBytes(b []byte, enc string, upperHex bool) (any, error) {
	switch strings.ToLower(enc) {
	case "hex":
		if upperHex {
			return strings.ToUpper(hex.EncodeToString(b)), nil
		}
		return hex.EncodeToString(b), nil
	case "utf8":
		return string([]rune(string(b))), nil
	case "ascii":
		var sb strings.Builder
		for _, c := range b {
			if c > 0x7f {
				sb.WriteRune(utf8.RuneError)
			} else {
				sb.WriteByte(c)
			}
		}
		return sb.String(), nil
	case "base64":
		return base64.StdEncoding.EncodeToString(b), nil
	}
	return nil, fmt.Errorf("unknown encoding %q: use hex, utf8, ascii or base64", enc)
}

// decodeHex accepts plain hex (even length), 0x-prefixed hex (an odd
// length gets a leading zero) and X'..' literals (even length).
func decodeHex(s string) ([]byte, error) {
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		s = s[2:]
		if len(s)%2 == 1 {
			s = "0" + s
		}
	case strings.HasPrefix(s, "X'") || strings.HasPrefix(s, "x'"):
		if len(s) < 3 || !strings.HasSuffix(s, "'") {
			return nil, fmt.Errorf("invalid hex literal %q", s)
		}
		s = s[2 : len(s)-1]
	}
	return hex.DecodeString(s)
}
