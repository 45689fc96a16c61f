// Package runtime runs planned queries: it decodes Kafka records into
// positional rows, pushes each row through a fused chain of operators
// (plain function calls, no channels), and writes the results to Kafka or
// to a client. It knows nothing about SQL text.
//
// A query is one subscription over all its input topics (source topics and
// its own internal repartition topics); each topic has an Input that
// decodes records and feeds an operator chain. Operators call the next one
// directly, so a record runs through the whole chain before the next is
// read.
package runtime

import (
	"fmt"
	"strconv"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// Pseudo columns appended to every source row, after the declared columns.
const (
	PseudoRowtime = iota
	PseudoRowPartition
	PseudoRowOffset
	PseudoWindowStart // windowed sources only
	PseudoWindowEnd
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
	// Fatal makes an invalid timestamp stop the query
	// (ksql.timestamp.throw.on.invalid) instead of being logged and
	// skipped.
	Fatal bool
	// Name is the column's name and Format its TIMESTAMP_FORMAT (empty
	// for a BIGINT or TIMESTAMP column), for the error a value that does
	// not extract makes.
	Name, Format string
}

// invalid is the error for a value v of the column that Extract refused.
func (s *TimestampSpec) invalid(v any) error {
	col := types.QuoteIdent(s.Name)
	switch {
	case v == nil:
		return fmt.Errorf("timestamp column %s is null", col)
	case s.Format != "":
		if str, ok := v.(string); ok {
			return fmt.Errorf("timestamp column %s: %s does not parse with TIMESTAMP_FORMAT '%s'", col, strconv.Quote(str), s.Format)
		}
	}
	return fmt.Errorf("timestamp column %s: %v is not a time at or after 1970-01-01T00:00:00Z", col, v)
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
	// Window is the windowed key kind ("" for plain keys) and WindowSize
	// the time window size used to compute window ends.
	Window     string
	WindowSize int64
	// NoRowMeta says no operator reads ROWTIME, ROWPARTITION or ROWOFFSET
	// from the row, so the task leaves those slots nil instead of boxing
	// three values per record.
	NoRowMeta bool
}

// Width is the number of values in a source row.
func (s *Source) Width() int { return s.NumKey + s.NumValue + len(s.Headers) + NumPseudo }

// PseudoIndex returns the row index of a pseudo column.
func (s *Source) PseudoIndex(p int) int { return s.NumKey + s.NumValue + len(s.Headers) + p }

// Input binds a topic to the operator chain its rows enter: a source
// topic decoded by Source, or one of the query's internal repartition
// topics (Internal, named InternalTopic).
type Input struct {
	Source *Source
	Next   Op
	// Step is the input's step as ksqlDB's processing loggers name it:
	// "KsqlTopic.Source", or a join side's "KafkaTopic_Left.Source".
	Step          string
	Internal      *RepartitionInput
	InternalTopic string
}

// Topic is the topic the input reads.
func (in *Input) Topic() string {
	if in.Internal != nil {
		return in.InternalTopic
	}
	return in.Source.Topic
}

// Topology is a planned query, ready to run.
type Topology struct {
	ID     string
	Inputs []*Input
	// Group is the consumer group; Reset applies when it has no offsets.
	Group    string
	Reset    kafka.OffsetReset
	NoCommit bool
	// SingleTask runs every partition in one task: set when the sources
	// are not co-partitioned (different partition counts), so rows that
	// must meet do not land in tasks of different numbers.
	SingleTask bool
	// CacheBytes bounds the outputs table aggregations keep back until a
	// commit (cache.max.bytes.buffering); 0 emits every update at once.
	// CommitInterval is how often a stateful query commits
	// (commit.interval.ms): its state, its cached outputs and its input
	// offsets go out together then, or sooner when the cache is full.
	CacheBytes     int64
	CommitInterval time.Duration
	// ExactlyOnce (processing.guarantee=exactly_once_v2) commits each
	// batch's outputs, changelog writes and input offsets in one Kafka
	// transaction, on clusters whose subscriptions support them.
	ExactlyOnce bool
	// PurgeInterval is how often the query deletes the records of its
	// repartition topics it has committed (30 s when zero).
	PurgeInterval time.Duration
	// SessionTimeout and RebalanceTimeout are its group member's
	// (session.timeout.ms, max.poll.interval.ms; the cluster's defaults
	// when zero).
	SessionTimeout, RebalanceTimeout time.Duration
	// Linger (the producer's linger.ms) is how long an output written in
	// the middle of a batch may wait for a fuller produce request, when
	// the cluster can batch (kafka.Batcher); the end of every batch sends
	// what waits. Zero sends each output array as it is handed over.
	Linger time.Duration
}

// Topics returns the topics the topology reads.
func (t *Topology) Topics() []string {
	var out []string
	for _, in := range t.Inputs {
		out = append(out, in.Topic())
	}
	return out
}
