package qtt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/types"
)

// doubleTolerance is the absolute difference under which an expected number
// matches an actual DOUBLE (ExpectedRecordComparator).
const doubleTolerance = 1e-6

// compareValue checks an expected JSON node (decoded with UseNumber) against
// an actual value following qtt-format.md §1.8. act is either an eddy value
// (see package types) or a raw JSON node (json.Number, map[string]any,
// []any, string, bool, nil) read from a JSON topic. t is the actual value's
// SQL type when known; it decides the scale of decimals and guides raw JSON
// numbers. path names the position for error messages.
func compareValue(path string, exp, act any, t *types.Type) error {
	if exp == nil {
		if act != nil {
			return mismatch(path, exp, act, t)
		}
		return nil
	}
	if act == nil {
		return mismatch(path, exp, act, t)
	}
	switch e := exp.(type) {
	case map[string]any:
		return compareObject(path, e, act, t)
	case []any:
		return compareArray(path, e, act, t)
	case json.Number:
		if isIntegral(e) {
			return compareInteger(path, e, act, t)
		}
		return compareFraction(path, e, act, t)
	case string:
		return compareString(path, e, act, t)
	case bool:
		if a, ok := act.(bool); ok && a == e {
			return nil
		}
		return mismatch(path, exp, act, t)
	case float64: // decoded without UseNumber
		return compareValue(path, json.Number(strconv.FormatFloat(e, 'g', -1, 64)), act, t)
	}
	return fmt.Errorf("%s: unsupported expected value %T", pathOrRoot(path), exp)
}

// compareObject: same field count; each expected field is looked up as
// written, then upper-cased.
func compareObject(path string, e map[string]any, act any, t *types.Type) error {
	names := sortedKeys(e)
	switch a := act.(type) {
	case types.StructVal:
		if t == nil || t.Kind != types.Struct || len(t.Fields) != len(a) {
			return fmt.Errorf("%s: expected an object but was a struct of unknown shape: %s", pathOrRoot(path), render(act, t))
		}
		if len(e) != len(a) {
			return fmt.Errorf("%s: expected %d fields but was %d: expected %s but was %s", pathOrRoot(path), len(e), len(a), renderExp(e), render(act, t))
		}
		for _, n := range names {
			i := fieldIndexExact(t, n)
			if i < 0 {
				i = fieldIndexExact(t, strings.ToUpper(n))
			}
			if i < 0 {
				return fmt.Errorf("%s: missing field %s in %s", pathOrRoot(path), n, render(act, t))
			}
			if err := compareValue(path+"."+n, e[n], a[i], t.Fields[i].Type); err != nil {
				return err
			}
		}
		return nil
	case *types.MapVal:
		if len(e) != a.Len() {
			return fmt.Errorf("%s: expected %d entries but was %d: expected %s but was %s", pathOrRoot(path), len(e), a.Len(), renderExp(e), render(act, t))
		}
		var vt *types.Type
		if t != nil && t.Kind == types.Map {
			vt = t.Elem
		}
		for _, n := range names {
			v, ok := mapLookup(a, n)
			if !ok {
				v, ok = mapLookup(a, strings.ToUpper(n))
			}
			if !ok && e[n] == nil {
				continue // a map lookup of an absent key gives null, as expected
			}
			if !ok {
				return fmt.Errorf("%s: missing key %s in %s", pathOrRoot(path), n, render(act, t))
			}
			if err := compareValue(path+"."+n, e[n], v, vt); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		if len(e) != len(a) {
			return fmt.Errorf("%s: expected %d fields but was %d: expected %s but was %s", pathOrRoot(path), len(e), len(a), renderExp(e), render(act, t))
		}
		for _, n := range names {
			v, ok := a[n]
			key := n
			if !ok {
				key = strings.ToUpper(n)
				v, ok = a[key]
			}
			if !ok && e[n] == nil {
				continue // ksqlDB reads JSON as a map: an absent field is null
			}
			if !ok {
				return fmt.Errorf("%s: missing field %s in %s", pathOrRoot(path), n, render(act, t))
			}
			if err := compareValue(path+"."+n, e[n], v, childType(t, key)); err != nil {
				return err
			}
		}
		return nil
	}
	return mismatch(path, e, act, t)
}

// childType is the type of field or map value name inside t, if known.
func childType(t *types.Type, name string) *types.Type {
	if t == nil {
		return nil
	}
	switch t.Kind {
	case types.Map:
		return t.Elem
	case types.Struct:
		if i := t.FieldIndex(name); i >= 0 {
			return t.Fields[i].Type
		}
	}
	return nil
}

func fieldIndexExact(t *types.Type, name string) int {
	for i, f := range t.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// mapLookup finds the entry whose key renders as k.
func mapLookup(m *types.MapVal, k string) (any, bool) {
	for i, mk := range m.Keys {
		if s, ok := mk.(string); ok && s == k {
			return m.Vals[i], true
		}
		if _, ok := mk.(string); !ok && fmt.Sprint(mk) == k {
			return m.Vals[i], true
		}
	}
	return nil, false
}

func compareArray(path string, e []any, act any, t *types.Type) error {
	a, ok := act.([]any)
	if !ok {
		return mismatch(path, e, act, t)
	}
	if len(a) != len(e) {
		return fmt.Errorf("%s: expected %d elements but was %d: expected %s but was %s", pathOrRoot(path), len(e), len(a), renderExp(e), render(act, t))
	}
	var et *types.Type
	if t != nil && t.Kind == types.Array {
		et = t.Elem
	}
	for i := range e {
		if err := compareValue(fmt.Sprintf("%s[%d]", path, i), e[i], a[i], et); err != nil {
			return err
		}
	}
	return nil
}

// isIntegral reports whether the number text has no fraction or exponent,
// as Jackson's isIntegralNumber does.
func isIntegral(n json.Number) bool {
	return !strings.ContainsAny(string(n), ".eE")
}

// compareInteger: exact against integers, 1e-6 against doubles, and against
// decimals only when the actual scale is <= 0 and the values are equal.
func compareInteger(path string, e json.Number, act any, t *types.Type) error {
	want, ok := new(big.Int).SetString(string(e), 10)
	if !ok {
		return fmt.Errorf("%s: bad expected integer %s", pathOrRoot(path), e)
	}
	eq := false
	switch a := act.(type) {
	case int32:
		eq = want.IsInt64() && want.Int64() == int64(a)
	case int64:
		eq = want.IsInt64() && want.Int64() == a
	case int:
		eq = want.IsInt64() && want.Int64() == int64(a)
	case types.DateVal:
		eq = want.IsInt64() && want.Int64() == int64(a)
	case types.TimeVal:
		eq = want.IsInt64() && want.Int64() == int64(a)
	case types.TimestampVal:
		eq = want.IsInt64() && want.Int64() == int64(a)
	case float64:
		f, _ := new(big.Float).SetInt(want).Float64()
		eq = math.Abs(f-a) < doubleTolerance
	case decimal.Decimal:
		eq = decimalScale(a, t) <= 0 && a.Equal(decimal.NewFromBigInt(want, 0))
	case json.Number:
		switch {
		case isDecimal(t):
			d, err := decimal.NewFromString(string(a))
			eq = err == nil && -d.Exponent() <= 0 && d.Equal(decimal.NewFromBigInt(want, 0))
		case isIntegral(a) && !isDouble(t):
			got, ok := new(big.Int).SetString(string(a), 10)
			eq = ok && got.Cmp(want) == 0
		default:
			f, err := strconv.ParseFloat(string(a), 64)
			w, _ := new(big.Float).SetInt(want).Float64()
			eq = err == nil && math.Abs(f-w) < doubleTolerance
		}
	}
	if !eq {
		return mismatch(path, e, act, t)
	}
	return nil
}

// compareFraction: scale-sensitive against decimals, 1e-6 against doubles.
func compareFraction(path string, e json.Number, act any, t *types.Type) error {
	eq := false
	switch a := act.(type) {
	case float64:
		w, err := strconv.ParseFloat(string(e), 64)
		eq = err == nil && (math.Abs(w-a) < doubleTolerance || w == a)
	case decimal.Decimal:
		eq = decimalEquals(string(e), a, decimalScale(a, t))
	case json.Number:
		if isDecimal(t) {
			d, err := decimal.NewFromString(string(a))
			eq = err == nil && decimalEquals(string(e), d, -d.Exponent())
		} else {
			w, err1 := strconv.ParseFloat(string(e), 64)
			f, err2 := strconv.ParseFloat(string(a), 64)
			eq = err1 == nil && err2 == nil && (math.Abs(w-f) < doubleTolerance || w == f)
		}
	}
	if !eq {
		return mismatch(path, e, act, t)
	}
	return nil
}

// decimalEquals is BigDecimal.equals between the expected text and actual
// value d at the given scale: same value and same scale.
func decimalEquals(exp string, d decimal.Decimal, scale int32) bool {
	w, err := decimal.NewFromString(exp)
	if err != nil {
		return false
	}
	return -w.Exponent() == scale && w.Equal(d)
}

// decimalScale is the scale of an actual decimal: the column type's when
// known, else the value's own.
func decimalScale(d decimal.Decimal, t *types.Type) int32 {
	if isDecimal(t) {
		return int32(t.Scale)
	}
	return -d.Exponent()
}

func isDecimal(t *types.Type) bool { return t != nil && t.Kind == types.Decimal }
func isDouble(t *types.Type) bool  { return t != nil && t.Kind == types.Double }

func compareString(path, e string, act any, t *types.Type) error {
	eq := false
	switch a := act.(type) {
	case string:
		eq = a == e
	case decimal.Decimal:
		eq = decimalEquals(e, a, decimalScale(a, t))
	case []byte:
		eq = base64.StdEncoding.EncodeToString(a) == e
	case json.Number:
		// A decimal column in a JSON topic written as a number, expected
		// as a string.
		if isDecimal(t) {
			d, err := decimal.NewFromString(string(a))
			eq = err == nil && decimalEquals(e, d, -d.Exponent())
		}
	}
	if !eq {
		return mismatch(path, e, act, t)
	}
	return nil
}

func mismatch(path string, exp, act any, t *types.Type) error {
	return fmt.Errorf("%s: expected %s but was %s", pathOrRoot(path), renderExp(exp), render(act, t))
}

func pathOrRoot(p string) string {
	if p == "" {
		return "value"
	}
	return strings.TrimPrefix(p, ".")
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// renderExp renders an expected JSON node compactly.
func renderExp(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(buf.String())
}

// render renders an actual value for messages, JSON-like, with its Go
// type where that matters (e.g. a string "1" vs the number 1).
func render(v any, t *types.Type) string {
	var b strings.Builder
	renderTo(&b, v, t)
	return b.String()
}

func renderTo(b *strings.Builder, v any, t *types.Type) {
	switch a := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(strconv.Quote(a))
	case bool:
		b.WriteString(strconv.FormatBool(a))
	case int32, int64, int:
		fmt.Fprint(b, a)
	case float64:
		b.WriteString(types.FormatDouble(a) + "(DOUBLE)")
	case decimal.Decimal:
		b.WriteString(a.StringFixed(decimalScale(a, t)) + "(DECIMAL)")
	case json.Number:
		b.WriteString(string(a))
	case []byte:
		b.WriteString("bytes:" + base64.StdEncoding.EncodeToString(a))
	case types.DateVal:
		fmt.Fprintf(b, "%d(DATE)", int32(a))
	case types.TimeVal:
		fmt.Fprintf(b, "%d(TIME)", int32(a))
	case types.TimestampVal:
		fmt.Fprintf(b, "%d(TIMESTAMP)", int64(a))
	case []any:
		var et *types.Type
		if t != nil && t.Kind == types.Array {
			et = t.Elem
		}
		b.WriteByte('[')
		for i, x := range a {
			if i > 0 {
				b.WriteByte(',')
			}
			renderTo(b, x, et)
		}
		b.WriteByte(']')
	case *types.MapVal:
		var vt *types.Type
		if t != nil && t.Kind == types.Map {
			vt = t.Elem
		}
		b.WriteByte('{')
		for i := 0; i < a.Len(); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(b, "%q:", fmt.Sprint(a.Keys[i]))
			renderTo(b, a.Vals[i], vt)
		}
		b.WriteByte('}')
	case types.StructVal:
		b.WriteByte('{')
		for i, x := range a {
			if i > 0 {
				b.WriteByte(',')
			}
			name := fmt.Sprintf("_%d", i)
			var ft *types.Type
			if t != nil && t.Kind == types.Struct && i < len(t.Fields) {
				name, ft = t.Fields[i].Name, t.Fields[i].Type
			}
			fmt.Fprintf(b, "%q:", name)
			renderTo(b, x, ft)
		}
		b.WriteByte('}')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(a) {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(b, "%q:", k)
			renderTo(b, a[k], childType(t, k))
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "%v(%T)", a, a)
	}
}
