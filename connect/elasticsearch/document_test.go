package elasticsearch

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

func encode(t *testing.T, compact bool, s *connect.Schema, v any) string {
	t.Helper()
	b, err := (&encoder{compactMaps: compact}).appendValue(nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("invalid JSON %s", b)
	}
	return string(b)
}

func TestEncodeLogicalTypes(t *testing.T) {
	ts := time.Date(2024, 2, 29, 13, 14, 15, 600e6, time.UTC)
	dec2 := &connect.Schema{Type: connect.Bytes, Name: connect.LogicalDecimal, Parameters: map[string]string{"scale": "2"}}
	dec12 := &connect.Schema{Type: connect.Bytes, Name: connect.LogicalDecimal, Parameters: map[string]string{"scale": "12"}}
	for _, c := range []struct {
		s    *connect.Schema
		v    any
		want string
	}{
		{&connect.Schema{Type: connect.Int64, Name: connect.LogicalTimestamp}, ts, "1709212455600"},
		{&connect.Schema{Type: connect.Int32, Name: connect.LogicalDate}, ts, "1709164800000"},
		{&connect.Schema{Type: connect.Int32, Name: connect.LogicalTime}, ts, "47655600"},
		{dec2, big.NewRat(-12345, 100), "-123.45"},
		{dec2, "7.10", "7.10"},
		{dec12, big.NewRat(1, 3), `"0.333333333333"`}, // too fine for scaled_float: a keyword string
		{&connect.Schema{Type: connect.Bytes}, []byte("hi"), `"aGk="`},
		{nil, "quote\" back\\ nl\n ctl\x01 bad\xff é", `"quote\" back\\ nl\n ctl\u0001 bad\ufffd é"`},
		{nil, float32(1.5), "1.5"},
		{nil, []any{int64(1), nil, true}, "[1,null,true]"},
	} {
		if got := encode(t, true, c.s, c.v); got != c.want {
			t.Errorf("encode(%v) = %s, want %s", c.v, got, c.want)
		}
	}
}

func TestEncodeMaps(t *testing.T) {
	m := map[string]any{"b": int64(2), "a": "x"}
	if got := encode(t, true, nil, m); got != `{"a":"x","b":2}` {
		t.Errorf("compact map = %s", got)
	}
	if got := encode(t, false, nil, m); got != `[{"key":"a","value":"x"},{"key":"b","value":2}]` {
		t.Errorf("map as entries = %s", got)
	}
}

func TestEncodeRejectsNaN(t *testing.T) {
	_, err := (&encoder{compactMaps: true}).appendValue(nil, nil, map[string]any{"x": math.NaN()})
	if err == nil || !strings.Contains(err.Error(), "field x") {
		t.Fatalf("NaN encoded: %v", err)
	}
}

func TestDocumentIDs(t *testing.T) {
	for _, c := range []struct {
		key    any
		ignore bool
		want   string
		errHas string
	}{
		{int32(42), false, "42", ""},
		{"user-1", false, "user-1", ""},
		{nil, true, "Orders+3+77", ""},
		{nil, false, "", "can not be null"},
		{1.5, false, "", "FLOAT64 is not supported as the document id"},
		{map[string]any{"a": 1}, false, "", "MAP is not supported"},
	} {
		rec := &connect.Record{Topic: "Orders", Partition: 3, Offset: 77, Key: c.key}
		id, err := documentID(rec, c.ignore)
		if c.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("id of %v: %q, %v; want error with %q", c.key, id, err, c.errHas)
			}
			continue
		}
		if err != nil || id != c.want {
			t.Errorf("id of %v = %q, %v; want %q", c.key, id, err, c.want)
		}
	}
}

func TestMappingFromSchema(t *testing.T) {
	m := mapping(ratingSchema, true)
	b, _ := json.Marshal(m)
	for _, want := range []string{
		`"ts":{"type":"date"}`,
		`"price":{"scaling_factor":100,"type":"scaled_float"}`,
		`"rating_id":{"type":"long"}`,
		`"stars":{"type":"integer"}`,
		`"channel":{"fields":{"keyword":{"ignore_above":256,"type":"keyword"}},"type":"text"}`,
		`"address":{"properties":{"city":`,
		`"tags":{"fields"`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("mapping lacks %s:\n%s", want, b)
		}
	}
}

func TestUpsertAndDeleteBulkLines(t *testing.T) {
	tk, err := newTask(connect.Config{"connection.url": "http://localhost:9200", "write.method": "upsert", "behavior.on.null.values": "delete"})
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := tk.build(&connect.Record{Topic: "T", Key: "k1", Value: map[string]any{"a": int64(1)}})
	if err != nil {
		t.Fatal(err)
	}
	lines, _ := o.req.Source()
	if got := strings.Join(lines, "\n"); got != `{"update":{"_index":"t","_id":"k1"}}`+"\n"+`{"doc":{"a":1},"doc_as_upsert":true}` {
		t.Errorf("upsert lines:\n%s", got)
	}
	o, _, err = tk.build(&connect.Record{Topic: "T", Key: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	lines, _ = o.req.Source()
	if got := strings.Join(lines, "\n"); got != `{"delete":{"_index":"t","_id":"k1"}}` {
		t.Errorf("delete lines:\n%s", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for cfg, want := range map[string]connect.Config{
		"connection.url":          {},
		"behavior.on.null.values": {"connection.url": "http://h:9200", "behavior.on.null.values": "drop"},
		"batch.size":              {"connection.url": "http://h:9200", "batch.size": "0"},
		"topic.index.map":         {"connection.url": "http://h:9200", "topic.index.map": "nocolon"},
	} {
		if _, err := newTask(want); err == nil || !strings.Contains(err.Error(), cfg) {
			t.Errorf("config %v: error %v should name %s", want, err, cfg)
		}
	}
}
