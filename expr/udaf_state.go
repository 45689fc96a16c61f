package expr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/types"
	"github.com/eddysql/eddy/types/codec"
)

// Serialized accumulators, for state stores and their changelogs.
//
// Every state starts with stateVersion; the rest is the accumulator's
// fields as varints, fixed 8-byte floats and tagged values (package
// types/codec), with no field names: the Aggregate that reads the bytes
// knows the layout. Configuration captured at resolve time (limits, k, n,
// DECIMAL precision) is not stored; the restoring Aggregate brings it.

// stateVersion leads every serialized accumulator, so a future layout
// change can still read (or clearly refuse) old changelogs.
const stateVersion byte = 1

var errTrailing = errors.New("trailing bytes after the accumulator")

// withState sets a's Marshal and Unmarshal from an encoder and a decoder
// of its accumulator type *T. enc appends after the version byte; dec
// reads through r, whose first error wins.
func withState[T any](a *Aggregate, enc func(acc *T, b []byte) ([]byte, error), dec func(r *stateReader) *T) {
	name := a.Name
	a.appendState = func(b []byte, acc any) ([]byte, error) {
		s, ok := acc.(*T)
		if !ok {
			return nil, fmt.Errorf("%s: cannot marshal an accumulator of type %T", name, acc)
		}
		return enc(s, append(b, stateVersion))
	}
	app := a.appendState
	a.Marshal = func(acc any) ([]byte, error) { return app(make([]byte, 0, 16), acc) }
	a.Unmarshal = func(data []byte) (any, error) {
		if len(data) == 0 {
			return nil, fmt.Errorf("%s: unmarshal accumulator: empty state", name)
		}
		if data[0] != stateVersion {
			return nil, fmt.Errorf("%s: unmarshal accumulator: unknown state version %d", name, data[0])
		}
		r := stateReader{b: data[1:]}
		s := dec(&r)
		if r.err == nil && len(r.b) > 0 {
			r.fail(errTrailing)
		}
		if r.err != nil {
			return nil, fmt.Errorf("%s: unmarshal accumulator at byte %d of %d: %w", name, len(data)-len(r.b), len(data), r.err)
		}
		return s, nil
	}
}

// MarshalAccs appends the states of one group's accumulators (accs[i]
// belongs to aggs[i]) to dst as one record, each length-prefixed.
func MarshalAccs(dst []byte, aggs []*Aggregate, accs []any) ([]byte, error) {
	if len(aggs) != len(accs) {
		return nil, fmt.Errorf("marshal accumulators: %d aggregates but %d accumulators", len(aggs), len(accs))
	}
	for i, a := range aggs {
		if a.appendState == nil {
			return nil, fmt.Errorf("marshal accumulators: %s has no serialized form", a.Name)
		}
		// Encode in place after a one-byte length, widened afterwards in
		// the rare case the state is 128 bytes or more: no scratch buffer.
		start := len(dst)
		var err error
		if dst, err = a.appendState(append(dst, 0), accs[i]); err != nil {
			return nil, err
		}
		n := len(dst) - start - 1
		if n < 0x80 {
			dst[start] = byte(n)
			continue
		}
		var hdr [binary.MaxVarintLen64]byte
		k := binary.PutUvarint(hdr[:], uint64(n))
		dst = append(dst, hdr[:k-1]...)
		copy(dst[start+k:], dst[start+1:start+1+n])
		copy(dst[start:], hdr[:k])
	}
	return dst, nil
}

// UnmarshalAccs restores the accumulators MarshalAccs wrote for aggs.
func UnmarshalAccs(aggs []*Aggregate, data []byte) ([]any, error) {
	accs := make([]any, len(aggs))
	for i, a := range aggs {
		if a.Unmarshal == nil {
			return nil, fmt.Errorf("unmarshal accumulators: %s has no serialized form", a.Name)
		}
		s, rest, err := codec.Bytes(data)
		if err != nil {
			return nil, fmt.Errorf("unmarshal accumulators: state %d of %d (%s): %w", i+1, len(aggs), a.Name, err)
		}
		if accs[i], err = a.Unmarshal(s); err != nil {
			return nil, err
		}
		data = rest
	}
	if len(data) > 0 {
		return nil, fmt.Errorf("unmarshal accumulators: %w", errTrailing)
	}
	return accs, nil
}

// stateReader reads an accumulator's fields; after the first error every
// read returns a zero value and the error sticks.
type stateReader struct {
	b   []byte
	err error
}

func (r *stateReader) fail(err error) {
	if r.err == nil {
		r.err = err
		r.b = nil
	}
}

func (r *stateReader) varint() int64 {
	v, rest, err := codec.Varint(r.b)
	if err != nil {
		r.fail(err)
		return 0
	}
	r.b = rest
	return v
}

func (r *stateReader) int32() int32 {
	v := r.varint()
	if v < math.MinInt32 || v > math.MaxInt32 {
		r.fail(fmt.Errorf("%d does not fit an INT", v))
		return 0
	}
	return int32(v)
}

// count reads a length, at most the bytes left (every element takes at
// least one byte), so corrupt input cannot ask for a huge allocation.
func (r *stateReader) count() int {
	v, rest, err := codec.Uvarint(r.b)
	if err != nil {
		r.fail(err)
		return 0
	}
	if v > uint64(len(rest)) {
		r.fail(fmt.Errorf("count %d exceeds the %d bytes left", v, len(rest)))
		return 0
	}
	r.b = rest
	return int(v)
}

func (r *stateReader) f64() float64 {
	if len(r.b) < 8 {
		r.fail(codec.ErrTruncated)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *stateReader) flag() bool {
	if len(r.b) == 0 {
		r.fail(codec.ErrTruncated)
		return false
	}
	f := r.b[0]
	r.b = r.b[1:]
	if f > 1 {
		r.fail(fmt.Errorf("bad flag byte %d", f))
	}
	return f == 1
}

func (r *stateReader) str() string {
	x, rest, err := codec.Bytes(r.b)
	if err != nil {
		r.fail(err)
		return ""
	}
	r.b = rest
	return string(x)
}

// value reads a tagged value that must be of type t (nil: any type), so a
// foreign or corrupt state cannot put, say, a STRING where MIN compares
// INTs.
func (r *stateReader) value(t *types.Type) any {
	if r.err != nil {
		return nil
	}
	v, rest, err := codec.DecodeValue(r.b)
	if err != nil {
		r.fail(err)
		return nil
	}
	if !conforms(v, t) {
		r.fail(fmt.Errorf("value of Go type %T is not a %s", v, typeName(t)))
		return nil
	}
	r.b = rest
	return v
}

func appendF64(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

func appendFlag(b []byte, f bool) []byte {
	if f {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendValues appends a count and the tagged values.
func appendValues(b []byte, vals []any) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(vals)))
	for _, v := range vals {
		var err error
		if b, err = codec.AppendValue(b, v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readValues reads what appendValues wrote, each value of type t.
func (r *stateReader) values(t *types.Type) []any {
	n := r.count()
	if n == 0 {
		return nil
	}
	vals := make([]any, n)
	for i := range vals {
		vals[i] = r.value(t)
	}
	return vals
}

// conforms reports whether v is nil or of the Go representation of t
// (package types), recursively; a nil or unresolved t accepts anything.
func conforms(v any, t *types.Type) bool {
	if v == nil || t == nil {
		return true
	}
	ok := false
	switch t.Kind {
	case types.Boolean:
		_, ok = v.(bool)
	case types.Int:
		_, ok = v.(int32)
	case types.Bigint:
		_, ok = v.(int64)
	case types.Double:
		_, ok = v.(float64)
	case types.Decimal:
		_, ok = v.(decimal.Decimal)
	case types.String:
		_, ok = v.(string)
	case types.Bytes:
		_, ok = v.([]byte)
	case types.Date:
		_, ok = v.(types.DateVal)
	case types.Time:
		_, ok = v.(types.TimeVal)
	case types.Timestamp:
		_, ok = v.(types.TimestampVal)
	case types.Array:
		a, isArr := v.([]any)
		ok = isArr && allConform(a, t.Elem)
	case types.Map:
		m, isMap := v.(*types.MapVal)
		ok = isMap && m != nil && allConform(m.Keys, t.Key) && allConform(m.Vals, t.Elem)
	case types.Struct:
		s, isStruct := v.(types.StructVal)
		ok = isStruct && len(s) == len(t.Fields)
		for i := 0; ok && i < len(s); i++ {
			ok = conforms(s[i], t.Fields[i].Type)
		}
	default:
		ok = true
	}
	return ok
}

func allConform(vals []any, t *types.Type) bool {
	for _, v := range vals {
		if !conforms(v, t) {
			return false
		}
	}
	return true
}
