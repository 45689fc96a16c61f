package repl

import (
	"bufio"
	"errors"
	"maps"
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
// runs, as ksqlDB's shell parses a whole file (or -e) first: a syntax
// error on line 37 stops the script with nothing done, instead of after
// the 36 lines before it have created streams and started queries.
// Variables are followed as the script's DEFINE, UNDEFINE and SET of
// ksql.variable.substitution.enable change them; a statement naming a
// variable not known yet (a RUN SCRIPT may define it) is left for when
// it runs, as are errors other than syntax errors.
func (s *shell) checkSyntax(stmts []located) error {
	vars := maps.Clone(s.vars)
	substitute := sql.SubstitutionOn(s.props)
	for _, st := range stmts {
		text := st.text
		if substitute {
			sub, err := sql.Substitute(text, vars)
			if err != nil {
				continue
			}
			text = sub
		}
		parsed, err := sql.Parse(text)
		if se := (*sql.Error)(nil); errors.As(err, &se) && !se.Semantic {
			return &StatementError{Source: s.source, Line: st.at.line, Col: st.at.col, Text: text, Err: err}
		}
		if err != nil || len(parsed) != 1 {
			continue
		}
		switch p := parsed[0].(type) {
		case *sql.Define:
			for k := range vars {
				if strings.EqualFold(k, p.Name) {
					delete(vars, k)
				}
			}
			vars[spelledName(text, p.Name)] = p.Value
		case *sql.Undefine:
			for k := range vars {
				if strings.EqualFold(k, p.Name) {
					delete(vars, k)
				}
			}
		case *sql.SetProperty:
			if p.Name == sql.SubstitutionProperty {
				substitute = sql.SubstitutionOn(map[string]string{p.Name: p.Value})
			}
		case *sql.UnsetProperty:
			if p.Name == sql.SubstitutionProperty {
				substitute = true
			}
		}
	}
	return nil
}
