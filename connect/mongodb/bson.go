package mongodb

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"

	"github.com/eddysql/eddy/connect"
)

// errDocument marks a record that cannot become a document: retrying
// will not help.
type errDocument struct{ msg string }

func (e *errDocument) Error() string { return e.msg }

func badDoc(format string, args ...any) error { return &errDocument{fmt.Sprintf(format, args...)} }

// toBSON converts Connect data to BSON values as the MongoDB connector
// does: structs and maps to documents (struct fields in schema order),
// arrays to arrays, INT8/16/32 to int32, INT64 to int64, FLOAT32/64 to
// double, BYTES to binary, Timestamp/Date/Time to Date and Decimal to
// Decimal128.
func toBSON(s *connect.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s != nil {
		switch s.Name {
		case connect.LogicalTimestamp, connect.LogicalDate, connect.LogicalTime:
			if t, ok := v.(time.Time); ok {
				return primitive.NewDateTimeFromTime(t), nil
			}
		case connect.LogicalDecimal:
			return decimal128(s, v)
		}
	}
	var es *connect.Schema
	if s != nil {
		es = s.ValueSchema
	}
	switch x := v.(type) {
	case bool, string, int32, int64:
		return x, nil
	case int8:
		return int32(x), nil
	case int16:
		return int32(x), nil
	case int:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case []byte:
		return primitive.Binary{Data: x}, nil
	case time.Time:
		return primitive.NewDateTimeFromTime(x), nil
	case *big.Rat:
		return decimal128(s, x)
	case []any:
		a := make(bson.A, len(x))
		for i, el := range x {
			b, err := toBSON(es, el)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			a[i] = b
		}
		return a, nil
	case map[string]any:
		return mapDoc(es, x)
	case *connect.Struct:
		return structDoc(x, s)
	}
	return nil, badDoc("value of Go type %T has no BSON form", v)
}

func structDoc(x *connect.Struct, s *connect.Schema) (bson.D, error) {
	if x == nil {
		return nil, nil
	}
	if x.Schema != nil {
		s = x.Schema
	}
	if s == nil || len(s.Fields) == 0 {
		return mapDoc(nil, x.Values)
	}
	d := make(bson.D, 0, len(s.Fields))
	for _, f := range s.Fields {
		v, err := toBSON(f.Schema, x.Values[f.Name])
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		d = append(d, bson.E{Key: f.Name, Value: v})
	}
	return d, nil
}

// mapDoc converts a map, keys in sorted order so a record always gives
// the same document.
func mapDoc(vs *connect.Schema, m map[string]any) (bson.D, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	d := make(bson.D, 0, len(m))
	for _, k := range keys {
		v, err := toBSON(vs, m[k])
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		d = append(d, bson.E{Key: k, Value: v})
	}
	return d, nil
}

func decimal128(s *connect.Schema, v any) (primitive.Decimal128, error) {
	var text string
	switch d := v.(type) {
	case *big.Rat:
		scale := 0
		if s != nil {
			scale, _ = strconv.Atoi(s.Parameters["scale"])
		} else if !d.IsInt() {
			scale = 18
		}
		text = d.FloatString(scale)
	case string:
		text = d
	case float64:
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return primitive.Decimal128{}, badDoc("decimal %v", d)
		}
		text = strconv.FormatFloat(d, 'f', -1, 64)
	case int64:
		text = strconv.FormatInt(d, 10)
	default:
		return primitive.Decimal128{}, badDoc("decimal value of Go type %T", v)
	}
	dec, err := primitive.ParseDecimal128(text)
	if err != nil {
		return primitive.Decimal128{}, badDoc("decimal %q does not fit Decimal128: %v", text, err)
	}
	return dec, nil
}

// asDoc converts a key or value that must be a document.
func asDoc(s *connect.Schema, v any, what string) (bson.D, error) {
	switch x := v.(type) {
	case *connect.Struct:
		return structDoc(x, s)
	case map[string]any:
		var vs *connect.Schema
		if s != nil {
			vs = s.ValueSchema
		}
		return mapDoc(vs, x)
	case nil:
		return nil, badDoc("the %s is null", what)
	}
	return nil, badDoc("the %s is a %T, not a struct or map, so it cannot be a document", what, v)
}

// lookup finds a top-level field of a document.
func lookup(d bson.D, key string) (any, bool) {
	for _, e := range d {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

// without returns d without the named top-level field.
func without(d bson.D, key string) bson.D {
	out := make(bson.D, 0, len(d))
	for _, e := range d {
		if e.Key != key {
			out = append(out, e)
		}
	}
	return out
}
