package repl

import (
	"bufio"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// scriptStatements is the statements of a script (-e or a file) as
// feedText will run them, each with where it starts: shell commands are
// left out, RUN SCRIPT without its ';' gets one, and the text after the
// last ';' is a statement of its own. An exit or quit command ends it.
func scriptStatements(text string) []located {
	var out []located
	pending, at := "", loc{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), len(text)+1)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if pending == "" {
			if name, _, ok := commandLine(line); ok {
				if name == "exit" || name == "quit" {
					return out
				}
				continue
			}
			if isRunScriptCommand(line) {
				line += ";"
			}
			at = loc{n, 1}
		} else {
			pending += "\n"
		}
		pending += line
		stmts, rest := splitLocated(pending, at)
		out = append(out, stmts...)
		pending, at = rest.text, rest.at
	}
	if pending != "" {
		out = append(out, located{text: terminate(pending), at: at})
	}
	return out
}

// checkSyntax parses every statement of a script before any of them
// runs (sql.FirstSyntaxError, which the web console's check uses too).
func (s *shell) checkSyntax(stmts []located) error {
	texts := make([]string, len(stmts))
	for i, st := range stmts {
		texts[i] = st.text
	}
	i, sub, err := sql.FirstSyntaxError(texts, s.vars, s.props)
	if i < 0 {
		return nil
	}
	return &StatementError{Source: s.source, Line: stmts[i].at.line, Col: stmts[i].at.col, Text: stmts[i].text, Err: err, sub: sub}
}
