package repl

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/eddysql/eddy/sql"
)

// loc is a 1-based line and column in a script.
type loc struct{ line, col int }

// advance returns where text ends when it starts at l.
func (l loc) advance(text string) loc {
	n := strings.Count(text, "\n")
	if n == 0 {
		return loc{l.line, l.col + utf8.RuneCountInString(text)}
	}
	return loc{l.line + n, utf8.RuneCountInString(text[strings.LastIndexByte(text, '\n')+1:]) + 1}
}

// located is a statement and where it starts in its script.
type located struct {
	text string
	at   loc
	// lead is the script's text before the statement on its first line
	// (after an earlier statement there), when the split saw that line
	// whole; an error's excerpt shows the line as written.
	lead string
}

// failure is the statement's error err (sub: the statement as it ran,
// when variables were substituted), read from source.
func (st located) failure(source string, err error, sub *sql.Substituted) *StatementError {
	return &StatementError{Source: source, Line: st.at.line, Col: st.at.col, Text: st.text, Err: err, sub: sub, lead: st.lead}
}

// splitLocated splits text, which starts at at, into its complete
// statements and the unfinished rest, each with where it starts.
func splitLocated(text string, at loc) (stmts []located, rest located) {
	complete, tail := sql.SplitStatements(text)
	cursor := 0
	lead := ""
	find := func(piece string) loc {
		i := strings.Index(text[cursor:], piece)
		if i < 0 {
			lead = ""
			return at.advance(text[:cursor])
		}
		i += cursor
		cursor = i + len(piece)
		// The line's start is in text after a newline, or at text's
		// start when text starts a line.
		switch nl := strings.LastIndexByte(text[:i], '\n'); {
		case nl >= 0:
			lead = text[nl+1 : i]
		case at.col == 1:
			lead = text[:i]
		default:
			lead = ""
		}
		return at.advance(text[:i])
	}
	for _, st := range complete {
		where := find(st)
		stmts = append(stmts, located{text: st, at: where, lead: lead})
	}
	rest = located{text: tail, at: at.advance(text[:cursor])}
	if tail != "" {
		rest.at = find(tail)
	}
	return stmts, rest
}

// StatementError is a statement of a script or session that failed, with
// where it is, so that the message can point at the text.
type StatementError struct {
	// Source names the script ("" in an interactive session, where
	// positions count from the statement's first line).
	Source string
	// Line and Col are where the statement starts in Source.
	Line, Col int
	// Text is the statement as written (before its variables were
	// substituted).
	Text string
	Err  error
	// sub, when variables were substituted, is the statement as it ran:
	// the error's position is in its text.
	sub *sql.Substituted
	// lead is the script's text before the statement on its first line,
	// shown in the excerpt so that it is the line as written.
	lead string
}

func (e *StatementError) Unwrap() error { return e.Err }

// Error names the file, line and column (of the error when the server
// said where, else of the statement) and shows the line with a caret:
//
//	flow.sql:3:8: SELECT column 'NOSUCHCOL' cannot be resolved.
//	    3 | SELECT nosuchcol FROM s;
//	      |        ^
func (e *StatementError) Error() string {
	pos, reason := sql.Locate(e.Err)
	reason = printable(reason)
	if pos.Line == 0 && e.Source == "" {
		return reason // typed just now: the statement is on the screen
	}
	if pos.Line == 0 {
		pos = sql.Pos{Line: 1, Col: 1}
	} else {
		// ksqlDB's "no viable alternative" text ends with the position
		// the prefix below gives already.
		reason = strings.TrimSuffix(reason, fmt.Sprintf(" at line %d:%d", pos.Line, pos.Col))
	}
	if strings.TrimSpace(reason) == "Syntax Error" {
		ran := e.Text
		if e.sub != nil {
			ran = e.sub.Text
		}
		if hint := syntaxHint(ran, pos); hint != "" {
			reason = "Syntax Error\n" + hint
		}
	}
	if e.sub != nil && pos.Line != 0 {
		pos = e.sub.Written(pos) // where the user typed it
	}
	lines := strings.Split(e.Text, "\n")
	if pos.Line > len(lines) {
		pos = sql.Pos{Line: 1, Col: 1}
	}
	// Where in the script: the statement's own first line may start
	// after an earlier statement on the same line.
	line, col := pos.Line, pos.Col
	if e.Source != "" {
		line = e.Line + pos.Line - 1
		if pos.Line == 1 {
			col = e.Col + pos.Col - 1
		}
	}
	var b strings.Builder
	if e.Source != "" {
		fmt.Fprintf(&b, "%s:%d:%d: %s\n", e.Source, line, col, reason)
	} else {
		fmt.Fprintf(&b, "line %d:%d: %s\n", line, col, reason)
	}
	src, caretCol := printable(lines[pos.Line-1]), pos.Col
	if pos.Line == 1 && e.Source != "" && e.lead != "" && !strings.ContainsRune(e.lead, '\n') {
		lead := printable(e.lead)
		src, caretCol = lead+src, utf8.RuneCountInString(lead)+pos.Col
	}
	gutter := fmt.Sprintf("%5d | ", line)
	fmt.Fprintf(&b, "%s%s\n%s| %s^", gutter, src, strings.Repeat(" ", len(gutter)-2), caretPad(src, caretCol))
	return b.String()
}

// syntaxHint is what the parser expected at pos of text, for a syntax
// error whose message (ksqlDB's, from a server or the engine) gives no
// detail; "" when the shell's own parse does not fail there.
func syntaxHint(text string, pos sql.Pos) string {
	_, err := sql.Parse(text)
	var se *sql.Error
	if !errors.As(err, &se) || se.Pos != pos {
		return ""
	}
	return se.Hint
}

// Summary is the error's first line, for the list of failures.
func (e *StatementError) Summary() string {
	first, _, _ := strings.Cut(e.Error(), "\n")
	return first
}

// printable shows s with each control character (but tab and newline)
// and each byte that is not UTF-8 as U+FFFD, one for one, so the caret
// still lines up: a file of binary garbage must not send escape
// sequences to the user's terminal in its error.
func printable(s string) string {
	clean := func(r rune) bool {
		return r == '\t' || r == '\n' || (r != utf8.RuneError && !unicode.IsControl(r))
	}
	if strings.IndexFunc(s, func(r rune) bool { return !clean(r) }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !clean(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// caretPad is the indentation that puts a caret under column col of src,
// keeping its tabs so the caret lines up.
func caretPad(src string, col int) string {
	var b strings.Builder
	n := 0
	for _, r := range src {
		if n >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		n++
	}
	return b.String()
}
