// Package planner turns parsed statements into things the engine can run:
// catalog entries for CREATE STREAM/TABLE, and for queries a resolved,
// typed plan whose expressions are compiled once into closures over
// positional rows. It starts no goroutines and opens no clients.
package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/internal/suggest"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// Config is the effective property set for one statement: server config
// overlaid with the session's SET properties. Keys are lower-case ksqlDB
// property names.
type Config map[string]string

// Get returns a property or def when unset.
func (c Config) Get(name, def string) string {
	if v, ok := c[name]; ok {
		return v
	}
	return def
}

// Planner plans statements against a catalog.
type Planner struct {
	ms  *metastore.Metastore
	fns *expr.Registry
	cfg Config
	reg serde.Registry
	// AppID names a persistent query's internal topics
	// ("_confluent-ksql-<service>query_<ID>"); empty for transient
	// queries, which run on one server and need none.
	AppID string
	// Partitions, when set, reports a topic's partition count, so that a
	// join of sources whose counts differ is rejected as ksqlDB does.
	Partitions func(topic string) (int32, bool)
	// Pull plans a pull query: it reads every row of its source at once,
	// so a windowed table's rows may be aggregated without GROUP BY.
	Pull bool
	// SinkTimestampColumn is the sink's TIMESTAMP column (WITH), when set:
	// ksqlDB names it missing before it names a missing key column.
	SinkTimestampColumn string
	// Inference says how PlanCreateSource gets the columns a CREATE
	// leaves to the Schema Registry.
	Inference InferMode
	// Injected is set by PlanCreateSource of a statement whose columns
	// it inferred (InferCurrent) to the statement with those columns
	// written in: the text the command log keeps (InferredColumnsProperty).
	Injected string
}

// New returns a planner for one statement. reg is the Schema Registry the
// AVRO, PROTOBUF and JSON_SR formats use; it may be nil.
func New(ms *metastore.Metastore, fns *expr.Registry, cfg Config, reg serde.Registry) *Planner {
	if cfg == nil {
		cfg = Config{}
	}
	return &Planner{ms: ms, fns: fns, cfg: cfg, reg: reg}
}

// readSerde builds a serde for reading a source: it registers no schema.
func (p *Planner) readSerde(f serde.Format, cols []types.Column, isKey bool, topic string) (serde.Serde, error) {
	s, err := serde.NewFor(f, cols, isKey, serde.Env{Topic: topic, Registry: p.reg, ReadOnly: true})
	if err != nil {
		return nil, wrap(err)
	}
	return s, nil
}

// Serde builds the serde for one side of a topic's records.
func (p *Planner) Serde(f serde.Format, cols []types.Column, isKey bool, topic string) (serde.Serde, error) {
	s, err := serde.NewFor(f, cols, isKey, serde.Env{Topic: topic, Registry: p.reg})
	if err != nil {
		return nil, wrap(err)
	}
	return s, nil
}

// Error is a planning error: the statement is invalid against the
// catalog. It keeps where in the statement it happened and its cause, so
// a shell can point at the text without parsing the message.
type Error struct {
	// Pos is where in the statement; zero when about the statement as a
	// whole or when the cause carries the position.
	Pos sql.Pos
	// Msg is ksqlDB's wording, without a position.
	Msg string
	// Err is the cause, if any.
	Err error
	// linePrefix: ksqlDB's message starts with "Line: l, Col: c: " here,
	// and clients that compare messages expect it.
	linePrefix bool
	// stage names the step of ksqlDB's statement preparation that finds
	// the error, which its message starts with ("Exception while preparing
	// statement: "), before any position.
	stage string
}

func (e *Error) Error() string {
	if e.linePrefix && e.Pos.Line != 0 {
		return fmt.Sprintf("%sLine: %d, Col: %d: %s", e.stage, e.Pos.Line, e.Pos.Col, e.Msg)
	}
	return e.stage + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Position is where in the statement the error is (zero: see the cause).
func (e *Error) Position() sql.Pos { return e.Pos }

// Reason is the message without the position.
func (e *Error) Reason() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// errorAt is an error about the text at pos.
func errorAt(pos sql.Pos, format string, args ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// unknownSource is the error for a FROM or JOIN naming no source: ksqlDB
// finds it while preparing the statement, and says so.
func unknownSource(pos sql.Pos, name string, known []string) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf("%s does not exist.%s", name, didYouMean(name, known)), stage: "Exception while preparing statement: "}
}

// errorAtLine is an error at pos whose ksqlDB message names the position
// ("Line: l, Col: c: …").
func errorAtLine(pos sql.Pos, format string, args ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), linePrefix: true}
}

// wrap makes err a planning error, keeping it as the cause (and with it
// any position it carries).
func wrap(err error) error {
	if pe, ok := err.(*Error); ok {
		return pe
	}
	return &Error{Msg: err.Error(), Err: err}
}

// wrapAt is wrap for an error about the text at pos, unless the error
// already says where it is.
func wrapAt(pos sql.Pos, err error) error {
	if pe, ok := err.(*Error); ok && pe.Pos.Line != 0 {
		return pe
	}
	return &Error{Pos: pos, Msg: err.Error(), Err: err}
}

// wrapf is a planning error with its own message about cause err.
func wrapf(err error, format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...), Err: err}
}

// nearest returns the candidate closest to name when it is close enough to
// be a plausible typo, for "did you mean" hints.
func nearest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := suggest.Distance(strings.ToUpper(name), strings.ToUpper(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > 2 || bestD >= len(name) {
		return ""
	}
	return best
}

func didYouMean(name string, candidates []string) string {
	if n := nearest(name, candidates); n != "" {
		return " Did you mean " + n + "?"
	}
	return ""
}
