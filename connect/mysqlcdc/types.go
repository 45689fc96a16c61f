package mysqlcdc

import (
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"

	"github.com/eddysql/eddy/connect"
)

// Debezium's semantic type names.
const (
	debeziumDate           = "io.debezium.time.Date"
	debeziumTime           = "io.debezium.time.Time"
	debeziumMicroTime      = "io.debezium.time.MicroTime"
	debeziumTimestamp      = "io.debezium.time.Timestamp"
	debeziumMicroTimestamp = "io.debezium.time.MicroTimestamp"
	debeziumZonedTimestamp = "io.debezium.time.ZonedTimestamp"
	debeziumYear           = "io.debezium.time.Year"
	debeziumEnum           = "io.debezium.data.Enum"
	debeziumEnumSet        = "io.debezium.data.EnumSet"
	debeziumJSON           = "io.debezium.data.Json"
	debeziumBits           = "io.debezium.data.Bits"
)

// build picks the column's Connect schema and value conversion the way
// Debezium's MySQL connector maps the type under the configured modes.
// Values arrive either as text-protocol bytes (snapshot) or as go-mysql's
// decoded binlog values; each conversion accepts both.
func (c *column) build(s *settings) error {
	sch := func(t connect.Type) *connect.Schema { return &connect.Schema{Type: t, Optional: c.nullable} }
	named := func(t connect.Type, name string, params map[string]string) *connect.Schema {
		return &connect.Schema{Type: t, Optional: c.nullable, Name: name, Version: 1, Parameters: params}
	}
	switch c.dataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		return c.buildInteger(s, sch)
	case "bit":
		n := bitLength(c)
		if n <= 1 {
			c.schema = sch(connect.Boolean)
			c.conv = convBool
			return nil
		}
		c.schema = named(connect.Bytes, debeziumBits, map[string]string{"length": strconv.Itoa(n)})
		c.conv = bitsConv((n + 7) / 8)
	case "float":
		c.schema = sch(connect.Float32)
		c.conv = convFloat32
	case "double", "real", "double precision":
		c.schema = sch(connect.Float64)
		c.conv = convFloat64
	case "decimal", "numeric", "fixed", "dec":
		c.decimal(s, c.precision, c.scale)
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext":
		if c.json {
			c.schema = named(connect.String, debeziumJSON, nil)
		} else {
			c.schema = sch(connect.String)
		}
		c.conv = stringConv(c.charset)
	case "json":
		c.schema = named(connect.String, debeziumJSON, nil)
		c.conv = convString
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		pad := 0
		if c.dataType == "binary" {
			pad = int(c.octets)
		}
		c.binary(s, pad)
	case "enum":
		c.schema = named(connect.String, debeziumEnum, map[string]string{"allowed": strings.Join(c.values, ",")})
		c.conv = enumConv(c.values)
	case "set":
		c.schema = named(connect.String, debeziumEnumSet, map[string]string{"allowed": strings.Join(c.values, ",")})
		c.conv = setConv(c.values)
	case "year":
		c.schema = named(connect.Int32, debeziumYear, nil)
		c.conv = convYear
	case "date":
		if s.timeMode == "connect" {
			c.schema = named(connect.Int32, connect.LogicalDate, nil)
			c.conv = c.temporal(parseDate, func(t time.Time) any { return t })
		} else {
			c.schema = named(connect.Int32, debeziumDate, nil)
			c.conv = c.temporal(parseDate, func(t time.Time) any { return int32(t.Unix() / 86400) })
		}
	case "time":
		switch {
		case s.timeMode == "connect":
			c.schema = named(connect.Int32, connect.LogicalTime, nil)
			c.conv = timeConv(func(us int64) any { return time.UnixMicro(us).UTC() })
		case s.timeMode == "adaptive" && c.fsp <= 3:
			c.schema = named(connect.Int32, debeziumTime, nil)
			c.conv = timeConv(func(us int64) any { return int32(us / 1000) })
		default:
			c.schema = named(connect.Int64, debeziumMicroTime, nil)
			c.conv = timeConv(func(us int64) any { return us })
		}
	case "datetime":
		switch {
		case s.timeMode == "connect":
			c.schema = named(connect.Int64, connect.LogicalTimestamp, nil)
			c.conv = c.temporal(parseDateTime, func(t time.Time) any { return t })
		case c.fsp <= 3:
			c.schema = named(connect.Int64, debeziumTimestamp, nil)
			c.conv = c.temporal(parseDateTime, func(t time.Time) any { return t.UnixMilli() })
		default:
			c.schema = named(connect.Int64, debeziumMicroTimestamp, nil)
			c.conv = c.temporal(parseDateTime, func(t time.Time) any { return t.UnixMicro() })
		}
	case "timestamp":
		c.schema = named(connect.String, debeziumZonedTimestamp, nil)
		c.conv = c.temporal(parseDateTime, func(t time.Time) any { return t.UTC().Format(zonedFormat) })
	default:
		// Spatial and other types Debezium gives structured shapes to are
		// passed through as their raw bytes.
		c.schema = sch(connect.Bytes)
		c.conv = convBytes(0)
	}
	if c.schema.Name != "" && c.schema.Version == 0 {
		c.schema.Version = 1
	}
	return nil
}

// zonedFormat is ISO-8601 with only the fraction digits needed, "Z" for UTC,
// as java.time's ISO_OFFSET_DATE_TIME prints.
const zonedFormat = "2006-01-02T15:04:05.999999999Z07:00"

func bitLength(c *column) int {
	if c.precision > 0 {
		return c.precision
	}
	if i := strings.IndexByte(c.columnType, '('); i >= 0 {
		if n, err := strconv.Atoi(strings.TrimSuffix(c.columnType[i+1:], ")")); err == nil {
			return n
		}
	}
	return 1
}

func (c *column) buildInteger(s *settings, sch func(connect.Type) *connect.Schema) error {
	bits := map[string]uint{"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "integer": 32, "bigint": 64}[c.dataType]
	var out func(signed int64, unsigned uint64) any
	switch {
	case c.dataType == "tinyint":
		c.schema = sch(connect.Int16)
		out = func(i int64, u uint64) any {
			if c.unsigned {
				return int16(u)
			}
			return int16(i)
		}
	case c.dataType == "smallint" && !c.unsigned:
		c.schema = sch(connect.Int16)
		out = func(i int64, _ uint64) any { return int16(i) }
	case c.dataType == "smallint" || c.dataType == "mediumint":
		c.schema = sch(connect.Int32)
		out = func(i int64, u uint64) any {
			if c.unsigned {
				return int32(u)
			}
			return int32(i)
		}
	case (c.dataType == "int" || c.dataType == "integer") && !c.unsigned:
		c.schema = sch(connect.Int32)
		out = func(i int64, _ uint64) any { return int32(i) }
	case c.dataType == "bigint" && c.unsigned && s.bigintMode == "precise":
		c.schema = decimalSchema(c.nullable, 20, 0)
		out = func(_ int64, u uint64) any { return new(big.Rat).SetInt(new(big.Int).SetUint64(u)) }
	default: // int unsigned, bigint
		c.schema = sch(connect.Int64)
		out = func(i int64, u uint64) any {
			if c.unsigned {
				return int64(u)
			}
			return i
		}
	}
	mask := uint64(math.MaxUint64)
	if bits < 64 {
		mask = 1<<bits - 1
	}
	unsigned := c.unsigned
	c.conv = func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		if txt, ok := asText(v); ok {
			if unsigned {
				u, err := strconv.ParseUint(txt, 10, 64)
				return out(int64(u), u), err
			}
			i, err := strconv.ParseInt(txt, 10, 64)
			return out(i, uint64(i)), err
		}
		i, ok := asInt64(v)
		if !ok {
			return nil, fmt.Errorf("unexpected %T for an integer column", v)
		}
		// The binlog carries unsigned values in signed types of the
		// column's width.
		return out(i, uint64(i)&mask), nil
	}
	return nil
}

func decimalSchema(optional bool, precision, scale int) *connect.Schema {
	return &connect.Schema{Type: connect.Bytes, Optional: optional, Name: connect.LogicalDecimal, Version: 1,
		Parameters: map[string]string{"scale": strconv.Itoa(scale), "connect.decimal.precision": strconv.Itoa(precision)}}
}

func (c *column) decimal(s *settings, precision, scale int) {
	switch s.decimalMode {
	case "double":
		c.schema = &connect.Schema{Type: connect.Float64, Optional: c.nullable}
		c.conv = convFloat64
	case "string":
		c.schema = &connect.Schema{Type: connect.String, Optional: c.nullable}
		c.conv = convString
	default:
		c.schema = decimalSchema(c.nullable, precision, scale)
		c.conv = func(v any) (any, error) {
			if v == nil {
				return nil, nil
			}
			txt, ok := asText(v)
			if !ok {
				txt = fmt.Sprint(v)
			}
			r, ok := new(big.Rat).SetString(txt)
			if !ok {
				return nil, fmt.Errorf("%q is not a decimal", txt)
			}
			return r, nil
		}
	}
}

func (c *column) binary(s *settings, pad int) {
	enc := map[string]func([]byte) string{
		"base64":          base64.StdEncoding.EncodeToString,
		"base64-url-safe": base64.URLEncoding.EncodeToString,
		"hex":             hex.EncodeToString,
	}[s.binaryMode]
	raw := convBytes(pad)
	if enc == nil {
		c.schema = &connect.Schema{Type: connect.Bytes, Optional: c.nullable}
		c.conv = raw
		return
	}
	c.schema = &connect.Schema{Type: connect.String, Optional: c.nullable}
	c.conv = func(v any) (any, error) {
		b, err := raw(v)
		if b == nil || err != nil {
			return nil, err
		}
		return enc(b.([]byte)), nil
	}
}

// asText returns a text-protocol or string value.
func asText(v any) (string, bool) {
	switch x := v.(type) {
	case sql.RawBytes:
		return string(x), true
	case []byte:
		return string(x), true
	case string:
		return x, true
	}
	return "", false
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), true
	}
	return 0, false
}

func convString(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s, ok := asText(v); ok {
		return s, nil
	}
	return fmt.Sprint(v), nil
}

func convBytes(pad int) func(any) (any, error) {
	return func(v any) (any, error) {
		var b []byte
		switch x := v.(type) {
		case nil:
			return nil, nil
		case sql.RawBytes:
			b = append([]byte(nil), x...)
		case []byte:
			b = append([]byte(nil), x...)
		case string:
			b = []byte(x)
		default:
			return nil, fmt.Errorf("unexpected %T for a binary column", v)
		}
		// The binlog drops BINARY(n)'s trailing zero bytes; put them back.
		for len(b) < pad {
			b = append(b, 0)
		}
		return b, nil
	}
}

func convFloat32(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float32:
		return x, nil
	case float64:
		return float32(x), nil
	}
	txt, _ := asText(v)
	f, err := strconv.ParseFloat(txt, 32)
	return float32(f), err
}

func convFloat64(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float64:
		return x, nil
	case float32:
		// Through its shortest decimal form, so FLOAT 1.1 stays 1.1.
		return strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
	}
	txt, ok := asText(v)
	if !ok {
		txt = fmt.Sprint(v)
	}
	return strconv.ParseFloat(txt, 64)
}

// bitValue reads a BIT value: an integer from the binlog, big-endian bytes
// from the text protocol.
func bitValue(v any) (uint64, error) {
	if r, ok := v.(sql.RawBytes); ok {
		v = []byte(r)
	}
	if b, ok := v.([]byte); ok {
		var u uint64
		for _, x := range b {
			u = u<<8 | uint64(x)
		}
		return u, nil
	}
	if i, ok := asInt64(v); ok {
		return uint64(i), nil
	}
	return 0, fmt.Errorf("unexpected %T for a BIT column", v)
}

func convBool(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	u, err := bitValue(v)
	return u != 0, err
}

// bitsConv gives BIT(n>1) as Debezium's io.debezium.data.Bits: n bits in
// little-endian byte order.
func bitsConv(n int) func(any) (any, error) {
	return func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		u, err := bitValue(v)
		if err != nil {
			return nil, err
		}
		out := make([]byte, n)
		for i := range out {
			out[i] = byte(u >> (8 * i))
		}
		return out, nil
	}
}

func enumConv(values []string) func(any) (any, error) {
	return func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		if s, ok := asText(v); ok {
			return s, nil
		}
		i, ok := asInt64(v)
		if !ok {
			return nil, fmt.Errorf("unexpected %T for an ENUM column", v)
		}
		if i <= 0 || int(i) > len(values) {
			return "", nil // MySQL's invalid-value index 0
		}
		return values[i-1], nil
	}
}

func setConv(values []string) func(any) (any, error) {
	return func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		if s, ok := asText(v); ok {
			return s, nil
		}
		bits, ok := asInt64(v)
		if !ok {
			return nil, fmt.Errorf("unexpected %T for a SET column", v)
		}
		var picked []string
		for i, name := range values {
			if bits&(1<<i) != 0 {
				picked = append(picked, name)
			}
		}
		return strings.Join(picked, ","), nil
	}
}

func convYear(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if i, ok := asInt64(v); ok {
		return int32(i), nil
	}
	txt, _ := asText(v)
	i, err := strconv.ParseInt(txt, 10, 32)
	return int32(i), err
}

// temporal converts DATE, DATETIME and TIMESTAMP values. MySQL's zero
// dates become null in a nullable column and the epoch otherwise, as in
// Debezium.
func (c *column) temporal(parse func(string) (time.Time, bool, error), out func(time.Time) any) func(any) (any, error) {
	nullable := c.nullable
	return func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x.UTC()
		default:
			txt, ok := asText(v)
			if !ok {
				return nil, fmt.Errorf("unexpected %T for a temporal column", v)
			}
			var zero bool
			var err error
			t, zero, err = parse(txt)
			if err != nil {
				return nil, err
			}
			if zero {
				if nullable {
					return nil, nil
				}
				t = time.Unix(0, 0).UTC()
			}
		}
		return out(t), nil
	}
}

func timeConv(out func(us int64) any) func(any) (any, error) {
	return func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		if d, ok := v.(time.Duration); ok {
			return out(d.Microseconds()), nil
		}
		txt, ok := asText(v)
		if !ok {
			return nil, fmt.Errorf("unexpected %T for a TIME column", v)
		}
		us, err := parseTimeOfDay(txt)
		if err != nil {
			return nil, err
		}
		return out(us), nil
	}
}

// parseDate reads "YYYY-MM-DD"; zero reports MySQL's zero date.
func parseDate(s string) (time.Time, bool, error) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false, fmt.Errorf("%q is not a date", s)
	}
	y, e1 := strconv.Atoi(s[0:4])
	m, e2 := strconv.Atoi(s[5:7])
	d, e3 := strconv.Atoi(s[8:10])
	if e1 != nil || e2 != nil || e3 != nil {
		return time.Time{}, false, fmt.Errorf("%q is not a date", s)
	}
	if m == 0 || d == 0 {
		return time.Time{}, true, nil
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), false, nil
}

// parseDateTime reads "YYYY-MM-DD hh:mm:ss[.ffffff]" as UTC.
func parseDateTime(s string) (time.Time, bool, error) {
	day, zero, err := parseDate(s)
	if err != nil || len(s) == 10 {
		return day, zero, err
	}
	if len(s) < 19 || (s[10] != ' ' && s[10] != 'T') {
		return time.Time{}, false, fmt.Errorf("%q is not a date and time", s)
	}
	us, err := parseTimeOfDay(s[11:])
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%q is not a date and time", s)
	}
	if zero {
		return time.Time{}, true, nil
	}
	return day.Add(time.Duration(us) * time.Microsecond), false, nil
}

// parseTimeOfDay reads MySQL's TIME text "[-]h+:mm:ss[.ffffff]" as
// microseconds (TIME spans -838:59:59 to 838:59:59).
func parseTimeOfDay(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	frac := int64(0)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		digits := s[i+1:]
		if len(digits) > 6 {
			digits = digits[:6]
		}
		f, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a time", s)
		}
		for n := len(digits); n < 6; n++ {
			f *= 10
		}
		frac, s = f, s[:i]
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("%q is not a time", s)
	}
	var hms [3]int64
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a time", s)
		}
		hms[i] = n
	}
	us := ((hms[0]*60+hms[1])*60+hms[2])*1_000_000 + frac
	if neg {
		us = -us
	}
	return us, nil
}

// stringConv converts text columns. The snapshot's values (sql.RawBytes)
// arrive in the connection's UTF-8; the binlog's carry the column's own
// character set, decoded here as Debezium does.
func stringConv(charset string) func(any) (any, error) {
	dec := charsetDecoder(charset)
	return func(v any) (any, error) {
		switch x := v.(type) {
		case nil:
			return nil, nil
		case sql.RawBytes:
			return string(x), nil
		case []byte:
			if dec != nil {
				return dec.String(string(x))
			}
			return string(x), nil
		case string:
			if dec != nil {
				return dec.String(x)
			}
			return x, nil
		}
		return fmt.Sprint(v), nil
	}
}

// charsetDecoder returns the decoder for a MySQL character set, nil for
// those that are already UTF-8 (or ASCII, or unknown).
func charsetDecoder(charset string) *encoding.Decoder {
	switch strings.ToLower(charset) {
	case "", "utf8", "utf8mb3", "utf8mb4", "ascii", "binary":
		return nil
	case "latin1": // MySQL's latin1 is Windows-1252
		return charmap.Windows1252.NewDecoder()
	case "ucs2", "utf16":
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	case "utf16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	}
	if e, err := ianaindex.MIME.Encoding(charset); err == nil && e != nil {
		return e.NewDecoder()
	}
	return nil
}
