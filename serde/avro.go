package serde

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hamba/avro/v2"
	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/types"
)

// avroSerde reads and writes the Confluent Avro wire format. Writer and
// reader are programs compiled once: the encoder from the columns and the
// schema it registered (or the one named by SCHEMA_ID), a decoder per
// writer schema id, on first sight of that id. Both work on the Avro binary
// directly, into and out of positional rows; no map of the record is built.
type avroSerde struct {
	cols      []types.Column
	isKey     bool
	unwrapped bool
	sr        *srContext
	nSlot     int

	id  int    // writer schema id
	enc encFn  // whole-record encoder
	rec []encF // record fields when wrapped (enc is nil then)

	decs   idCache[*avroDecoder]
	bufs   sync.Pool
	states sync.Pool // *decodeState
}

// decodeState is the reader and arena of one Decode.
type decodeState struct {
	r avroReader
	a arena
}

func newAvroSerde(f Format, cols []types.Column, isKey bool, sr *srContext) (*avroSerde, error) {
	return newAvroSerdeAs(f, cols, isKey, unwrappedSide(f, cols, isKey, Avro), sr)
}

// newAvroSerdeAs builds an Avro serde that writes its columns bare
// (unwrapped) or as a record.
func newAvroSerdeAs(f Format, cols []types.Column, isKey, unwrapped bool, sr *srContext) (*avroSerde, error) {
	s := &avroSerde{cols: cols, isKey: isKey, sr: sr, unwrapped: unwrapped}
	for _, c := range cols {
		if c.Type.IsPrimitive() {
			s.nSlot++
		}
	}
	s.bufs.New = func() any { b := make([]byte, 0, 256); return &b }
	s.states.New = func() any { return new(decodeState) }
	if len(cols) == 0 {
		return s, nil
	}
	id, fixed, inferred, err := writerSchemaID(f, isKey)
	if err != nil {
		return nil, err
	}
	var sch avro.Schema
	if fixed {
		rs, err := sr.byID(id)
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(orAvro(rs.Type), SchemaAvro) {
			return nil, fmt.Errorf("schema id %d is %s schema, not AVRO", id, aKind(rs.Type))
		}
		if sch, err = parseAvroSchema(sr.env.Registry, rs); err != nil {
			return nil, err
		}
		// Columns inferred from this schema need no check (and
		// differ from its names in case).
		if !inferred {
			err := checkAgainstSchema(cols, isKey, s.unwrapped, func() ([]types.Column, error) {
				return avroColumnsOf(sch, s.unwrapped, isKey)
			})
			// A source an earlier build inferred from this id has its
			// micros fields as TIMESTAMP or TIME, which read and write
			// them scaled: it keeps working.
			if err != nil && checkAgainstSchema(cols, isKey, s.unwrapped, func() ([]types.Column, error) {
				return avroColumnsBy(avroRules{microsAsTimestamp: true}, sch, s.unwrapped, isKey)
			}) != nil {
				return nil, err
			}
		}
		if err := sr.claim(id, rs, !inferred); err != nil {
			return nil, err
		}
	} else {
		full, ok, err := fullNameOf(f, isKey)
		if err != nil {
			return nil, err
		}
		if !ok {
			full = DefaultAvroFullName
		}
		text := avroSchemaFor(cols, s.unwrapped, full)
		if id, err = sr.register(RegSchema{Type: SchemaAvro, Schema: text}); err != nil {
			return nil, err
		}
		if sch, err = parseAvro(text); err != nil {
			return nil, err
		}
	}
	s.id = id
	if err := s.compileWriter(sch); err != nil {
		return nil, err
	}
	return s, nil
}

// checkAgainstSchema rejects columns that differ from those of a schema
// given by id (ksqlDB's "changed, missing or reordered" check).
func checkAgainstSchema(cols []types.Column, isKey, unwrapped bool, schemaCols func() ([]types.Column, error)) error {
	sc, err := schemaCols()
	if err != nil {
		return err
	}
	if unwrapped {
		if len(sc) == 1 && !sc[0].Type.Equal(cols[0].Type) {
			return fmt.Errorf("the column type %s does not match the schema type %s", cols[0].Type, sc[0].Type)
		}
		return nil
	}
	var bad []types.Column
	for i, c := range cols {
		if i >= len(sc) || sc[i].Name != c.Name || !sc[i].Type.Equal(c.Type) {
			bad = append(bad, c)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	side := "value"
	if isKey {
		side = "key"
	}
	return fmt.Errorf("The following %s columns are changed, missing or reordered: %s. Schema from schema registry is %s",
		side, columnList(bad, false), columnList(sc, false))
}

// compileWriter builds the encoder for the writer schema.
func (s *avroSerde) compileWriter(sch avro.Schema) error {
	var err error
	if s.unwrapped {
		s.enc, err = compileEnc(s.cols[0].Type, sch)
		return err
	}
	rec, ok := derefAvro(sch).(*avro.RecordSchema)
	if !ok {
		return fmt.Errorf("the Avro schema is a %s, not a record of the columns", sch.Type())
	}
	fs := make([]types.Field, len(s.cols))
	for i, c := range s.cols {
		fs[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	s.rec, err = compileRecordEnc(fs, rec)
	return err
}

// Encode implements Serde.
func (s *avroSerde) Encode(vals []any) ([]byte, error) {
	if len(s.cols) == 0 {
		return nil, nil
	}
	if s.unwrapped && vals[0] == nil {
		return nil, nil
	}
	if s.id == pendingID {
		id, err := s.sr.writerID(s.id)
		if err != nil {
			return nil, err
		}
		s.id = id
	}
	bp := s.bufs.Get().(*[]byte)
	buf := appendHeader((*bp)[:0], s.id)
	var err error
	if s.unwrapped {
		if buf, err = s.enc(buf, vals[0]); err != nil {
			err = colErr(s.cols[0], err)
		}
	} else {
		buf, err = encodeFields(buf, s.rec, vals)
	}
	var out []byte
	if err == nil {
		out = append([]byte(nil), buf...)
	}
	if cap(buf) <= 64<<10 {
		*bp = buf
		s.bufs.Put(bp)
	}
	return out, err
}

// Decode implements Serde.
func (s *avroSerde) Decode(data []byte, dst []any) error {
	return s.decode(data, dst, &s.decs, nil, s.nSlot)
}

// Reading implements Partial.
func (s *avroSerde) Reading(read []bool) Serde {
	r := &avroReading{avroSerde: s, unread: make([]bool, len(s.cols))}
	for i, c := range s.cols {
		if i >= len(read) || !read[i] {
			r.unread[i] = true
			continue
		}
		if c.Type.IsPrimitive() {
			r.nSlot++
		}
	}
	return r
}

// avroReading is an avroSerde that materializes only the columns a query
// reads. Avro is not self-delimiting, so the others are still walked, and
// checked as Decode checks them: a record with a bad value in a column
// nothing reads is rejected all the same, as ksqlDB deserializes whole
// records. They are left nil.
type avroReading struct {
	*avroSerde
	unread []bool
	nSlot  int // read columns the arena boxes
	decs   idCache[*avroDecoder]
}

// Decode implements Serde.
func (r *avroReading) Decode(data []byte, dst []any) error {
	return r.decode(data, dst, &r.decs, r.unread, r.nSlot)
}

// decode reads a record into dst with decoders from decs, built for the
// columns unread marks (nil for none) to be only checked. The arena boxes
// nSlot values.
func (s *avroSerde) decode(data []byte, dst []any, decs *idCache[*avroDecoder], unread []bool, nSlot int) error {
	n := len(s.cols)
	clear(dst[:n])
	if data == nil || n == 0 {
		return nil
	}
	if len(data) == 0 {
		if s.isKey {
			return nil
		}
		return ErrNull
	}
	id, body, err := splitHeader(data)
	if err != nil {
		return err
	}
	d, err := decs.get(id, func(id int) (*avroDecoder, error) { return s.buildDecoder(id, unread) })
	if err != nil {
		return err
	}
	// Reader and arena escape through the compiled closures: they come
	// from a pool, and go back holding nothing of this record.
	st := s.states.Get().(*decodeState)
	defer func() { *st = decodeState{}; s.states.Put(st) }()
	st.r = avroReader{b: body}
	st.a = arena{nSlot: nSlot}
	r, a := &st.r, &st.a
	switch {
	case d.top != nil:
		var v any
		if v, err = d.top(r, a); err != nil {
			return colErr(s.cols[0], err)
		}
		dst[0] = v
	case d.topCheck != nil:
		if err := d.topCheck(r); err != nil {
			return colErr(s.cols[0], err)
		}
	default:
		if err := decodeFields(r, a, d.fields, s.cols, dst); err != nil {
			return err
		}
	}
	if r.p != len(r.b) {
		return fmt.Errorf("Avro body of schema id %d has %d bytes left over after the record", id, len(r.b)-r.p)
	}
	return nil
}

// avroDecoder reads records written with one writer schema.
type avroDecoder struct {
	top      decFn      // unwrapped: the whole body is the column
	topCheck skipFn     // unwrapped, and the column is not read
	fields   []fieldDec // wrapped: writer fields in order
}

// fieldDec reads one writer field: into column col with dec; or, with
// skip, over a field no column takes (col -1) or one only checked.
type fieldDec struct {
	col  int
	dec  decFn
	skip skipFn
}

// buildDecoder compiles the reader of writer schema id; the columns
// unread marks (nil for none) are only checked.
func (s *avroSerde) buildDecoder(id int, unread []bool) (*avroDecoder, error) {
	rs, err := s.sr.byID(id)
	if err != nil {
		return nil, fmt.Errorf("cannot read Avro record: %w", err)
	}
	if !strings.EqualFold(orAvro(rs.Type), SchemaAvro) {
		return nil, fmt.Errorf("cannot read Avro record: schema id %d is %s schema", id, aKind(rs.Type))
	}
	sch, err := parseAvroSchema(s.sr.env.Registry, rs)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	if s.unwrapped {
		if len(unread) > 0 && unread[0] {
			check, err := compileCheck(sch, s.cols[0].Type)
			if err != nil {
				return nil, fmt.Errorf("schema id %d cannot be read into column %s: %w", id, types.QuoteIdent(s.cols[0].Name), err)
			}
			return &avroDecoder{topCheck: check}, nil
		}
		dec, err := compileDec(sch, s.cols[0].Type)
		if err != nil {
			return nil, fmt.Errorf("schema id %d cannot be read into column %s: %w", id, types.QuoteIdent(s.cols[0].Name), err)
		}
		return &avroDecoder{top: dec}, nil
	}
	rec, ok := nonNull(sch).(*avro.RecordSchema)
	if !ok {
		return nil, fmt.Errorf("schema id %d is a %s, not a record holding the columns", id, sch.Type())
	}
	if _, isUnion := derefAvro(sch).(*avro.UnionSchema); isUnion {
		return nil, fmt.Errorf("schema id %d: a nullable top-level record is not supported", id)
	}
	fields, err := compileRecordDec(rec, s.cols, unread)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	return &avroDecoder{fields: fields}, nil
}

// compileRecordDec maps the fields of a writer record onto columns by
// name; fields no column takes are skipped, those of the columns unread
// marks (nil for none) checked.
func compileRecordDec(rec *avro.RecordSchema, cols []types.Column, unread []bool) ([]fieldDec, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	out := make([]fieldDec, 0, len(rec.Fields()))
	for _, f := range rec.Fields() {
		i := fieldIndex(names, f.Name())
		fd := fieldDec{col: i}
		var err error
		switch {
		case i < 0:
			fd.skip = compileSkip(f.Type())
		case unread != nil && unread[i]:
			fd.skip, err = compileCheck(f.Type(), cols[i].Type)
		default:
			fd.dec, err = compileDec(f.Type(), cols[i].Type)
		}
		if err != nil {
			return nil, fmt.Errorf("field %s cannot be read into column %s: %w", f.Name(), types.QuoteIdent(cols[i].Name), err)
		}
		out = append(out, fd)
	}
	return out, nil
}

// decodeFields reads a record's fields into dst.
func decodeFields(r *avroReader, a *arena, fields []fieldDec, cols []types.Column, dst []any) error {
	for _, f := range fields {
		if f.dec == nil {
			if err := f.skip(r); err != nil {
				if f.col >= 0 {
					err = colErr(cols[f.col], err)
				}
				return err
			}
			continue
		}
		v, err := f.dec(r, a)
		if err != nil {
			return colErr(cols[f.col], err)
		}
		dst[f.col] = v
	}
	return nil
}

// fieldIndex matches a name exactly, then case-insensitively.
func fieldIndex(names []string, name string) int {
	return nameIndex(len(names), func(i int) string { return names[i] }, name)
}

// nameIndex is fieldIndex over n names that nameAt gives, for callers
// that have them in another shape than a slice (and must not build one
// per record).
func nameIndex(n int, nameAt func(int) string, name string) int {
	for i := range n {
		if nameAt(i) == name {
			return i
		}
	}
	for i := range n {
		if strings.EqualFold(nameAt(i), name) {
			return i
		}
	}
	return -1
}

// ---- binary reading ----

type avroReader struct {
	b []byte
	p int

	emptyItems int64 // array items of no bytes read from this body, up to maxEmptyItems
	depth      int   // recursive records entered, up to maxDepth
}

// maxEmptyItems bounds the array items of one Avro body whose encoding
// takes no bytes: null, a zero-size fixed, a record of only such fields.
// Any other item takes a byte or more, so the body's size bounds those;
// but a few bytes can declare 2^62 of these, which the decoder would
// allocate and a skip would loop over.
const maxEmptyItems = 1 << 20

var errTruncated = errors.New("truncated Avro body")

func (r *avroReader) long() (int64, error) {
	var u uint64
	for shift := uint(0); shift < 70; shift += 7 {
		if r.p >= len(r.b) {
			return 0, errTruncated
		}
		c := r.b[r.p]
		r.p++
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1), nil
		}
	}
	return 0, errors.New("malformed Avro varint (more than 10 bytes)")
}

func (r *avroReader) take(n int64) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("negative Avro length %d", n)
	}
	if int64(len(r.b)-r.p) < n {
		return nil, errTruncated
	}
	b := r.b[r.p : r.p+int(n)]
	r.p += int(n)
	return b, nil
}

func (r *avroReader) bytes() ([]byte, error) {
	n, err := r.long()
	if err != nil {
		return nil, err
	}
	return r.take(n)
}

// enumIndex reads the index of one of n enum symbols.
func (r *avroReader) enumIndex(n int) (int64, error) {
	i, err := r.long()
	if err != nil {
		return 0, err
	}
	if i < 0 || i >= int64(n) {
		return 0, fmt.Errorf("Avro enum index %d out of range", i)
	}
	return i, nil
}

// unionIndex reads the branch index of a union of n branches.
func (r *avroReader) unionIndex(n int) (int64, error) {
	i, err := r.long()
	if err != nil {
		return 0, err
	}
	if i < 0 || i >= int64(n) {
		return 0, fmt.Errorf("Avro union index %d out of range (%d branches)", i, n)
	}
	return i, nil
}

// blockLen reads an array/map block count; a negative count is followed
// by the block's byte size, checked but not used (items are read one by
// one). The count is admitted as admit does; empty marks items that can
// take no bytes.
func (r *avroReader) blockLen(empty bool) (int64, error) {
	n, err := r.long()
	if err != nil || n == 0 {
		return n, err
	}
	if n < 0 {
		if n == math.MinInt64 {
			return 0, errors.New("Avro block count out of range")
		}
		size, err := r.long()
		if err != nil {
			return 0, err
		}
		if size < 0 {
			return 0, fmt.Errorf("negative Avro block size %d", size)
		}
		n = -n
	}
	return n, r.admit(n, empty)
}

// admit accepts a block of n items before any is read: n items of a byte
// or more cannot outnumber the bytes left; items that can take no bytes
// (empty) count against maxEmptyItems for the whole body.
func (r *avroReader) admit(n int64, empty bool) error {
	if !empty {
		if left := int64(len(r.b) - r.p); n > left {
			return fmt.Errorf("%w: a block of %d items with %d bytes left", errTruncated, n, left)
		}
		return nil
	}
	if n > maxEmptyItems-r.emptyItems {
		return fmt.Errorf("Avro arrays of items that take no bytes (null or empty records) hold more than %d items", maxEmptyItems)
	}
	r.emptyItems += n
	return nil
}

// errTooDeep is the error of a recursive record nested more than
// maxDepth times in itself.
var errTooDeep = fmt.Errorf("Avro value nests a recursive record more than %d levels deep", maxDepth)

// enter counts one more recursive record entered, refusing one too deep;
// leave undoes it.
func (r *avroReader) enter() error {
	if r.depth >= maxDepth {
		return errTooDeep
	}
	r.depth++
	return nil
}

func (r *avroReader) leave() { r.depth-- }

type (
	decFn  func(r *avroReader, a *arena) (any, error)
	skipFn func(r *avroReader) error
)

func convErr(from avro.Schema, to *types.Type) error {
	return fmt.Errorf("cannot convert Avro %s to %s", avroTypeName(from), to)
}

func avroTypeName(s avro.Schema) string {
	if l := logicalOf(s); l != "" {
		return string(s.Type()) + "/" + string(l)
	}
	return string(s.Type())
}

// compileDec builds a reader for writer schema s producing values of SQL
// type t, with ksqlDB's coercions (int→long, enum→string, float→double, …).
func compileDec(s avro.Schema, t *types.Type) (decFn, error) {
	s = derefAvro(s)
	if u, ok := s.(*avro.UnionSchema); ok {
		fieldOf, err := unionFields(u, t)
		if err != nil {
			return nil, err
		}
		if fieldOf != nil {
			return decUnionStruct(u, t, fieldOf)
		}
		branches := make([]decFn, len(u.Types()))
		var firstErr error
		compiled := 0
		for i, b := range u.Types() {
			if b.Type() == avro.Null {
				branches[i] = func(*avroReader, *arena) (any, error) { return nil, nil }
				continue
			}
			d, err := compileDec(b, t)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				bErr := err
				d = func(*avroReader, *arena) (any, error) { return nil, bErr }
			} else {
				compiled++
			}
			branches[i] = d
		}
		if compiled == 0 && firstErr != nil {
			return nil, firstErr
		}
		return decUnion(branches), nil
	}
	if p, sc, ok := avroDecimal(s); ok {
		return decDecimal(s, p, sc, t)
	}
	switch s.Type() {
	case avro.Null:
		return func(*avroReader, *arena) (any, error) { return nil, nil }, nil
	case avro.Boolean:
		switch t.Kind {
		case types.Boolean:
			return func(r *avroReader, _ *arena) (any, error) {
				if r.p >= len(r.b) {
					return nil, errTruncated
				}
				r.p++
				return r.b[r.p-1] != 0, nil
			}, nil
		case types.String:
			return func(r *avroReader, _ *arena) (any, error) {
				if r.p >= len(r.b) {
					return nil, errTruncated
				}
				r.p++
				return strconv.FormatBool(r.b[r.p-1] != 0), nil
			}, nil
		}
	case avro.Int, avro.Long:
		return decInteger(s, t)
	case avro.Float, avro.Double:
		return decFloat(s, t)
	case avro.String, avro.Enum:
		var syms []string
		if e, ok := s.(*avro.EnumSchema); ok {
			syms = e.Symbols()
		}
		read := func(r *avroReader) ([]byte, error) {
			if syms == nil {
				return r.bytes()
			}
			i, err := r.enumIndex(len(syms))
			if err != nil {
				return nil, err
			}
			return []byte(syms[i]), nil
		}
		if t.Kind == types.String {
			return func(r *avroReader, a *arena) (any, error) {
				b, err := read(r)
				if err != nil {
					return nil, err
				}
				// The strings after this one lie in what is left to read.
				return a.str(b, len(b)+len(r.b)-r.p), nil
			}, nil
		}
		if t.Kind == types.Bytes && syms == nil {
			// Avro promotes a string to bytes (its UTF-8), so a column
			// inferred from a later schema reads what an earlier one wrote.
			return func(r *avroReader, _ *arena) (any, error) {
				b, err := r.bytes()
				if err != nil {
					return nil, err
				}
				return append([]byte(nil), b...), nil
			}, nil
		}
		if t.IsPrimitive() {
			return func(r *avroReader, _ *arena) (any, error) {
				b, err := read(r)
				if err != nil {
					return nil, err
				}
				return fromText(string(b), t)
			}, nil
		}
	case avro.Bytes, avro.Fixed:
		size := -1
		if f, ok := s.(*avro.FixedSchema); ok {
			size = f.Size()
		}
		if t.Kind == types.Bytes {
			return func(r *avroReader, _ *arena) (any, error) {
				var b []byte
				var err error
				if size >= 0 {
					b, err = r.take(int64(size))
				} else {
					b, err = r.bytes()
				}
				if err != nil {
					return nil, err
				}
				return append([]byte(nil), b...), nil
			}, nil
		}
		if t.Kind == types.String && size < 0 {
			// Avro promotes bytes to a string, as the other way round.
			return func(r *avroReader, a *arena) (any, error) {
				b, err := r.bytes()
				if err != nil {
					return nil, err
				}
				return a.str(b, len(b)+len(r.b)-r.p), nil
			}, nil
		}
	case avro.Array:
		if t.Kind != types.Array {
			break
		}
		items := s.(*avro.ArraySchema).Items()
		elem, err := compileDec(items, t.Elem)
		if err != nil {
			return nil, err
		}
		empty := avroEmpty(items)
		return func(r *avroReader, a *arena) (any, error) {
			out := []any{}
			for {
				n, err := r.blockLen(empty)
				if err != nil {
					return nil, err
				}
				if n == 0 {
					return out, nil
				}
				for ; n > 0; n-- {
					v, err := elem(r, nil)
					if err != nil {
						return nil, err
					}
					out = append(out, v)
				}
			}
		}, nil
	case avro.Map:
		if t.Kind != types.Map {
			break
		}
		if t.Key.Kind != types.String {
			return nil, fmt.Errorf("cannot read an Avro map into %s: keys must be STRING", t)
		}
		val, err := compileDec(s.(*avro.MapSchema).Values(), t.Elem)
		if err != nil {
			return nil, err
		}
		return func(r *avroReader, a *arena) (any, error) {
			m := types.NewMapBuilder(0)
			for {
				n, err := r.blockLen(false) // a key takes a byte
				if err != nil {
					return nil, err
				}
				if n == 0 {
					return m.Map(), nil
				}
				for ; n > 0; n-- {
					k, err := r.bytes()
					if err != nil {
						return nil, err
					}
					v, err := val(r, nil)
					if err != nil {
						return nil, err
					}
					m.Put(string(k), v)
				}
			}
		}, nil
	case avro.Record, avro.Error:
		if t.Kind != types.Struct {
			break
		}
		rec := s.(*avro.RecordSchema)
		names := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			names[i] = f.Name
		}
		fields := make([]fieldDec, len(rec.Fields()))
		for i, f := range rec.Fields() {
			j := fieldIndex(names, f.Name())
			fields[i].col = j
			if j < 0 {
				fields[i].skip = compileSkip(f.Type())
				continue
			}
			d, err := compileDec(f.Type(), t.Fields[j].Type)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			fields[i].dec = d
		}
		n := len(t.Fields)
		return func(r *avroReader, a *arena) (any, error) {
			sv := make(types.StructVal, n)
			for _, f := range fields {
				if f.col < 0 {
					if err := f.skip(r); err != nil {
						return nil, err
					}
					continue
				}
				v, err := f.dec(r, nil)
				if err != nil {
					return nil, err
				}
				sv[f.col] = v
			}
			return sv, nil
		}, nil
	}
	return nil, convErr(s, t)
}

// decUnionStruct reads a union of several non-null types as ksqlDB does:
// into a STRUCT whose field of the datum's branch (fieldOf, see
// unionFields) holds the value and the others are NULL; null is a NULL
// STRUCT.
func decUnionStruct(u *avro.UnionSchema, t *types.Type, fieldOf []int) (decFn, error) {
	n := len(t.Fields)
	branches := make([]decFn, len(u.Types()))
	for i, b := range u.Types() {
		j := fieldOf[i]
		switch {
		case b.Type() == avro.Null:
			branches[i] = func(*avroReader, *arena) (any, error) { return nil, nil }
		case j < 0:
			skip := compileSkip(b)
			branches[i] = func(r *avroReader, _ *arena) (any, error) {
				if err := skip(r); err != nil {
					return nil, err
				}
				return make(types.StructVal, n), nil
			}
		default:
			d, err := compileDec(b, t.Fields[j].Type)
			if err != nil {
				return nil, fmt.Errorf("union branch %s: %w", unionBranchName(b), err)
			}
			branches[i] = func(r *avroReader, _ *arena) (any, error) {
				v, err := d(r, nil) // the struct escapes the arena's record
				if err != nil {
					return nil, err
				}
				sv := make(types.StructVal, n)
				sv[j] = v
				return sv, nil
			}
		}
	}
	return decUnion(branches), nil
}

// decUnion reads a union's branch index, then the branch.
func decUnion(branches []decFn) decFn {
	return func(r *avroReader, a *arena) (any, error) {
		i, err := r.unionIndex(len(branches))
		if err != nil {
			return nil, err
		}
		return branches[i](r, a)
	}
}

// longReader reads an Avro int or long of schema s as SQL type t: the
// micro-second logical types are scaled to milliseconds for a TIMESTAMP
// or TIME column only (declared so, or inferred by an earlier build).
// ksqlDB's Avro converter knows no micro-second logical type, so it reads
// (and infers) them as BIGINT, the number of microseconds, and so does
// eddy.
func longReader(s avro.Schema, t *types.Type) func(r *avroReader) (int64, error) {
	if !microsAsMillis(s, t) {
		return (*avroReader).long
	}
	return func(r *avroReader) (int64, error) {
		v, err := r.long()
		return v / 1000, err
	}
}

// microsAsMillis reports whether values of Avro schema s, a
// timestamp-micros or time-micros long, are read into or written from SQL
// type t (TIMESTAMP or TIME, in milliseconds) scaled by 1000.
func microsAsMillis(s avro.Schema, t *types.Type) bool {
	lt := logicalOf(s)
	return (lt == avro.TimestampMicros || lt == avro.TimeMicros) && (t.Kind == types.Timestamp || t.Kind == types.Time)
}

// checkInt32 rejects a value that INT, DATE or TIME t cannot hold.
func checkInt32(v int64, t *types.Type) error {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return fmt.Errorf("value %d is out of range for %s", v, t)
	}
	return nil
}

func decInteger(s avro.Schema, t *types.Type) (decFn, error) {
	read := longReader(s, t)
	switch t.Kind {
	case types.Int, types.Date, types.Time:
		typ := tInt32
		switch t.Kind {
		case types.Date:
			typ = tDate
		case types.Time:
			typ = tTime
		}
		return func(r *avroReader, a *arena) (any, error) {
			v, err := read(r)
			if err != nil {
				return nil, err
			}
			if err := checkInt32(v, t); err != nil {
				return nil, err
			}
			return a.int32v(typ, int32(v)), nil
		}, nil
	case types.Bigint, types.Timestamp:
		typ := tInt64
		if t.Kind == types.Timestamp {
			typ = tTimestamp
		}
		return func(r *avroReader, a *arena) (any, error) {
			v, err := read(r)
			if err != nil {
				return nil, err
			}
			return a.int64v(typ, v), nil
		}, nil
	case types.Double:
		return func(r *avroReader, a *arena) (any, error) {
			v, err := read(r)
			if err != nil {
				return nil, err
			}
			return a.float64v(float64(v)), nil
		}, nil
	case types.Decimal:
		return func(r *avroReader, _ *arena) (any, error) {
			v, err := read(r)
			if err != nil {
				return nil, err
			}
			return fitDecimal(decimal.NewFromInt(v), t)
		}, nil
	case types.String:
		return func(r *avroReader, _ *arena) (any, error) {
			v, err := read(r)
			if err != nil {
				return nil, err
			}
			return strconv.FormatInt(v, 10), nil
		}, nil
	}
	return nil, convErr(s, t)
}

func decFloat(s avro.Schema, t *types.Type) (decFn, error) {
	single := s.Type() == avro.Float
	read := func(r *avroReader) (float64, error) {
		if single {
			b, err := r.take(4)
			if err != nil {
				return 0, err
			}
			return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), nil
		}
		b, err := r.take(8)
		if err != nil {
			return 0, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	}
	switch t.Kind {
	case types.Double:
		return func(r *avroReader, a *arena) (any, error) {
			v, err := read(r)
			if err != nil {
				return nil, err
			}
			return a.float64v(v), nil
		}, nil
	case types.Decimal:
		return func(r *avroReader, _ *arena) (any, error) {
			v, err := read(r)
			if err != nil {
				return nil, err
			}
			d, err := decimalFromFloat(v, t)
			if err != nil {
				return nil, err
			}
			return fitDecimal(d, t)
		}, nil
	case types.String:
		return func(r *avroReader, _ *arena) (any, error) {
			v, err := read(r)
			if err != nil {
				return nil, err
			}
			return types.FormatDouble(v), nil
		}, nil
	}
	return nil, convErr(s, t)
}

func decDecimal(s avro.Schema, _, scale int, t *types.Type) (decFn, error) {
	size := -1
	if f, ok := s.(*avro.FixedSchema); ok {
		size = f.Size()
	}
	read := func(r *avroReader) (decimal.Decimal, error) {
		var b []byte
		var err error
		if size >= 0 {
			b, err = r.take(int64(size))
		} else {
			b, err = r.bytes()
		}
		if err != nil {
			return decimal.Decimal{}, err
		}
		return decimal.NewFromBigInt(fromTwos(b), -int32(scale)), nil
	}
	switch t.Kind {
	case types.Decimal:
		return func(r *avroReader, _ *arena) (any, error) {
			d, err := read(r)
			if err != nil {
				return nil, err
			}
			return fitDecimal(d, t)
		}, nil
	case types.Double:
		return func(r *avroReader, a *arena) (any, error) {
			d, err := read(r)
			if err != nil {
				return nil, err
			}
			f, _ := d.Float64()
			return a.float64v(f), nil
		}, nil
	case types.String:
		return func(r *avroReader, _ *arena) (any, error) {
			d, err := read(r)
			if err != nil {
				return nil, err
			}
			return plainDecimal(d), nil
		}, nil
	}
	return nil, convErr(s, t)
}

// fromTwos reads a big-endian two's-complement integer.
func fromTwos(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	return v
}

// toTwos writes v as the shortest big-endian two's-complement bytes.
func toTwos(v *big.Int) []byte {
	if v.Sign() == 0 {
		return []byte{0}
	}
	if v.Sign() > 0 {
		b := v.Bytes()
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	n := (v.BitLen() + 8) / 8 // room for the sign bit
	m := new(big.Int).Add(v, new(big.Int).Lsh(big.NewInt(1), uint(n*8)))
	b := m.Bytes()
	for len(b) < n {
		b = append([]byte{0xff}, b...)
	}
	// Drop redundant leading 0xff bytes.
	for len(b) > 1 && b[0] == 0xff && b[1]&0x80 != 0 {
		b = b[1:]
	}
	return b
}

// compileSkip builds a reader that steps over a value of schema s.
func compileSkip(s avro.Schema) skipFn {
	return skipCompiler{}.compile(s)
}

// skipCompiler compiles skips, each record once: a record that holds
// itself (legal Avro: a list or tree) refers back to its own skip, set
// when compiled, and counts its nesting at run time.
type skipCompiler map[*avro.RecordSchema]*skipFn

func (c skipCompiler) compile(s avro.Schema) skipFn {
	s = derefAvro(s)
	switch s.Type() {
	case avro.Null:
		return skipNothing
	case avro.Boolean:
		return skipBoolean
	case avro.Int, avro.Long, avro.Enum:
		return func(r *avroReader) error { _, err := r.long(); return err }
	case avro.Float:
		return skipFloat
	case avro.Double:
		return skipDouble
	case avro.String, avro.Bytes:
		return skipBytes
	case avro.Fixed:
		return skipFixed(s.(*avro.FixedSchema).Size())
	case avro.Union:
		bs := make([]skipFn, len(s.(*avro.UnionSchema).Types()))
		for i, b := range s.(*avro.UnionSchema).Types() {
			bs[i] = c.compile(b)
		}
		return func(r *avroReader) error {
			i, err := r.long()
			if err != nil {
				return err
			}
			if i < 0 || i >= int64(len(bs)) {
				return fmt.Errorf("Avro union index %d out of range", i)
			}
			return bs[i](r)
		}
	case avro.Array:
		items := s.(*avro.ArraySchema).Items()
		return skipBlocks(c.compile(items), false, avroEmpty(items))
	case avro.Map:
		return skipBlocks(c.compile(s.(*avro.MapSchema).Values()), true, false)
	case avro.Record, avro.Error:
		return c.record(s.(*avro.RecordSchema))
	}
	return func(*avroReader) error { return fmt.Errorf("cannot skip Avro type %s", s.Type()) }
}

// record compiles the skip of a record, or, inside its own compilation,
// a reference to it.
func (c skipCompiler) record(rec *avro.RecordSchema) skipFn {
	if self, ok := c[rec]; ok {
		if *self != nil {
			return *self
		}
		return func(r *avroReader) error {
			if err := r.enter(); err != nil {
				return err
			}
			err := (*self)(r)
			r.leave()
			return err
		}
	}
	self := new(skipFn)
	c[rec] = self
	fs := make([]skipFn, len(rec.Fields()))
	for i, f := range rec.Fields() {
		fs[i] = c.compile(f.Type())
	}
	*self = func(r *avroReader) error {
		for _, f := range fs {
			if err := f(r); err != nil {
				return err
			}
		}
		return nil
	}
	return *self
}

// skipBlocks steps over the blocks of an array or map, jumping over
// those that give their byte size.
func skipBlocks(item skipFn, isMap, empty bool) skipFn {
	return func(r *avroReader) error {
		for {
			n, err := r.long()
			if err != nil || n == 0 {
				return err
			}
			if n < 0 { // the block size lets us jump
				size, err := r.long()
				if err != nil {
					return err
				}
				if _, err = r.take(size); err != nil {
					return err
				}
				continue
			}
			if err := r.admit(n, empty); err != nil {
				return err
			}
			for ; n > 0; n-- {
				if isMap {
					if _, err := r.bytes(); err != nil {
						return err
					}
				}
				if err := item(r); err != nil {
					return err
				}
			}
		}
	}
}

// avroEmpty reports that a value of s can take no bytes: null, a
// zero-size fixed, or a record of only such fields. A record met inside
// itself is taken to need bytes: a value can nest in itself only through
// a union, array or map, which take some (or has no finite encoding).
func avroEmpty(s avro.Schema) bool { return emptyWithin(s, nil) }

func emptyWithin(s avro.Schema, outer []*avro.RecordSchema) bool {
	switch s := derefAvro(s).(type) {
	case *avro.NullSchema:
		return true
	case *avro.FixedSchema:
		return s.Size() == 0
	case *avro.RecordSchema:
		if slices.Contains(outer, s) {
			return false
		}
		outer = append(outer, s)
		for _, f := range s.Fields() {
			if !emptyWithin(f.Type(), outer) {
				return false
			}
		}
		return true
	}
	return false
}

// ---- binary writing ----

type encFn func(dst []byte, v any) ([]byte, error)

// encF writes one record field from a column (col >= 0) or, when no column
// matches it, its default.
type encF struct {
	col      int
	enc      encFn
	def      []byte // encoded default: for a missing column, or a null in a non-nullable field
	defOnNil bool   // write def for a null value
	err      error  // set when the field has neither column nor default
}

func appendLong(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

func appendAvroBytes(dst, b []byte) []byte {
	return append(appendLong(dst, int64(len(b))), b...)
}

func encodeFields(buf []byte, fs []encF, vals []any) ([]byte, error) {
	var err error
	for _, f := range fs {
		if f.err != nil {
			return buf, f.err
		}
		var v any
		if f.col >= 0 {
			v = vals[f.col]
		}
		if f.col < 0 || (v == nil && f.defOnNil) {
			buf = append(buf, f.def...)
			continue
		}
		if buf, err = f.enc(buf, v); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// compileRecordEnc maps SQL fields (columns or struct fields) onto the
// fields of an Avro record by name.
func compileRecordEnc(fs []types.Field, rec *avro.RecordSchema) ([]encF, error) {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	out := make([]encF, len(rec.Fields()))
	for i, af := range rec.Fields() {
		j := fieldIndex(names, af.Name())
		out[i].col = j
		nullable := isNullable(af.Type())
		if af.HasDefault() && !(nullable && af.Default() == nil) {
			def, err := encodeDefault(nil, af.Type(), af.Default(), 0)
			if err != nil {
				return nil, fmt.Errorf("default of field %s: %w", af.Name(), err)
			}
			out[i].def = def
		}
		out[i].defOnNil = !nullable && out[i].def != nil
		if j < 0 {
			switch {
			case nullable && out[i].def == nil:
				out[i].def = appendLong(nil, int64(nullIndex(af.Type())))
			case out[i].def == nil:
				out[i].err = fmt.Errorf("the Avro schema field %s is required and has no default, and no column provides it", af.Name())
			}
			continue
		}
		e, err := compileEnc(fs[j].Type, af.Type())
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", af.Name(), err)
		}
		out[i].enc = fieldErr(fs[j].Name, e)
	}
	return out, nil
}

func fieldErr(name string, e encFn) encFn {
	return func(dst []byte, v any) ([]byte, error) {
		out, err := e(dst, v)
		if err != nil {
			return out, fmt.Errorf("field %s: %w", types.QuoteIdent(name), err)
		}
		return out, nil
	}
}

func isNullable(s avro.Schema) bool { return nullIndex(s) >= 0 }

func nullIndex(s avro.Schema) int {
	s = derefAvro(s)
	if s.Type() == avro.Null {
		return 0
	}
	if u, ok := s.(*avro.UnionSchema); ok {
		for i, b := range u.Types() {
			if b.Type() == avro.Null {
				return i
			}
		}
	}
	return -1
}

// compileEnc builds a writer of SQL type t into Avro schema s.
func compileEnc(t *types.Type, s avro.Schema) (encFn, error) {
	s = derefAvro(s)
	if u, ok := s.(*avro.UnionSchema); ok {
		fieldOf, err := unionFields(u, t)
		if err != nil {
			return nil, err
		}
		if fieldOf != nil {
			return encUnionStruct(u, t, fieldOf)
		}
		ni := nullIndex(u)
		var firstErr error
		for i, b := range u.Types() {
			if b.Type() == avro.Null {
				continue
			}
			e, err := compileEnc(t, b)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			idx := appendLong(nil, int64(i))
			nul := appendLong(nil, int64(ni))
			return func(dst []byte, v any) ([]byte, error) {
				if v == nil {
					if ni < 0 {
						return dst, errors.New("null value for a non-nullable Avro union")
					}
					return append(dst, nul...), nil
				}
				return e(append(dst, idx...), v)
			}, nil
		}
		if firstErr == nil {
			firstErr = errors.New("the union has no non-null branch")
		}
		return nil, firstErr
	}
	notNull := func(e encFn) encFn {
		return func(dst []byte, v any) ([]byte, error) {
			if v == nil {
				return dst, fmt.Errorf("null value for non-nullable Avro type %s", avroTypeName(s))
			}
			return e(dst, v)
		}
	}
	if _, sc, ok := avroDecimal(s); ok {
		size := -1
		if f, isF := s.(*avro.FixedSchema); isF {
			size = f.Size()
		}
		return notNull(func(dst []byte, v any) ([]byte, error) {
			d, ok := asDecimal(v)
			if !ok {
				f, isF := v.(float64)
				if !isF {
					return dst, typeErr(v, t)
				}
				var err error
				if d, err = decimalFromFloat(f, t); err != nil {
					return dst, err
				}
			}
			b := toTwos(d.Round(int32(sc)).Coefficient())
			if size < 0 {
				return appendAvroBytes(dst, b), nil
			}
			if len(b) > size {
				return dst, fmt.Errorf("decimal %s does not fit fixed(%d)", d, size)
			}
			pad := byte(0)
			if b[0]&0x80 != 0 {
				pad = 0xff
			}
			for i := len(b); i < size; i++ {
				dst = append(dst, pad)
			}
			return append(dst, b...), nil
		}), nil
	}
	switch s.Type() {
	case avro.Null:
		return func(dst []byte, v any) ([]byte, error) {
			if v != nil {
				return dst, errors.New("non-null value for Avro null")
			}
			return dst, nil
		}, nil
	case avro.Boolean:
		if t.Kind == types.Boolean {
			return notNull(func(dst []byte, v any) ([]byte, error) {
				b, ok := v.(bool)
				if !ok {
					return dst, typeErr(v, t)
				}
				if b {
					return append(dst, 1), nil
				}
				return append(dst, 0), nil
			}), nil
		}
	case avro.Int, avro.Long:
		mul := int64(1)
		if microsAsMillis(s, t) {
			mul = 1000
		}
		switch t.Kind {
		case types.Int, types.Bigint, types.Date, types.Time, types.Timestamp:
			isInt := s.Type() == avro.Int
			return notNull(func(dst []byte, v any) ([]byte, error) {
				i, ok := asInt64(v)
				if !ok {
					return dst, typeErr(v, t)
				}
				i *= mul
				if isInt && (i < math.MinInt32 || i > math.MaxInt32) {
					return dst, fmt.Errorf("value %d is out of range for Avro int", i)
				}
				return appendLong(dst, i), nil
			}), nil
		}
	case avro.Float, avro.Double:
		if t.IsNumeric() {
			single := s.Type() == avro.Float
			return notNull(func(dst []byte, v any) ([]byte, error) {
				f, ok := asFloat64(v)
				if !ok {
					return dst, typeErr(v, t)
				}
				if single {
					return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(f))), nil
				}
				return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f)), nil
			}), nil
		}
	case avro.String:
		if t.Kind == types.String {
			return notNull(func(dst []byte, v any) ([]byte, error) {
				str, ok := v.(string)
				if !ok {
					return dst, typeErr(v, t)
				}
				return append(appendLong(dst, int64(len(str))), str...), nil
			}), nil
		}
		if t.IsPrimitive() {
			return notNull(func(dst []byte, v any) ([]byte, error) {
				str, err := textOf(v, t)
				if err != nil {
					return dst, err
				}
				return append(appendLong(dst, int64(len(str))), str...), nil
			}), nil
		}
	case avro.Enum:
		if t.Kind == types.String {
			syms := s.(*avro.EnumSchema).Symbols()
			return notNull(func(dst []byte, v any) ([]byte, error) {
				str, ok := v.(string)
				if !ok {
					return dst, typeErr(v, t)
				}
				for i, sym := range syms {
					if sym == str {
						return appendLong(dst, int64(i)), nil
					}
				}
				return dst, fmt.Errorf("%q is not a symbol of the Avro enum %s", str, s.(*avro.EnumSchema).FullName())
			}), nil
		}
	case avro.Bytes, avro.Fixed:
		if t.Kind == types.Bytes {
			size := -1
			if f, ok := s.(*avro.FixedSchema); ok {
				size = f.Size()
			}
			return notNull(func(dst []byte, v any) ([]byte, error) {
				b, ok := v.([]byte)
				if !ok {
					return dst, typeErr(v, t)
				}
				if size >= 0 {
					if len(b) != size {
						return dst, fmt.Errorf("%d bytes do not fit Avro fixed(%d)", len(b), size)
					}
					return append(dst, b...), nil
				}
				return appendAvroBytes(dst, b), nil
			}), nil
		}
	case avro.Array:
		if t.Kind == types.Array {
			elem, err := compileEnc(t.Elem, s.(*avro.ArraySchema).Items())
			if err != nil {
				return nil, err
			}
			return notNull(func(dst []byte, v any) ([]byte, error) {
				arr, ok := v.([]any)
				if !ok {
					return dst, typeErr(v, t)
				}
				if len(arr) > 0 {
					dst = appendLong(dst, int64(len(arr)))
					for i, x := range arr {
						var err error
						if dst, err = elem(dst, x); err != nil {
							return dst, fmt.Errorf("element %d: %w", i, err)
						}
					}
				}
				return append(dst, 0), nil
			}), nil
		}
	case avro.Map:
		if t.Kind == types.Map && t.Key.Kind == types.String {
			val, err := compileEnc(t.Elem, s.(*avro.MapSchema).Values())
			if err != nil {
				return nil, err
			}
			return notNull(func(dst []byte, v any) ([]byte, error) {
				m, ok := v.(*types.MapVal)
				if !ok {
					return dst, typeErr(v, t)
				}
				if m.Len() > 0 {
					dst = appendLong(dst, int64(m.Len()))
					for i, k := range m.Keys {
						ks, ok := k.(string)
						if !ok {
							return dst, fmt.Errorf("map key of Go type %T is not a string", k)
						}
						dst = append(appendLong(dst, int64(len(ks))), ks...)
						var err error
						if dst, err = val(dst, m.Vals[i]); err != nil {
							return dst, fmt.Errorf("map value of %q: %w", ks, err)
						}
					}
				}
				return append(dst, 0), nil
			}), nil
		}
	case avro.Record, avro.Error:
		if t.Kind == types.Struct {
			fs, err := compileRecordEnc(t.Fields, s.(*avro.RecordSchema))
			if err != nil {
				return nil, err
			}
			return notNull(func(dst []byte, v any) ([]byte, error) {
				sv, ok := v.(types.StructVal)
				if !ok {
					return dst, typeErr(v, t)
				}
				if len(sv) != len(t.Fields) {
					return dst, fmt.Errorf("struct value has %d fields, its type %d", len(sv), len(t.Fields))
				}
				return encodeFields(dst, fs, sv)
			}), nil
		}
	}
	return nil, fmt.Errorf("cannot write %s as Avro %s", t, avroTypeName(s))
}

// encUnionStruct writes a STRUCT to a union of several non-null types, the
// inverse of decUnionStruct: the branch of its one non-NULL field
// (fieldOf, see unionFields). A NULL STRUCT, or one of only NULL fields,
// is the union's null. Two non-NULL fields are refused: the union holds
// one value, and Connect's choice of the first would drop the others.
func encUnionStruct(u *avro.UnionSchema, t *types.Type, fieldOf []int) (encFn, error) {
	idx := make([][]byte, len(t.Fields))
	encs := make([]encFn, len(t.Fields))
	for i, b := range u.Types() {
		j := fieldOf[i]
		if j < 0 {
			continue
		}
		e, err := compileEnc(t.Fields[j].Type, b)
		if err != nil {
			return nil, fmt.Errorf("union branch %s: %w", unionBranchName(b), err)
		}
		idx[j], encs[j] = appendLong(nil, int64(i)), fieldErr(t.Fields[j].Name, e)
	}
	ni := nullIndex(u)
	null := func(dst []byte) ([]byte, error) {
		if ni < 0 {
			return dst, errors.New("null value for a non-nullable Avro union")
		}
		return appendLong(dst, int64(ni)), nil
	}
	return func(dst []byte, v any) ([]byte, error) {
		if v == nil {
			return null(dst)
		}
		sv, ok := v.(types.StructVal)
		if !ok {
			return dst, typeErr(v, t)
		}
		if len(sv) != len(t.Fields) {
			return dst, fmt.Errorf("struct value has %d fields, its type %d", len(sv), len(t.Fields))
		}
		set := -1
		for j, x := range sv {
			if x == nil {
				continue
			}
			if set >= 0 {
				return dst, fmt.Errorf("struct fields %s and %s are both set, but an Avro union value takes one branch",
					types.QuoteIdent(t.Fields[set].Name), types.QuoteIdent(t.Fields[j].Name))
			}
			set = j
		}
		if set < 0 {
			return null(dst)
		}
		return encs[set](append(dst, idx[set]...), sv[set])
	}, nil
}

// encodeDefault writes a field default, given as parsed JSON, in binary.
// The default of a union is of its first branch. A record field the
// default leaves out takes its own default, so a recursive record can
// nest without end: depth counts the levels, up to maxDepth.
func encodeDefault(dst []byte, s avro.Schema, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, fmt.Errorf("default nests more than %d levels deep", maxDepth)
	}
	depth++
	s = derefAvro(s)
	switch s.Type() {
	case avro.Union:
		return encodeDefault(append(dst, 0), s.(*avro.UnionSchema).Types()[0], v, depth)
	case avro.Null:
		return dst, nil
	case avro.Boolean:
		if b, ok := v.(bool); ok && b {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case avro.Int, avro.Long:
		f, _ := toFloat(v)
		return appendLong(dst, int64(f)), nil
	case avro.Float:
		f, _ := toFloat(v)
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(f))), nil
	case avro.Double:
		f, _ := toFloat(v)
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case avro.String:
		str, _ := v.(string)
		return append(appendLong(dst, int64(len(str))), str...), nil
	case avro.Bytes:
		var b []byte
		switch x := v.(type) {
		case string: // JSON defaults encode bytes as ISO-8859-1 text
			for _, r := range x {
				b = append(b, byte(r))
			}
		case []byte:
			b = x
		}
		return appendAvroBytes(dst, b), nil
	case avro.Fixed:
		b := make([]byte, s.(*avro.FixedSchema).Size())
		switch x := v.(type) {
		case string:
			i := 0
			for _, r := range x {
				if i < len(b) {
					b[i] = byte(r)
				}
				i++
			}
		case []byte:
			copy(b, x)
		}
		return append(dst, b...), nil
	case avro.Enum:
		str, _ := v.(string)
		for i, sym := range s.(*avro.EnumSchema).Symbols() {
			if sym == str {
				return appendLong(dst, int64(i)), nil
			}
		}
		return dst, fmt.Errorf("default %q is not an enum symbol", str)
	case avro.Array:
		arr, _ := v.([]any)
		if len(arr) > 0 {
			dst = appendLong(dst, int64(len(arr)))
			for _, x := range arr {
				var err error
				if dst, err = encodeDefault(dst, s.(*avro.ArraySchema).Items(), x, depth); err != nil {
					return dst, err
				}
			}
		}
		return append(dst, 0), nil
	case avro.Map:
		m, _ := v.(map[string]any)
		if len(m) > 0 {
			dst = appendLong(dst, int64(len(m)))
			for k, x := range m {
				dst = append(appendLong(dst, int64(len(k))), k...)
				var err error
				if dst, err = encodeDefault(dst, s.(*avro.MapSchema).Values(), x, depth); err != nil {
					return dst, err
				}
			}
		}
		return append(dst, 0), nil
	case avro.Record, avro.Error:
		m, _ := v.(map[string]any)
		for _, f := range s.(*avro.RecordSchema).Fields() {
			x, ok := m[f.Name()]
			if !ok {
				x = f.Default()
			}
			var err error
			if dst, err = encodeDefault(dst, f.Type(), x, depth); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	return dst, fmt.Errorf("cannot write a default of Avro type %s", s.Type())
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}
