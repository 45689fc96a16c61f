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
// runs (sql.SyntaxCheck, which the web console's check uses too). The
// scripts it runs (RUN SCRIPT, nested too) are read and parsed with it,
// so an error deep in one also stops it before anything ran.
func (s *shell) checkSyntax(stmts []located) error {
	return checkScript(sql.NewSyntaxCheck(s.vars, s.props), s.source, stmts, s.scripts)
}

// checkScript checks stmts, read from source at RUN SCRIPT nesting
// depth, with c, and the scripts they run.
func checkScript(c *sql.SyntaxCheck, source string, stmts []located, depth int) error {
	for _, st := range stmts {
		parsed, sub, err := c.Statement(st.text)
		if err != nil {
			return st.failure(source, err, sub)
		}
		run, ok := parsed.(*sql.RunScript)
		if !ok || depth >= maxScriptDepth {
			continue // too deep: refused when it runs
		}
		inner, err := readScript(run.Path)
		if err != nil {
			return st.failure(source, err, sub)
		}
		if err := checkScript(c, run.Path, inner, depth+1); err != nil {
			return err
		}
	}
	return nil
}
