package expr

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

func registerJSON(r *Registry) {
	r.add("EXTRACTJSONFIELD", ovS(func(a []any) (string, bool, error) {
		steps, ok := parseJSONPath(a[1].(string))
		if !ok {
			return "", false, nil
		}
		s, ok := extractJSONField(a[0].(string), steps)
		return s, ok, nil
	}, tStr, tStr).preparedS(func(consts []any, known []bool) stringFunc {
		if !known[1] || consts[1] == nil {
			return nil
		}
		steps, ok := parseJSONPath(consts[1].(string))
		if !ok {
			return nil
		}
		return func(a []any) (string, bool, error) {
			s, ok := extractJSONField(a[0].(string), steps)
			return s, ok, nil
		}
	}))
	r.add("IS_JSON_STRING", ov(tBool, func(a []any) (any, error) {
		s, ok := a[0].(string)
		return ok && json.Valid([]byte(s)), nil
	}, tStr).nullable())
	r.add("JSON_ARRAY_LENGTH", ov(tInt, func(a []any) (any, error) {
		var arr []json.RawMessage
		if err := json.Unmarshal([]byte(a[0].(string)), &arr); err != nil {
			return nil, nil
		}
		return int32(len(arr)), nil
	}, tStr))
	r.add("JSON_KEYS", ov(types.ArrayOf(tStr), func(a []any) (any, error) {
		dec := json.NewDecoder(strings.NewReader(a[0].(string)))
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil, nil
		}
		var out []any
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, nil
			}
			out = append(out, k)
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, nil
			}
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}, tStr))
	r.addCustom("TO_JSON_STRING", func(c *compiler, e *sql.Call) (*node, error) {
		args, err := c.compileAll(e.Args)
		if err != nil {
			return nil, err
		}
		if len(args) != 1 {
			return nil, errNoOverload("TO_JSON_STRING", args)
		}
		t, ae := args[0].typ, args[0].eval
		return &node{typ: tStr, eval: func(ctx *Context, row []any) any {
			var b strings.Builder
			writeJSON(&b, ae(ctx, row), t)
			return b.String()
		}}, nil
	})
}

// writeJSON renders a SQL value as compact JSON: temporal types as ISO
// strings, BYTES as base64, structs with their field names.
func writeJSON(b *strings.Builder, v any, t *types.Type) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		q, _ := json.Marshal(v)
		b.Write(q)
	case []byte:
		b.WriteString(`"` + base64.StdEncoding.EncodeToString(v) + `"`)
	case float64:
		// Doubles as Jackson writes them (1.0, 1.0E20), like the JSON
		// format; NaN and infinities are not JSON numbers, so quoted.
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.WriteString(`"` + types.FormatDouble(v) + `"`)
		} else {
			b.WriteString(types.FormatDouble(v))
		}
	case decimal.Decimal:
		b.WriteString(types.FormatValue(v, t))
	case types.DateVal, types.TimeVal, types.TimestampVal:
		b.WriteString(`"` + types.FormatValue(v, t) + `"`)
	case []any:
		var et *types.Type
		if t != nil {
			et = t.Elem
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e, et)
		}
		b.WriteByte(']')
	case *types.MapVal:
		var kt, vt *types.Type
		if t != nil {
			kt, vt = t.Key, t.Elem
		}
		b.WriteByte('{')
		for i := range v.Len() {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(types.FormatValue(v.Keys[i], kt))
			b.Write(k)
			b.WriteByte(':')
			writeJSON(b, v.Vals[i], vt)
		}
		b.WriteByte('}')
	case types.StructVal:
		b.WriteByte('{')
		for i, f := range v {
			if t == nil || i >= len(t.Fields) {
				break
			}
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(t.Fields[i].Name)
			b.Write(k)
			b.WriteByte(':')
			writeJSON(b, f, t.Fields[i].Type)
		}
		b.WriteByte('}')
	default:
		b.WriteString(types.FormatValue(v, t))
	}
}

// jsonStep is one step of a JSONPath: an object's key, or (index >= 0)
// an array's element.
type jsonStep struct {
	key   string
	index int
}

// parseJSONPath reads a simple JSONPath ($.a.b[0]['c']). A negative
// index is the key "" (as this reader always took it).
func parseJSONPath(path string) ([]jsonStep, bool) {
	p := strings.TrimSpace(path)
	if !strings.HasPrefix(p, "$") {
		return nil, false
	}
	p = p[1:]
	var steps []jsonStep
	for p != "" {
		var key string
		idx := -1
		switch {
		case p[0] == '.':
			p = p[1:]
			j := strings.IndexAny(p, ".[")
			if j < 0 {
				j = len(p)
			}
			key, p = p[:j], p[j:]
		case strings.HasPrefix(p, "['") || strings.HasPrefix(p, `["`):
			q := p[1]
			j := strings.IndexByte(p[2:], q)
			if j < 0 || len(p) < j+4 || p[j+3] != ']' {
				return nil, false
			}
			key, p = p[2:j+2], p[j+4:]
		case p[0] == '[':
			j := strings.IndexByte(p, ']')
			if j < 0 {
				return nil, false
			}
			n, err := strconv.Atoi(strings.TrimSpace(p[1:j]))
			if err != nil {
				return nil, false
			}
			idx, p = n, p[j+1:]
		default:
			return nil, false
		}
		steps = append(steps, jsonStep{key: key, index: max(idx, -1)})
	}
	return steps, true
}
