// Package serde turns the key or value bytes of a Kafka record into a
// positional row and back, for the formats ksqlDB calls JSON, KAFKA,
// DELIMITED, NONE, AVRO, JSON_SR, PROTOBUF and PROTOBUF_NOSR (the
// Schema-Registry ones through Registry), and reads DEBEZIUM_JSON
// and DEBEZIUM_AVRO change events. It also infers columns from registered schemas and renders
// records for PRINT.
//
// A Serde is built once per (format, columns, side) at plan time; it holds
// a decoder compiled from the column types, so the per-record path neither
// looks columns up by name in a map nor builds a map of the record. A Serde
// is immutable after New and safe for concurrent use.
package serde

import (
	"errors"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/types"
)

// Format is a resolved key or value format.
//
// Props keys are upper-case and matched case-insensitively:
//
//	DELIMITER          DELIMITED only: one character, or TAB / SPACE (default ",").
//	                   KEY_DELIMITER / VALUE_DELIMITER are accepted too.
//	WRAP_SINGLE_VALUE  "true"/"false" as given in the WITH clause. Check
//	                   validates it strictly (multi-column values and
//	                   KAFKA/DELIMITED reject an explicit setting).
//	ksql.persistence.wrap.single.values
//	                   the config default, used when WRAP_SINGLE_VALUE is
//	                   absent; never an error, ignored for multi-column values.
//
// Schema-Registry formats (see registry.go) also read, by generic or
// side-specific name: SCHEMA_ID (KEY_/VALUE_SCHEMA_ID), SCHEMA_FULL_NAME
// (KEY_/VALUE_SCHEMA_FULL_NAME, VALUE_AVRO_SCHEMA_FULL_NAME) and
// PROTOBUF_NULLABLE_REPRESENTATION (KEY_/VALUE_…).
type Format struct {
	Name  string            // upper-case: JSON, KAFKA, DELIMITED, NONE, DEBEZIUM_JSON, AVRO, JSON_SR, PROTOBUF, PROTOBUF_NOSR, DEBEZIUM_AVRO (AVRO on need NewFor)
	Props map[string]string // e.g. "DELIMITER": ",", "WRAP_SINGLE_VALUE": "false"
}

// Property names understood in Format.Props.
const (
	PropDelimiter       = "DELIMITER"
	PropWrapSingleValue = "WRAP_SINGLE_VALUE"
	PropWrapDefault     = "ksql.persistence.wrap.single.values"
)

// Format names.
const (
	JSON         = "JSON"
	Kafka        = "KAFKA"
	Delimited    = "DELIMITED"
	None         = "NONE"
	Avro         = "AVRO"
	JSONSR       = "JSON_SR"
	Protobuf     = "PROTOBUF"
	ProtobufNoSR = "PROTOBUF_NOSR"
)

// Serde encodes/decodes one side (key or value) of a record for a fixed column list.
type Serde interface {
	// Decode writes len(cols) values into dst (len(dst) >= len(cols)); a nil
	// data writes nulls and returns nil. For values the caller treats nil
	// data as a tombstone before calling. A value payload that itself
	// encodes null (JSON `null`) returns ErrNull, so the caller can treat it
	// as a tombstone too. Any other failure says why the record could not
	// be read.
	Decode(data []byte, dst []any) error
	// Encode writes the values of the columns (vals has len(cols)); returns
	// nil bytes for a key with no columns, and for a lone unwrapped column
	// whose value is null (there is nothing else to write).
	Encode(vals []any) ([]byte, error)
}

// Appender is implemented by serdes that can encode into the caller's
// buffer, so that a sink packs many records' bytes into one block instead
// of allocating per key and value. AppendEncode appends what Encode
// returns to dst; isNil reports that Encode would return nil bytes (no
// key, a null unwrapped value), which differs from empty bytes.
type Appender interface {
	AppendEncode(dst []byte, vals []any) (out []byte, isNil bool, err error)
}

// Partial is implemented by serdes that can decode a value while
// materializing only some of its columns.
type Partial interface {
	// Reading returns a Serde that decodes as this one does, failing on
	// the same records with the same errors, but leaves nil the columns
	// read does not mark (read[i] for column i; missing entries count as
	// unread). Encode is unchanged.
	Reading(read []bool) Serde
}

// Reading returns s restricted to the columns read marks when its format
// can skip columns, and s itself otherwise, whose Decode fills them all.
func Reading(s Serde, read []bool) Serde {
	if p, ok := s.(Partial); ok {
		return p.Reading(read)
	}
	return s
}

// ErrNull is returned by Decode when a value payload is present but encodes
// a null record (the JSON literal null, or empty bytes): ksqlDB treats it
// like a tombstone.
var ErrNull = errors.New("serde: record encodes null")

// SchemaError says that a format cannot carry a set of columns. Its message
// follows ksqlDB's ("Key format does not support schema. ... reason: ..."),
// so the planner can return it unchanged.
type SchemaError struct {
	Key      bool
	Format   string
	Columns  []types.Column
	Features []string
	Reason   string
}

func (e *SchemaError) Error() string {
	side := "Value"
	if e.Key {
		side = "Key"
	}
	return fmt.Sprintf("%s format does not support schema.\nformat: %s\nschema: Persistence{columns=%s, features=[%s]}\nreason: %s",
		side, e.Format, columnList(e.Columns, e.Key), strings.Join(e.Features, ", "), e.Reason)
}

// columnList renders columns as ksqlDB does in schema errors:
// [`A` INTEGER KEY, `B` STRING].
func columnList(cols []types.Column, isKey bool) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(types.QuoteIdent(c.Name))
		b.WriteByte(' ')
		b.WriteString(c.Type.String())
		if isKey {
			b.WriteString(" KEY")
		}
	}
	b.WriteByte(']')
	return b.String()
}

// Check validates that format can carry these columns (the planner calls it
// at CREATE time); isKey selects key rules.
func Check(f Format, cols []types.Column, isKey bool) error {
	name := strings.ToUpper(strings.TrimSpace(f.Name))
	switch name {
	case JSON, Kafka, Delimited, None, DebeziumJSON:
		if hasSRProps(f) {
			return fmt.Errorf("%s does not support the following configs: [fullSchemaName]", name)
		}
	case Avro, JSONSR, Protobuf, ProtobufNoSR, DebeziumAvro:
	default:
		return fmt.Errorf("Unknown format: %s", f.Name)
	}
	for _, c := range cols {
		if c.Type == nil {
			return fmt.Errorf("column %s has no type", types.QuoteIdent(c.Name))
		}
		if err := checkResolved(c.Type); err != nil {
			return fmt.Errorf("column %s: %w", types.QuoteIdent(c.Name), err)
		}
	}
	if isKey {
		// Maps serialize with no canonical order, so equal keys could
		// produce different bytes and land in different partitions.
		for _, c := range cols {
			if c.Type.ContainsMap() {
				return fmt.Errorf("Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: %s. Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.",
					types.QuoteIdent(c.Name), c.Type.String())
			}
		}
	}
	wrap, explicit, err := wrapSetting(f)
	if err != nil {
		return err
	}
	if !isKey && explicit {
		switch name {
		case Protobuf, ProtobufNoSR:
			if !wrap {
				return fmt.Errorf("Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'false'.", name)
			}
			if len(cols) != 1 {
				return errors.New("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas")
			}
		case Kafka, Delimited:
			if wrap {
				return fmt.Errorf("Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'true'.", name)
			}
		case None:
		default:
			if len(cols) != 1 {
				return errors.New("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas")
			}
		}
	}
	schemaErr := func(reason string) error {
		return &SchemaError{Key: isKey, Format: name, Columns: cols, Features: features(name, cols, isKey, f), Reason: reason}
	}
	switch name {
	case None:
		if len(cols) > 0 {
			return schemaErr("The 'NONE' format can only be used when no columns are defined. Got: " + columnList(cols, isKey))
		}
	case Kafka:
		if len(cols) > 1 {
			return schemaErr("The 'KAFKA' format only supports a single field. Got: " + columnList(cols, isKey))
		}
		for _, c := range cols {
			if !kafkaSupports(c.Type) {
				return schemaErr(fmt.Sprintf("The 'KAFKA' format does not support type '%s'", c.Type.BaseName()))
			}
		}
	case Avro:
		return checkAvro(f, cols, isKey, unwrappedSide(f, cols, isKey, Avro))
	case DebeziumAvro:
		// Debezium's key is a record even for one column; the value an
		// envelope whose after record holds the columns.
		return checkAvro(f, cols, isKey, false)
	case Protobuf, ProtobufNoSR:
		return checkProtobuf(f, cols, isKey)
	case JSONSR:
		if _, _, err := schemaIDOf(f, isKey); err != nil {
			return err
		}
	case Delimited:
		for _, c := range cols {
			if !c.Type.IsPrimitive() {
				return schemaErr(fmt.Sprintf("The 'DELIMITED' format does not support type '%s', column: %s",
					c.Type.BaseName(), types.QuoteIdent(c.Name)))
			}
		}
		if _, err := delimiterOf(f, isKey); err != nil {
			return err
		}
	}
	return nil
}

// New builds the Serde for one side of a record. It runs Check first. The
// Schema-Registry formats need NewFor; New is NewFor with an empty Env.
func New(f Format, cols []types.Column, isKey bool) (Serde, error) {
	switch strings.ToUpper(strings.TrimSpace(f.Name)) {
	case Avro, JSONSR, Protobuf, ProtobufNoSR, DebeziumAvro:
		return NewFor(f, cols, isKey, Env{})
	}
	if err := Check(f, cols, isKey); err != nil {
		return nil, err
	}
	cols = append([]types.Column(nil), cols...) // the caller may reuse its slice
	switch strings.ToUpper(strings.TrimSpace(f.Name)) {
	case None:
		return noneSerde{}, nil
	case Kafka:
		return newKafka(cols), nil
	case Delimited:
		delim, _ := delimiterOf(f, isKey)
		return newDelimited(cols, delim), nil
	case DebeziumJSON:
		return newDebeziumJSON(cols, isKey), nil
	default: // JSON
		wrap, _, _ := wrapSetting(f)
		// Keys are never wrapped: a lone key column is written bare and
		// several key columns as one object.
		unwrapped := len(cols) == 1 && (isKey || !wrap)
		return newJSON(cols, isKey, unwrapped), nil
	}
}

// features lists the serde features ksqlDB would print in a schema error.
func features(name string, cols []types.Column, isKey bool, f Format) []string {
	if name != JSON || len(cols) != 1 {
		return nil
	}
	if isKey {
		return []string{"UNWRAP_SINGLES"}
	}
	wrap, explicit, _ := wrapSetting(f)
	switch {
	case explicit && wrap:
		return []string{"WRAP_SINGLES"}
	case !wrap:
		return []string{"UNWRAP_SINGLES"}
	}
	return nil
}

// prop looks a property up case-insensitively.
func prop(f Format, key string) (string, bool) {
	if v, ok := f.Props[key]; ok {
		return v, true
	}
	for k, v := range f.Props {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// wrapSetting returns whether a single value column is wrapped, and whether
// that was said explicitly (WRAP_SINGLE_VALUE) rather than by the config.
func wrapSetting(f Format) (wrap, explicit bool, err error) {
	if v, ok := prop(f, PropWrapSingleValue); ok {
		b, err := parseBoolProp(PropWrapSingleValue, v)
		return b, true, err
	}
	if v, ok := prop(f, PropWrapDefault); ok {
		b, err := parseBoolProp(PropWrapDefault, v)
		return b, false, err
	}
	return true, false, nil
}

func parseBoolProp(name, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("invalid value for '%s': '%s' (expected true or false)", name, v)
}

// delimiterOf resolves the DELIMITED separator: one character, or the
// names TAB and SPACE, which are easier to write in SQL.
func delimiterOf(f Format, isKey bool) (string, error) {
	v, ok := prop(f, PropDelimiter)
	if !ok {
		side := "VALUE_DELIMITER"
		if isKey {
			side = "KEY_DELIMITER"
		}
		v, ok = prop(f, side)
	}
	if !ok {
		return ",", nil
	}
	switch strings.ToUpper(v) {
	case "TAB":
		return "\t", nil
	case "SPACE":
		return " ", nil
	case "":
		return "", errors.New("Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'")
	}
	if n := len([]rune(v)); n != 1 {
		return "", fmt.Errorf("Invalid delimiter value: '%s'. Delimiter must be a single character or TAB or SPACE", v)
	}
	if v == `"` || v == "\n" || v == "\r" {
		return "", fmt.Errorf("Invalid delimiter value: '%s'. It is reserved by the DELIMITED format", v)
	}
	return v, nil
}

func checkResolved(t *types.Type) error {
	switch t.Kind {
	case types.Named:
		return fmt.Errorf("unresolved type %s", t.Name)
	case types.Unknown:
		return errors.New("unknown type")
	case types.Array:
		return checkResolved(t.Elem)
	case types.Map:
		if err := checkResolved(t.Key); err != nil {
			return err
		}
		return checkResolved(t.Elem)
	case types.Struct:
		for _, f := range t.Fields {
			if err := checkResolved(f.Type); err != nil {
				return err
			}
		}
	}
	return nil
}

// colErr wraps a per-column failure with the column it happened in.
func colErr(c types.Column, err error) error {
	return fmt.Errorf("column %s: %w", types.QuoteIdent(c.Name), err)
}
