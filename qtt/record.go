package qtt

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// recordSpec is one input or expected output record (qtt-format.md §1.3).
type recordSpec struct {
	Topic     string          `json:"topic"`
	Key       json.RawMessage `json:"key"`
	Value     json.RawMessage `json:"value"`
	Timestamp *int64          `json:"timestamp"`
	Window    *windowSpec     `json:"window"`
	Headers   []headerSpec    `json:"headers"`
}

// windowSpec is the window of a windowed key.
type windowSpec struct {
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	Type  string `json:"type"` // time or session
}

// headerSpec is one record header; Value is base64 or null.
type headerSpec struct {
	Key   string  `json:"KEY"`
	Value *string `json:"VALUE"`
}

// parseNode decodes raw JSON keeping number text; absent or null is nil.
func parseNode(raw json.RawMessage) (any, error) {
	if !isSet(raw) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// compactJSON returns raw JSON without insignificant white space, number
// text untouched.
func compactJSON(raw json.RawMessage) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// formatName is a format's canonical upper-case name.
func formatName(f format) string { return strings.ToUpper(strings.TrimSpace(f.Name)) }

// headers decodes the spec's base64 header values.
func (r *recordSpec) headers() ([]kafka.Header, error) {
	var out []kafka.Header
	for _, h := range r.Headers {
		kh := kafka.Header{Key: h.Key}
		if h.Value != nil {
			b, err := base64.StdEncoding.DecodeString(*h.Value)
			if err != nil {
				return nil, fmt.Errorf("header %s: %w", h.Key, err)
			}
			kh.Value = b
		}
		out = append(out, kh)
	}
	return out, nil
}

// encodeInput serializes an input record with the formats of src, the
// source declared on its topic (nil: none, JSON text is written).
func encodeInput(r *recordSpec, src *sourceInfo) (kafka.Record, error) {
	out := kafka.Record{Topic: r.Topic, Partition: -1}
	if r.Timestamp != nil {
		out.Timestamp = *r.Timestamp
	}
	hs, err := r.headers()
	if err != nil {
		return out, err
	}
	out.Headers = hs
	if isSet(r.Key) {
		if out.Key, err = encodeSide(r.Key, src, true); err != nil {
			return out, fmt.Errorf("key: %w", err)
		}
	}
	if r.Window != nil {
		out.Key = appendWindow(out.Key, r.Window)
	}
	if isSet(r.Value) {
		if out.Value, err = encodeSide(r.Value, src, false); err != nil {
			return out, fmt.Errorf("value: %w", err)
		}
	}
	return out, nil
}

// encodeSide serializes a key or value node.
func encodeSide(raw json.RawMessage, src *sourceInfo, isKey bool) ([]byte, error) {
	if src == nil {
		return compactJSON(raw)
	}
	f, cols := src.ValueFormat, src.Schema.Value()
	if isKey {
		f, cols = src.KeyFormat, src.Schema.Key()
	}
	node, err := parseNode(raw)
	if err != nil {
		return nil, err
	}
	switch formatName(f) {
	case "JSON":
		return compactJSON(raw)
	case "DELIMITED":
		if s, ok := node.(string); ok {
			return []byte(s), nil
		}
		return compactJSON(raw)
	case "NONE":
		return nil, nil
	}
	if src.Registry != nil && serde.IsSchemaRegistryFormat(f.Name) {
		out, ok, err := encodeRegistered(node, src, isKey)
		if ok || err != nil {
			return out, err
		}
	}
	if len(cols) == 0 {
		// Nothing to serialize against: keep the text.
		if s, ok := node.(string); ok {
			return []byte(s), nil
		}
		return compactJSON(raw)
	}
	row, err := toRow(node, cols)
	if err != nil {
		return nil, err
	}
	c, err := src.writer(isKey)
	if err != nil {
		return nil, fmt.Errorf("%s serde for %s: %w", formatName(f), src.Name, err)
	}
	return c.Encode(row)
}

// appendWindow adds the windowed-key suffix: an 8-byte start for time
// windows; an 8-byte end then an 8-byte start for session windows.
func appendWindow(key []byte, w *windowSpec) []byte {
	out := append([]byte(nil), key...)
	if strings.EqualFold(w.Type, "session") {
		out = binary.BigEndian.AppendUint64(out, uint64(w.End))
	}
	return binary.BigEndian.AppendUint64(out, uint64(w.Start))
}

// splitWindow strips the window suffix of a windowed key.
func splitWindow(key []byte, w *windowInfo) ([]byte, windowSpec, error) {
	if strings.EqualFold(w.Type, "SESSION") {
		if len(key) < 16 {
			return nil, windowSpec{}, fmt.Errorf("session-windowed key too short (%d bytes)", len(key))
		}
		n := len(key) - 16
		end := int64(binary.BigEndian.Uint64(key[n:]))
		start := int64(binary.BigEndian.Uint64(key[n+8:]))
		return key[:n], windowSpec{Start: start, End: end, Type: "session"}, nil
	}
	if len(key) < 8 {
		return nil, windowSpec{}, fmt.Errorf("time-windowed key too short (%d bytes)", len(key))
	}
	n := len(key) - 8
	start := int64(binary.BigEndian.Uint64(key[n:]))
	end := start + w.SizeMs
	if w.SizeMs > 0 && end < start { // overflow: capped as ksqlDB does
		end = math.MaxInt64
	}
	return key[:n], windowSpec{Start: start, End: end, Type: "time"}, nil
}

// toRow converts an expected JSON node into values for cols: an object
// maps fields to columns by name; a non-object fills a single column.
func toRow(node any, cols []types.Column) ([]any, error) {
	row := make([]any, len(cols))
	if obj, ok := node.(map[string]any); ok && (len(cols) != 1 || hasField(obj, cols[0].Name) || (cols[0].Type.Kind != types.Struct && cols[0].Type.Kind != types.Map)) {
		for i, c := range cols {
			v, ok := lookupField(obj, c.Name)
			if !ok {
				continue
			}
			x, err := toValue(v, c.Type)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c.Name, err)
			}
			row[i] = x
		}
		return row, nil
	}
	if len(cols) != 1 {
		return nil, fmt.Errorf("expected an object for %d columns, got %s", len(cols), renderExp(node))
	}
	x, err := toValue(node, cols[0].Type)
	if err != nil {
		return nil, fmt.Errorf("column %s: %w", cols[0].Name, err)
	}
	row[0] = x
	return row, nil
}

func hasField(obj map[string]any, name string) bool {
	_, ok := lookupField(obj, name)
	return ok
}

// lookupField finds name exactly, then case-insensitively.
func lookupField(obj map[string]any, name string) (any, bool) {
	if v, ok := obj[name]; ok {
		return v, true
	}
	for _, k := range sortedKeys(obj) {
		if strings.EqualFold(k, name) {
			return obj[k], true
		}
	}
	return nil, false
}

// toValue converts an expected JSON node to an eddy value of type t.
func toValue(node any, t *types.Type) (any, error) {
	if node == nil {
		return nil, nil
	}
	if t == nil {
		return nil, fmt.Errorf("no type for %s", renderExp(node))
	}
	text := scalarText(node)
	switch t.Kind {
	case types.Boolean:
		if b, ok := node.(bool); ok {
			return b, nil
		}
		return strconv.ParseBool(text)
	case types.Int:
		n, err := strconv.ParseInt(text, 10, 32)
		return int32(n), err
	case types.Bigint:
		return strconv.ParseInt(text, 10, 64)
	case types.Double:
		return strconv.ParseFloat(text, 64)
	case types.Decimal:
		d, err := decimal.NewFromString(text)
		if err != nil {
			return nil, err
		}
		return d, nil
	case types.String:
		if s, ok := node.(string); ok {
			return s, nil
		}
		return renderExp(node), nil
	case types.Bytes:
		s, ok := node.(string)
		if !ok {
			return nil, fmt.Errorf("BYTES wants a base64 string, got %s", renderExp(node))
		}
		return base64.StdEncoding.DecodeString(s)
	case types.Date:
		n, err := strconv.ParseInt(text, 10, 32)
		return types.DateVal(n), err
	case types.Time:
		n, err := strconv.ParseInt(text, 10, 32)
		return types.TimeVal(n), err
	case types.Timestamp:
		n, err := strconv.ParseInt(text, 10, 64)
		return types.TimestampVal(n), err
	case types.Array:
		a, ok := node.([]any)
		if !ok {
			return nil, fmt.Errorf("ARRAY wants a list, got %s", renderExp(node))
		}
		out := make([]any, len(a))
		for i, x := range a {
			v, err := toValue(x, t.Elem)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = v
		}
		return out, nil
	case types.Map:
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("MAP wants an object, got %s", renderExp(node))
		}
		out := types.NewMapBuilder(len(m))
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			kv, err := toValue(k, t.Key)
			if err != nil {
				return nil, fmt.Errorf("map key %s: %w", k, err)
			}
			v, err := toValue(m[k], t.Elem)
			if err != nil {
				return nil, fmt.Errorf("map value %s: %w", k, err)
			}
			out.Put(kv, v)
		}
		return out.Map(), nil
	case types.Struct:
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("STRUCT wants an object, got %s", renderExp(node))
		}
		out := make(types.StructVal, len(t.Fields))
		for i, f := range t.Fields {
			v, ok := lookupField(m, f.Name)
			if !ok {
				continue
			}
			x, err := toValue(v, f.Type)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			out[i] = x
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot convert %s to %s", renderExp(node), t)
}

// scalarText is the text of a scalar node: a string's content, a number's
// digits, a boolean's name.
func scalarText(node any) string {
	switch v := node.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return renderExp(node)
}

// structOf is a STRUCT type whose fields are cols, so a row can be
// compared as an object.
func structOf(cols []types.Column) *types.Type {
	fs := make([]types.Field, len(cols))
	for i, c := range cols {
		fs[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	return types.StructOf(fs...)
}

// compareRow compares an expected node with decoded column values: an
// object naming the columns is compared field by field, anything else with
// a single column.
func compareRow(path string, exp any, row []any, cols []types.Column) error {
	if len(cols) == 1 {
		obj, isObj := exp.(map[string]any)
		if !isObj || !hasField(obj, cols[0].Name) {
			return compareValue(path, exp, row[0], cols[0].Type)
		}
	}
	return compareValue(path, exp, types.StructVal(row), structOf(cols))
}

// compareSide compares an expected key or value node with the actual bytes
// of one record side, decoding them with src's format.
func compareSide(path string, exp any, data []byte, src *sourceInfo, isKey bool) error {
	if exp == nil {
		if data == nil {
			return nil
		}
		if isKey && src != nil && len(src.Schema.Key()) == 0 {
			return nil // no key columns: the key is not part of the row
		}
	} else if data == nil {
		if isKey {
			return fmt.Errorf("%s: expected %s but was null", path, renderExp(exp))
		}
		return fmt.Errorf("%s: expected %s but was a tombstone", path, renderExp(exp))
	}
	if src == nil {
		return compareValue(path, exp, rawNode(data, exp), nil)
	}
	f, cols := src.ValueFormat, src.Schema.Value()
	if isKey {
		f, cols = src.KeyFormat, src.Schema.Key()
	}
	switch formatName(f) {
	case "JSON":
		act, err := parseNode(data)
		if err != nil {
			return fmt.Errorf("%s: not JSON (%v): %s", path, err, renderBytes(data))
		}
		return compareValue(path, exp, act, jsonGuide(act, cols))
	case "DELIMITED":
		if s, ok := exp.(string); ok {
			if s == string(data) {
				return nil
			}
			if len(cols) != 1 {
				return fmt.Errorf("%s: expected %q but was %q", path, s, data)
			}
		}
	}
	if exp == nil && len(data) == 0 {
		return nil
	}
	if src.Registry != nil && serde.IsSchemaRegistryFormat(f.Name) {
		if row, wcols, ok := decodeRegistered(data, src, isKey); ok {
			if exp == nil && !isKey {
				return fmt.Errorf("%s: expected a tombstone but was %s", path, render(types.StructVal(row), structOf(wcols)))
			}
			return compareRow(path, exp, row, wcols)
		}
	}
	c, err := src.codec(isKey)
	if err != nil {
		return compareRaw(path, exp, data, fmt.Errorf("%s serde for %s: %w", formatName(f), src.Name, err))
	}
	row := make([]any, len(cols))
	if err := c.Decode(data, row); err != nil {
		if errors.Is(err, errNullRecord) {
			if exp == nil {
				return nil
			}
			return fmt.Errorf("%s: expected %s but was null (%s)", path, renderExp(exp), renderBytes(data))
		}
		return compareRaw(path, exp, data, fmt.Errorf("decode %s: %w", formatName(f), err))
	}
	if exp == nil && !isKey {
		return fmt.Errorf("%s: expected a tombstone but was %s", path, render(types.StructVal(row), structOf(cols)))
	}
	if len(cols) == 0 {
		return compareRaw(path, exp, data, fmt.Errorf("%s has no columns", src.Name))
	}
	return compareRow(path, exp, row, cols)
}

// jsonGuide picks the type that guides a raw JSON comparison: the columns
// as a struct when the node is a wrapping object, else the single column.
func jsonGuide(act any, cols []types.Column) *types.Type {
	if len(cols) == 1 {
		if obj, ok := act.(map[string]any); ok && hasField(obj, cols[0].Name) {
			return structOf(cols)
		}
		return cols[0].Type
	}
	if len(cols) == 0 {
		return nil
	}
	return structOf(cols)
}

// compareRaw compares when bytes could not be decoded: as text against an
// expected string, else fails with why.
func compareRaw(path string, exp any, data []byte, why error) error {
	if s, ok := exp.(string); ok && s == string(data) {
		return nil
	}
	if exp != nil {
		if err := compareValue(path, exp, rawNode(data, exp), nil); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%s: %v; expected %s, raw %s", path, why, renderExp(exp), renderBytes(data))
}

// rawNode reads bytes without a schema: JSON when they parse, else text.
func rawNode(data []byte, exp any) any {
	if _, isStr := exp.(string); !isStr || (len(data) > 0 && data[0] == '"') {
		if n, err := parseNode(data); err == nil {
			return n
		}
	}
	return string(data)
}

// renderBytes shows record bytes as text when printable, else base64.
func renderBytes(b []byte) string {
	if b == nil {
		return "null"
	}
	if utf8.Valid(b) && !bytes.ContainsFunc(b, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' }) {
		return strconv.Quote(string(b))
	}
	return "base64:" + base64.StdEncoding.EncodeToString(b)
}

// compareHeaders compares exactly: count, names and bytes.
func compareHeaders(exp []headerSpec, act []kafka.Header) error {
	if len(exp) != len(act) {
		return fmt.Errorf("headers: expected %d but was %d (%s)", len(exp), len(act), renderHeaders(act))
	}
	for i, h := range exp {
		a := act[i]
		if h.Key != a.Key {
			return fmt.Errorf("headers[%d]: expected name %q but was %q", i, h.Key, a.Key)
		}
		if h.Value == nil {
			if a.Value != nil {
				return fmt.Errorf("headers[%d] %s: expected null but was %s", i, h.Key, renderBytes(a.Value))
			}
			continue
		}
		want, err := base64.StdEncoding.DecodeString(*h.Value)
		if err != nil {
			return fmt.Errorf("headers[%d] %s: bad expected base64: %w", i, h.Key, err)
		}
		if a.Value == nil || !bytes.Equal(want, a.Value) {
			return fmt.Errorf("headers[%d] %s: expected %s but was %s", i, h.Key, *h.Value, renderHeaderValue(a.Value))
		}
	}
	return nil
}

func renderHeaderValue(v []byte) string {
	if v == nil {
		return "null"
	}
	return base64.StdEncoding.EncodeToString(v)
}

func renderHeaders(hs []kafka.Header) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = h.Key + "=" + renderHeaderValue(h.Value)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// compareRecord checks one actual record against its expected spec.
// anyZeroTS makes an expected timestamp of 0 match any timestamp.
func compareRecord(exp *recordSpec, act kafka.Record, src *sourceInfo, anyZeroTS bool) error {
	key := act.Key
	if exp.Window != nil || (src != nil && src.Window != nil) {
		if src == nil || src.Window == nil {
			return fmt.Errorf("key: expected a windowed key but the topic has no windowed source")
		}
		inner, w, err := splitWindow(key, src.Window)
		if err != nil {
			return fmt.Errorf("key: %w", err)
		}
		if exp.Window == nil {
			return fmt.Errorf("key: expected an unwindowed key but was windowed %s", renderWindow(w))
		}
		want := *exp.Window
		want.Type = strings.ToLower(want.Type)
		if want != w {
			return fmt.Errorf("window: expected %s but was %s", renderWindow(want), renderWindow(w))
		}
		key = inner
		if len(inner) == 0 && act.Key != nil && !isSet(exp.Key) {
			key = nil
		}
	}
	ek, err := parseNode(exp.Key)
	if err != nil {
		return fmt.Errorf("bad expected key: %w", err)
	}
	if err := compareSide("key", ek, key, src, true); err != nil {
		return err
	}
	ev, err := parseNode(exp.Value)
	if err != nil {
		return fmt.Errorf("bad expected value: %w", err)
	}
	if err := compareSide("value", ev, act.Value, src, false); err != nil {
		return err
	}
	if exp.Timestamp != nil && !(anyZeroTS && *exp.Timestamp == 0) && *exp.Timestamp != act.Timestamp {
		return fmt.Errorf("timestamp: expected %d but was %d", *exp.Timestamp, act.Timestamp)
	}
	return compareHeaders(exp.Headers, act.Headers)
}

func renderWindow(w windowSpec) string {
	return fmt.Sprintf("%s[%d,%d]", w.Type, w.Start, w.End)
}

// renderRecord shows an actual record for failure details, its key and
// value decoded with the formats of the topic's source (src) where it has
// one, so that it reads like the expected records beside it.
func renderRecord(r kafka.Record, src *sourceInfo) string {
	key, window := r.Key, ""
	if src != nil && src.Window != nil && key != nil {
		if inner, w, err := splitWindow(key, src.Window); err == nil {
			key, window = inner, " window="+renderWindow(w)
		}
	}
	s := fmt.Sprintf("key=%s value=%s ts=%d%s", renderSide(key, src, true), renderSide(r.Value, src, false), r.Timestamp, window)
	if len(r.Headers) > 0 {
		s += " headers=" + renderHeaders(r.Headers)
	}
	return s
}

// renderSide shows one side of an actual record: JSON as its text, other
// formats decoded into their columns (one column as its value), and
// what does not decode as renderBytes does.
func renderSide(data []byte, src *sourceInfo, isKey bool) string {
	if data == nil || src == nil {
		return renderBytes(data)
	}
	f, cols := src.ValueFormat, src.Schema.Value()
	if isKey {
		f, cols = src.KeyFormat, src.Schema.Key()
	}
	if formatName(f) == "JSON" {
		if _, err := parseNode(data); err == nil {
			return string(data)
		}
		return renderBytes(data)
	}
	row, rcols, ok := []any(nil), cols, false
	if src.Registry != nil && serde.IsSchemaRegistryFormat(f.Name) {
		row, rcols, ok = decodeRegistered(data, src, isKey)
	}
	if !ok {
		if c, err := src.codec(isKey); err == nil && len(cols) > 0 {
			row = make([]any, len(cols))
			ok = c.Decode(data, row) == nil
		}
	}
	switch {
	case !ok:
		return renderBytes(data)
	case len(rcols) == 1 && (isKey || formatName(f) == "KAFKA"): // unwrapped
		return render(row[0], rcols[0].Type)
	}
	return render(types.StructVal(row), structOf(rcols))
}

// renderSpec shows an expected record for failure details.
func renderSpec(r *recordSpec) string {
	s := "key=" + rawText(r.Key) + " value=" + rawText(r.Value)
	if r.Timestamp != nil {
		s += " ts=" + strconv.FormatInt(*r.Timestamp, 10)
	}
	if r.Window != nil {
		s += " window=" + renderWindow(*r.Window)
	}
	if len(r.Headers) > 0 {
		parts := make([]string, len(r.Headers))
		for i, h := range r.Headers {
			v := "null"
			if h.Value != nil {
				v = *h.Value
			}
			parts[i] = h.Key + "=" + v
		}
		s += " headers=[" + strings.Join(parts, ", ") + "]"
	}
	return s
}

func rawText(raw json.RawMessage) string {
	if !isSet(raw) {
		return "null"
	}
	if b, err := compactJSON(raw); err == nil {
		return string(b)
	}
	return string(raw)
}
