// Package runtime runs planned queries: it decodes Kafka records into
// positional rows, pushes each row through a fused chain of operators
// (plain function calls, no channels), and writes the results to Kafka or
// to a client. It knows nothing about SQL text.
package runtime

import (
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
)

// Pseudo columns appended to every source row, after the declared columns.
const (
	PseudoRowtime = iota
	PseudoRowPartition
	PseudoRowOffset
	NumPseudo
)

// HeaderColumn says how a header column is filled.
type HeaderColumn struct {
	// Key is the header name for HEADER('k'); empty means all headers as
	// ARRAY<STRUCT<KEY STRING, VALUE BYTES>>.
	Key string
}

// TimestampSpec extracts the event time from a column.
type TimestampSpec struct {
	Column int
	// Extract converts the column value to epoch milliseconds; ok is false
	// when the value is null or invalid (the record is then dropped).
	Extract func(v any) (ms int64, ok bool)
}

// Source describes how records of one topic become rows.
//
// Row layout: key columns, value columns, header columns, then the
// pseudo columns ROWTIME, ROWPARTITION, ROWOFFSET.
type Source struct {
	Topic      string
	KeySerde   serde.Serde
	ValueSerde serde.Serde
	NumKey     int
	NumValue   int
	Headers    []HeaderColumn
	IsTable    bool
	Timestamp  *TimestampSpec
}

// Width is the number of values in a source row.
func (s *Source) Width() int { return s.NumKey + s.NumValue + len(s.Headers) + NumPseudo }

// PseudoIndex returns the row index of a pseudo column.
func (s *Source) PseudoIndex(p int) int { return s.NumKey + s.NumValue + len(s.Headers) + p }

// Sink describes where result rows go.
type Sink struct {
	// Topic and serdes for a persistent query; Emit for a transient one.
	Topic      string
	KeySerde   serde.Serde
	ValueSerde serde.Serde
	NumKey     int
	// Timestamp, when set, takes the output record time from a column of
	// the output row.
	Timestamp *TimestampSpec
	// Emit receives result rows of a transient query instead of Kafka.
	// It returns false to stop the query (LIMIT reached, client gone).
	Emit func(row []any, tombstone bool) bool
}

// Topology is a planned query, ready to run.
type Topology struct {
	ID     string
	Source *Source
	// Where filters source rows; nil passes all.
	Where *expr.Compiled
	// Reshape re-keys the row before projection (PARTITION BY): the new
	// row is the Rekey values followed by the source slots in Carry.
	Reshape bool
	Rekey   []*expr.Compiled
	Carry   []int
	// Project computes the output row: key columns first, then values.
	Project []*expr.Compiled
	Sink    *Sink
	// Group is the consumer group; Reset applies when it has no offsets.
	Group    string
	Reset    kafka.OffsetReset
	NoCommit bool
}
