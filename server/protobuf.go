package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// protobufEncoder is the StreamedRow array of application/vnd.ksql.v1+protobuf:
// the legacy array (v1Encoder), but the header also carries the proto3
// schema of the rows ("protoSchema") and each row is one message of that
// schema, base64 in "protobufBytes".
type protobufEncoder struct {
	v1 v1Encoder

	mu    sync.Mutex
	rows  *serde.ProtoRows
	types []*types.Type
}

// protoHeader is the header element with the protobuf schema.
type protoHeader struct {
	QueryID     string `json:"queryId"`
	Schema      string `json:"schema"`
	ProtoSchema string `json:"protoSchema"`
}

// protoRow is a row element: the message bytes, or a tombstone's.
type protoRow struct {
	ProtobufBytes []byte `json:"protobufBytes"`
	Tombstone     bool   `json:"tombstone,omitempty"`
}

// prepare builds the rows' schema from the header's columns; an error
// fails the query before anything is written.
func (e *protobufEncoder) prepare(h *api.QueryHeader) *apiError {
	cols := make([]types.Column, len(h.Columns))
	ts := make([]*types.Type, len(h.Columns))
	for i, c := range h.Columns {
		t, err := sql.ParseType(c.Type)
		if err != nil {
			return genericError(codeServerError, "column %s: cannot read type %s: %v", types.QuoteIdent(c.Name), c.Type, err)
		}
		cols[i], ts[i] = types.Column{Name: c.Name, Type: t}, t
	}
	rows, err := serde.NewProtoRows(cols)
	if err != nil {
		return genericError(codeBadRequest, "The query's result cannot be served as protobuf: %v", err)
	}
	e.mu.Lock()
	e.rows, e.types = rows, ts
	e.mu.Unlock()
	return nil
}

func (e *protobufEncoder) header(h *api.QueryHeader) []byte {
	e.mu.Lock()
	schema := ""
	if e.rows != nil {
		schema = e.rows.Schema()
	}
	e.mu.Unlock()
	type header struct {
		Header protoHeader `json:"header"`
	}
	b := mustJSON(header{protoHeader{QueryID: h.QueryID, Schema: h.Schema, ProtoSchema: schema}})
	return e.v1.first(b)
}

// encodeRow writes a row; an error ends the query.
func (e *protobufEncoder) encodeRow(r *api.Row) ([]byte, *apiError) {
	e.mu.Lock()
	rows, ts := e.rows, e.types
	e.mu.Unlock()
	if rows == nil {
		return nil, genericError(codeServerError, "protobuf row before the header")
	}
	if len(r.Columns) != len(ts) {
		return nil, genericError(codeServerError, "row has %d columns, the header %d", len(r.Columns), len(ts))
	}
	vals := make([]any, len(ts))
	for i, v := range r.Columns {
		sv, err := sqlValue(v, ts[i])
		if err != nil {
			return nil, genericError(codeServerError, "encode row as protobuf: column %d: %v", i+1, err)
		}
		vals[i] = sv
	}
	b, err := rows.Encode(vals)
	if err != nil {
		return nil, genericError(codeServerError, "encode row as protobuf: %v", err)
	}
	type row struct {
		Row protoRow `json:"row"`
	}
	return e.v1.next(mustJSON(row{protoRow{ProtobufBytes: b, Tombstone: r.Tombstone}})), nil
}

func (e *protobufEncoder) row(r *api.Row) []byte {
	b, aerr := e.encodeRow(r)
	if aerr != nil {
		return e.fail(aerr)
	}
	return b
}

func (e *protobufEncoder) final(msg string) []byte  { return e.v1.final(msg) }
func (e *protobufEncoder) fail(ae *apiError) []byte { return e.v1.fail(ae) }
func (e *protobufEncoder) end(why *apiError) []byte { return e.v1.end(why) }

// sqlValue turns a row value in its REST JSON form (engine.JSONValue)
// back into the SQL value of type t that serde encodes: BYTES from
// base64, temporal types from their text, decimals from their digits,
// maps and structs from JSON objects.
func sqlValue(v any, t *types.Type) (any, error) {
	if v == nil || t == nil {
		return v, nil
	}
	bad := func() (any, error) { return nil, fmt.Errorf("value of Go type %T is not a %s", v, t) }
	switch t.Kind {
	case types.Bytes:
		s, ok := v.(string)
		if !ok {
			if b, ok := v.([]byte); ok {
				return b, nil
			}
			return bad()
		}
		return base64.StdEncoding.DecodeString(s)
	case types.Timestamp:
		if s, ok := v.(string); ok {
			return types.ParseTimestamp(s)
		}
	case types.Date:
		if s, ok := v.(string); ok {
			return types.ParseDate(s)
		}
	case types.Time:
		if s, ok := v.(string); ok {
			return types.ParseTime(s)
		}
	case types.Decimal:
		switch x := v.(type) {
		case decimal.Decimal:
			return x, nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) { // NewFromFloat panics on them
				return bad()
			}
			return decimal.NewFromFloat(x), nil
		case string:
			return decimal.NewFromString(x)
		case json.Marshaler: // the engine's exact JSON number
			b, err := x.MarshalJSON()
			if err != nil {
				return nil, err
			}
			return decimal.NewFromString(strings.Trim(string(b), `"`))
		}
		return bad()
	case types.Array:
		arr, ok := v.([]any)
		if !ok {
			return bad()
		}
		out := make([]any, len(arr))
		for i, x := range arr {
			sv, err := sqlValue(x, t.Elem)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = sv
		}
		return out, nil
	case types.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := types.NewMapBuilder(len(keys))
		for _, k := range keys {
			sv, err := sqlValue(obj[k], t.Elem)
			if err != nil {
				return nil, fmt.Errorf("map value of %q: %w", k, err)
			}
			out.Put(k, sv)
		}
		return out.Map(), nil
	case types.Struct:
		obj, ok := v.(api.Object)
		if !ok {
			return bad()
		}
		out := make(types.StructVal, len(t.Fields))
		for i, f := range t.Fields {
			field, _ := obj.Get(f.Name)
			sv, err := sqlValue(field, f.Type)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", types.QuoteIdent(f.Name), err)
			}
			out[i] = sv
		}
		return out, nil
	}
	return v, nil
}
