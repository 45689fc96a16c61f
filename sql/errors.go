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
	// Hint says what the parser expected where Msg, in ksqlDB's words,
	// says nothing more than "Syntax Error" (a word left over after a
	// statement that could end before it). Error leaves it out, so that
	// the REST API's text stays ksqlDB's; the shell shows it.
	Hint string
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

// Position is where the error is in the statement's text.
func (e *Error) Position() Pos { return e.Pos }

// Reason is the message without the position.
func (e *Error) Reason() string { return e.Msg }

// At attaches pos to err unless err already carries a position, keeping
// err's message: compilers and planners use it to say where in the
// statement an error from deeper down (a resolver, a function lookup)
// belongs.
func At(pos Pos, err error) error {
	if err == nil || pos.Line == 0 {
		return err
	}
	if p, _ := Locate(err); p.Line != 0 {
		return err
	}
	return &posError{pos: pos, err: err}
}

type posError struct {
	pos Pos
	err error
}

func (e *posError) Error() string  { return e.err.Error() }
func (e *posError) Unwrap() error  { return e.err }
func (e *posError) Position() Pos  { return e.pos }
func (e *posError) Reason() string { return e.err.Error() }

// Locate finds where in its statement err happened, as a value carried
// through the error chain (never parsed out of the message), and the
// outermost reason without a position written into it. pos is zero when
// the error is about the statement as a whole; reason is err.Error() when
// no error in the chain tells it apart.
func Locate(err error) (pos Pos, reason string) {
	reason = ""
	walk(err, func(e error) bool {
		if r, ok := e.(interface{ Reason() string }); ok && reason == "" {
			reason = r.Reason()
		}
		if p, ok := e.(interface{ Position() Pos }); ok && p.Position().Line != 0 {
			pos = p.Position()
			return true
		}
		return false
	})
	if reason == "" && err != nil {
		reason = err.Error()
	}
	return pos, reason
}

// walk visits err's chain depth first until visit returns true.
func walk(err error, visit func(error) bool) bool {
	for err != nil {
		if visit(err) {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if walk(e, visit) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}
