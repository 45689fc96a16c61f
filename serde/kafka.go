package serde

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/eddysql/eddy/types"
)

// kafkaSerde is the KAFKA format: one primitive column written as Kafka's
// standard serializers do (big-endian INT and BIGINT, IEEE-754 DOUBLE,
// UTF-8 STRING, raw BYTES). There is no coercion: the bytes must have the
// column's size.
type kafkaSerde struct {
	cols []types.Column
}

// kafkaSupports lists the types Kafka's standard serializers carry.
func kafkaSupports(t *types.Type) bool {
	switch t.Kind {
	case types.Int, types.Bigint, types.Double, types.String, types.Bytes:
		return true
	}
	return false
}

func newKafka(cols []types.Column) *kafkaSerde { return &kafkaSerde{cols: cols} }

// Decode implements Serde.
func (k *kafkaSerde) Decode(data []byte, dst []any) error { return k.decode(data, dst, nil) }

// DecodeSlab implements SlabDecoder.
func (k *kafkaSerde) DecodeSlab(data []byte, dst []any, slab *Slab) error {
	return k.decode(data, dst, slab.arena())
}

// decode reads the column into dst[0], boxing it into a (nil: on its own).
func (k *kafkaSerde) decode(data []byte, dst []any, a *arena) error {
	if len(k.cols) == 0 {
		return nil // a keyless stream's key bytes are ignored
	}
	dst[0] = nil
	if data == nil {
		return nil
	}
	c := k.cols[0]
	switch c.Type.Kind {
	case types.Int:
		if len(data) != 4 {
			return colErr(c, fmt.Errorf("KAFKA INTEGER needs 4 bytes, got %d", len(data)))
		}
		dst[0] = a.int32v(tInt32, int32(binary.BigEndian.Uint32(data)))
	case types.Bigint:
		if len(data) != 8 {
			return colErr(c, fmt.Errorf("KAFKA BIGINT needs 8 bytes, got %d", len(data)))
		}
		dst[0] = a.int64v(tInt64, int64(binary.BigEndian.Uint64(data)))
	case types.Double:
		if len(data) != 8 {
			return colErr(c, fmt.Errorf("KAFKA DOUBLE needs 8 bytes, got %d", len(data)))
		}
		dst[0] = a.float64v(math.Float64frombits(binary.BigEndian.Uint64(data)))
	case types.String:
		dst[0] = a.str(data, len(data))
	case types.Bytes:
		// Copy: the record buffer may be reused once Decode returns.
		dst[0] = append([]byte{}, data...)
	default:
		return colErr(c, fmt.Errorf("the 'KAFKA' format does not support type '%s'", c.Type.BaseName()))
	}
	return nil
}

// Encode implements Serde.
func (k *kafkaSerde) Encode(vals []any) ([]byte, error) {
	if len(k.cols) == 0 || vals[0] == nil {
		return nil, nil
	}
	out, _, err := k.AppendEncode(make([]byte, 0, k.size(vals[0])), vals)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// size is how many bytes v encodes to.
func (k *kafkaSerde) size(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []byte:
		return len(x)
	}
	return 8
}

// AppendEncode implements Appender.
func (k *kafkaSerde) AppendEncode(dst []byte, vals []any) ([]byte, bool, error) {
	if len(k.cols) == 0 || vals[0] == nil {
		return dst, true, nil
	}
	c, v := k.cols[0], vals[0]
	switch c.Type.Kind {
	case types.Int:
		if i, ok := asInt64(v); ok {
			return binary.BigEndian.AppendUint32(dst, uint32(int32(i))), false, nil
		}
	case types.Bigint:
		if i, ok := asInt64(v); ok {
			return binary.BigEndian.AppendUint64(dst, uint64(i)), false, nil
		}
	case types.Double:
		if f, ok := asFloat64(v); ok {
			return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), false, nil
		}
	case types.String:
		if s, ok := v.(string); ok {
			return append(dst, s...), false, nil
		}
	case types.Bytes:
		if b, ok := v.([]byte); ok {
			return append(dst, b...), false, nil
		}
	}
	return dst, false, colErr(c, typeErr(v, c.Type))
}

// SameBytes reports whether sink writes every value src decodes as the
// very bytes src decoded it from, so a copy of the column needs neither:
// both KAFKA with one column of the same type (KAFKA's decoding of the
// types it carries is a bijection on what it accepts).
func SameBytes(src, sink Serde) bool {
	a, ok := src.(*kafkaSerde)
	b, ok2 := sink.(*kafkaSerde)
	return ok && ok2 && len(a.cols) == 1 && len(b.cols) == 1 && a.cols[0].Type.Equal(b.cols[0].Type)
}

// Reading implements Partial: a KAFKA column nothing reads is only
// checked.
func (k *kafkaSerde) Reading(read []bool) Serde {
	if len(k.cols) == 0 || (len(read) > 0 && read[0]) {
		return k
	}
	return kafkaChecking{k}
}

// kafkaChecking decodes as its kafkaSerde does, failing on the same bytes
// with the same errors, but leaves the column nil.
type kafkaChecking struct{ *kafkaSerde }

func (k kafkaChecking) Decode(data []byte, dst []any) error { return k.check(data, dst) }

// DecodeSlab implements SlabDecoder.
func (k kafkaChecking) DecodeSlab(data []byte, dst []any, _ *Slab) error { return k.check(data, dst) }

func (k kafkaChecking) check(data []byte, dst []any) error {
	dst[0] = nil
	if data == nil {
		return nil
	}
	switch k.cols[0].Type.Kind {
	case types.String, types.Bytes:
		return nil // any bytes decode
	case types.Int:
		if len(data) == 4 {
			return nil
		}
	case types.Bigint, types.Double:
		if len(data) == 8 {
			return nil
		}
	}
	err := k.decode(data, dst, nil) // the same error, or what a new type needs
	dst[0] = nil
	return err
}
