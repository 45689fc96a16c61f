package qtt

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// SQL test files are ksqlDB's run-ksql-test format: SQL statements and
// ASSERT statements, split into tests by "--@test: name" directives. A test
// may declare that it must fail with "--@expected.error: <class>" and
// "--@expected.message: <substring>".

// sqlTest is one test of a SQL test file.
type sqlTest struct {
	Name  string
	Line  int // line of its --@test directive
	Steps []sqlStep
}

// sqlStep is a statement (Stmt or its parse error Err) or a directive
// (Directive non-empty) of a test, with where it starts in the file.
type sqlStep struct {
	Line int
	Text string
	Stmt sql.Statement
	Err  error
	// Directive is the lower-cased type of a directive step and Contents
	// what follows its colon.
	Directive string
	Contents  string
}

// Directive types.
const (
	directiveTest    = "test"
	directiveError   = "expected.error"
	directiveMessage = "expected.message"
)

// sqlFileExtension ends the names of SQL test files.
const sqlFileExtension = ".sql"

// reDirective is a directive comment without its leading "--".
var reDirective = regexp.MustCompile(`^@([a-zA-Z.]+):\s*(.*)$`)

// isSQLFile reports whether path names a SQL test file.
func isSQLFile(path string) bool { return strings.EqualFold(filepath.Ext(path), sqlFileExtension) }

// loadSQLFile reads a SQL test file into one variant per test.
func loadSQLFile(path string) ([]Variant, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	tests, err := parseSQLTests(string(data))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	out := make([]Variant, len(tests))
	for i, t := range tests {
		out[i] = Variant{File: path, ID: stem + " - " + t.Name, Name: t.Name, Script: t}
	}
	return out, nil
}

// parseSQLTests splits a SQL test file into its tests. Errors name the
// line they are on.
func parseSQLTests(text string) ([]*sqlTest, error) {
	stmts, comments, err := sql.ParseTestScript(text)
	if err != nil {
		return nil, err
	}
	type positioned struct {
		pos  sql.Pos
		step sqlStep
	}
	var all []positioned
	for _, c := range comments {
		if !strings.HasPrefix(c.Text, "@") {
			continue // an ordinary comment
		}
		m := reDirective.FindStringSubmatch(strings.TrimSpace(c.Text))
		if m == nil {
			return nil, fmt.Errorf("line %d:%d: expected a directive such as --@test: name but got --%s", c.Pos.Line, c.Pos.Col, c.Text)
		}
		all = append(all, positioned{c.Pos, sqlStep{Line: c.Pos.Line, Text: "--" + strings.TrimSpace(c.Text), Directive: strings.ToLower(m[1]), Contents: m[2]}})
	}
	for _, s := range stmts {
		all = append(all, positioned{s.Pos, sqlStep{Line: s.Pos.Line, Text: s.Text, Stmt: s.Stmt, Err: s.Err}})
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i].pos, all[j].pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	var tests []*sqlTest
	for _, p := range all {
		if p.step.Directive == directiveTest {
			tests = append(tests, &sqlTest{Name: p.step.Contents, Line: p.step.Line})
			continue
		}
		if len(tests) == 0 {
			return nil, fmt.Errorf("line %d: expected the file to start with a --@test: directive", p.step.Line)
		}
		t := tests[len(tests)-1]
		t.Steps = append(t.Steps, p.step)
	}
	return tests, nil
}
