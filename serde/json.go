package serde

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// jsonSerde reads and writes the JSON format.
//
// Reading follows ksqlDB's coercions: object fields are matched to columns
// by name (exact first, then ignoring case), unknown fields are skipped,
// missing ones are null; numbers and strings convert between each other
// where the text parses; anything read into a STRING column becomes text.
type jsonSerde struct {
	cols      []types.Column
	isKey     bool
	unwrapped bool // the payload is the lone column's value, not an object
	obj       objCodec
	sizeHint  int
	nSlot     int       // top-level columns the arena can box
	bufs      sync.Pool // *[]byte scratch for Encode
}

// codec is the plan for one type, built once from the schema.
type codec struct {
	t      *types.Type
	kind   types.Kind
	elem   *codec    // ARRAY element, MAP value
	key    *codec    // MAP key
	fields *objCodec // STRUCT
}

// objCodec maps object field names to positions (columns or struct fields).
type objCodec struct {
	names  []string
	codecs []*codec
	// prefix[i] is what precedes field i when writing: `{"NAME":` or `,"NAME":`.
	prefix [][]byte
	// upper[i] is names[i] upper-cased when it is non-empty ASCII, else "".
	upper []string
	lower []string  // names lower-cased
	keys  []nameKey // keys[i] matches name i's key in place; nil when ambiguous
	// ambiguous is set when two names differ only in case, so lookups
	// must prefer an exact match over a case-insensitive one.
	ambiguous bool
}

func newCodec(t *types.Type) *codec {
	c := &codec{t: t, kind: t.Kind}
	switch t.Kind {
	case types.Array:
		c.elem = newCodec(t.Elem)
	case types.Map:
		c.key = newCodec(t.Key)
		c.elem = newCodec(t.Elem)
	case types.Struct:
		names := make([]string, len(t.Fields))
		ts := make([]*types.Type, len(t.Fields))
		for i, f := range t.Fields {
			names[i], ts[i] = f.Name, f.Type
		}
		c.fields = newObjCodec(names, ts)
	}
	return c
}

func newObjCodec(names []string, ts []*types.Type) *objCodec {
	o := &objCodec{names: names, codecs: make([]*codec, len(ts)), prefix: make([][]byte, len(ts)),
		upper: make([]string, len(ts)), lower: make([]string, len(ts)), keys: make([]nameKey, len(ts))}
	for i, t := range ts {
		if n := names[i]; n != "" && isASCII([]byte(n)) {
			o.upper[i] = strings.ToUpper(n)
		}
		o.keys[i] = newNameKey(names[i])
		o.lower[i] = strings.ToLower(names[i])
		o.codecs[i] = newCodec(t)
		p := []byte{','}
		if i == 0 {
			p[0] = '{'
		}
		p = appendQuoted(p, names[i])
		o.prefix[i] = append(p, ':')
		for _, prev := range names[:i] {
			if strings.EqualFold(prev, names[i]) {
				o.ambiguous = true
			}
		}
	}
	if o.ambiguous {
		// A key matched in place could be either name: every key is
		// looked up instead.
		o.keys = nil
	}
	return o
}

func newJSON(cols []types.Column, isKey, unwrapped bool) *jsonSerde {
	names := make([]string, len(cols))
	ts := make([]*types.Type, len(cols))
	hint := 2
	for i, c := range cols {
		names[i], ts[i] = c.Name, c.Type
		hint += len(c.Name) + 4 + 16
	}
	j := &jsonSerde{cols: cols, isKey: isKey, unwrapped: unwrapped, obj: *newObjCodec(names, ts), sizeHint: hint}
	for _, c := range cols {
		if boxedKind(c.Type.Kind) {
			j.nSlot++
		}
	}
	j.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	return j
}

// Decode implements Serde.
func (j *jsonSerde) Decode(data []byte, dst []any) error {
	return j.decode(data, dst, nil, &arena{nSlot: j.nSlot})
}

// DecodeSlab implements SlabDecoder.
func (j *jsonSerde) DecodeSlab(data []byte, dst []any, slab *Slab) error {
	return j.decode(data, dst, nil, slab.arena())
}

// Reading implements Partial.
func (j *jsonSerde) Reading(read []bool) Serde {
	r := &jsonReading{jsonSerde: j, modes: make([]colMode, len(j.cols))}
	for i, c := range j.cols {
		if i < len(read) && read[i] {
			if boxedKind(c.Type.Kind) {
				r.nSlot++
			}
			continue
		}
		r.modes[i] = modeCheck
	}
	return r
}

// boxedKind reports whether the arena boxes a value of kind k.
func boxedKind(k types.Kind) bool {
	switch k {
	case types.Int, types.Bigint, types.Double, types.Date, types.Time, types.Timestamp, types.String:
		return true
	}
	return false
}

// colMode is how a decoder treats one column.
type colMode uint8

const (
	modeRead  colMode = iota // decoded into a value
	modeCheck                // only checked as modeRead would read it, left nil
	modeRaw                  // decoded, or kept as its token (see decodeRaw)
)

// jsonReading is a jsonSerde that treats columns as modes says. Columns
// only checked are still checked as Decode checks them, so a record with
// a bad value in a column nothing reads is rejected all the same, as
// ksqlDB deserializes whole records; they are left nil.
type jsonReading struct {
	*jsonSerde
	modes []colMode
	nSlot int // columns the arena boxes
}

// Decode implements Serde.
func (r *jsonReading) Decode(data []byte, dst []any) error {
	return r.decode(data, dst, r.modes, &arena{nSlot: r.nSlot})
}

// DecodeSlab implements SlabDecoder.
func (r *jsonReading) DecodeSlab(data []byte, dst []any, slab *Slab) error {
	return r.decode(data, dst, r.modes, slab.arena())
}

// decode reads a record into dst, boxing values into a; modes (nil for
// all modeRead) says how to treat each column.
func (j *jsonSerde) decode(data []byte, dst []any, modes []colMode, a *arena) error {
	n := len(j.cols)
	clear(dst[:n])
	if data == nil || n == 0 {
		return nil
	}
	s := scanner{b: data}
	switch s.peek() {
	case 0:
		if s.i < len(data) {
			// A NUL byte, not the end: bytes that are not JSON
			// are a deserialization error, never a tombstone.
			return s.unexpected()
		}
		// Empty bytes read as no record: a null key, or a null value.
		if j.isKey {
			return nil
		}
		return ErrNull
	case 'n':
		if err := s.literal("null"); err != nil {
			return err
		}
		if err := s.end(); err != nil {
			return err
		}
		if j.isKey {
			return nil
		}
		return ErrNull
	}
	if j.unwrapped {
		mode := modeRead
		if modes != nil {
			mode = modes[0]
		}
		if mode == modeCheck {
			if err := checkValue(&s, j.obj.codecs[0], 0); err != nil {
				return colErr(j.cols[0], err)
			}
			return s.end()
		}
		if !a.shared {
			a = nil // for one value, a block of its own would cost more
		}
		v, err := decodeColumn(&s, j.obj.codecs[0], mode, 0, a)
		if err != nil {
			return colErr(j.cols[0], err)
		}
		dst[0] = v
	} else {
		if s.peek() != '{' {
			return fmt.Errorf("expected a JSON object holding the columns, got %s", s.kindAt())
		}
		if err := decodeObject(&s, &j.obj, dst[:n], modes, 0, a); err != nil {
			return err
		}
	}
	return s.end()
}

// decodeObject reads an object into dst by field name. An exact name match
// wins over a case-insensitive one; among equals the last one wins, as a
// JSON tree built by Jackson would keep it. A nil dst only checks the
// object; modes (nil for all modeRead) says how to treat each field.
func decodeObject(s *scanner, o *objCodec, dst []any, modes []colMode, depth int, a *arena) error {
	if depth > maxDepth {
		return errDepth
	}
	s.i++ // '{'
	var rankBuf [32]uint8
	rank := rankBuf[:0]
	if n := len(o.names); n <= len(rankBuf) {
		rank = rankBuf[:n]
	} else {
		rank = make([]uint8, n)
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	hint := 0
	for {
		idx, exact, ok := o.keyInPlace(s, hint)
		if !ok && a.skipsKey(o, hint, s) {
			idx, ok = -1, true
		}
		if !ok {
			var err error
			var key []byte
			if idx, exact, key, err = o.readKey(s, hint); err != nil {
				return err
			}
			if idx < 0 {
				a.rememberSkip(o, hint, key)
			}
		}
		var r uint8 = 1
		if exact {
			r = 2
		}
		if idx < 0 || rank[idx] > r {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
		} else {
			mode := modeRead
			if dst == nil {
				mode = modeCheck
			} else if modes != nil {
				mode = modes[idx]
			}
			if mode != modeRead && o.codecs[idx].kind == types.String && s.cur() == '"' && depth < maxDepth {
				// The common case of checkValue and decodeRaw, without
				// their calls: a string column's plain string.
				start := s.i
				b, err := s.scanStr(mode == modeRaw)
				if err != nil {
					return fmt.Errorf("field %s: %w", types.QuoteIdent(o.names[idx]), err)
				}
				if mode == modeRaw {
					dst[idx] = keptString(s, a, start, b)
				}
			} else if mode == modeCheck {
				if err := checkValue(s, o.codecs[idx], depth+1); err != nil {
					return fmt.Errorf("field %s: %w", types.QuoteIdent(o.names[idx]), err)
				}
			} else {
				v, err := decodeColumn(s, o.codecs[idx], mode, depth+1, a)
				if err != nil {
					return fmt.Errorf("field %s: %w", types.QuoteIdent(o.names[idx]), err)
				}
				dst[idx] = v
			}
			rank[idx] = r
			hint = idx + 1
		}
		c := s.cur()
		if c <= ' ' {
			c = s.peek()
		}
		switch c {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.unexpected()
		}
	}
}

// keyInPlace reads the expected field's key, hint, when the cursor is at
// it with no blank before it and the name's pattern (nameKey) matches
// the bytes in place, the colon right after it: a key that spells its
// name without escapes needs no scanning. It answers no when it cannot
// tell cheaply, such as near the end of the bytes. A key byte matches a
// letter of the name in either case exactly when it differs from it at
// most in bit 0x20, as foldEq's table has it; any other byte must be
// equal.
func (o *objCodec) keyInPlace(s *scanner, hint int) (idx int, exact, ok bool) {
	if hint < len(o.keys) { // else past the last field, or names differing only in case
		exact, ok = o.keys[hint].match(s)
	}
	return hint, exact, ok // idx counts only with ok
}

// match moves past the key at the cursor and its colon when k matches
// them in place (see keyInPlace); exact says no letter differed in case.
func (k *nameKey) match(s *scanner) (exact, ok bool) {
	b, i := s.b, s.i+1
	if k.n == 0 || i+8 > len(b) || b[i-1] != '"' {
		return false, false
	}
	d := (binary.LittleEndian.Uint64(b[i:]) ^ k.first.want) & k.first.mask
	if d&^k.first.fold != 0 {
		return false, false
	}
	exact = d == 0
	if len(k.rest) > 0 {
		if exact, ok = k.atRest(b, i+8, exact); !ok {
			return false, false
		}
	}
	s.i = i + k.n + 2 // `"name":`
	return exact, true
}

// skippedKey is a key that no field of an object codec has, met where
// field at was next expected: a producer writes the same fields in the
// same order record after record (a value that also holds its key's
// column, say), so the next record's key there is matched in place
// rather than scanned and looked up. Any case of such a name matches no
// field either, as lookup folds case.
type skippedKey struct {
	of  *objCodec
	at  int
	key nameKey
}

// skipsKey reports whether the key at the cursor is one a Slab's arena
// remembers as matching no field of o where field hint is next, and if
// so moves past it and its colon.
func (a *arena) skipsKey(o *objCodec, hint int, s *scanner) bool {
	if a == nil {
		return false
	}
	for i := range a.skipped {
		if k := &a.skipped[i]; k.of == o && k.at == hint {
			_, ok := k.key.match(s)
			return ok
		}
	}
	return false
}

// rememberSkip has a Slab's arena match key in place from now on as no
// field of o where field hint is next (see skippedKey), if it has room
// and remembers no key there yet: keys that come and go then cost no
// allocation per record.
func (a *arena) rememberSkip(o *objCodec, hint int, key []byte) {
	if a == nil || !a.shared || key == nil {
		return
	}
	for i := range a.skipped {
		switch k := &a.skipped[i]; {
		case k.of == o && k.at == hint:
			return
		case k.of == nil:
			*k = skippedKey{of: o, at: hint, key: newNameKey(string(key))}
			return
		}
	}
}

// readKey reads a field name and the colon after it, and finds its field
// as lookup does (-1 for none). key is the name read, when it was
// scanned.
func (o *objCodec) readKey(s *scanner, hint int) (idx int, exact bool, key []byte, err error) {
	if s.cur() != '"' && s.peek() != '"' {
		return -1, false, nil, s.unexpected()
	}
	if idx, exact, ok := o.keyInPlace(s, hint); ok {
		return idx, exact, nil, nil
	}
	key, err = s.str()
	if err != nil {
		return -1, false, nil, err
	}
	if s.cur() == ':' {
		s.i++
	} else if err := s.expect(':'); err != nil {
		return -1, false, nil, err
	}
	idx, exact = o.lookup(key, hint)
	return idx, exact, key, nil
}

// lookup finds the field for a JSON name: an exact match, else one that
// differs only in case. Fields usually arrive in schema order, so the one
// after the previous match is tried first.
func (o *objCodec) lookup(key []byte, hint int) (int, bool) {
	if !o.ambiguous {
		// No two names fold together, so a case-insensitive match is the
		// only candidate and exactness just ranks it. Producers mostly
		// write names in one case, so whole-string compares against the
		// name and its lower-case form settle most keys.
		if hint < len(o.names) {
			if o.names[hint] == string(key) {
				return hint, true
			}
			if o.lower[hint] == string(key) {
				return hint, false
			}
			if o.foldEq(hint, key) { // a camel-case producer's name
				return hint, false
			}
		}
		for i, up := range o.upper {
			if up != "" && len(up) != len(key) {
				continue // saves the call: an ASCII name folds only to its length
			}
			if o.foldEq(i, key) {
				return i, o.names[i] == string(key)
			}
		}
		return -1, false
	}
	for i, n := range o.names {
		if n == string(key) {
			return i, true
		}
	}
	for i, up := range o.upper {
		if up != "" && len(up) != len(key) {
			continue
		}
		if o.foldEq(i, key) {
			return i, false
		}
	}
	return -1, false
}

// foldEq reports whether key equals name i ignoring case. ASCII names
// compare against their precomputed upper-case form through a table.
func (o *objCodec) foldEq(i int, key []byte) bool {
	up := o.upper[i]
	if up == "" {
		return equalFold(o.names[i], key) // non-ASCII or empty name
	}
	if len(up) != len(key) {
		return false
	}
	up = up[:len(key)] // lets the compiler drop the bounds checks below
	for j, c := range key {
		if asciiUpper[c] != up[j] {
			return false
		}
	}
	return true
}

// nameKey matches a field name against the key at the cursor in place,
// eight bytes at a time: the bytes after the opening quote must spell the
// name, exactly or in another ASCII case as foldEq allows, followed by
// `":`. Anything else (escapes, blanks before the colon) is left to
// scanning the key.
type nameKey struct {
	n     int // the name's length, 0 to match nothing
	first keyWord
	rest  []keyWord // for names of seven bytes or more
}

// keyWord is eight bytes of the pattern: the bytes a key must hold, 0x20
// in each byte that holds a letter of the name (either case matches), and
// which bytes count.
type keyWord struct{ want, fold, mask uint64 }

// newNameKey returns the matcher for name, or an empty one (matching
// nothing) when a key could spell the name only with escapes or when
// folding it is not plain ASCII.
func newNameKey(name string) nameKey {
	if name == "" || !isASCII([]byte(name)) {
		return nameKey{}
	}
	pat := name + `":`
	words := make([]keyWord, (len(pat)+7)/8)
	for j := 0; j < len(pat); j++ {
		c := pat[j]
		if j < len(name) && (c < 0x20 || c == '"' || c == '\\') {
			return nameKey{}
		}
		w, shift := &words[j/8], 8*uint(j%8)
		w.want |= uint64(c) << shift
		w.mask |= 0xFF << shift
		if j < len(name) && 'A' <= asciiUpper[c] && asciiUpper[c] <= 'Z' {
			w.fold |= 0x20 << shift
		}
	}
	return nameKey{n: len(name), first: words[0], rest: words[1:]}
}

// atRest goes on with keyInPlace for a name longer than one word.
func (k *nameKey) atRest(b []byte, i int, exact bool) (bool, bool) {
	for _, w := range k.rest {
		if i+8 > len(b) {
			return false, false
		}
		d := (binary.LittleEndian.Uint64(b[i:]) ^ w.want) & w.mask
		if d&^w.fold != 0 {
			return false, false
		}
		exact = exact && d == 0
		i += 8
	}
	return exact, true
}

// asciiUpper maps a-z to A-Z and every other byte to itself.
var asciiUpper = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'a' <= i && i <= 'z' {
			t[i] = byte(i) - ('a' - 'A')
		}
	}
	return t
}()

// equalFold compares ignoring case, ASCII fast and Unicode-correct.
func equalFold(name string, key []byte) bool {
	if len(name) != len(key) {
		// Unicode case pairs may differ in length; only then go slow.
		for _, c := range key {
			if c >= 0x80 {
				return foldSlow(name, key)
			}
		}
		return false
	}
	for i := 0; i < len(key); i++ {
		a, b := name[i], key[i]
		if a == b {
			continue
		}
		if a|b >= 0x80 {
			return foldSlow(name, key)
		}
		// Equal ignoring case only if they differ in the 0x20 bit and
		// that bit makes a letter.
		if a^b != 0x20 || (a|0x20) < 'a' || (a|0x20) > 'z' {
			return false
		}
	}
	return true
}

func foldSlow(name string, key []byte) bool {
	return strings.EqualFold(name, string(key))
}

// decodeValue reads one value of codec c's type.
func decodeValue(s *scanner, c *codec, depth int, a *arena) (any, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	ch := s.cur()
	if ch <= ' ' {
		ch = s.peek()
	}
	if ch == 'n' {
		return nil, s.literal("null")
	}
	switch c.kind {
	case types.String:
		return decodeString(s, depth, a)
	case types.Boolean:
		switch ch {
		case 't':
			return true, s.literal("true")
		case 'f':
			return false, s.literal("false")
		case '"':
			return decodeTextAs(s, c.t)
		}
	case types.Int, types.Bigint, types.Date, types.Time, types.Timestamp:
		switch {
		case ch == '"':
			return decodeTextAs(s, c.t)
		case isNumStart(ch):
			i, err := s.integer()
			if err != nil {
				return nil, err
			}
			switch c.kind {
			case types.Int:
				return a.int32v(tInt32, int32(i)), nil // Java's intValue keeps the low 32 bits
			case types.Bigint:
				return a.int64v(tInt64, i), nil
			case types.Date:
				return a.int32v(tDate, int32(i)), nil
			case types.Time:
				return a.int32v(tTime, int32(i)), nil
			default:
				return a.int64v(tTimestamp, i), nil
			}
		}
	case types.Double:
		switch {
		case ch == '"':
			return decodeTextAs(s, c.t)
		case isNumStart(ch):
			tok, _, err := s.num()
			if err != nil {
				return nil, err
			}
			f, err := strconv.ParseFloat(unsafeString(tok), 64)
			if err != nil && !isRangeErr(err) {
				return nil, fmt.Errorf("cannot read number %s as DOUBLE", tok)
			}
			return a.float64v(f), nil
		}
	case types.Decimal:
		switch {
		case ch == '"':
			return decodeTextAs(s, c.t)
		case isNumStart(ch):
			tok, _, err := s.num()
			if err != nil {
				return nil, err
			}
			// Parse the token's digits, not a float, so the scale is exact.
			d, err := decimal.NewFromString(string(tok))
			if err != nil {
				return nil, fmt.Errorf("cannot read number %s as %s", tok, c.t)
			}
			return fitDecimal(d, c.t)
		}
	case types.Bytes:
		if ch == '"' {
			b, err := s.str()
			if err != nil {
				return nil, err
			}
			out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
			n, err := base64.StdEncoding.Decode(out, b)
			if err != nil {
				return nil, fmt.Errorf("cannot decode BYTES from base64: %w", err)
			}
			return out[:n], nil
		}
	case types.Array:
		if ch == '[' {
			return decodeArray(s, c, depth)
		}
	case types.Map:
		if ch == '{' {
			return decodeMap(s, c, depth)
		}
	case types.Struct:
		if ch == '{' {
			v := make(types.StructVal, len(c.fields.names))
			if err := decodeObject(s, c.fields, v, nil, depth, nil); err != nil {
				return nil, err
			}
			return v, nil
		}
	default:
		return nil, fmt.Errorf("cannot read type %s", c.t)
	}
	if ch == 0 || !isValueStart(ch) {
		return nil, s.unexpected()
	}
	return nil, fmt.Errorf("cannot convert JSON %s to %s", s.kindAt(), c.t)
}

// checkValue reads one value of codec c's type as decodeValue does and
// fails exactly when it would, with the same error, but keeps nothing:
// strings are not copied and numbers not boxed. Rare shapes (quoted
// numbers, DECIMAL, BYTES, containers read as text) go through the
// decoding code itself, so they cannot drift from it.
func checkValue(s *scanner, c *codec, depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	ch := s.cur()
	if ch <= ' ' {
		ch = s.peek()
	}
	if ch == 'n' {
		return s.literal("null")
	}
	switch c.kind {
	case types.String:
		switch {
		case ch == '"':
			return s.skipStr()
		case ch == 't':
			return s.literal("true")
		case ch == 'f':
			return s.literal("false")
		case isNumStart(ch):
			_, _, err := s.num()
			return err
		case ch == '{' || ch == '[':
			_, err := textOfJSON(s, nil, depth)
			return err
		}
		return s.unexpected()
	case types.Boolean:
		switch ch {
		case 't':
			return s.literal("true")
		case 'f':
			return s.literal("false")
		}
	case types.Int, types.Bigint, types.Date, types.Time, types.Timestamp:
		// integer() fails only where num() does, from the same offset.
		if isNumStart(ch) {
			_, _, err := s.num()
			return err
		}
	case types.Double:
		// ParseFloat reads every token of JSON's number grammar (too
		// large or small ones are Inf or 0, which decodeValue keeps).
		if isNumStart(ch) {
			_, _, err := s.num()
			return err
		}
	case types.Array:
		if ch == '[' {
			return checkArray(s, c, depth)
		}
	case types.Map:
		if ch == '{' {
			return checkMap(s, c, depth)
		}
	case types.Struct:
		if ch == '{' {
			return decodeObject(s, c.fields, nil, nil, depth, nil)
		}
	}
	_, err := decodeValue(s, c, depth, nil)
	return err
}

func checkArray(s *scanner, c *codec, depth int) error {
	s.i++ // '['
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for n := 1; ; n++ {
		if err := checkValue(s, c.elem, depth+1); err != nil {
			return fmt.Errorf("element %d: %w", n, err)
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
}

func checkMap(s *scanner, c *codec, depth int) error {
	s.i++ // '{'
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.unexpected()
		}
		kb, err := s.str()
		if err != nil {
			return err
		}
		if c.key.kind != types.String {
			if _, err := fromText(string(kb), c.key.t); err != nil {
				return fmt.Errorf("map key: %w", err)
			}
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := checkValue(s, c.elem, depth+1); err != nil {
			return fmt.Errorf("map value %q: %w", clip(string(kb)), err)
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
}

func isNumStart(c byte) bool { return c == '-' || (c >= '0' && c <= '9') }

func isValueStart(c byte) bool {
	switch c {
	case '{', '[', '"', 't', 'f', 'n':
		return true
	}
	return isNumStart(c)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// unsafeString views b as a string for a parser that does not keep it.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// intOfNumber converts a JSON number to an integer the way Java's
// Number.longValue does: fractions truncate toward zero and values too big
// keep their low-order bits.
func intOfNumber(tok []byte, isInt bool) int64 {
	if isInt && len(tok) <= 18 {
		var v int64
		neg := tok[0] == '-'
		for _, c := range tok[btoi(neg):] {
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		return v
	}
	if isInt {
		var bi big.Int
		bi.SetString(string(tok), 10)
		return lowBits(&bi)
	}
	if negligibleScale(tok) {
		return 0
	}
	d, err := decimal.NewFromString(string(tok))
	if err != nil {
		return 0
	}
	return lowBits(d.Truncate(0).BigInt())
}

// negligibleScale reports whether a number token's value is known to
// convert to 0 without spelling it out: its digits times 10^e (e the
// exponent less the fraction's digits) has 64 zero low bits when e >= 64
// (10^e = 2^e * 5^e), and truncates to 0 when -e is at least the number
// of digits. A record's "1E77585807" would otherwise build a big integer
// of 77 million digits, minutes of CPU for one field.
func negligibleScale(tok []byte) bool {
	mant, exp, ok := bytes.Cut(tok, []byte("e"))
	if !ok {
		mant, exp, ok = bytes.Cut(tok, []byte("E"))
	}
	if !ok {
		return false
	}
	digits := len(mant)
	if mant[0] == '-' {
		digits--
	}
	frac := 0
	if dot := bytes.IndexByte(mant, '.'); dot >= 0 {
		digits--
		frac = len(mant) - dot - 1
	}
	negExp := len(exp) > 0 && exp[0] == '-'
	if len(exp) > 0 && (exp[0] == '-' || exp[0] == '+') {
		exp = exp[1:]
	}
	if len(exp) > 15 { // far beyond either bound, whatever its digits
		return true
	}
	var e int64
	for _, c := range exp {
		e = e*10 + int64(c-'0')
	}
	if negExp {
		e = -e
	}
	e -= int64(frac)
	return e >= 64 || -e >= int64(digits)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lowBits returns the low 64 bits of a two's-complement big integer.
func lowBits(b *big.Int) int64 {
	if b.IsInt64() {
		return b.Int64()
	}
	var m big.Int
	m.And(b, new(big.Int).SetUint64(math.MaxUint64)) // And works on two's complement
	return int64(m.Uint64())
}

// decodeTextAs reads a JSON string and converts its text to type t.
func decodeTextAs(s *scanner, t *types.Type) (any, error) {
	b, err := s.str()
	if err != nil {
		return nil, err
	}
	return fromText(string(b), t)
}

// decodeString reads any JSON value as text: strings as they are, numbers
// and booleans as written, objects as compact JSON, arrays as "[a, b]".
func decodeString(s *scanner, depth int, a *arena) (any, error) {
	ch := s.cur()
	if ch <= ' ' {
		ch = s.peek()
	}
	switch {
	case ch == '"':
		b, err := s.str()
		if err != nil {
			return nil, err
		}
		// The strings after this one lie in what is left to scan.
		return a.str(b, len(b)+len(s.b)-s.i), nil
	case ch == 't':
		return "true", s.literal("true")
	case ch == 'f':
		return "false", s.literal("false")
	case isNumStart(ch):
		tok, _, err := s.num()
		if err != nil {
			return nil, err
		}
		return string(tok), nil
	case ch == '{' || ch == '[':
		out, err := textOfJSON(s, nil, depth)
		if err != nil {
			return nil, err
		}
		return string(out), nil
	}
	return nil, s.unexpected()
}

// textOfJSON renders the next value as ksqlDB renders a container read into
// a STRING column: an object as compact JSON, an array as its elements'
// texts joined by ", " in brackets (a Java List's toString).
func textOfJSON(s *scanner, dst []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	switch ch := s.peek(); {
	case ch == '{':
		return compactJSON(s, dst, depth)
	case ch == '[':
		s.i++
		dst = append(dst, '[')
		if s.peek() == ']' {
			s.i++
			return append(dst, ']'), nil
		}
		for first := true; ; first = false {
			if !first {
				dst = append(dst, ',', ' ')
			}
			var err error
			if s.peek() == '"' {
				var b []byte
				if b, err = s.str(); err == nil {
					dst = append(dst, b...)
				}
			} else {
				dst, err = textOfJSON(s, dst, depth+1)
			}
			if err != nil {
				return nil, err
			}
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return append(dst, ']'), nil
			default:
				return nil, s.unexpected()
			}
		}
	case ch == '"':
		b, err := s.str()
		if err != nil {
			return nil, err
		}
		return append(dst, b...), nil
	}
	// Scalars inside an array: their JSON text (null prints as "null").
	start := s.i
	if err := s.skip(depth); err != nil {
		return nil, err
	}
	return append(dst, s.b[start:s.i]...), nil
}

// compactJSON re-emits the next value without blanks, with strings
// re-escaped as the encoder writes them.
func compactJSON(s *scanner, dst []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	switch ch := s.peek(); ch {
	case '"':
		b, err := s.str()
		if err != nil {
			return nil, err
		}
		return appendQuoted(dst, unsafeString(b)), nil
	case '{', '[':
		closer := byte('}')
		if ch == '[' {
			closer = ']'
		}
		s.i++
		dst = append(dst, ch)
		if s.peek() == closer {
			s.i++
			return append(dst, closer), nil
		}
		for first := true; ; first = false {
			if !first {
				dst = append(dst, ',')
			}
			var err error
			if ch == '{' {
				if s.peek() != '"' {
					return nil, s.unexpected()
				}
				if dst, err = compactJSON(s, dst, depth+1); err != nil {
					return nil, err
				}
				if err = s.expect(':'); err != nil {
					return nil, err
				}
				dst = append(dst, ':')
			}
			if dst, err = compactJSON(s, dst, depth+1); err != nil {
				return nil, err
			}
			switch s.peek() {
			case ',':
				s.i++
			case closer:
				s.i++
				return append(dst, closer), nil
			default:
				return nil, s.unexpected()
			}
		}
	}
	start := s.i
	if err := s.skip(depth); err != nil {
		return nil, err
	}
	return append(dst, s.b[start:s.i]...), nil
}

func decodeArray(s *scanner, c *codec, depth int) (any, error) {
	s.i++ // '['
	out := make([]any, 0, 4)
	if s.peek() == ']' {
		s.i++
		return out, nil
	}
	for {
		v, err := decodeValue(s, c.elem, depth+1, nil)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", len(out)+1, err)
		}
		out = append(out, v)
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return out, nil
		default:
			return nil, s.unexpected()
		}
	}
}

func decodeMap(s *scanner, c *codec, depth int) (any, error) {
	s.i++ // '{'
	m := types.NewMapBuilder(4)
	if s.peek() == '}' {
		s.i++
		return m.Map(), nil
	}
	for {
		if s.peek() != '"' {
			return nil, s.unexpected()
		}
		kb, err := s.str()
		if err != nil {
			return nil, err
		}
		var k any
		if c.key.kind == types.String {
			k = string(kb)
		} else if k, err = fromText(string(kb), c.key.t); err != nil {
			return nil, fmt.Errorf("map key: %w", err)
		}
		if err := s.expect(':'); err != nil {
			return nil, err
		}
		v, err := decodeValue(s, c.elem, depth+1, nil)
		if err != nil {
			return nil, fmt.Errorf("map value %q: %w", clip(string(kb)), err)
		}
		m.Put(k, v) // a repeated key keeps its last value
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return m.Map(), nil
		default:
			return nil, s.unexpected()
		}
	}
}

// Encode implements Serde.
func (j *jsonSerde) Encode(vals []any) ([]byte, error) {
	if len(j.cols) == 0 {
		if j.isKey {
			return nil, nil
		}
		return []byte("{}"), nil
	}
	if j.unwrapped && vals[0] == nil {
		return nil, nil
	}
	bp := j.bufs.Get().(*[]byte)
	buf, _, err := j.AppendEncode((*bp)[:0], vals)
	var out []byte
	if err == nil {
		out = make([]byte, len(buf))
		copy(out, buf)
	}
	if cap(buf) <= 64<<10 { // do not pin huge buffers
		*bp = buf[:0]
		j.bufs.Put(bp)
	}
	return out, err
}

// AppendEncode implements Appender.
func (j *jsonSerde) AppendEncode(buf []byte, vals []any) ([]byte, bool, error) {
	if len(j.cols) == 0 {
		if j.isKey {
			return buf, true, nil
		}
		return append(buf, "{}"...), false, nil
	}
	if j.unwrapped && vals[0] == nil {
		return buf, true, nil
	}
	// On an error appendJSON returns nil; buf (what the caller passed)
	// goes back unchanged.
	if j.unwrapped {
		if out, ok := appendRaw(buf, vals[0]); ok {
			return out, false, nil
		}
		out, err := appendJSON(buf, vals[0], j.obj.codecs[0])
		if err != nil {
			return buf, false, colErr(j.cols[0], err)
		}
		return out, false, nil
	}
	out := buf
	for i, c := range j.obj.codecs {
		out = append(out, j.obj.prefix[i]...)
		var raw bool
		if out, raw = appendRaw(out, vals[i]); raw {
			continue
		}
		var err error
		if out, err = appendJSON(out, vals[i], c); err != nil {
			return buf, false, colErr(j.cols[i], err)
		}
	}
	return append(out, '}'), false, nil
}

// appendJSON writes v as JSON for codec c's type.
func appendJSON(dst []byte, v any, c *codec) ([]byte, error) {
	if v == nil {
		return append(dst, "null"...), nil
	}
	switch c.kind {
	case types.String:
		if s, ok := v.(string); ok {
			return appendQuoted(dst, s), nil
		}
	case types.Boolean:
		if b, ok := v.(bool); ok {
			return strconv.AppendBool(dst, b), nil
		}
	case types.Int, types.Bigint, types.Date, types.Time, types.Timestamp:
		if i, ok := asInt64(v); ok {
			return strconv.AppendInt(dst, i, 10), nil
		}
	case types.Double:
		if f, ok := asFloat64(v); ok {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				// Not JSON numbers: written as strings, as Jackson does.
				return append(append(append(dst, '"'), types.FormatDouble(f)...), '"'), nil
			}
			return appendDouble(dst, f), nil
		}
	case types.Decimal:
		if v != nil {
			return appendJSONDecimal(dst, v, c.t)
		}
	case types.Bytes:
		if b, ok := v.([]byte); ok {
			dst = append(dst, '"')
			dst = base64.StdEncoding.AppendEncode(dst, b)
			return append(dst, '"'), nil
		}
	case types.Array:
		if a, ok := v.([]any); ok {
			dst = append(dst, '[')
			for i, e := range a {
				if i > 0 {
					dst = append(dst, ',')
				}
				var err error
				if dst, err = appendJSON(dst, e, c.elem); err != nil {
					return nil, err
				}
			}
			return append(dst, ']'), nil
		}
	case types.Map:
		var m *types.MapVal
		switch x := v.(type) {
		case *types.MapVal:
			m = x
		case types.MapVal:
			m = &x
		}
		if m != nil {
			dst = append(dst, '{')
			for i, k := range m.Keys {
				if i > 0 {
					dst = append(dst, ',')
				}
				if k == nil {
					// Written as the key "null", as ksqlDB's JSON
					// serializer writes a null map key.
					dst = append(dst, `"null":`...)
					var err error
					if dst, err = appendJSON(dst, m.Vals[i], c.elem); err != nil {
						return nil, err
					}
					continue
				}
				ks, err := textOf(k, c.key.t)
				if err != nil {
					return nil, fmt.Errorf("map key: %w", err)
				}
				dst = appendQuoted(dst, ks)
				dst = append(dst, ':')
				if dst, err = appendJSON(dst, m.Vals[i], c.elem); err != nil {
					return nil, err
				}
			}
			return append(dst, '}'), nil
		}
	case types.Struct:
		var fs []any
		switch x := v.(type) {
		case types.StructVal:
			fs = x
		case []any:
			fs = x
		default:
			return nil, typeErr(v, c.t)
		}
		o := c.fields
		if len(o.names) == 0 {
			return append(dst, '{', '}'), nil
		}
		for i, fc := range o.codecs {
			dst = append(dst, o.prefix[i]...)
			var fv any
			if i < len(fs) {
				fv = fs[i]
			}
			var err error
			if dst, err = appendJSON(dst, fv, fc); err != nil {
				return nil, fmt.Errorf("field %s: %w", types.QuoteIdent(o.names[i]), err)
			}
		}
		return append(dst, '}'), nil
	}
	return nil, typeErr(v, c.t)
}
