package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/types"
)

// The row codec serialises positional rows for eddy's own internal topics
// (repartition topics). Each value carries a one-byte tag, so rows round
// trip exactly, decimals and nested values included; nobody outside eddy
// reads these bytes.
const (
	tagNull byte = iota
	tagFalse
	tagTrue
	tagInt
	tagBigint
	tagDouble
	tagString
	tagBytes
	tagDecimal
	tagDate
	tagTime
	tagTimestamp
	tagArray
	tagMap
	tagStruct
)

// AppendRow appends the encoding of vals to b.
func AppendRow(b []byte, vals []any) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(vals)))
	for _, v := range vals {
		var err error
		if b, err = appendValue(b, v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func appendValue(b []byte, v any) ([]byte, error) {
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
		return appendBytes(append(b, tagString), []byte(x)), nil
	case []byte:
		return appendBytes(append(b, tagBytes), x), nil
	case decimal.Decimal:
		return appendBytes(append(b, tagDecimal), []byte(x.String())), nil
	case types.DateVal:
		return binary.AppendVarint(append(b, tagDate), int64(x)), nil
	case types.TimeVal:
		return binary.AppendVarint(append(b, tagTime), int64(x)), nil
	case types.TimestampVal:
		return binary.AppendVarint(append(b, tagTimestamp), int64(x)), nil
	case []any:
		return AppendRow(append(b, tagArray), x)
	case types.StructVal:
		return AppendRow(append(b, tagStruct), x)
	case *types.MapVal:
		b = append(b, tagMap)
		b = binary.AppendUvarint(b, uint64(x.Len()))
		for i := range x.Keys {
			var err error
			if b, err = appendValue(b, x.Keys[i]); err != nil {
				return nil, err
			}
			if b, err = appendValue(b, x.Vals[i]); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("row codec: unsupported value %T", v)
}

func appendBytes(b, x []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(x))), x...)
}

var errShortRow = errors.New("row codec: truncated row")

// DecodeRow decodes a row written by AppendRow into dst (reallocated when
// too short) and returns the values and the unread rest of b.
func DecodeRow(b []byte, dst []any) ([]any, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, nil, errShortRow
	}
	b = b[k:]
	if uint64(cap(dst)) < n {
		dst = make([]any, n)
	}
	dst = dst[:n]
	for i := range dst {
		var err error
		if dst[i], b, err = decodeValue(b); err != nil {
			return nil, nil, err
		}
	}
	return dst, b, nil
}

func decodeValue(b []byte) (any, []byte, error) {
	if len(b) == 0 {
		return nil, nil, errShortRow
	}
	tag, b := b[0], b[1:]
	varint := func() (int64, []byte, error) {
		v, k := binary.Varint(b)
		if k <= 0 {
			return 0, nil, errShortRow
		}
		return v, b[k:], nil
	}
	bytesOf := func() ([]byte, []byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, nil, errShortRow
		}
		return b[k : k+int(n)], b[k+int(n):], nil
	}
	switch tag {
	case tagNull:
		return nil, b, nil
	case tagFalse:
		return false, b, nil
	case tagTrue:
		return true, b, nil
	case tagInt, tagBigint, tagDate, tagTime, tagTimestamp:
		v, rest, err := varint()
		if err != nil {
			return nil, nil, err
		}
		switch tag {
		case tagInt:
			return int32(v), rest, nil
		case tagDate:
			return types.DateVal(v), rest, nil
		case tagTime:
			return types.TimeVal(v), rest, nil
		case tagTimestamp:
			return types.TimestampVal(v), rest, nil
		}
		return v, rest, nil
	case tagDouble:
		if len(b) < 8 {
			return nil, nil, errShortRow
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), b[8:], nil
	case tagString, tagBytes, tagDecimal:
		x, rest, err := bytesOf()
		if err != nil {
			return nil, nil, err
		}
		switch tag {
		case tagString:
			return string(x), rest, nil
		case tagBytes:
			return append([]byte(nil), x...), rest, nil
		}
		d, err := decimal.NewFromString(string(x))
		return d, rest, err
	case tagArray, tagStruct:
		vals, rest, err := DecodeRow(b, nil)
		if err != nil {
			return nil, nil, err
		}
		if tag == tagStruct {
			return types.StructVal(vals), rest, nil
		}
		return vals, rest, nil
	case tagMap:
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, nil, errShortRow
		}
		b = b[k:]
		m := types.NewMap(int(min(n, 1024)))
		for i := uint64(0); i < n; i++ {
			var key, val any
			var err error
			if key, b, err = decodeValue(b); err != nil {
				return nil, nil, err
			}
			if val, b, err = decodeValue(b); err != nil {
				return nil, nil, err
			}
			m.Put(key, val)
		}
		return m, b, nil
	}
	return nil, nil, fmt.Errorf("row codec: unknown tag %d", tag)
}
