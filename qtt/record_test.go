package qtt

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/types"
)

// textCodec is a stand-in serde: values joined by "|".
type textCodec struct{ cols []types.Column }

func (c textCodec) Encode(vals []any) ([]byte, error) {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = fmt.Sprint(v)
	}
	return []byte(strings.Join(parts, "|")), nil
}

func (c textCodec) Decode(data []byte, dst []any) error {
	parts := strings.Split(string(data), "|")
	for i, col := range c.cols {
		v, err := toValue(json.Number(parts[i]), col.Type)
		if err != nil {
			return err
		}
		dst[i] = v
	}
	return nil
}

func kafkaSource(window *windowInfo) *sourceInfo {
	schema := &types.Schema{Columns: []types.Column{
		{Name: "K", Type: types.IntType, Namespace: types.KeyColumn},
		{Name: "V", Type: types.DoubleType},
	}}
	return &sourceInfo{Name: "S", Topic: "s", Schema: schema, Window: window,
		KeyFormat: format{Name: "KAFKA"}, ValueFormat: format{Name: "KAFKA"},
		NewCodec: func(isKey bool) (codec, error) {
			if isKey {
				return textCodec{schema.Key()}, nil
			}
			return textCodec{schema.Value()}, nil
		}}
}

func spec(t *testing.T, s string) *recordSpec {
	t.Helper()
	var r recordSpec
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestWindowedKeys(t *testing.T) {
	for _, w := range []*windowInfo{{Type: "TUMBLING", SizeMs: 1000}, {Type: "SESSION"}} {
		src := kafkaSource(w)
		typ := "time"
		if w.Type == "SESSION" {
			typ = "session"
		}
		in := spec(t, `{"topic": "s", "key": 3, "value": 1.5, "timestamp": 10, "window": {"start": 1000, "end": 2000, "type": "`+typ+`"}}`)
		rec, err := encodeInput(in, src)
		if err != nil {
			t.Fatal(err)
		}
		if err := compareRecord(in, rec, src, false); err != nil {
			t.Errorf("%s: round trip: %v", w.Type, err)
		}
		other := spec(t, `{"topic": "s", "key": 3, "value": 1.5, "window": {"start": 0, "end": 2000, "type": "`+typ+`"}}`)
		if err := compareRecord(other, rec, src, false); err == nil || !strings.Contains(err.Error(), "window") {
			t.Errorf("%s: window mismatch not caught: %v", w.Type, err)
		}
		plain := spec(t, `{"topic": "s", "key": 3, "value": 1.5}`)
		if err := compareRecord(plain, rec, src, false); err == nil {
			t.Errorf("%s: unwindowed expectation accepted", w.Type)
		}
	}
}

func TestEncodeInput(t *testing.T) {
	jsonSrc := &sourceInfo{Name: "J", Topic: "j", Schema: &types.Schema{Columns: []types.Column{
		{Name: "K", Type: types.StringType, Namespace: types.KeyColumn}, {Name: "D", Type: types.DecimalOf(4, 2)}}},
		KeyFormat: format{Name: "json"}, ValueFormat: format{Name: "JSON"}}
	rec, err := encodeInput(spec(t, `{"topic": "j", "key": "a", "value": { "D" : 1.50 }, "timestamp": 3,
		"headers": [{"KEY": "h", "VALUE": "AQ=="}, {"KEY": "n", "VALUE": null}]}`), jsonSrc)
	if err != nil {
		t.Fatal(err)
	}
	if string(rec.Key) != `"a"` || string(rec.Value) != `{"D":1.50}` || rec.Timestamp != 3 || rec.Partition != -1 {
		t.Errorf("json: %s", renderRecord(rec, nil))
	}
	if len(rec.Headers) != 2 || string(rec.Headers[0].Value) != "\x01" || rec.Headers[1].Value != nil {
		t.Errorf("headers: %v", rec.Headers)
	}
	delim := &sourceInfo{Name: "D", Topic: "d", Schema: jsonSrc.Schema, KeyFormat: format{Name: "KAFKA"}, ValueFormat: format{Name: "DELIMITED"},
		NewCodec: func(isKey bool) (codec, error) { return textCodec{jsonSrc.Schema.Key()}, nil }}
	rec, err = encodeInput(spec(t, `{"topic": "d", "key": "k1", "value": "1,a,2.0"}`), delim)
	if err != nil {
		t.Fatal(err)
	}
	if string(rec.Value) != "1,a,2.0" || string(rec.Key) != "k1" {
		t.Errorf("delimited: %s", renderRecord(rec, nil))
	}
	rec, err = encodeInput(spec(t, `{"topic": "x", "value": null}`), nil)
	if err != nil || rec.Value != nil || rec.Key != nil {
		t.Errorf("tombstone: %s %v", renderRecord(rec, nil), err)
	}
	rec, err = encodeInput(spec(t, `{"topic": "x", "value": {"a": 1}}`), nil)
	if err != nil || string(rec.Value) != `{"a":1}` {
		t.Errorf("no source: %s %v", renderRecord(rec, nil), err)
	}
}

func TestCompareRecordTimestampAndHeaders(t *testing.T) {
	src := kafkaSource(nil)
	act := kafka.Record{Key: []byte("3"), Value: []byte("1.5"), Timestamp: 99}
	if err := compareRecord(spec(t, `{"topic": "s", "key": 3, "value": 1.5}`), act, src, false); err != nil {
		t.Errorf("timestamp not given must match any: %v", err)
	}
	if err := compareRecord(spec(t, `{"topic": "s", "key": 3, "value": 1.5, "timestamp": 98}`), act, src, false); err == nil {
		t.Error("timestamp mismatch accepted")
	}
	if err := compareRecord(spec(t, `{"topic": "s", "key": 3, "value": 1.5, "timestamp": 0}`), act, src, true); err != nil {
		t.Errorf("INSERT VALUES zero timestamp: %v", err)
	}
	act.Headers = []kafka.Header{{Key: "h", Value: []byte{1}}}
	if err := compareRecord(spec(t, `{"topic": "s", "key": 3, "value": 1.5}`), act, src, false); err == nil {
		t.Error("unexpected headers accepted")
	}
	if err := compareRecord(spec(t, `{"topic": "s", "key": 3, "value": 1.5, "headers": [{"KEY": "h", "VALUE": "AQ=="}]}`), act, src, false); err != nil {
		t.Errorf("headers: %v", err)
	}
	if err := compareRecord(spec(t, `{"topic": "s", "key": 3, "value": null}`), act, src, false); err == nil {
		t.Error("tombstone expectation accepted a value")
	}
}

// TestRenderRecordDecodes: an actual record in a failure's listing reads
// like the expected ones, decoded with its source's formats (a windowed
// KAFKA key was shown as base64).
func TestRenderRecordDecodes(t *testing.T) {
	src := kafkaSource(&windowInfo{Type: "TUMBLING", SizeMs: 1000})
	rec, err := encodeInput(spec(t, `{"topic": "s", "key": 3, "value": 1.5, "timestamp": 10, "window": {"start": 1000, "end": 2000, "type": "time"}}`), src)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := renderRecord(rec, src), "key=3 value=1.5(DOUBLE) ts=10 window=time[1000,2000]"; got != want {
		t.Errorf("renderRecord = %q, want %q", got, want)
	}
}
