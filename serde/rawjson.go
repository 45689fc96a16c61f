package serde

import (
	"encoding/binary"
	"math/bits"
	"unsafe"

	"github.com/eddysql/eddy/types"
)

// rawJSON is a column's value kept as the JSON token it was read from,
// because that token is exactly what the JSON encoder would write for
// the value: a query that copies the column from a JSON source to a JSON
// sink unchanged then neither materializes nor re-encodes it (a short
// integer's token is kept as a rawWord instead). Only a serde made by
// PassThrough decodes them, and only the JSON encoder's top-level
// columns write them; to any other code they are no value of the
// column's type, so the planner hands out such columns only where
// nothing else reads them.
type rawJSON string

// tRawJSON is rawJSON's type word (read-only after init).
var tRawJSON = typeWord(rawJSON(""))

// PassThrough returns a Serde that decodes as src does, failing on the
// same records with the same errors, except that source column from[k]
// may hold, instead of its value, the bytes sink writes for that value
// as its column to[k]. It applies to the pairs of columns of the same
// type whose values can pass as written (strings, integers, dates and
// times) when src and sink are both JSON values; src itself is returned
// when none can.
//
// The caller promises that nothing but sink reads those columns of the
// decoded rows, and that a row dies before the bytes it was decoded from
// change: DecodeSlab's pass-through values alias them.
func PassThrough(src, sink Serde, from, to []int) Serde {
	out, ok := sink.(*jsonSerde)
	if !ok || out.isKey {
		return src
	}
	var r *jsonReading
	switch in := src.(type) {
	case *jsonSerde:
		r = &jsonReading{jsonSerde: in, modes: make([]colMode, len(in.cols)), nSlot: in.nSlot}
	case *jsonReading:
		r = &jsonReading{jsonSerde: in.jsonSerde, modes: append([]colMode(nil), in.modes...), nSlot: in.nSlot}
	default:
		return src
	}
	if r.isKey {
		return src
	}
	passed := false
	for k := range from {
		f, t := from[k], to[k]
		if f < 0 || f >= len(r.cols) || t < 0 || t >= len(out.cols) || r.modes[f] == modeCheck {
			continue
		}
		if ct := r.cols[f].Type; ct.Equal(out.cols[t].Type) && rawKind(ct.Kind) {
			r.modes[f] = modeRaw
			passed = true
		}
	}
	if !passed {
		return src
	}
	return r
}

// rawKind reports whether decodeRaw can keep a token of kind k's column.
func rawKind(k types.Kind) bool {
	return k == types.String || maxRawDigits(k) > 0
}

// maxRawDigits is the most digits an integer token of kind k may have to
// pass as written: fewer than would let decodeValue wrap it (Java's
// intValue and longValue keep the low bits of larger numbers).
func maxRawDigits(k types.Kind) int {
	switch k {
	case types.Int, types.Date, types.Time:
		return 9
	case types.Bigint, types.Timestamp:
		return 18
	}
	return 0
}

// decodeColumn reads a column's value as mode says (not modeCheck).
func decodeColumn(s *scanner, c *codec, mode colMode, depth int, a *arena) (any, error) {
	if mode == modeRaw {
		return decodeRaw(s, c, depth, a)
	}
	return decodeValue(s, c, depth, a)
}

// decodeRaw reads a value as decodeValue does, failing where it fails
// with the same error, but returns the token itself as a rawJSON when it
// is what appendJSON would write for decodeValue's value: a string
// without escapes (the encoder escapes only quotes, backslashes and
// control characters, which such a string cannot hold, and the scanner
// has checked its UTF-8), or an integer written as strconv writes it
// with too few digits to wrap. Anything else decodes as decodeValue
// decodes it.
func decodeRaw(s *scanner, c *codec, depth int, a *arena) (any, error) {
	ch := s.cur()
	if ch <= ' ' {
		ch = s.peek()
	}
	start := s.i
	switch {
	case ch == '"' && c.kind == types.String:
		b, err := s.str()
		if err != nil {
			return nil, err
		}
		return keptString(s, a, start, b), nil
	case isNumStart(ch):
		if end := plainIntEnd(s.b, start, maxRawDigits(c.kind)); end > 0 {
			s.i = end
			return a.rawInt(s.b, start, end), nil
		}
	}
	return decodeValue(s, c, depth, a)
}

// keptString is decodeRaw's value for the string s just read, from
// start, as b (its text, unescaped): the token itself when b needs no
// escape, else the text.
func keptString(s *scanner, a *arena, start int, b []byte) any {
	// Every escape is longer than the text it stands for, so only a
	// string without any fills its token but for the quotes.
	if len(b)+2 == s.i-start {
		return a.raw(s.b[start:s.i])
	}
	return a.str(b, len(b)+len(s.b)-s.i)
}

// plainIntEnd returns the end of the integer token at b[i:] when it has
// at most maxDigits digits and is written as strconv.AppendInt writes
// its value (no leading zero, no "-0"), with no fraction or exponent
// after it; else -1. What follows it is the caller's to check, as
// scanner.integer leaves it.
func plainIntEnd(b []byte, i, maxDigits int) int {
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	for i+8 <= len(b) { // eight bytes at a time, as scanner.integer reads
		d := leadingDigits(binary.LittleEndian.Uint64(b[i:]))
		i += d
		if d < 8 {
			break
		}
	}
	for i < len(b) && b[i]-'0' <= 9 {
		i++
	}
	n := i - start
	if n == 0 || n > maxDigits || (b[start] == '0' && (n > 1 || neg)) {
		return -1
	}
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		return -1
	}
	return i
}

// rawWord is a token of at most eight bytes, none of them zero, kept in
// a word: its bytes from the lowest up, then zero bytes. An integer's
// token fits unless it is long (a time in milliseconds is not), and a
// word costs a Slab half a string header and holds no pointer.
type rawWord uint64

// tRawWord is rawWord's type word (read-only after init).
var tRawWord = typeWord(rawWord(0))

// appendRawWord appends the token w holds.
func appendRawWord(dst []byte, w rawWord) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(w))
	return dst[:len(dst)-bits.LeadingZeros64(uint64(w))/8]
}

// rawInt boxes the integer token b[start:end] as a rawWord in a Slab's
// word block when it fits one, else as a rawJSON.
func (a *arena) rawInt(b []byte, start, end int) any {
	n := end - start
	if n > 8 || a == nil || !a.shared {
		return a.raw(b[start:end])
	}
	var w uint64
	if start+8 <= len(b) {
		w = binary.LittleEndian.Uint64(b[start:]) & (1<<(8*n) - 1) // for n == 8, 1<<64 is 0: all ones
	} else {
		for i := end - 1; i >= start; i-- {
			w = w<<8 | uint64(b[i])
		}
	}
	p := a.freeWord()
	if p == nil {
		p = a.word()
	}
	*(*uint64)(p) = w
	return box(tRawWord, p)
}

// raw boxes a token as a rawJSON. A Slab's arena points the value at the
// token in the record's bytes (see PassThrough); otherwise it is copied,
// as a caller of Decode may reuse its buffer.
func (a *arena) raw(tok []byte) any {
	if a != nil && a.shared {
		if p := a.slot(); p != nil {
			*p = unsafeString(tok)
			return box(tRawJSON, unsafe.Pointer(p))
		}
	}
	return rawJSON(tok)
}

// appendRaw appends v's token when v was kept as one (see PassThrough),
// which is what appendJSON would write for its value.
func appendRaw(dst []byte, v any) ([]byte, bool) {
	switch r := v.(type) {
	case rawJSON:
		return append(dst, r...), true
	case rawWord:
		return appendRawWord(dst, r), true
	}
	return dst, false
}
