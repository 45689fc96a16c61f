package transform

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
)

var castTypes = map[string]connect.Type{
	"int8": connect.Int8, "int16": connect.Int16, "int32": connect.Int32, "int64": connect.Int64,
	"float32": connect.Float32, "float64": connect.Float64, "boolean": connect.Boolean, "string": connect.String,
}

func registerCast(r *connect.Registry) {
	spec := []connect.ConfigField{{Name: "spec", Type: connect.TypeList, Required: true, Doc: "field:type pairs, or a single type for the whole key or value; types int8, int16, int32, int64, float32, float64, boolean, string."}}
	registerBoth(r, "Cast", "Casts fields (or the whole key or value) to another primitive type", spec, func(cfg map[string]string, s side) (connect.Transformation, error) {
		whole := connect.Type("")
		casts := map[string]connect.Type{}
		items := listOpt(cfg["spec"])
		if len(items) == 1 && !strings.Contains(items[0], ":") {
			t, ok := castTypes[strings.ToLower(items[0])]
			if !ok {
				return nil, fmt.Errorf("unknown type %q", items[0])
			}
			whole = t
		} else {
			pairs, _, err := splitPairs(cfg["spec"])
			if err != nil {
				return nil, err
			}
			for f, tn := range pairs {
				t, ok := castTypes[strings.ToLower(tn)]
				if !ok {
					return nil, fmt.Errorf("unknown type %q for field %s", tn, f)
				}
				casts[f] = t
			}
		}
		return fn(func(rec connect.Record) (connect.Record, bool, error) {
			sc, v := s.get(rec)
			if v == nil {
				return rec, true, nil
			}
			if whole != "" {
				nv, err := castTo(whole, v)
				if err != nil {
					return rec, false, fmt.Errorf("Cast: %w", err)
				}
				var ns *connect.Schema
				if sc != nil {
					ns = &connect.Schema{Type: whole, Optional: sc.Optional}
				}
				return s.set(rec, ns, nv), true, nil
			}
			st, m, err := fieldsOf(v)
			if err != nil {
				return rec, false, fmt.Errorf("Cast: %w", err)
			}
			if m != nil {
				out := copyMap(m)
				for f, t := range casts {
					if x, ok := out[f]; ok && x != nil {
						if out[f], err = castTo(t, x); err != nil {
							return rec, false, fmt.Errorf("Cast %s: %w", f, err)
						}
					}
				}
				return s.set(rec, sc, out), true, nil
			}
			if sc == nil {
				sc = st.Schema
			}
			ns := cloneSchema(sc)
			out := newStruct(ns)
			for _, f := range sc.Fields {
				fs, x := f.Schema, st.Values[f.Name]
				if t, ok := casts[f.Name]; ok {
					fs = &connect.Schema{Type: t, Optional: f.Schema.Optional}
					if x != nil {
						if x, err = castTo(t, x); err != nil {
							return rec, false, fmt.Errorf("Cast %s: %w", f.Name, err)
						}
					}
				}
				ns.Fields = append(ns.Fields, connect.Field{Name: f.Name, Schema: fs})
				out.Values[f.Name] = x
			}
			return s.set(rec, ns, out), true, nil
		}), nil
	})
}

// castTo converts a primitive value to type t.
func castTo(t connect.Type, v any) (any, error) {
	if t == connect.String {
		return convert.Text(v), nil
	}
	var f float64
	var i int64
	isInt := false
	switch x := v.(type) {
	case bool:
		if x {
			f, i = 1, 1
		}
		isInt = true
	case int8:
		i, isInt = int64(x), true
	case int16:
		i, isInt = int64(x), true
	case int32:
		i, isInt = int64(x), true
	case int64:
		i, isInt = x, true
	case int:
		i, isInt = int64(x), true
	case float32:
		f = float64(x)
	case float64:
		f = x
	case time.Time:
		i, isInt = x.UnixMilli(), true
	case *big.Rat:
		f, _ = x.Float64()
	case string:
		s := strings.TrimSpace(x)
		if t == connect.Boolean {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return nil, fmt.Errorf("cannot cast %q to boolean", x)
			}
			return b, nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			i, isInt = n, true
		} else if g, err := strconv.ParseFloat(s, 64); err == nil {
			f = g
		} else {
			return nil, fmt.Errorf("cannot cast %q to %s", x, t)
		}
	default:
		return nil, fmt.Errorf("cannot cast a %T to %s", v, t)
	}
	if isInt {
		f = float64(i)
	} else {
		i = int64(math.Trunc(f))
	}
	switch t {
	case connect.Int8:
		return int8(i), nil
	case connect.Int16:
		return int16(i), nil
	case connect.Int32:
		return int32(i), nil
	case connect.Int64:
		return i, nil
	case connect.Float32:
		return float32(f), nil
	case connect.Float64:
		return f, nil
	case connect.Boolean:
		return f != 0, nil
	}
	return nil, fmt.Errorf("cannot cast to %s", t)
}

func registerTimestampConverter(r *connect.Registry) {
	spec := []connect.ConfigField{
		{Name: "field", Type: connect.TypeString, Doc: "The field to convert; empty: the whole key or value."},
		{Name: "target.type", Type: connect.TypeString, Required: true, Enum: []string{"string", "unix", "Date", "Time", "Timestamp"}, Doc: "What to convert to."},
		{Name: "format", Type: connect.TypeString, Doc: "A SimpleDateFormat pattern (yyyy, MM, MMM, dd, HH, mm, ss, SSS, Z, X, 'T') for string input or output."},
		{Name: "unix.precision", Type: connect.TypeString, Default: "milliseconds", Enum: []string{"seconds", "milliseconds", "microseconds", "nanoseconds"}, Doc: "Unit of unix timestamps."},
	}
	registerBoth(r, "TimestampConverter", "Converts timestamps between unix epoch numbers, strings and Connect Timestamp, Date and Time", spec, func(cfg map[string]string, s side) (connect.Transformation, error) {
		field, target, format := cfg["field"], strings.ToLower(cfg["target.type"]), cfg["format"]
		if target == "string" && format == "" {
			return nil, fmt.Errorf("format is required when target.type is string")
		}
		layout := javaLayout(format)
		unit := map[string]time.Duration{"seconds": time.Second, "milliseconds": time.Millisecond, "microseconds": time.Microsecond, "nanoseconds": time.Nanosecond}[cfg["unix.precision"]]
		toTime := func(v any) (time.Time, error) {
			switch x := v.(type) {
			case time.Time:
				return x.UTC(), nil
			case string:
				if layout == "" {
					return time.Time{}, fmt.Errorf("a string timestamp %q needs format", x)
				}
				return time.Parse(layout, x)
			}
			if n, ok := asInt64(v); ok {
				return time.Unix(0, n*int64(unit)).UTC(), nil
			}
			return time.Time{}, fmt.Errorf("cannot read a timestamp from a %T", v)
		}
		conv := func(v any) (any, *connect.Schema, error) {
			if v == nil {
				return nil, nil, nil
			}
			tm, err := toTime(v)
			if err != nil {
				return nil, nil, err
			}
			switch target {
			case "string":
				return tm.Format(layout), &connect.Schema{Type: connect.String, Optional: true}, nil
			case "unix":
				return tm.UnixNano() / int64(unit), &connect.Schema{Type: connect.Int64, Optional: true}, nil
			case "date":
				return time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, time.UTC), &connect.Schema{Type: connect.Int32, Optional: true, Name: connect.LogicalDate, Version: 1}, nil
			case "time":
				return time.Date(1970, 1, 1, tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond(), time.UTC), &connect.Schema{Type: connect.Int32, Optional: true, Name: connect.LogicalTime, Version: 1}, nil
			}
			return tm, optTimestamp, nil
		}
		return fn(func(rec connect.Record) (connect.Record, bool, error) {
			sc, v := s.get(rec)
			if v == nil {
				return rec, true, nil
			}
			if field == "" {
				nv, ns, err := conv(v)
				if err != nil {
					return rec, false, fmt.Errorf("TimestampConverter: %w", err)
				}
				if sc == nil {
					ns = nil
				}
				return s.set(rec, ns, nv), true, nil
			}
			st, m, err := fieldsOf(v)
			if err != nil {
				return rec, false, fmt.Errorf("TimestampConverter: %w", err)
			}
			if m != nil {
				out := copyMap(m)
				nv, _, err := conv(out[field])
				if err != nil {
					return rec, false, fmt.Errorf("TimestampConverter %s: %w", field, err)
				}
				if t, ok := nv.(time.Time); ok {
					nv = t.UnixMilli() // schemaless: Connect's Timestamp as epoch ms
				}
				out[field] = nv
				return s.set(rec, sc, out), true, nil
			}
			if sc == nil {
				sc = st.Schema
			}
			ns := cloneSchema(sc)
			out := newStruct(ns)
			for _, f := range sc.Fields {
				fs, x := f.Schema, st.Values[f.Name]
				if f.Name == field {
					nv, nsc, err := conv(x)
					if err != nil {
						return rec, false, fmt.Errorf("TimestampConverter %s: %w", field, err)
					}
					x = nv
					if nsc != nil {
						fs = nsc
					} else {
						_, fs, _ = conv(time.Unix(0, 0))
					}
				}
				ns.Fields = append(ns.Fields, connect.Field{Name: f.Name, Schema: fs})
				out.Values[f.Name] = x
			}
			return s.set(rec, ns, out), true, nil
		}), nil
	})
}

func asInt64(v any) (int64, bool) {
	if f, ok := v.(float64); ok {
		return int64(f), true
	}
	return connect.AsInt64(v)
}

// javaLayout turns a SimpleDateFormat pattern into a Go layout.
func javaLayout(f string) string {
	if f == "" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(f); {
		c := f[i]
		j := i
		for j < len(f) && f[j] == c {
			j++
		}
		n := j - i
		switch c {
		case '\'':
			k := strings.IndexByte(f[i+1:], '\'')
			if k < 0 {
				b.WriteString(f[i+1:])
				return b.String()
			}
			b.WriteString(f[i+1 : i+1+k])
			i += k + 2
			continue
		case 'y':
			if n == 2 {
				b.WriteString("06")
			} else {
				b.WriteString("2006")
			}
		case 'M':
			switch {
			case n >= 4:
				b.WriteString("January")
			case n == 3:
				b.WriteString("Jan")
			default:
				b.WriteString("01")
			}
		case 'd':
			b.WriteString("02")
		case 'H':
			b.WriteString("15")
		case 'h':
			b.WriteString("03")
		case 'm':
			b.WriteString("04")
		case 's':
			b.WriteString("05")
		case 'S':
			b.WriteString(strings.Repeat("0", n))
		case 'a':
			b.WriteString("PM")
		case 'Z':
			b.WriteString("-0700")
		case 'X':
			b.WriteString("Z07:00")
		case 'E':
			b.WriteString("Mon")
		default:
			b.WriteString(f[i:j])
		}
		i = j
	}
	return strings.Replace(b.String(), "05000", "05.000", 1)
}
