package mysqlcdc

import (
	"fmt"
	"reflect"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
)

// position is where the connector is in the server's history, and what a
// SourceOffset stores: the binlog file and position of the start of a
// transaction (or GTID set of the transactions before it), how many rows
// events of that transaction and rows of the next event were already
// emitted, and whether a snapshot is under way.
type position struct {
	file     string
	pos      uint32
	gtids    string
	event    int
	row      int
	snapshot bool
	schemas  string // the table definitions at this position (history.encoded)
}

func (p position) offset() map[string]any {
	m := make(map[string]any, 6)
	m["file"], m["pos"] = p.file, int64(p.pos)
	if p.gtids != "" {
		m["gtids"] = p.gtids
	}
	if p.event != 0 || p.row != 0 {
		m["event"] = int64(p.event)
		m["row"] = int64(p.row)
	}
	if p.snapshot {
		m["snapshot"] = true
	}
	if p.schemas != "" {
		m["schemas"] = p.schemas
	}
	return m
}

// parseOffset reads a stored offset; numbers may come back as any numeric
// type or string after the runtime's round trip through the offsets topic.
func parseOffset(m map[string]any) (position, error) {
	var p position
	file, ok := m["file"].(string)
	if !ok || file == "" {
		return p, fmt.Errorf("stored offset %v has no binlog file", m)
	}
	p.file = file
	pos, err := offsetInt(m, "pos")
	if err != nil {
		return p, err
	}
	p.pos = uint32(pos)
	p.gtids, _ = m["gtids"].(string)
	p.schemas, _ = m["schemas"].(string)
	ev, err := offsetInt(m, "event")
	if err != nil {
		return p, err
	}
	row, err := offsetInt(m, "row")
	if err != nil {
		return p, err
	}
	p.event, p.row = int(ev), int(row)
	switch v := m["snapshot"].(type) {
	case bool:
		p.snapshot = v
	case string:
		p.snapshot = v == "true"
	}
	return p, nil
}

func offsetInt(m map[string]any, k string) (int64, error) {
	switch v := m[k].(type) {
	case nil:
		return 0, nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case uint32:
		return int64(v), nil
	case uint64:
		return int64(v), nil
	case float64:
		return int64(v), nil
	case interface{ Int64() (int64, error) }: // json.Number
		return v.Int64()
	case string:
		var n int64
		_, err := fmt.Sscan(v, &n)
		return n, err
	default:
		return 0, fmt.Errorf("stored offset field %s: unexpected %T", k, v)
	}
}

// source is the per-event part of Debezium's source block.
type source struct {
	tsMs     int64
	snapshot string // "true", "last", "false"
	db       string
	table    string
	serverID int64
	gtid     string
	file     string
	pos      int64
	row      int32
	thread   *int64
}

func (s *settings) sourceStruct(src source) *connect.Struct {
	v := &connect.Struct{Schema: sourceSchema, Values: map[string]any{
		"version":   connectorVersion,
		"connector": "mysql",
		"name":      s.prefix,
		"ts_ms":     src.tsMs,
		"snapshot":  src.snapshot,
		"db":        src.db,
		"table":     nil,
		"server_id": src.serverID,
		"gtid":      nil,
		"file":      src.file,
		"pos":       src.pos,
		"row":       src.row,
		"thread":    nil,
		"query":     nil,
	}}
	if src.table != "" {
		v.Values["table"] = src.table
	}
	if src.gtid != "" {
		v.Values["gtid"] = src.gtid
	}
	if src.thread != nil {
		v.Values["thread"] = *src.thread
	}
	return v
}

// convertRow turns one row of MySQL values (positional, every column)
// into Connect values.
func (t *table) convertRow(row []any) ([]any, error) {
	out := make([]any, len(t.cols))
	for i, c := range t.cols {
		if i >= len(row) {
			break
		}
		v, err := c.conv(row[i])
		if err != nil {
			return nil, fmt.Errorf("%s column %s (%s): %w", t.id(), c.name, c.columnType, err)
		}
		out[i] = v
	}
	return out, nil
}

func (t *table) valueStruct(vals []any) *connect.Struct {
	if vals == nil {
		return nil
	}
	m := make(map[string]any, len(t.cols))
	for i, c := range t.cols {
		if !c.excluded {
			m[c.name] = vals[i]
		}
	}
	return &connect.Struct{Schema: t.valueSchema, Values: m}
}

func (t *table) keyStruct(vals []any) *connect.Struct {
	if t.keySchema == nil {
		return nil
	}
	m := make(map[string]any, len(t.pk))
	for _, i := range t.pk {
		m[t.cols[i].name] = vals[i]
	}
	return &connect.Struct{Schema: t.keySchema, Values: m}
}

// keyChanged reports whether an update moved the row to another primary
// key (converted values, as the key carries them).
func (t *table) keyChanged(before, after []any) bool {
	if t.keySchema == nil || before == nil || after == nil {
		return false
	}
	for _, i := range t.pk {
		if !reflect.DeepEqual(before[i], after[i]) {
			return true
		}
	}
	return false
}

// Debezium's headers on the records of a primary key change.
const (
	pkUpdateNewKey = "__debezium.newkey"
	pkUpdateOldKey = "__debezium.oldkey"
)

// keyHeader is a row's key as a header, serialized as Kafka Connect's
// default header converter writes the Struct Debezium adds: {"id":101}.
func keyHeader(name string, t *table, row []any) connect.Header {
	return connect.Header{Key: name, Value: []byte(convert.HeaderText(t.keySchema, t.keyStruct(row)))}
}

// changeRecords builds the Debezium records for one row change: the
// envelope, and for a delete a tombstone after it when configured. off is
// the offset once the change is fully written; a delete followed by a
// tombstone carries partial (the row not yet done) so that a crash between
// the two re-emits both rather than losing the tombstone.
func (s *settings) changeRecords(t *table, op string, before, after []any, src source, off, partial map[string]any, now time.Time) []connect.Record {
	keyVals := after
	if keyVals == nil {
		keyVals = before
	}
	var key any
	if k := t.keyStruct(keyVals); k != nil {
		key = k
	}
	env := &connect.Struct{Schema: t.envelopeSchema, Values: map[string]any{
		"before":      nilIfNoStruct(t.valueStruct(before)),
		"after":       nilIfNoStruct(t.valueStruct(after)),
		"source":      s.sourceStruct(src),
		"op":          op,
		"ts_ms":       now.UnixMilli(),
		"transaction": nil,
	}}
	recs := []connect.Record{{
		Topic: t.topic, Partition: -1, Timestamp: now,
		KeySchema: t.keySchema, Key: key,
		ValueSchema: t.envelopeSchema, Value: env,
		SourcePartition: s.partition, SourceOffset: off,
	}}
	if op == "d" && s.tombstones && key != nil {
		if partial != nil {
			recs[0].SourceOffset = partial
		}
		recs = append(recs, connect.Record{
			Topic: t.topic, Partition: -1, Timestamp: now,
			KeySchema: t.keySchema, Key: key,
			SourcePartition: s.partition, SourceOffset: off,
		})
	}
	return recs
}

// nilIfNoStruct keeps a typed nil *Struct out of the values map.
func nilIfNoStruct(v *connect.Struct) any {
	if v == nil {
		return nil
	}
	return v
}
