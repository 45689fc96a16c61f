package serde

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// scanner is a minimal JSON tokenizer over a byte slice. It hands out
// slices of the input where it can, so reading a record allocates only for
// the values it keeps.
type scanner struct {
	b []byte
	i int
}

// maxDepth bounds nesting so a hostile record cannot exhaust the stack.
const maxDepth = 512

var errDepth = errors.New("JSON nested too deeply")

func (s *scanner) ws() {
	b, i := s.b, s.i
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	s.i = i
}

// peek skips blanks and returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return s.b[s.i] // compact JSON: no blanks to skip
	}
	return peekSlow(s)
}

// cur returns the byte at the cursor, or 0 at the end. Unlike peek it is
// cheap enough to inline, so hot paths try it first and call peek only
// when it finds a blank (or the end): `c := s.cur(); if c <= ' ' { c = s.peek() }`
// gives what peek gives.
func (s *scanner) cur() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

//go:noinline
func peekSlow(s *scanner) byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *scanner) errf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", s.i, fmt.Sprintf(format, args...))
}

func (s *scanner) unexpected() error {
	if s.i >= len(s.b) {
		return s.errf("unexpected end of input")
	}
	return s.errf("unexpected character %q", s.b[s.i])
}

// expect consumes c after optional blanks.
func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return s.unexpected()
	}
	s.i++
	return nil
}

// literal consumes one of true, false, null; s.b[s.i] is its first letter.
func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.unexpected()
	}
	s.i += len(word)
	return nil
}

// str reads a string; s.b[s.i] is the opening quote. The result aliases the
// input unless the string had escapes.
func (s *scanner) str() ([]byte, error) { return s.scanStr(true) }

// skipStr checks a string as str does, without copying one that has
// escapes.
func (s *scanner) skipStr() error {
	_, err := s.scanStr(false)
	return err
}

func (s *scanner) scanStr(keep bool) ([]byte, error) {
	b := s.b
	start := s.i + 1
	i := start
	ascii := true // no byte >= 0x80 so far, so no UTF-8 to check
	for {
		// Sixteen bytes at a time where the CPU has vectors, then eight:
		// stop at the first quote, backslash or control character, and,
		// while the text is ASCII, at the first byte that is not; after
		// that such bytes are checked once the string ends.
		i += plainChunks(b[i:], ascii)
		if ascii {
			for i+8 <= len(b) {
				x := binary.LittleEndian.Uint64(b[i:])
				if m := specialBytes(x) | x&highs; m != 0 {
					i += bits.TrailingZeros64(m) >> 3
					break
				}
				i += 8
			}
		} else {
			for i+8 <= len(b) {
				if m := specialBytes(binary.LittleEndian.Uint64(b[i:])); m != 0 {
					i += bits.TrailingZeros64(m) >> 3
					break
				}
				i += 8
			}
		}
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		if i >= len(b) {
			s.i = i
			return nil, s.errf("unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			v := b[start:i]
			if !ascii && !utf8.Valid(v) {
				return nil, s.errf("invalid UTF-8 in string")
			}
			return v, nil
		case c == '\\':
			s.i = i
			if !keep {
				return nil, s.skipEscaped(start)
			}
			return s.strEscaped(start)
		case c < 0x20:
			s.i = i
			return nil, s.errf("control character in string")
		default: // >= 0x80, checked once the string ends
			ascii = false
			i++
		}
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// specialBytes flags (with 0x80) the bytes of x that are '"', '\\' or
// below 0x20. Flags above the first true one may be spurious (borrows),
// so callers use only the lowest.
func specialBytes(x uint64) uint64 {
	q := x ^ (ones * '"')
	bs := x ^ (ones * '\\')
	return ((q-ones)&^q | (bs-ones)&^bs | (x-ones*0x20)&^x) & highs
}

// plainByte marks bytes that can appear in a string as they are.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isASCII(v []byte) bool {
	for _, c := range v {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// strEscaped finishes a string that contains escapes, copying it.
func (s *scanner) strEscaped(start int) ([]byte, error) {
	out := make([]byte, 0, s.i-start+16)
	out = append(out, s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			if !utf8.Valid(out) {
				return nil, s.errf("invalid UTF-8 in string")
			}
			return out, nil
		case c < 0x20:
			return nil, s.errf("control character in string")
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		s.i++
		if s.i >= len(s.b) {
			break
		}
		e := s.b[s.i]
		s.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil, s.errf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A surrogate pair spells one character; a lone half
				// becomes U+FFFD, as Java's UTF-8 encoder would write it.
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					save := s.i
					s.i += 2
					r2, ok2 := s.hex4()
					if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
						r = dec
					} else {
						s.i = save
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, s.errf("bad escape \\%c", e)
		}
	}
	return nil, s.errf("unterminated string")
}

// skipEscaped checks the rest of a string with escapes as strEscaped
// does, with the same errors, without building it. The text strEscaped
// would build is valid UTF-8 exactly when every run of raw bytes between
// escapes is: an escape always writes a whole character, which neither
// completes a truncated sequence before it nor starts one that a
// continuation byte after it could extend.
func (s *scanner) skipEscaped(start int) error {
	valid := utf8.Valid(s.b[start:s.i])
	raw := -1 // start of the current run of raw bytes, -1 when none
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			if raw >= 0 {
				valid = valid && utf8.Valid(s.b[raw:s.i])
			}
			s.i++
			if !valid {
				return s.errf("invalid UTF-8 in string")
			}
			return nil
		case c < 0x20:
			return s.errf("control character in string")
		case c != '\\':
			if raw < 0 {
				raw = s.i
			}
			s.i++
			continue
		}
		if raw >= 0 {
			valid = valid && utf8.Valid(s.b[raw:s.i])
			raw = -1
		}
		s.i++
		if s.i >= len(s.b) {
			break
		}
		e := s.b[s.i]
		s.i++
		switch e {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return s.errf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) && s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
				// A pair takes the second escape; an unpaired half
				// leaves it to be read next, as strEscaped does.
				save := s.i
				s.i += 2
				r2, ok2 := s.hex4()
				if !ok2 || utf16.DecodeRune(r, r2) == utf8.RuneError {
					s.i = save
				}
			}
		default:
			return s.errf("bad escape \\%c", e)
		}
	}
	return s.errf("unterminated string")
}

func (s *scanner) hex4() (rune, bool) {
	if len(s.b)-s.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	s.i += 4
	return r, true
}

// num reads a number token by JSON's grammar and reports whether it is an
// integer (no fraction, no exponent).
func (s *scanner) num() (tok []byte, isInt bool, err error) {
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	d := s.digits()
	if d == 0 {
		return nil, false, s.unexpected()
	}
	if d > 1 && s.b[s.i-d] == '0' {
		return nil, false, s.errf("leading zero in number")
	}
	isInt = true
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return nil, false, s.unexpected()
		}
		isInt = false
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return nil, false, s.unexpected()
		}
		isInt = false
	}
	return s.b[start:s.i], isInt, nil
}

// integer reads a number as an integer in one pass when it is a plain
// integer of at most 18 digits, which cannot overflow; anything else goes
// through num and intOfNumber.
func (s *scanner) integer() (int64, error) {
	b, i := s.b, s.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	var v int64
	for i+8 <= len(b) { // eight bytes at a time, while they are digits
		x := binary.LittleEndian.Uint64(b[i:])
		d := leadingDigits(x)
		if d > 0 {
			v = v*pow10[d] + int64(eightDigits((x&0x0F0F0F0F0F0F0F0F)<<(8*(8-d))))
			i += d
		}
		if d < 8 {
			break
		}
	}
	for i < len(b) && b[i]-'0' <= 9 {
		v = v*10 + int64(b[i]-'0')
		i++
	}
	n := i - start
	if n > 0 && n <= 18 && (n == 1 || b[start] != '0') &&
		(i == len(b) || (b[i] != '.' && b[i] != 'e' && b[i] != 'E')) {
		s.i = i
		if neg {
			v = -v
		}
		return v, nil
	}
	tok, isInt, err := s.num()
	if err != nil {
		return 0, err
	}
	return intOfNumber(tok, isInt), nil
}

// leadingDigits counts the ASCII digits that start x's bytes (in memory
// order). A byte is a digit when its high nibble is 3 and its low nibble
// plus 6 does not carry into the high one; a non-digit byte keeps a bit
// of its high nibble set in the mask, and no carry crosses bytes.
func leadingDigits(x uint64) int {
	const lo, hi = 0x0F0F0F0F0F0F0F0F, 0xF0F0F0F0F0F0F0F0
	nonDigit := (x&hi ^ 0x3030303030303030) | ((x&lo + 0x0606060606060606) & hi)
	return bits.TrailingZeros64(nonDigit) >> 3
}

// eightDigits returns the number whose eight decimal digits are x's bytes
// (values 0-9, the first in the lowest byte), combining pairs, then
// fours, then the two halves by multiplication.
func eightDigits(x uint64) uint64 {
	x = x*10 + x>>8 // each even byte: two digits
	const mask = 0x000000FF000000FF
	const mul1 = 100 + 1000000<<32
	const mul2 = 1 + 10000<<32
	return (x&mask*mul1 + (x>>16)&mask*mul2) >> 32 & 0xFFFFFFFF
}

var pow10 = [9]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

func (s *scanner) digits() int {
	b, i := s.b, s.i
	for i+8 <= len(b) { // eight bytes at a time, as integer reads
		d := leadingDigits(binary.LittleEndian.Uint64(b[i:]))
		i += d
		if d < 8 {
			break
		}
	}
	for i < len(b) && b[i]-'0' <= 9 {
		i++
	}
	n := i - s.i
	s.i = i
	return n
}

// skip consumes one value of any kind, checking its syntax.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	switch s.peek() {
	case '"':
		return s.skipStr()
	case '{':
		s.i++
		if s.peek() == '}' {
			s.i++
			return nil
		}
		for {
			if s.peek() != '"' {
				return s.unexpected()
			}
			if err := s.skipStr(); err != nil {
				return err
			}
			if err := s.expect(':'); err != nil {
				return err
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.i++
			case '}':
				s.i++
				return nil
			default:
				return s.unexpected()
			}
		}
	case '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			return nil
		}
		for {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return nil
			default:
				return s.unexpected()
			}
		}
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		_, _, err := s.num()
		return err
	}
	return s.unexpected()
}

// end checks that only blanks follow the value just read.
func (s *scanner) end() error {
	s.ws()
	if s.i != len(s.b) {
		return s.errf("unexpected data after the JSON value")
	}
	return nil
}

// kindAt names the kind of JSON value starting at the next byte, for
// error messages.
func (s *scanner) kindAt() string {
	switch s.peek() {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "number"
	case 0:
		return "end of input"
	}
	return "invalid token"
}

const hexDigits = "0123456789ABCDEF"

// appendQuoted writes s as a JSON string the way Jackson does: only the
// quote, the backslash and control characters are escaped; non-ASCII is
// written as UTF-8 and invalid UTF-8 becomes U+FFFD.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i = plainRun(s, i); i == len(s) {
			break
		}
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = appendEscape(dst, c)
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscape writes the JSON escape of c: a quote, a backslash or a
// control character.
func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// plainRun returns the index of the first byte of s from i on that is
// not plain ASCII (a quote, backslash, control character or a byte of
// UTF-8), or len(s): whole vector chunks where plainChunks has them,
// then sixteen and eight bytes at a time, as scanStr reads.
func plainRun(s string, i int) int {
	if len(s)-i >= 16 {
		i += plainChunks(unsafe.Slice(unsafe.StringData(s[i:]), len(s)-i), true)
	}
	for i+16 <= len(s) { // two words a step: one branch for both
		x, y := uint64LE(s[i:]), uint64LE(s[i+8:])
		if (specialBytes(x)|specialBytes(y)|x|y)&highs != 0 {
			break
		}
		i += 16
	}
	for i+8 <= len(s) {
		x := uint64LE(s[i:])
		if m := specialBytes(x) | x&highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(s) && plainByte[s[i]] {
		i++
	}
	return i
}

// uint64LE reads the first eight bytes of s as binary.LittleEndian does
// a []byte's (one load, one bounds check).
func uint64LE(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
