package expr

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// jsonEntry is one member of a JSON object, its value kept as raw text.
type jsonEntry struct {
	key string
	val json.RawMessage
}

// parseJSONObject returns the members of a JSON object in order, or
// ok false when text is not a single object.
func parseJSONObject(text string) (entries []jsonEntry, ok bool) {
	if !json.Valid([]byte(text)) {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(text))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		entries = append(entries, jsonEntry{k.(string), v})
	}
	return entries, true
}

// parseJSONArray returns the raw items of a JSON array.
func parseJSONArray(text string) ([]json.RawMessage, bool) {
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(text), &items); err != nil || items == nil {
		return nil, false
	}
	return items, true
}

func compactRaw(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func registerMoreJSON(r *Registry) {
	// JSON_ITEMS: the items of a JSON array as JSON strings.
	r.add("JSON_ITEMS", ov(types.ArrayOf(tStr), func(a []any) (any, error) {
		items, ok := parseJSONArray(a[0].(string))
		if !ok {
			return nil, nil
		}
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = compactRaw(it)
		}
		return out, nil
	}, tStr))

	// JSON_RECORDS: the members of a JSON object, values as JSON text,
	// but a string member as its text, unquoted (ksqlDB 0.27 and later).
	r.add("JSON_RECORDS", ov(types.MapOf(tStr, tStr), func(a []any) (any, error) {
		entries, ok := parseJSONObject(a[0].(string))
		if !ok {
			return nil, nil
		}
		out := types.NewMapBuilder(len(entries))
		for _, e := range entries {
			var text string
			if v := bytes.TrimSpace(e.val); len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &text) == nil {
				out.Put(e.key, text)
				continue
			}
			out.Put(e.key, compactRaw(e.val))
		}
		return out.Map(), nil
	}, tStr))

	// JSON_CONCAT merges objects (later keys win) or, when any argument is
	// not an object, concatenates arrays, wrapping non-array values.
	r.add("JSON_CONCAT", ov(tStr, func(a []any) (any, error) {
		return jsonConcat(a)
	}, tStr).varargs())

	// JSON_ARRAY_CONTAINS(json, value): false unless json is an array
	// holding an element equal to value.
	r.add("JSON_ARRAY_CONTAINS", ov(tBool, func(a []any) (any, error) {
		s, ok := a[0].(string)
		if !ok {
			return false, nil
		}
		items, ok := parseJSONArray(s)
		if !ok {
			return false, nil
		}
		for _, it := range items {
			if jsonEquals(it, a[1]) {
				return true, nil
			}
		}
		return false, nil
	}, tStr, anyType).nullable())
}

func jsonConcat(args []any) (any, error) {
	if len(args) == 0 {
		return nil, errors.New("JSON_CONCAT needs at least one argument")
	}
	raws := make([]json.RawMessage, len(args))
	allObjects := true
	for i, v := range args {
		raw := json.RawMessage(strings.TrimSpace(v.(string)))
		if !json.Valid(raw) {
			return nil, nil
		}
		raws[i] = raw
		allObjects = allObjects && raw[0] == '{'
	}
	var b strings.Builder
	if allObjects {
		merged := []jsonEntry{}
		for _, raw := range raws {
			entries, _ := parseJSONObject(string(raw))
			for _, e := range entries {
				if i := indexEntry(merged, e.key); i >= 0 {
					merged[i].val = e.val
				} else {
					merged = append(merged, e)
				}
			}
		}
		b.WriteByte('{')
		for i, e := range merged {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(e.key)
			b.Write(k)
			b.WriteByte(':')
			b.WriteString(compactRaw(e.val))
		}
		b.WriteByte('}')
		return b.String(), nil
	}
	b.WriteByte('[')
	n := 0
	for _, raw := range raws {
		items := []json.RawMessage{raw}
		if raw[0] == '[' {
			items, _ = parseJSONArray(string(raw))
		}
		for _, it := range items {
			if n > 0 {
				b.WriteByte(',')
			}
			b.WriteString(compactRaw(it))
			n++
		}
	}
	b.WriteByte(']')
	return b.String(), nil
}

func indexEntry(es []jsonEntry, key string) int {
	for i, e := range es {
		if e.key == key {
			return i
		}
	}
	return -1
}

// jsonEquals compares a raw JSON value with a SQL value: strings with
// strings, numbers by value, booleans, and NULL with null.
func jsonEquals(raw json.RawMessage, v any) bool {
	t := strings.TrimSpace(string(raw))
	switch v := v.(type) {
	case nil:
		return t == "null"
	case string:
		var s string
		return t != "" && t[0] == '"' && json.Unmarshal(raw, &s) == nil && s == v
	case bool:
		return t == strconv.FormatBool(v)
	case decimal.Decimal:
		// ksqlDB matches no token to a DECIMAL (its literal 2.5 is one),
		// which reads as an oversight: eddy compares the numbers.
		d, err := decimal.NewFromString(t)
		return err == nil && d.Equal(v)
	case int32, int64:
		// As ksqlDB, which matches an integer token only to an INT or
		// BIGINT and a fraction or exponent only to a DOUBLE.
		if isJSONFraction(t) {
			return false
		}
		d, err := decimal.NewFromString(t)
		return err == nil && d.Equal(dec(v))
	case float64:
		if !isJSONFraction(t) {
			return false
		}
		f, err := strconv.ParseFloat(t, 64)
		return err == nil && f == v
	}
	return false
}

// isJSONFraction reports whether a JSON number token has a fraction or an
// exponent (Jackson's VALUE_NUMBER_FLOAT).
func isJSONFraction(t string) bool { return strings.ContainsAny(t, ".eE") }
