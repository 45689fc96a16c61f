package convert

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/eddysql/eddy/connect"
)

// numberConverter is one of Kafka's fixed-width big-endian number
// converters (IntegerConverter, LongConverter, …), as the KAFKA format
// writes numbers.
type numberConverter struct {
	typ  connect.Type
	size int
}

func registerNumbers(r *connect.Registry) {
	for _, n := range []struct {
		class string
		typ   connect.Type
		size  int
	}{
		{"ShortConverter", connect.Int16, 2}, {"IntegerConverter", connect.Int32, 4}, {"LongConverter", connect.Int64, 8},
		{"FloatConverter", connect.Float32, 4}, {"DoubleConverter", connect.Float64, 8},
	} {
		c := numberConverter{typ: n.typ, size: n.size}
		r.RegisterConverter(&connect.ConverterPlugin{
			Class: "org.apache.kafka.connect.converters." + n.class,
			Doc:   fmt.Sprintf("A %s as %d big-endian bytes (the KAFKA format's encoding).", n.typ, n.size),
			New: func(map[string]string, bool, connect.ConverterEnv) (connect.Converter, error) {
				return c, nil
			},
		})
	}
}

func (c numberConverter) FromConnect(_ string, _ *connect.Schema, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b := make([]byte, c.size)
	switch c.typ {
	case connect.Float32, connect.Float64:
		var f float64
		switch x := v.(type) {
		case float32:
			f = float64(x)
		case float64:
			f = x
		default:
			n, ok := connect.AsInt64(v)
			if !ok {
				return nil, fmt.Errorf("%T is not a number", v)
			}
			f = float64(n)
		}
		if c.size == 4 {
			binary.BigEndian.PutUint32(b, math.Float32bits(float32(f)))
		} else {
			binary.BigEndian.PutUint64(b, math.Float64bits(f))
		}
		return b, nil
	}
	n, ok := connect.AsInt64(v)
	if !ok {
		return nil, fmt.Errorf("%T is not an integer", v)
	}
	switch c.size {
	case 2:
		binary.BigEndian.PutUint16(b, uint16(n))
	case 4:
		binary.BigEndian.PutUint32(b, uint32(n))
	default:
		binary.BigEndian.PutUint64(b, uint64(n))
	}
	return b, nil
}

func (c numberConverter) ToConnect(_ string, data []byte) (*connect.Schema, any, error) {
	s := &connect.Schema{Type: c.typ, Optional: true}
	if data == nil {
		return s, nil, nil
	}
	if len(data) != c.size {
		return nil, nil, fmt.Errorf("size of data received by %s is not %d", c.typ, c.size)
	}
	switch c.typ {
	case connect.Int16:
		return s, int16(binary.BigEndian.Uint16(data)), nil
	case connect.Int32:
		return s, int32(binary.BigEndian.Uint32(data)), nil
	case connect.Int64:
		return s, int64(binary.BigEndian.Uint64(data)), nil
	case connect.Float32:
		return s, math.Float32frombits(binary.BigEndian.Uint32(data)), nil
	}
	return s, math.Float64frombits(binary.BigEndian.Uint64(data)), nil
}
