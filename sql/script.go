package sql

// Test scripts: ksqlDB's SQL test files (run-ksql-test) mix ordinary
// statements with ASSERT statements that only a test runner executes, and
// carry directives in "--@" comments. ParseTestScript reads them; Parse,
// which servers and the shell use, still refuses the test-only ASSERT
// forms.

type (
	// AssertValues is ASSERT VALUES target [(cols)] VALUES (...): the next
	// record of target's topic holds these values. With Tombstone it is
	// ASSERT NULL VALUES target [(cols)] KEY (...): the next record is a
	// tombstone with this key.
	AssertValues struct {
		Base
		Tombstone bool
		Target    string
		Columns   []string // nil when omitted
		Values    []Expr
	}
	// AssertSource is ASSERT STREAM|TABLE name [(elements)] [WITH (...)]:
	// the source has this kind, schema and properties.
	AssertSource struct {
		Base
		IsTable  bool
		Name     string
		Elements []TableElement // nil when omitted
		Props    Props
	}
)

// Insert is the INSERT VALUES statement whose row a is compared with.
func (a *AssertValues) Insert() *InsertValues {
	return &InsertValues{Base: a.Base, Target: a.Target, Columns: a.Columns, Values: a.Values}
}

// ScriptStatement is one statement of a test script. A statement that
// does not parse has Err set (with its position in the script) and a nil
// Stmt; the statements after it are still read.
type ScriptStatement struct {
	Stmt Statement
	Err  error
	// Pos is where the statement starts and Text its text without the
	// closing ';'.
	Pos  Pos
	Text string
}

// ParseTestScript parses a test script: its statements, including the
// ASSERT VALUES, ASSERT NULL VALUES, ASSERT STREAM and ASSERT TABLE forms,
// and its "--" comments in order. Positions count from the start of text.
// Only a lexical error (such as an unterminated string) fails the whole
// script.
func ParseTestScript(text string) ([]ScriptStatement, []Comment, error) {
	var comments []Comment
	l := newLexer(text)
	l.comments = &comments
	toks, lerr := tokenizeWith(l)
	if lerr != nil {
		return nil, nil, lerr
	}
	p := &parser{src: text, toks: toks, expIdx: -1, testForms: true}
	var out []ScriptStatement
	for !p.atEOF() {
		if p.acceptOp(";") {
			continue
		}
		start := p.cur()
		var st Statement
		err := p.run(func() {
			st = p.statementWithText()
			if !p.atEOF() && !p.isOp(";") {
				if t := p.cur(); t.Kind == tWord || t.Kind == tQuoted || t.Kind == tDigitID {
					p.failBare(t.Pos)
				}
				p.failExpecting()
			}
		})
		if err != nil {
			// Skip to the end of the statement that failed.
			for !p.atEOF() && !p.isOp(";") {
				p.advance()
			}
			st = nil
		}
		end := p.cur().Off
		if err == nil {
			end = p.prev().End
		}
		out = append(out, ScriptStatement{Stmt: st, Err: err, Pos: start.Pos, Text: text[start.Off:end]})
		p.lambdas, p.depth, p.expIdx, p.expected = nil, 0, -1, nil
	}
	return out, comments, nil
}

// assertTestForm parses the test-only ASSERT forms after ASSERT; nil when
// none starts here.
func (p *parser) assertTestForm() Statement {
	switch {
	case p.acceptKw("VALUES"):
		s := &AssertValues{}
		s.Target, s.Columns = p.assertTarget()
		p.expectKw("VALUES")
		s.Values = p.valuesList()
		return s
	case p.isKw("NULL") && p.peekKw(1, "VALUES"):
		p.advance()
		p.advance()
		s := &AssertValues{Tombstone: true}
		s.Target, s.Columns = p.assertTarget()
		p.expectKw("KEY")
		s.Values = p.valuesList()
		return s
	case p.isKw("STREAM") || p.isKw("TABLE"):
		s := &AssertSource{IsTable: p.advance().Val == "TABLE"}
		s.Name, _ = p.ident()
		if p.isOp("(") {
			s.Elements = p.tableElements(s.IsTable)
		}
		if p.acceptKw("WITH") {
			s.Props = p.props()
		}
		return s
	}
	return nil
}

// assertTarget parses `name [(col, ...)]`.
func (p *parser) assertTarget() (string, []string) {
	name, _ := p.ident()
	if !p.acceptOp("(") {
		return name, nil
	}
	return name, p.columnNames()
}
