package convert

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/types"
)

// HeaderText renders a Connect value as Kafka Connect's default header
// converter, SimpleHeaderConverter (Values.convertToString), writes it,
// whatever the key and value converters are: a struct {"id":101}, strings
// quoted only inside a struct, array or map, bytes in base64, decimals and
// floats as Java prints them. Eddy writes headers as bytes, so a connector
// adding a structured header (Debezium's __debezium.newkey) renders it here.
func HeaderText(sch *connect.Schema, v any) string {
	var sb strings.Builder
	appendHeader(&sb, sch, v, false)
	return sb.String()
}

func appendHeader(sb *strings.Builder, sch *connect.Schema, v any, embedded bool) {
	if sch != nil && sch.Name == connect.LogicalDecimal && v != nil {
		if s, ok := javaDecimal(sch, v); ok {
			sb.WriteString(s)
			return
		}
	}
	switch v := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool:
		sb.WriteString(strconv.FormatBool(v))
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64:
		fmt.Fprint(sb, v)
	case float32:
		sb.WriteString(types.FormatFloat(v))
	case float64:
		sb.WriteString(types.FormatDouble(v))
	case string:
		if embedded {
			sb.WriteByte('"')
			sb.WriteString(strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`))
			sb.WriteByte('"')
		} else {
			sb.WriteString(v)
		}
	case []byte:
		s := base64.StdEncoding.EncodeToString(v)
		if embedded {
			s = `"` + s + `"`
		}
		sb.WriteString(s)
	case time.Time:
		// java.util.Date through Values.dateFormatFor, which picks the
		// format by the value; a worker in UTC.
		u := v.UTC()
		switch ms := u.UnixMilli(); {
		case ms >= 0 && ms < 86400000:
			sb.WriteString(u.Format("15:04:05.000Z"))
		case ms%86400000 == 0:
			sb.WriteString(u.Format("2006-01-02"))
		default:
			sb.WriteString(u.Format("2006-01-02T15:04:05.000Z"))
		}
	case *connect.Struct:
		if v == nil {
			sb.WriteString("null")
			return
		}
		sb.WriteByte('{')
		for i, f := range v.Schema.Fields {
			if i > 0 {
				sb.WriteByte(',')
			}
			appendHeader(sb, nil, f.Name, true)
			sb.WriteByte(':')
			appendHeader(sb, f.Schema, v.Values[f.Name], true)
		}
		sb.WriteByte('}')
	case []any:
		elem := valueSchema(sch)
		sb.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				sb.WriteByte(',')
			}
			appendHeader(sb, elem, e, true)
		}
		sb.WriteByte(']')
	case map[string]any:
		elem := valueSchema(sch)
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sb.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				sb.WriteByte(',')
			}
			appendHeader(sb, nil, k, true)
			sb.WriteByte(':')
			appendHeader(sb, elem, v[k], true)
		}
		sb.WriteByte('}')
	default:
		sb.WriteString(Text(v))
	}
}

// javaDecimal prints a Decimal as BigDecimal.toString does: plain while the
// exponent is not below -6, else scientific ("1E-7").
func javaDecimal(sch *connect.Schema, v any) (string, bool) {
	scale, err := strconv.Atoi(sch.Parameters["scale"])
	if err != nil {
		return "", false
	}
	var r *big.Rat
	switch v := v.(type) {
	case *big.Rat:
		r = v
	case string:
		var ok bool
		if r, ok = new(big.Rat).SetString(v); !ok {
			return "", false
		}
	default:
		return "", false
	}
	p := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	unscaled := new(big.Int).Quo(p.Num(), p.Denom())
	sign := ""
	if unscaled.Sign() < 0 {
		sign = "-"
		unscaled.Neg(unscaled)
	}
	coeff := unscaled.String()
	adjusted := len(coeff) - 1 - scale
	switch {
	case scale == 0:
		return sign + coeff, true
	case scale > 0 && adjusted >= -6:
		if len(coeff) > scale {
			return sign + coeff[:len(coeff)-scale] + "." + coeff[len(coeff)-scale:], true
		}
		return sign + "0." + strings.Repeat("0", scale-len(coeff)) + coeff, true
	}
	s := sign + coeff[:1]
	if len(coeff) > 1 {
		s += "." + coeff[1:]
	}
	s += "E"
	if adjusted > 0 {
		s += "+"
	}
	return s + strconv.Itoa(adjusted), true
}

// valueSchema is an array's or a map's value schema, nil when sch is.
func valueSchema(sch *connect.Schema) *connect.Schema {
	if sch == nil {
		return nil
	}
	return sch.ValueSchema
}
