package serde

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/eddysql/eddy/types"
)

// ProtoRows writes query results as protobuf, as the REST API serves them
// to clients accepting application/vnd.ksql.v1+protobuf: Schema is the
// proto3 text of the result's message and Encode turns a row of SQL
// values into that message's bytes (no schema-registry framing).
//
// The schema is the one ksqlDB sends for results: message ConnectDefault1
// with a field per column numbered from 1, nested structs as nested
// ConnectDefaultN messages, and a MAP as a repeated ConnectDefaultNEntry
// message of key and value. Rows are encoded through an equivalent schema
// that declares maps as map<string, V>, which has the same wire form.
type ProtoRows struct {
	schema string
	cols   []types.Column
	md     protoreflect.MessageDescriptor
	fields []pbSlot
}

// NewProtoRows prepares the protobuf form of a result with columns cols.
// Columns PROTOBUF cannot carry (an ARRAY or MAP inside an ARRAY or MAP,
// a MAP without STRING keys) are an error.
func NewProtoRows(cols []types.Column) (*ProtoRows, error) {
	if len(cols) == 0 {
		return nil, errors.New("a protobuf result needs at least one column")
	}
	for _, c := range cols {
		if err := checkProtoRowType(c.Type, false); err != nil {
			return nil, fmt.Errorf("column %s: %w", types.QuoteIdent(c.Name), err)
		}
	}
	fd, err := compileProto(nil, RegSchema{Type: SchemaProtobuf, Schema: protoRowSchema(cols, pbMapNative)})
	if err != nil {
		return nil, err
	}
	md := fd.Messages().Get(0)
	return &ProtoRows{schema: protoRowSchema(cols, pbMapEntries), cols: cols, md: md, fields: mapFields(md, cols)}, nil
}

// Schema returns the proto3 text of the result's message.
func (p *ProtoRows) Schema() string { return p.schema }

// Encode writes one row (SQL values in column order; nulls are left
// unset) as the message's bytes.
func (p *ProtoRows) Encode(vals []any) ([]byte, error) {
	if len(vals) != len(p.cols) {
		return nil, fmt.Errorf("row has %d values for %d columns", len(vals), len(p.cols))
	}
	m := dynamicpb.NewMessage(p.md)
	for i, sl := range p.fields {
		if sl.none() || vals[i] == nil {
			continue
		}
		if err := setProtoSlot(m, sl, vals[i], p.cols[i].Type); err != nil {
			return nil, colErr(p.cols[i], err)
		}
	}
	out, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("writing PROTOBUF: %w", err)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

func checkProtoRowType(t *types.Type, inList bool) error {
	switch t.Kind {
	case types.Array, types.Map:
		if inList {
			return fmt.Errorf("PROTOBUF format does not support %s nested in an ARRAY or MAP", t)
		}
		if t.Kind == types.Map && t.Key.Kind != types.String {
			return errors.New("PROTOBUF format only supports MAP types with STRING keys")
		}
		return checkProtoRowType(t.Elem, true)
	case types.Struct:
		for _, f := range t.Fields {
			if err := checkProtoRowType(f.Type, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// protoRowSchema writes the result schema, its maps declared as maps
// says: ksqlDB's entry messages in the schema sent to clients,
// map<string, V> in the one rows are built with.
func protoRowSchema(cols []types.Column, maps pbMapShape) string {
	g := &pbGen{nullable: pbNullDefault, maps: maps, next: 1, imports: map[string]bool{}}
	fs := make([]types.Field, len(cols))
	for i, c := range cols {
		fs[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	var body strings.Builder
	g.message(&body, g.newName(), fs, "")
	return g.file("", body.String())
}

// ProtoMessageOf compiles proto3 schema text, such as a result's
// Schema, and returns its first message: what a client decodes rows
// with. The Confluent and google.type imports serde knows resolve.
func ProtoMessageOf(schema string) (protoreflect.MessageDescriptor, error) {
	fd, err := compileProto(nil, RegSchema{Type: SchemaProtobuf, Schema: schema})
	if err != nil {
		return nil, err
	}
	if fd.Messages().Len() == 0 {
		return nil, fmt.Errorf("%w in the PROTOBUF schema", errNoSuchMessage)
	}
	return fd.Messages().Get(0), nil
}
