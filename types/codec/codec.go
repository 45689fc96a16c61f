// Package codec is eddy's tagged binary encoding of SQL values and
// positional rows, for bytes only eddy reads: repartition topics, state
// stores and their changelogs. Each value carries a one-byte tag, so
// values round trip exactly (decimals keep their exponent, nested values
// their shape) without knowing the schema.
//
// Decoding never retains the input and never panics: truncated or
// corrupt bytes give an error.
package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/types"
)

// Tags. Never renumber: encoded bytes outlive the binary that wrote them.
const (
	tagNull byte = iota
	tagFalse
	tagTrue
	tagInt
	tagBigint
	tagDouble
	tagString
	tagBytes
	tagDecimal // decimal as text (written before tagDecimalSmall existed; still read)
	tagDate
	tagTime
	tagTimestamp
	tagArray
	tagMap
	tagStruct
	tagDecimalSmall // exponent, coefficient as varints
	tagDecimalBig   // exponent, sign, big-endian magnitude
)

// Limits that keep corrupt input from asking for absurd work.
const (
	maxDepth    = 100     // nesting of ARRAY, MAP and STRUCT
	maxDecExp   = 1 << 14 // |exponent| of a decimal
	maxDecBytes = 1 << 12 // magnitude bytes of a big decimal coefficient
)

// ErrTruncated reports input that ends inside a value.
var ErrTruncated = errors.New("codec: truncated input")

// AppendRow appends the encoding of vals (a count, then each value) to b.
// It grows b once to the row's estimated size first: callers often start
// from an empty or one-byte slice, and growing it value by value copied
// a 600-byte row some eight times (a fifth of a repartitioned join's CPU).
func AppendRow(b []byte, vals []any) ([]byte, error) {
	if n := rowSize(vals, 0); cap(b)-len(b) < n {
		b = slices.Grow(b, n)
	}
	return appendRow(b, vals)
}

// rowSize estimates the encoded size of a row: exact for strings and
// bytes (the bulk of a row) up to their length prefix, a typical size
// for numbers (a timestamp's varint, a double's 8 bytes), nothing for
// maps and values nested deeper than a few levels. An underestimate only
// costs a later growth.
func rowSize(vals []any, depth int) int {
	n := 2
	for _, v := range vals {
		switch x := v.(type) {
		case string:
			n += 3 + len(x)
		case []byte:
			n += 3 + len(x)
		case []any:
			if depth < 3 {
				n += 1 + rowSize(x, depth+1)
			}
		case types.StructVal:
			if depth < 3 {
				n += 1 + rowSize(x, depth+1)
			}
		default:
			n += 8
		}
	}
	return n
}

func appendRow(b []byte, vals []any) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(vals)))
	for _, v := range vals {
		var err error
		if b, err = AppendValue(b, v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// AppendValue appends the encoding of one value to b. Values must use the
// Go representation of package types; anything else is an error.
func AppendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, tagNull), nil
	case bool:
		if x {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case int32:
		return binary.AppendVarint(append(b, tagInt), int64(x)), nil
	case int64:
		return binary.AppendVarint(append(b, tagBigint), x), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(b, tagDouble), math.Float64bits(x)), nil
	case string:
		return AppendString(append(b, tagString), x), nil
	case []byte:
		return AppendBytes(append(b, tagBytes), x), nil
	case decimal.Decimal:
		return AppendDecimal(b, x), nil
	case types.DateVal:
		return binary.AppendVarint(append(b, tagDate), int64(x)), nil
	case types.TimeVal:
		return binary.AppendVarint(append(b, tagTime), int64(x)), nil
	case types.TimestampVal:
		return binary.AppendVarint(append(b, tagTimestamp), int64(x)), nil
	case []any:
		return appendRow(append(b, tagArray), x)
	case types.StructVal:
		return appendRow(append(b, tagStruct), x)
	case *types.MapVal:
		b = append(b, tagMap)
		b = binary.AppendUvarint(b, uint64(x.Len()))
		if x == nil {
			return b, nil
		}
		for i := range x.Keys {
			var err error
			if b, err = AppendValue(b, x.Keys[i]); err != nil {
				return nil, err
			}
			if b, err = AppendValue(b, x.Vals[i]); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("codec: unsupported value %T", v)
}

// AppendDecimal appends a tagged DECIMAL, as AppendValue does but
// without boxing d. Coefficient and exponent are kept exactly, so 1.50
// stays 1.50; most coefficients fit a varint.
func AppendDecimal(b []byte, d decimal.Decimal) []byte {
	if d.NumDigits() <= 18 {
		b = binary.AppendVarint(append(b, tagDecimalSmall), int64(d.Exponent()))
		return binary.AppendVarint(b, d.CoefficientInt64())
	}
	c := d.Coefficient()
	b = binary.AppendVarint(append(b, tagDecimalBig), int64(d.Exponent()))
	sign := byte(0)
	if c.Sign() < 0 {
		sign = 1
	}
	return AppendBytes(append(b, sign), c.Bytes())
}

// AppendBytes appends a length-prefixed byte string.
func AppendBytes(b, x []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(x))), x...)
}

// AppendString appends a length-prefixed string.
func AppendString(b []byte, x string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(x))), x...)
}

// DecodeRow decodes a row written by AppendRow into dst (reallocated when
// too short) and returns the values and the unread rest of b.
func DecodeRow(b []byte, dst []any) ([]any, []byte, error) {
	return decodeRow(b, dst, 0)
}

func decodeRow(b []byte, dst []any, depth int) ([]any, []byte, error) {
	n, b, err := Uvarint(b)
	if err != nil {
		return nil, nil, err
	}
	if n > uint64(len(b)) { // every value takes at least one byte
		return nil, nil, ErrTruncated
	}
	if uint64(cap(dst)) < n {
		dst = make([]any, n)
	}
	dst = dst[:n]
	for i := range dst {
		if dst[i], b, err = decodeValue(b, depth); err != nil {
			return nil, nil, err
		}
	}
	return dst, b, nil
}

// DecodeValue decodes one value written by AppendValue and returns it and
// the unread rest of b.
func DecodeValue(b []byte) (any, []byte, error) {
	return decodeValue(b, 0)
}

func decodeValue(b []byte, depth int) (any, []byte, error) {
	if len(b) == 0 {
		return nil, nil, ErrTruncated
	}
	tag, b := b[0], b[1:]
	switch tag {
	case tagNull:
		return nil, b, nil
	case tagFalse:
		return false, b, nil
	case tagTrue:
		return true, b, nil
	case tagInt, tagDate, tagTime:
		v, rest, err := Varint(b)
		if err != nil {
			return nil, nil, err
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, nil, fmt.Errorf("codec: value %d out of range for a 32-bit tag %d", v, tag)
		}
		switch tag {
		case tagDate:
			return types.DateVal(v), rest, nil
		case tagTime:
			return types.TimeVal(v), rest, nil
		}
		return int32(v), rest, nil
	case tagBigint, tagTimestamp:
		v, rest, err := Varint(b)
		if err != nil {
			return nil, nil, err
		}
		if tag == tagTimestamp {
			return types.TimestampVal(v), rest, nil
		}
		return v, rest, nil
	case tagDouble:
		if len(b) < 8 {
			return nil, nil, ErrTruncated
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), b[8:], nil
	case tagString:
		x, rest, err := Bytes(b)
		if err != nil {
			return nil, nil, err
		}
		return string(x), rest, nil
	case tagBytes:
		x, rest, err := Bytes(b)
		if err != nil {
			return nil, nil, err
		}
		return append([]byte{}, x...), rest, nil
	case tagDecimal:
		x, rest, err := Bytes(b)
		if err != nil {
			return nil, nil, err
		}
		d, err := decimal.NewFromString(string(x))
		if err != nil {
			return nil, nil, fmt.Errorf("codec: %w", err)
		}
		if e := d.Exponent(); e < -maxDecExp || e > maxDecExp {
			return nil, nil, fmt.Errorf("codec: decimal exponent %d out of range", e)
		}
		return d, rest, nil
	case tagDecimalSmall, tagDecimalBig:
		return decodeDecimal(tag, b)
	case tagArray, tagStruct:
		if depth >= maxDepth {
			return nil, nil, fmt.Errorf("codec: values nested deeper than %d", maxDepth)
		}
		vals, rest, err := decodeRow(b, nil, depth+1)
		if err != nil {
			return nil, nil, err
		}
		if tag == tagStruct {
			return types.StructVal(vals), rest, nil
		}
		return vals, rest, nil
	case tagMap:
		if depth >= maxDepth {
			return nil, nil, fmt.Errorf("codec: values nested deeper than %d", maxDepth)
		}
		n, rest, err := Uvarint(b)
		if err != nil {
			return nil, nil, err
		}
		if n > uint64(len(rest))/2 { // a key and a value take at least a byte each
			return nil, nil, ErrTruncated
		}
		b = rest
		// Entries are appended as written: the encoder wrote a map without
		// duplicate keys, and comparing keys could panic on corrupt input.
		m := types.NewMap(int(n))
		for i := uint64(0); i < n; i++ {
			var key, val any
			if key, b, err = decodeValue(b, depth+1); err != nil {
				return nil, nil, err
			}
			if val, b, err = decodeValue(b, depth+1); err != nil {
				return nil, nil, err
			}
			m.Keys = append(m.Keys, key)
			m.Vals = append(m.Vals, val)
		}
		return m, b, nil
	}
	return nil, nil, fmt.Errorf("codec: unknown tag %d", tag)
}

func decodeDecimal(tag byte, b []byte) (any, []byte, error) {
	exp, b, err := Varint(b)
	if err != nil {
		return nil, nil, err
	}
	if exp < -maxDecExp || exp > maxDecExp {
		return nil, nil, fmt.Errorf("codec: decimal exponent %d out of range", exp)
	}
	if tag == tagDecimalSmall {
		c, rest, err := Varint(b)
		if err != nil {
			return nil, nil, err
		}
		return decimal.New(c, int32(exp)), rest, nil
	}
	if len(b) == 0 {
		return nil, nil, ErrTruncated
	}
	sign := b[0]
	mag, rest, err := Bytes(b[1:])
	if err != nil {
		return nil, nil, err
	}
	if sign > 1 || len(mag) > maxDecBytes {
		return nil, nil, errors.New("codec: malformed decimal")
	}
	c := new(big.Int).SetBytes(mag)
	if sign == 1 {
		c.Neg(c)
	}
	return decimal.NewFromBigInt(c, int32(exp)), rest, nil
}

// Uvarint reads an unsigned varint and returns it and the rest of b.
func Uvarint(b []byte) (uint64, []byte, error) {
	v, k := binary.Uvarint(b)
	if k <= 0 {
		return 0, nil, ErrTruncated
	}
	return v, b[k:], nil
}

// Varint reads a signed (zig-zag) varint and returns it and the rest of b.
func Varint(b []byte) (int64, []byte, error) {
	v, k := binary.Varint(b)
	if k <= 0 {
		return 0, nil, ErrTruncated
	}
	return v, b[k:], nil
}

// Bytes reads a length-prefixed byte string; the result aliases b.
func Bytes(b []byte) ([]byte, []byte, error) {
	n, rest, err := Uvarint(b)
	if err != nil {
		return nil, nil, err
	}
	if n > uint64(len(rest)) {
		return nil, nil, ErrTruncated
	}
	return rest[:n], rest[n:], nil
}
