package types

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// DecimalString renders d with exactly scale fractional digits, as Java's
// BigDecimal.toPlainString does for a value of that scale ("1.50").
func DecimalString(d decimal.Decimal, scale int) string {
	if scale < 0 {
		scale = 0
	}
	return d.StringFixed(int32(scale))
}

// FormatValue renders v of type t as ksqlDB's CAST(x AS STRING) does:
// numbers in Java form, DATE/TIME/TIMESTAMP in ISO form, collections in
// Java's toString form. A nil value renders as "null". A TIME is written
// as SqlTimeTypes.formatTime writes it (13:25) on its own, and as
// java.sql.Time.toString (13:25:00) inside a collection.
func FormatValue(v any, t *Type) string {
	if tv, ok := v.(TimeVal); ok {
		return FormatTime(tv)
	}
	var b strings.Builder
	formatValue(&b, v, t)
	return b.String()
}

func formatValue(b *strings.Builder, v any, t *Type) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int32:
		b.WriteString(strconv.FormatInt(int64(v), 10))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		b.WriteString(FormatDouble(v))
	case decimal.Decimal:
		scale := int(-v.Exponent())
		if t != nil && t.Kind == Decimal {
			scale = t.Scale
		}
		b.WriteString(DecimalString(v, scale))
	case string:
		b.WriteString(v)
	case []byte:
		b.WriteString(string(v))
	case DateVal:
		b.WriteString(FormatDate(v))
	case TimeVal:
		b.WriteString(formatSQLTime(v))
	case TimestampVal:
		b.WriteString(FormatTimestamp(v))
	case []any:
		var et *Type
		if t != nil {
			et = t.Elem
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, e, et)
		}
		b.WriteByte(']')
	case *MapVal:
		var kt, vt *Type
		if t != nil {
			kt, vt = t.Key, t.Elem
		}
		b.WriteByte('{')
		for i := range v.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, v.Keys[i], kt)
			b.WriteByte('=')
			formatValue(b, v.Vals[i], vt)
		}
		b.WriteByte('}')
	case StructVal:
		// Kafka Connect's Struct.toString: non-null fields only.
		b.WriteString("Struct{")
		first := true
		for i, f := range v {
			if f == nil {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			var ft *Type
			if t != nil && i < len(t.Fields) {
				b.WriteString(t.Fields[i].Name)
				ft = t.Fields[i].Type
			}
			b.WriteByte('=')
			formatValue(b, f, ft)
		}
		b.WriteByte('}')
	default:
		b.WriteString("?")
	}
}
