package qtt

import (
	"context"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// backend is what the runner needs from one fresh engine and its private
// in-memory cluster. engine_real.go adapts the production engine to it;
// tests use fakes.
type backend interface {
	// Execute runs one statement; a failure is an *execError.
	Execute(ctx context.Context, stmt string) error
	// Sources lists the catalog's streams and tables.
	Sources() []*sourceInfo
	// QueryErrors returns run-time failures of persistent queries.
	QueryErrors() []error
	// Cluster is the backend's private cluster.
	Cluster() kafka.Cluster
	// Schemas is the backend's private Schema Registry; nil when it has
	// none.
	Schemas() schemaStore
	// Close stops queries and releases the cluster.
	Close() error
}

// schemaStore is a backend's Schema Registry as the runner uses it: the
// serde view, plus registration with a chosen id for pre-declared topics.
type schemaStore interface {
	serde.Registry
	// RegisterWithID registers s under subject with the given id and
	// returns its version.
	RegisterWithID(ctx context.Context, subject string, s serde.RegSchema, id int) (version int, err error)
}

// backendFactory starts a fresh backend with the given config.
type backendFactory func(ctx context.Context, cfg backendConfig) (backend, error)

// backendConfig configures a fresh backend.
type backendConfig struct {
	ServiceID  string
	Partitions int32
	Props      map[string]string
}

// errKind is the category of an engine error, which is what Java
// exception types in expectedException are matched against.
type errKind int

const (
	kindUnknown errKind = iota
	kindParse
	kindStatement
	kindRuntime
	// kindAssertion is a failed ASSERT VALUES of a SQL test file (a
	// java.lang.AssertionError in ksqlDB).
	kindAssertion
)

func (k errKind) String() string {
	switch k {
	case kindParse:
		return "parse error"
	case kindStatement:
		return "statement error"
	case kindRuntime:
		return "runtime error"
	case kindAssertion:
		return "failed assertion"
	}
	return "error"
}

// execError is an engine error with its category.
type execError struct {
	Kind errKind
	Msg  string
}

func (e *execError) Error() string { return e.Msg }

// format is a serialization format with its properties.
type format struct {
	Name  string
	Props map[string]string
}

// windowInfo describes a windowed key.
type windowInfo struct {
	Type   string // TUMBLING, HOPPING or SESSION
	SizeMs int64
}

// codec encodes and decodes one side (key or value) of a record.
type codec interface {
	Decode(data []byte, dst []any) error
	Encode(vals []any) ([]byte, error)
}

// sourceInfo is the runner's view of one catalog source.
type sourceInfo struct {
	Name        string
	IsTable     bool
	Schema      *types.Schema
	Topic       string
	KeyFormat   format
	ValueFormat format
	IsSource    bool
	Window      *windowInfo
	// Timestamp is the TIMESTAMP column ("" for the record time) and
	// TimestampFormat its TIMESTAMP_FORMAT.
	Timestamp       string
	TimestampFormat string
	// NewCodec builds the key (isKey) or value codec for reading; nil
	// when the backend has no serdes. It registers no schema.
	NewCodec func(isKey bool) (codec, error)
	// NewWriter builds a codec for writing inputs, which may register
	// the schema of the columns; NewCodec is used when nil.
	NewWriter func(isKey bool) (codec, error)
	// Registry is the backend's Schema Registry, nil when it has none:
	// inputs of the Schema-Registry formats are written with the schema
	// registered for their topic.
	Registry serde.Registry
	// DeclaredIDs are the ids of the schemas the test declared, by
	// subject; they are the writer schemas of inputs.
	DeclaredIDs map[string]int
}

func (s *sourceInfo) codec(isKey bool) (codec, error) {
	if s.NewCodec == nil {
		return nil, errNoSerde
	}
	return s.NewCodec(isKey)
}

func (s *sourceInfo) writer(isKey bool) (codec, error) {
	if s.NewWriter == nil {
		return s.codec(isKey)
	}
	return s.NewWriter(isKey)
}

type constError string

func (e constError) Error() string { return string(e) }

const errNoSerde = constError("no serde available")

// errNullRecord is returned by codec.Decode for a payload that encodes a
// null record (JSON null, empty bytes), which ksqlDB reads as a tombstone.
const errNullRecord = constError("record encodes null")
