// Package connect is eddy's connector runtime: a plugin host that runs
// source and sink connectors named by their Kafka Connect class names,
// with Kafka Connect's converters, transforms, error handling and offset
// guarantees around them. It imports kafka and serde, never engine or sql.
//
// A connector is a Plugin registered in a Registry. The runtime owns the
// Kafka side (reading a sink's topics, writing a source's records, offsets,
// converters, transforms, retries, status); a plugin's tasks only see
// structured Records and talk to their external system.
package connect

import (
	"context"
	"time"
)

// Kind is a connector's direction.
type Kind string

const (
	Source Kind = "SOURCE"
	Sink   Kind = "SINK"
)

// Record is Kafka Connect's ConnectRecord: a key and value as structured
// data with optional schemas. Values are nil, bool, int8..int64, float32,
// float64, string, []byte, time.Time (logical Timestamp/Date/Time),
// *big.Rat or a decimal string per the schema (logical Decimal), []any
// (array), map[string]any (map with string keys) or *Struct.
type Record struct {
	Topic       string
	Partition   int32 // sink: the partition read from; source: -1 lets Kafka pick by key
	Offset      int64 // sink only
	Timestamp   time.Time
	KeySchema   *Schema // nil: schemaless
	Key         any
	ValueSchema *Schema // nil: schemaless
	Value       any     // nil with a non-nil Key is a tombstone
	Headers     []Header

	// Source records only: where this record came from in the external
	// system (e.g. {"server": "db1"}) and its position there (e.g.
	// {"file": "binlog.000003", "pos": 1234}). The runtime stores the
	// latest acknowledged offset per SourcePartition in the offsets topic
	// and hands it back to the task on start.
	SourcePartition map[string]any
	SourceOffset    map[string]any
}

// Header is one record header.
type Header struct {
	Key   string
	Value []byte
}

// Struct is a Connect struct value: values by field name, in the schema's
// field order.
type Struct struct {
	Schema *Schema
	Values map[string]any
}

// Get returns a field's value (nil when absent).
func (s *Struct) Get(name string) any {
	if s == nil {
		return nil
	}
	return s.Values[name]
}

// Put sets a field's value and returns s for chaining.
func (s *Struct) Put(name string, v any) *Struct {
	if s.Values == nil {
		s.Values = map[string]any{}
	}
	s.Values[name] = v
	return s
}

// Type is a Connect schema type.
type Type string

const (
	Int8    Type = "int8"
	Int16   Type = "int16"
	Int32   Type = "int32"
	Int64   Type = "int64"
	Float32 Type = "float32"
	Float64 Type = "float64"
	Boolean Type = "boolean"
	String  Type = "string"
	Bytes   Type = "bytes"
	Array   Type = "array"
	Map     Type = "map"
	StructT Type = "struct"
)

// Logical schema names, as Kafka Connect and Debezium spell them.
const (
	LogicalDecimal   = "org.apache.kafka.connect.data.Decimal"
	LogicalDate      = "org.apache.kafka.connect.data.Date"
	LogicalTime      = "org.apache.kafka.connect.data.Time"
	LogicalTimestamp = "org.apache.kafka.connect.data.Timestamp"
)

// Schema is a Connect schema (the shape JsonConverter writes under
// "schema" with schemas.enable=true).
type Schema struct {
	Type        Type
	Optional    bool
	Name        string            // logical or record name, e.g. LogicalDecimal, "dbserver1.demo.CUSTOMERS.Value"
	Version     int               // 0: unset
	Doc         string            // optional
	Parameters  map[string]string // e.g. {"scale": "2"} for Decimal
	Default     any               // optional
	Fields      []Field           // struct
	KeySchema   *Schema           // map
	ValueSchema *Schema           // map and array element
}

// Field is one struct field.
type Field struct {
	Name   string
	Schema *Schema
}

// Field returns the named field's schema, or nil.
func (s *Schema) Field(name string) *Schema {
	if s == nil {
		return nil
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return s.Fields[i].Schema
		}
	}
	return nil
}

// ConfigType is the type of one connector option.
type ConfigType string

const (
	TypeString   ConfigType = "STRING"
	TypeInt      ConfigType = "INT"
	TypeLong     ConfigType = "LONG"
	TypeBoolean  ConfigType = "BOOLEAN"
	TypeList     ConfigType = "LIST" // comma-separated
	TypePassword ConfigType = "PASSWORD"
	TypeDouble   ConfigType = "DOUBLE"
)

// ConfigField declares one option of a connector: what it is called, its
// type and default, whether it is required, and its documentation. The
// spec validates CREATE … CONNECTOR, feeds DESCRIBE CONNECTOR and
// generates docs/connectors.md.
type ConfigField struct {
	Name     string
	Type     ConfigType
	Default  string // "" with Required false: no default
	Required bool
	Enum     []string // allowed values (case-insensitive), if restricted
	Doc      string
	// Aliases are older names accepted for the same option (Debezium 1.x
	// keys such as database.server.name for topic.prefix).
	Aliases []string
}

// Config is a connector's validated configuration: every option of its
// spec (defaults filled in, aliases resolved to the canonical name) plus
// the runtime's own keys (name, connector.class, topics, converters,
// transforms, errors.*) and any prefixed keys the plugin asked for.
type Config map[string]string

// Plugin is one connector implementation, registered by class name.
type Plugin struct {
	// Class is the Kafka Connect class name, e.g.
	// "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector".
	Class string
	// Aliases are short names accepted in connector.class, e.g.
	// "elasticsearch" (matched case-insensitively).
	Aliases []string
	Kind    Kind
	// Version is reported by SHOW CONNECTOR PLUGINS.
	Version string
	// Doc is a one-paragraph description for docs/connectors.md.
	Doc string
	// Spec lists the plugin's own options (the runtime adds its common
	// ones: topics, converters, transforms, errors.*).
	Spec []ConfigField
	// Validate checks a config beyond the spec, reaching the external
	// system where that is cheap (an Elasticsearch URL that does not
	// answer is an error at CREATE time). Optional.
	Validate func(ctx context.Context, cfg Config) error
	// NewSource / NewSink build one task; exactly one is set, by Kind.
	NewSource func(cfg Config) (SourceTask, error)
	NewSink   func(cfg Config) (SinkTask, error)
}

// TaskContext is what the runtime offers a running task.
type TaskContext interface {
	// Logf writes to the server log, prefixed with the connector's name.
	Logf(format string, args ...any)
	// SetProgress reports human-readable progress for DESCRIBE CONNECTOR
	// (e.g. "snapshot 40000/120000 rows of demo.CUSTOMERS").
	SetProgress(msg string)
}

// RetryReporter is implemented by the runtime's TaskContext. A task that
// retries a failed write itself, inside Put, reports each failure
// through it, so the task's status says why at once rather than only
// when the task's own retries run out; and each write that succeeds, so
// the error leaves the status as soon as writes go through again rather
// than when the whole batch is done (a successful batch clears it too).
type RetryReporter interface {
	// Retrying says the task will try again after wait because of err.
	Retrying(wait time.Duration, err error)
	// Written says one of the task's writes reached its target.
	Written()
}

// ReportRetry tells tc, when it is a RetryReporter, that the task retries
// after wait because of err; other contexts (tests') are left alone.
func ReportRetry(tc TaskContext, wait time.Duration, err error) {
	if r, ok := tc.(RetryReporter); ok {
		r.Retrying(wait, err)
	}
}

// ReportWritten tells tc, when it is a RetryReporter, that a write of
// the task reached its target; other contexts are left alone.
func ReportWritten(tc TaskContext) {
	if r, ok := tc.(RetryReporter); ok {
		r.Written()
	}
}

// SourceTask produces records from an external system.
type SourceTask interface {
	// Start begins work. offsets returns the last stored SourceOffset for
	// a SourcePartition (nil, false when there is none), so a restart
	// resumes where the acknowledged records ended.
	Start(ctx context.Context, tc TaskContext, offsets func(partition map[string]any) (map[string]any, bool)) error
	// Poll returns the next records, blocking until some are ready, ctx is
	// done, or about a second has passed (then it may return none). An
	// error is retried by the runtime with backoff after Stop and Start.
	Poll(ctx context.Context) ([]Record, error)
	// Commit tells the task that every record it returned up to now has
	// been written to Kafka and its offset stored. Optional work.
	Commit(ctx context.Context) error
	// Stop releases resources; Poll is not called after it.
	Stop() error
}

// SinkTask writes records to an external system.
type SinkTask interface {
	// Start connects to the target.
	Start(ctx context.Context, tc TaskContext) error
	// Put hands over records (converted and transformed, in partition
	// order). The task may buffer them. A *RecordError names a record the
	// target rejected for good (the runtime applies errors.tolerance to it
	// and calls Put again with the rest); any other error is retriable.
	Put(ctx context.Context, recs []Record) error
	// Flush returns once every record passed to Put is durably written to
	// the target; only then does the runtime commit their offsets. An
	// error is retried with backoff, the same records again.
	Flush(ctx context.Context) error
	// Stop releases resources.
	Stop() error
}

// RecordError says that the target rejected particular records for good
// (a malformed document, a mapping conflict): retrying will not help.
type RecordError struct {
	Failed []FailedRecord
}

// FailedRecord is one rejected record and why.
type FailedRecord struct {
	Record Record
	Reason string
}

func (e *RecordError) Error() string {
	if len(e.Failed) == 1 {
		return "record rejected: " + e.Failed[0].Reason
	}
	return "records rejected: " + e.Failed[0].Reason + " (and others)"
}

// AsInt64 reads a Connect integer value (int8, int16, int32, int64, or a
// Go int) as an int64.
func AsInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}
