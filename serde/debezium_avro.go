package serde

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hamba/avro/v2"

	"github.com/eddysql/eddy/types"
)

// DebeziumAvro is the format of a topic written by a Debezium connector
// through Confluent's AvroConverter: Schema Registry wire format, a value
// is the change envelope (before, after, source, op, ts_ms) and a key the
// record of the primary-key fields. A table declared with it sits directly
// on the change topic: the row is the envelope's "after", and a delete
// ("op": "d", or a tombstone) deletes the key. Without a column list the
// columns come from the registry: the key subject's record fields become
// the PRIMARY KEY, the value subject's "after" fields the other columns.
const DebeziumAvro = "DEBEZIUM_AVRO"

// debeziumAvroFullName is the namespace of the envelope eddy registers
// when it writes the format (a query's sink): <ns>.Envelope holding
// <ns>.Value, as Debezium names them after the table.
const debeziumAvroFullName = "io.confluent.ksql.avro_schemas.KsqlDataSourceSchema"

// newDebeziumAvro builds a DEBEZIUM_AVRO serde: a key is an Avro record of
// its columns even when there is only one (Debezium's key struct), a
// value the envelope.
func newDebeziumAvro(f Format, cols []types.Column, isKey bool, sr *srContext) (Serde, error) {
	if isKey {
		return newAvroSerdeAs(f, cols, true, false, sr)
	}
	return newDebeziumAvroValue(f, cols, sr)
}

// debeziumAvroValue reads the "after" record of an envelope into the
// columns, by field name, with a decoder compiled per writer schema id;
// the rest of the envelope is skipped without being decoded.
type debeziumAvroValue struct {
	cols  []types.Column
	sr    *srContext
	nSlot int
	decs  idCache[*envelopeDecoder]

	id     int    // writer schema id (pendingID until a read-only serde writes)
	fields []encF // the "after" record's fields
}

func newDebeziumAvroValue(f Format, cols []types.Column, sr *srContext) (*debeziumAvroValue, error) {
	d := &debeziumAvroValue{cols: cols, sr: sr}
	for _, c := range cols {
		if c.Type.IsPrimitive() {
			d.nSlot++
		}
	}
	if len(cols) == 0 {
		return d, nil
	}
	ns, ok, err := fullNameOf(f, false)
	if err != nil {
		return nil, err
	}
	if !ok {
		ns = debeziumAvroFullName
	}
	text := envelopeSchemaFor(cols, ns)
	sch, err := parseAvro(text)
	if err != nil {
		return nil, err
	}
	after := sch.(*avro.RecordSchema).Fields()[1].Type()
	fs := make([]types.Field, len(cols))
	for i, c := range cols {
		fs[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	if d.fields, err = compileRecordEnc(fs, nonNull(after).(*avro.RecordSchema)); err != nil {
		return nil, err
	}
	if d.id, err = sr.register(RegSchema{Type: SchemaAvro, Schema: text}); err != nil {
		return nil, err
	}
	return d, nil
}

// envelopeSchemaFor is the envelope eddy writes: before and after as
// nullable <ns>.Value records of the columns, and op.
func envelopeSchemaFor(cols []types.Column, ns string) string {
	value := avroSchemaFor(cols, false, ns+".Value")
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"Envelope","namespace":`)
	writeJSONString(&b, ns)
	b.WriteString(`,"fields":[{"name":"before","type":["null",`)
	b.WriteString(value)
	b.WriteString(`],"default":null},{"name":"after","type":["null",`)
	writeJSONString(&b, ns+".Value")
	b.WriteString(`],"default":null},{"name":"op","type":"string"}]}`)
	return b.String()
}

// Encode writes a create event (op "c") whose after is the row, so a query
// can produce a topic in the shape it reads.
func (d *debeziumAvroValue) Encode(vals []any) ([]byte, error) {
	if len(d.cols) == 0 {
		return nil, nil
	}
	if d.id == pendingID {
		id, err := d.sr.writerID(d.id)
		if err != nil {
			return nil, err
		}
		d.id = id
	}
	buf := appendHeader(make([]byte, 0, 64), d.id)
	buf = appendLong(buf, 0) // before: null
	buf = appendLong(buf, 1) // after: the record
	buf, err := encodeFields(buf, d.fields, vals)
	if err != nil {
		return nil, err
	}
	return appendAvroBytes(buf, []byte("c")), nil
}

// Decode implements Serde: ErrNull for a delete, the after row otherwise.
func (d *debeziumAvroValue) Decode(data []byte, dst []any) error {
	n := len(d.cols)
	clear(dst[:n])
	if data == nil {
		return nil
	}
	if len(data) == 0 {
		return ErrNull
	}
	id, body, err := splitHeader(data)
	if err != nil {
		return err
	}
	dec, err := d.decs.get(id, d.buildDecoder)
	if err != nil {
		return err
	}
	r := avroReader{b: body}
	a := arena{nSlot: d.nSlot}
	var op string
	hasAfter := false
	for _, step := range dec.steps {
		switch step.role {
		case roleSkip:
			err = step.skip(&r)
		case roleOp:
			op, err = readEnvelopeString(&r, step)
		case roleAfter:
			var branch int64
			if step.nullable {
				if branch, err = r.long(); err != nil {
					break
				}
			}
			switch {
			case step.nullable && int(branch) == step.nullBranch:
			case step.nullable && int(branch) != step.valueBranch:
				err = fmt.Errorf("union branch %d of the after field is out of range", branch)
			default:
				hasAfter = true
				err = decodeFields(&r, &a, step.fields, d.cols, dst)
			}
		}
		if err != nil {
			return fmt.Errorf("Debezium envelope of schema id %d: %w", id, err)
		}
	}
	if r.p != len(r.b) {
		return fmt.Errorf("Avro body of schema id %d has %d bytes left over after the record", id, len(r.b)-r.p)
	}
	if op == "d" || !hasAfter {
		clear(dst[:n])
		return ErrNull
	}
	return nil
}

func readEnvelopeString(r *avroReader, step envelopeStep) (string, error) {
	if step.nullable {
		branch, err := r.long()
		if err != nil {
			return "", err
		}
		if int(branch) == step.nullBranch {
			return "", nil
		}
	}
	b, err := r.bytes()
	return string(b), err
}

// envelopeDecoder reads an envelope written with one writer schema: its
// fields in order, each skipped or read as op or after.
type envelopeDecoder struct{ steps []envelopeStep }

type envelopeRole int

const (
	roleSkip envelopeRole = iota
	roleOp
	roleAfter
)

type envelopeStep struct {
	role        envelopeRole
	skip        skipFn
	nullable    bool // a union with null: a branch index comes first
	nullBranch  int
	valueBranch int
	fields      []fieldDec // after: the record's fields onto the columns
}

var errNotAvroEnvelope = errors.New("not a Debezium change event: the Avro record has no \"after\" and \"op\" fields")

func (d *debeziumAvroValue) buildDecoder(id int) (*envelopeDecoder, error) {
	rs, err := d.sr.byID(id)
	if err != nil {
		return nil, fmt.Errorf("cannot read Avro record: %w", err)
	}
	if !strings.EqualFold(orAvro(rs.Type), SchemaAvro) {
		return nil, fmt.Errorf("cannot read Avro record: schema id %d is %s schema", id, aKind(rs.Type))
	}
	sch, err := parseAvro(rs.Schema)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	env, ok := derefAvro(sch).(*avro.RecordSchema)
	if !ok {
		return nil, fmt.Errorf("schema id %d: %w", id, errNotAvroEnvelope)
	}
	dec := &envelopeDecoder{}
	seen := 0
	for _, f := range env.Fields() {
		step := envelopeStep{role: roleSkip}
		switch f.Name() {
		case "op":
			step.role = roleOp
			if step, err = unionShape(step, f.Type(), avro.String); err != nil {
				return nil, fmt.Errorf("schema id %d: field op: %w", id, err)
			}
			seen++
		case "after":
			step.role = roleAfter
			if step, err = unionShape(step, f.Type(), avro.Record); err != nil {
				return nil, fmt.Errorf("schema id %d: field after: %w", id, err)
			}
			rec := nonNull(f.Type()).(*avro.RecordSchema)
			if step.fields, err = compileRecordDec(rec, d.cols, nil); err != nil {
				return nil, fmt.Errorf("schema id %d: after: %w", id, err)
			}
			seen++
		default:
			step.skip = compileSkip(f.Type())
		}
		dec.steps = append(dec.steps, step)
	}
	if seen != 2 {
		return nil, fmt.Errorf("schema id %d: %w", id, errNotAvroEnvelope)
	}
	return dec, nil
}

// unionShape checks that s is the type want or a union of null and want,
// and records the branch indexes.
func unionShape(step envelopeStep, s avro.Schema, want avro.Type) (envelopeStep, error) {
	s = derefAvro(s)
	if s.Type() == want {
		return step, nil
	}
	u, ok := s.(*avro.UnionSchema)
	if !ok || len(u.Types()) != 2 {
		return step, fmt.Errorf("is a %s, not a %s or a union of null and %s", s.Type(), want, want)
	}
	step.nullable, step.nullBranch, step.valueBranch = true, -1, -1
	for i, b := range u.Types() {
		switch derefAvro(b).Type() {
		case avro.Null:
			step.nullBranch = i
		case want:
			step.valueBranch = i
		}
	}
	if step.nullBranch < 0 || step.valueBranch < 0 {
		return step, fmt.Errorf("is a union other than null and %s", want)
	}
	return step, nil
}

// debeziumAvroColumns reads the columns of an envelope schema: the fields
// of its "after" record.
func debeziumAvroColumns(text string, rules avroRules) ([]types.Column, error) {
	s, err := parseAvro(text)
	if err != nil {
		return nil, err
	}
	env, ok := derefAvro(s).(*avro.RecordSchema)
	if !ok {
		return nil, errNotAvroEnvelope
	}
	for _, f := range env.Fields() {
		if f.Name() != "after" {
			continue
		}
		rec, ok := nonNull(f.Type()).(*avro.RecordSchema)
		if !ok {
			return nil, fmt.Errorf("the after field is a %s, not a record", f.Type().Type())
		}
		ty := &avroTyper{within: []*avro.RecordSchema{rec}, avroRules: rules}
		cols := make([]types.Column, 0, len(rec.Fields()))
		for _, af := range rec.Fields() {
			t, err := ty.typeOf(af.Type())
			if err != nil {
				return nil, fmt.Errorf("after field %s: %w", af.Name(), err)
			}
			cols = append(cols, types.Column{Name: af.Name(), Type: t})
		}
		if len(cols) == 0 {
			return nil, errors.New("the after record has no fields")
		}
		return cols, nil
	}
	return nil, errNotAvroEnvelope
}
