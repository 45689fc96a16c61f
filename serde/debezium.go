package serde

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/eddysql/eddy/types"
)

// DebeziumJSON is the format of a topic written by a Debezium connector
// through Kafka Connect's JsonConverter (with or without schemas): a
// value is the change envelope and a key the primary-key struct. A table
// declared with it sits directly on a change-data-capture topic, without
// the ExtractNewRecordState transform: the row is the envelope's "after",
// and a delete ("op": "d", or a tombstone) deletes the key.
const DebeziumJSON = "DEBEZIUM_JSON"

// debeziumJSON strips the envelope and reads the row with the JSON
// decoder, by column name (never as a bare single value).
type debeziumJSON struct {
	inner *jsonSerde
	isKey bool
}

func newDebeziumJSON(cols []types.Column, isKey bool) *debeziumJSON {
	return &debeziumJSON{inner: newJSON(cols, isKey, false), isKey: isKey}
}

var errNotEnvelope = errors.New("not a Debezium change event: no \"after\" or \"op\" field")

func (d *debeziumJSON) Decode(data []byte, dst []any) error {
	if data == nil {
		return d.inner.Decode(nil, dst)
	}
	body, err := connectPayload(data)
	if err != nil {
		return err
	}
	if d.isKey {
		return d.inner.Decode(body, dst)
	}
	var ev struct {
		Op    string          `json:"op"`
		After json.RawMessage `json:"after"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return fmt.Errorf("debezium envelope: %w", err)
	}
	switch {
	case ev.Op == "d":
		return ErrNull
	case ev.Op == "" && ev.After == nil:
		return errNotEnvelope
	case len(ev.After) == 0 || string(ev.After) == "null":
		return ErrNull
	}
	return d.inner.Decode(ev.After, dst)
}

// Encode writes a key as its struct and a value as a create event, so a
// query can produce a topic in the shape it reads.
func (d *debeziumJSON) Encode(vals []any) ([]byte, error) {
	row, err := d.inner.Encode(vals)
	if err != nil || d.isKey || row == nil {
		return row, err
	}
	out := make([]byte, 0, len(row)+32)
	out = append(out, `{"before":null,"after":`...)
	out = append(out, row...)
	return append(out, `,"op":"c"}`...), nil
}

// connectPayload returns the payload of JsonConverter's schema envelope
// ({"schema": …, "payload": …}), or data itself when it has none.
func connectPayload(data []byte) ([]byte, error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("debezium record: %w", err)
	}
	if p, ok := env["payload"]; ok && len(env) <= 2 {
		if _, hasSchema := env["schema"]; hasSchema || len(env) == 1 {
			return p, nil
		}
	}
	return data, nil
}
