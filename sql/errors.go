package sql

import "fmt"

// Error is a parse error at a position in the text. Messages follow
// ksqlDB's wording so that its conformance tests match them.
type Error struct {
	Pos Pos
	Msg string
	// Semantic marks errors in well-formed text, such as a literal out of
	// range, which ksqlDB reports while preparing the statement rather
	// than while parsing it.
	Semantic bool
}

func (e *Error) Error() string {
	if e.Pos.Line == 0 {
		return e.Msg // an error about the statement as a whole
	}
	return fmt.Sprintf("line %d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// ErrRunScriptNotAllowed is the error a server returns for RUN SCRIPT,
// which only the interactive shell may execute; Parse accepts it so that
// the shell can recognise it.
func ErrRunScriptNotAllowed(s *RunScript) error {
	return &Error{Pos: s.P, Msg: "Syntax Error\nUnknown statement 'RUN'"}
}
