package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// ErrorKind classifies statement failures the way ksqlDB clients see them.
type ErrorKind int

const (
	// ParseError: the text is not valid SQL.
	ParseError ErrorKind = iota
	// StatementError: valid SQL that cannot run against this catalog.
	StatementError
	// RuntimeError: the statement started but failed while running.
	RuntimeError
	// AssertionError: an ASSERT TOPIC or ASSERT SCHEMA did not hold
	// within its timeout (ksqlDB answers HTTP 417).
	AssertionError
)

// Error is a failed statement.
type Error struct {
	Kind      ErrorKind
	Statement string
	Msg       string
	Err       error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// classify wraps err as an *Error for statement text.
func classify(err error, text string) error {
	if err == nil {
		return nil
	}
	var ee *Error
	if errors.As(err, &ee) {
		return err
	}
	kind := RuntimeError
	var pe *sql.Error
	var ple *planner.Error
	var ae *assertErr
	switch {
	case errors.As(err, &ae):
		kind = AssertionError
	case errors.As(err, &pe):
		kind = ParseError
	case errors.As(err, &ple), errors.Is(err, errStatement):
		kind = StatementError
	}
	msg := err.Error()
	switch {
	case kind == ParseError && pe.Semantic:
		// ksqlDB finds these while preparing the statement.
		msg = "Failed to prepare statement: " + msg
	case kind == ParseError && text != "":
		// ksqlDB quotes the statement under a syntax error.
		msg += "\nStatement: " + text
	}
	return &Error{Kind: kind, Statement: text, Msg: msg, Err: err}
}

// quotedError is an error found while planning a statement that makes a
// query, quoting the statement as ksqlDB does then: rewritten and
// formatted (planner.StatementText), after "\nStatement: ".
type quotedError struct {
	err  error
	text string
}

func (e *quotedError) Error() string { return e.err.Error() + "\nStatement: " + e.text }
func (e *quotedError) Unwrap() error { return e.err }

// quoteStatement wraps err, found while planning st, as a quotedError.
func quoteStatement(err error, p *planner.Planner, st sql.Statement) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var q *quotedError
	if errors.As(err, &q) {
		return err
	}
	text, ok := p.StatementText(st)
	if !ok {
		return err
	}
	return &quotedError{err: err, text: text}
}

// errStatement marks engine-level validation failures.
var errStatement = errors.New("statement error")

// stmtErr is a validation failure found by the engine itself.
type stmtErr struct {
	msg string
	// pos is where in the statement, when known; ksqlDB's message then
	// starts with "Line: l, Col: c: ".
	pos sql.Pos
}

func (e *stmtErr) Error() string {
	if e.pos.Line != 0 {
		return fmt.Sprintf("Line: %d, Col: %d: %s", e.pos.Line, e.pos.Col, e.msg)
	}
	return e.msg
}
func (e *stmtErr) Is(t error) bool   { return t == errStatement }
func (e *stmtErr) Position() sql.Pos { return e.pos }
func (e *stmtErr) Reason() string    { return e.msg }
