package serde

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"

	"github.com/eddysql/eddy/types"
)

// DefaultAvroFullName is the record name ksqlDB gives generated schemas.
const DefaultAvroFullName = "io.confluent.ksql.avro_schemas.KsqlDataSourceSchema"

// AvroKeyFullName is the key record name ksqlDB uses for a sink it
// creates, e.g. "io.confluent.ksql.avro_schemas.OutputKey" for OUTPUT and
// "…FooBarKey" for FOO_BAR; the planner passes it as KEY_SCHEMA_FULL_NAME.
// As ksqlDB (Guava's UPPER_UNDERSCORE to UPPER_CAMEL), the underscores
// go, the first character of each part between them is upper-cased and the
// rest lower-cased (ASCII letters only, as Guava's Ascii).
func AvroKeyFullName(source string) string {
	b := []byte(source)
	out := b[:0]
	first := true
	for _, c := range b {
		switch {
		case c == '_':
			first = true
			continue
		case first && c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case !first && c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		first = false
		out = append(out, c)
	}
	return "io.confluent.ksql.avro_schemas." + string(out) + "Key"
}

// avroNameErr validates an Avro name as the Avro spec (and Java's Avro
// library, whose messages ksqlDB shows) does.
func avroNameErr(name string) error {
	if name == "" {
		return errors.New("Empty name")
	}
	for i, r := range name {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			if i == 0 {
				return fmt.Errorf("Illegal initial character: %s", name)
			}
			return fmt.Errorf("Illegal character in: %s", name)
		}
	}
	return nil
}

// checkAvro validates that AVRO can carry the columns, written bare
// (unwrapped) or as a record.
func checkAvro(f Format, cols []types.Column, isKey, unwrapped bool) error {
	if _, _, err := fullNameOf(f, isKey); err != nil {
		return err
	}
	var walk func(t *types.Type) error
	walk = func(t *types.Type) error {
		switch t.Kind {
		case types.Map:
			if t.Key.Kind != types.String {
				return errors.New("Avro only supports MAPs with STRING keys")
			}
			return walk(t.Elem)
		case types.Array:
			return walk(t.Elem)
		case types.Struct:
			for _, fl := range t.Fields {
				if err := avroNameErr(fl.Name); err != nil {
					return fmt.Errorf("Schema is not compatible with Avro: %w", err)
				}
				if err := walk(fl.Type); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, c := range cols {
		if err := walk(c.Type); err != nil {
			return err
		}
	}
	if unwrapped {
		return nil
	}
	for _, c := range cols {
		if err := avroNameErr(c.Name); err != nil {
			return fmt.Errorf("Schema is not compatible with Avro: %w", err)
		}
	}
	return nil
}

// unwrappedSide reports whether a lone column is written bare: keys of
// AVRO and JSON_SR always, values when WRAP_SINGLE_VALUE is false.
func unwrappedSide(f Format, cols []types.Column, isKey bool, format string) bool {
	if len(cols) != 1 || format == Protobuf || format == ProtobufNoSR {
		return false
	}
	if isKey {
		return true
	}
	wrap, _, _ := wrapSetting(f)
	return !wrap
}

// avroSchemaFor builds the Avro schema ksqlDB would register for columns:
// a record of nullable fields named fullName, or for an unwrapped column
// its (non-union) type.
func avroSchemaFor(cols []types.Column, unwrapped bool, fullName string) string {
	var b strings.Builder
	ns, name := splitFullName(fullName)
	if unwrapped {
		t := cols[0].Type
		if t.Kind == types.Struct {
			writeAvroRecord(&b, name, ns, t.Fields, true)
		} else {
			writeAvroType(&b, t, name, ns)
		}
		return b.String()
	}
	fs := make([]types.Field, len(cols))
	for i, c := range cols {
		fs[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	writeAvroRecord(&b, name, ns, fs, true)
	return b.String()
}

func splitFullName(full string) (ns, name string) {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "", full
}

func writeAvroRecord(b *strings.Builder, name, ns string, fs []types.Field, top bool) {
	b.WriteString(`{"type":"record","name":`)
	writeJSONString(b, name)
	if top && ns != "" {
		b.WriteString(`,"namespace":`)
		writeJSONString(b, ns)
	}
	b.WriteString(`,"fields":[`)
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"name":`)
		writeJSONString(b, f.Name)
		b.WriteString(`,"type":`)
		writeAvroNullable(b, f.Type, name+"_"+f.Name, ns)
		b.WriteString(`,"default":null}`)
	}
	b.WriteString(`],"connect.name":`)
	full := name
	if ns != "" {
		full = ns + "." + name
	}
	writeJSONString(b, full)
	b.WriteByte('}')
}

// writeAvroNullable writes ["null", T].
func writeAvroNullable(b *strings.Builder, t *types.Type, name, ns string) {
	b.WriteString(`["null",`)
	writeAvroType(b, t, name, ns)
	b.WriteByte(']')
}

// writeAvroType writes the Avro type of t; name names a STRUCT record.
func writeAvroType(b *strings.Builder, t *types.Type, name, ns string) {
	switch t.Kind {
	case types.Boolean:
		b.WriteString(`"boolean"`)
	case types.Int:
		b.WriteString(`"int"`)
	case types.Bigint:
		b.WriteString(`"long"`)
	case types.Double:
		b.WriteString(`"double"`)
	case types.String:
		b.WriteString(`"string"`)
	case types.Bytes:
		b.WriteString(`"bytes"`)
	case types.Decimal:
		fmt.Fprintf(b, `{"type":"bytes","logicalType":"decimal","precision":%d,"scale":%d}`, t.Precision, t.Scale)
	case types.Date:
		b.WriteString(`{"type":"int","logicalType":"date"}`)
	case types.Time:
		b.WriteString(`{"type":"int","logicalType":"time-millis"}`)
	case types.Timestamp:
		b.WriteString(`{"type":"long","logicalType":"timestamp-millis"}`)
	case types.Array:
		b.WriteString(`{"type":"array","items":`)
		writeAvroNullable(b, t.Elem, name, ns)
		b.WriteByte('}')
	case types.Map:
		b.WriteString(`{"type":"map","values":`)
		writeAvroNullable(b, t.Elem, name, ns)
		b.WriteByte('}')
	case types.Struct:
		writeAvroRecord(b, name, ns, t.Fields, false)
	default:
		b.WriteString(`"null"`)
	}
}

func writeJSONString(b *strings.Builder, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}

// parseAvro parses schema text with a private cache, so that unrelated
// schemas reusing a record name never clash.
// The parser panics on some legal schemas (a recursive field with a
// default): that is an error here, not a crash of the server.
func parseAvro(text string) (avro.Schema, error) {
	return parseAvroIn(text, &avro.SchemaCache{})
}

func parseAvroIn(text string, cache *avro.SchemaCache) (s avro.Schema, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("invalid Avro schema: the Avro parser failed on it (%v)", p)
		}
	}()
	s, err = avro.ParseWithCache(text, "", cache)
	if err != nil {
		return nil, fmt.Errorf("invalid Avro schema: %w", err)
	}
	return s, nil
}

// parseAvroSchema parses a registered Avro schema. Schema references name
// record, enum or fixed types defined in other subjects (Confluent's
// clients register shared types that way): those are parsed first, each
// at the version its reference pins and after its own references, into
// the same private cache, where the schema's names find them.
func parseAvroSchema(reg Registry, rs RegSchema) (avro.Schema, error) {
	if len(rs.References) == 0 {
		return parseAvro(rs.Schema)
	}
	cache := &avro.SchemaCache{}
	if err := parseAvroRefs(reg, rs.References, cache, map[RegReference]bool{}, 0); err != nil {
		return nil, err
	}
	return parseAvroIn(rs.Schema, cache)
}

func parseAvroRefs(reg Registry, refs []RegReference, cache *avro.SchemaCache, done map[RegReference]bool, depth int) error {
	if depth > 32 {
		return errors.New("Avro schema references nest too deeply")
	}
	for _, ref := range refs {
		if done[ref] {
			continue
		}
		done[ref] = true
		s, err := referenced(reg, ref)
		if err != nil {
			return err
		}
		if err := parseAvroRefs(reg, s.References, cache, done, depth+1); err != nil {
			return err
		}
		if _, err := parseAvroIn(s.Schema, cache); err != nil {
			return fmt.Errorf("reference %s (subject %s): %w", ref.Name, ref.Subject, err)
		}
	}
	return nil
}

// avroColumns derives columns from an Avro schema: the fields of a record,
// or one ROWKEY/ROWVAL column when the side is unwrapped.
func avroColumns(text string, unwrapped, isKey bool) ([]types.Column, error) {
	s, err := parseAvro(text)
	if err != nil {
		return nil, err
	}
	return avroColumnsOf(s, unwrapped, isKey)
}

// avroColumnsOf is avroColumns of a parsed schema.
func avroColumnsOf(s avro.Schema, unwrapped, isKey bool) ([]types.Column, error) {
	return avroColumnsBy(avroRules{}, s, unwrapped, isKey)
}

// avroRules are the choices by which eddy's inference of an Avro schema
// changed between builds: a CREATE an earlier build stored without its
// columns is inferred again at replay by that build's rules, so that an
// upgrade does not change the columns of an existing stream.
type avroRules struct {
	// microsAsTimestamp infers timestamp-micros and time-micros as
	// TIMESTAMP and TIME, as eddy did before it stored the columns it
	// inferred with the CREATE (ksqlDB infers BIGINT).
	microsAsTimestamp bool
}

// avroColumnsBy is avroColumnsOf by the given rules.
func avroColumnsBy(rules avroRules, s avro.Schema, unwrapped, isKey bool) ([]types.Column, error) {
	s = derefAvro(s)
	if rec, ok := s.(*avro.RecordSchema); ok && !unwrapped {
		ty := &avroTyper{within: []*avro.RecordSchema{rec}, avroRules: rules}
		cols := make([]types.Column, 0, len(rec.Fields()))
		for _, f := range rec.Fields() {
			t, err := ty.typeOf(f.Type())
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			cols = append(cols, types.Column{Name: f.Name(), Type: t})
		}
		if len(cols) == 0 {
			return nil, errors.New("the record has no fields")
		}
		return cols, nil
	}
	t, err := (&avroTyper{avroRules: rules}).typeOf(s)
	if err != nil {
		return nil, err
	}
	if !unwrapped && !isKey {
		return nil, fmt.Errorf("the schema is a %s, not a record: set WRAP_SINGLE_VALUE=false to read it as one column", s.Type())
	}
	return []types.Column{{Name: unwrapName(isKey), Type: t}}, nil
}

func derefAvro(s avro.Schema) avro.Schema {
	for {
		r, ok := s.(*avro.RefSchema)
		if !ok {
			return s
		}
		s = r.Schema()
	}
}

// nonNull returns the single non-null branch of a nullable union, or s.
func nonNull(s avro.Schema) avro.Schema {
	s = derefAvro(s)
	u, ok := s.(*avro.UnionSchema)
	if !ok {
		return s
	}
	var only avro.Schema
	for _, t := range u.Types() {
		if t.Type() == avro.Null {
			continue
		}
		if only != nil {
			return s
		}
		only = t
	}
	if only == nil {
		return s
	}
	return derefAvro(only)
}

// avroDecimal returns the precision and scale of a decimal, with Connect's
// default precision (64) when the schema gives none.
func avroDecimal(s avro.Schema) (p, sc int, ok bool) {
	type logical interface{ Logical() avro.LogicalSchema }
	if l, isL := s.(logical); isL {
		if d, isD := l.Logical().(*avro.DecimalLogicalSchema); isD && d != nil {
			return d.Precision(), d.Scale(), true
		}
	}
	type props interface{ Prop(string) any }
	if pr, isP := s.(props); isP && pr.Prop("logicalType") == "decimal" {
		p, sc = 64, 0
		if v, ok := numProp(pr.Prop("precision")); ok && v > 0 {
			p = v
		}
		if v, ok := numProp(pr.Prop("scale")); ok {
			sc = v
		}
		return p, sc, true
	}
	return 0, 0, false
}

func numProp(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case int:
		return x, true
	case json.Number:
		n, err := strconv.Atoi(string(x))
		return n, err == nil
	}
	return 0, false
}

func logicalOf(s avro.Schema) avro.LogicalType {
	if p, ok := s.(*avro.PrimitiveSchema); ok && p.Logical() != nil {
		return p.Logical().Type()
	}
	return ""
}

// maxInferredTypes bounds the SQL types inferred from one schema: a
// named type used twice in each of n nested records expands to 2^n.
const maxInferredTypes = 100_000

// avroTyper infers the SQL types of an Avro schema's parts.
type avroTyper struct {
	// within lists the records being typed: one that holds itself (legal
	// Avro: a list or tree) has no SQL type, as SQL types do not nest
	// without end.
	within []*avro.RecordSchema
	types  int // inferred so far, up to maxInferredTypes
	avroRules
}

// typeOf maps an Avro type to the SQL type ksqlDB infers for it.
func (ty *avroTyper) typeOf(s avro.Schema) (*types.Type, error) {
	if ty.types++; ty.types > maxInferredTypes {
		return nil, fmt.Errorf("the Avro schema expands to more than %d SQL types (named types reused at many levels)", maxInferredTypes)
	}
	s = nonNull(s)
	if p, sc, ok := avroDecimal(s); ok {
		return types.DecimalOf(p, sc), nil
	}
	switch s.Type() {
	case avro.Boolean:
		return types.BooleanType, nil
	case avro.Int:
		switch logicalOf(s) {
		case avro.Date:
			return types.DateType, nil
		case avro.TimeMillis:
			return types.TimeType, nil
		}
		return types.IntType, nil
	case avro.Long:
		// Confluent's Avro converter, which ksqlDB infers through, knows
		// only timestamp-millis among the long logical types.
		switch lt := logicalOf(s); {
		case lt == avro.TimestampMillis, lt == avro.TimestampMicros && ty.microsAsTimestamp:
			return types.TimestampType, nil
		case lt == avro.TimeMicros && ty.microsAsTimestamp:
			return types.TimeType, nil
		}
		return types.BigintType, nil
	case avro.Float, avro.Double:
		return types.DoubleType, nil
	case avro.String, avro.Enum:
		return types.StringType, nil
	case avro.Bytes, avro.Fixed:
		return types.BytesType, nil
	case avro.Array:
		e, err := ty.typeOf(s.(*avro.ArraySchema).Items())
		if err != nil {
			return nil, err
		}
		return types.ArrayOf(e), nil
	case avro.Map:
		e, err := ty.typeOf(s.(*avro.MapSchema).Values())
		if err != nil {
			return nil, err
		}
		return types.MapOf(types.StringType, e), nil
	case avro.Record, avro.Error:
		rec := s.(*avro.RecordSchema)
		if slices.Contains(ty.within, rec) {
			return nil, fmt.Errorf("the Avro record %s holds itself: a recursive type has no SQL type (declare the columns to read the fields that are not recursive)", rec.FullName())
		}
		ty.within = append(ty.within, rec)
		defer func() { ty.within = ty.within[:len(ty.within)-1] }()
		fs := make([]types.Field, 0, len(rec.Fields()))
		for _, f := range rec.Fields() {
			t, err := ty.typeOf(f.Type())
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			fs = append(fs, types.Field{Name: f.Name(), Type: t})
		}
		return types.StructOf(fs...), nil
	case avro.Union:
		return ty.unionType(s.(*avro.UnionSchema))
	}
	return nil, fmt.Errorf("Avro type %s is not supported", s.Type())
}

// unionType maps a union of several non-null types as Connect's AvroData
// does for ksqlDB: to a STRUCT of one field per non-null branch, named by
// unionBranchName (so ["null","string","long"] is STRUCT<STRING STRING,
// LONG BIGINT> once upper-cased). A value sets the field of its branch.
func (ty *avroTyper) unionType(u *avro.UnionSchema) (*types.Type, error) {
	var fs []types.Field
	for _, b := range u.Types() {
		if b.Type() == avro.Null {
			continue
		}
		name := unionBranchName(b)
		// Names are upper-cased later: a and A would be one field.
		if slices.ContainsFunc(fs, func(f types.Field) bool { return strings.EqualFold(f.Name, name) }) {
			return nil, fmt.Errorf("two branches of the union map to the STRUCT field %s (types of one name in different namespaces)", name)
		}
		t, err := ty.typeOf(b)
		if err != nil {
			return nil, fmt.Errorf("union branch %s: %w", name, err)
		}
		fs = append(fs, types.Field{Name: name, Type: t})
	}
	if len(fs) == 0 {
		return nil, errors.New("a union of only null has no SQL type")
	}
	return types.StructOf(fs...), nil
}

// unionBranchName names the STRUCT field of a union branch as Connect's
// AvroData does: a record, enum or fixed by its simple name (without
// namespace, AvroData's default), any other type by its Avro type name
// ("string", "long", "array"…; a logical type by its underlying type).
func unionBranchName(s avro.Schema) string {
	s = derefAvro(s)
	if n, ok := s.(avro.NamedSchema); ok {
		return n.Name()
	}
	return string(s.Type())
}

// structUnion reports that u is a union ksqlDB reads as a STRUCT: one of
// more than one non-null branch (null and one type are a nullable value).
func structUnion(u *avro.UnionSchema) bool {
	n := 0
	for _, b := range u.Types() {
		if b.Type() != avro.Null {
			n++
		}
	}
	return n > 1
}

// unionFields maps the branches of a union ksqlDB reads as a STRUCT onto
// the fields of STRUCT t by name: fieldOf[i] is the field of branch i, -1
// for null or a branch t has no field for (its values read as a STRUCT of
// NULLs). It is nil when u is no such union or t is no such STRUCT (a field
// of t names no branch): t is then read from, and written to, each branch
// in turn, as a STRUCT from the record of a nullable union is.
func unionFields(u *avro.UnionSchema, t *types.Type) ([]int, error) {
	if t.Kind != types.Struct || len(t.Fields) == 0 || !structUnion(u) {
		return nil, nil
	}
	names := make([]string, len(t.Fields))
	for j, f := range t.Fields {
		names[j] = f.Name
	}
	fieldOf := make([]int, len(u.Types()))
	branchOf := make([]int, len(t.Fields))
	for j := range branchOf {
		branchOf[j] = -1
	}
	for i, b := range u.Types() {
		fieldOf[i] = -1
		if b.Type() == avro.Null {
			continue
		}
		j := fieldIndex(names, unionBranchName(b))
		if j < 0 {
			continue
		}
		if branchOf[j] >= 0 {
			return nil, fmt.Errorf("union branches %d and %d both map to the STRUCT field %s", branchOf[j], i, types.QuoteIdent(names[j]))
		}
		fieldOf[i], branchOf[j] = j, i
	}
	if slices.Contains(branchOf, -1) {
		return nil, nil
	}
	return fieldOf, nil
}
