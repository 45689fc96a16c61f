package expr

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// byteOrderArg reads the optional byte order argument at a[i]:
// BIG_ENDIAN (the default) or LITTLE_ENDIAN.
func byteOrderArg(a []any, i int) (binary.ByteOrder, error) {
	if len(a) <= i {
		return binary.BigEndian, nil
	}
	switch strings.ToUpper(a[i].(string)) {
	case "BIG_ENDIAN":
		return binary.BigEndian, nil
	case "LITTLE_ENDIAN":
		return binary.LittleEndian, nil
	}
	return nil, fmt.Errorf("byte order must be BIG_ENDIAN or LITTLE_ENDIAN, not %q", a[i])
}

// fixedBytes checks the argument is exactly n bytes and returns its order.
func fixedBytes(a []any, n int) ([]byte, binary.ByteOrder, error) {
	b := a[0].([]byte)
	if len(b) != n {
		return nil, nil, fmt.Errorf("number of bytes must be equal to %d, but found %d", n, len(b))
	}
	order, err := byteOrderArg(a, 1)
	return b, order, err
}

func registerMoreBytes(r *Registry) {
	r.add("TO_BYTES", ov(tByt, func(a []any) (any, error) {
		return decodeString(a[0].(string), a[1].(string))
	}, tStr, tStr))
	r.add("FROM_BYTES", ov(tStr, func(a []any) (any, error) {
		// Upper-case hex, as Java's DatatypeConverter.printHexBinary,
		// which ksqlDB's FROM_BYTES uses, writes it.
		return encodeBytes(a[0].([]byte), a[1].(string), true)
	}, tByt, tStr))

	intFrom := func(a []any) (any, error) {
		b, order, err := fixedBytes(a, 4)
		if err != nil {
			return nil, err
		}
		return int32(order.Uint32(b)), nil
	}
	bigFrom := func(a []any) (any, error) {
		b, order, err := fixedBytes(a, 8)
		if err != nil {
			return nil, err
		}
		return int64(order.Uint64(b)), nil
	}
	dblFrom := func(a []any) (any, error) {
		b, order, err := fixedBytes(a, 8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(order.Uint64(b)), nil
	}
	r.add("INT_FROM_BYTES", ov(tInt, intFrom, tByt), ov(tInt, intFrom, tByt, tStr))
	r.add("BIGINT_FROM_BYTES", ov(tBig, bigFrom, tByt), ov(tBig, bigFrom, tByt, tStr))
	r.add("DOUBLE_FROM_BYTES", ov(tDbl, dblFrom, tByt), ov(tDbl, dblFrom, tByt, tStr))
}
