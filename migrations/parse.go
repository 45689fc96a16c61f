package migrations

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/eddysql/eddy/sql"
)

// command is one statement of a migration file: its text with comments
// blanked out (so positions in it are still positions in the file), and
// where it starts in the file.
type command struct {
	text string
	at   sql.Pos
}

// advance returns the position just past text when text starts at p.
func advance(p sql.Pos, text string) sql.Pos {
	n := strings.Count(text, "\n")
	if n == 0 {
		return sql.Pos{Line: p.Line, Col: p.Col + utf8.RuneCountInString(text)}
	}
	return sql.Pos{Line: p.Line + n, Col: utf8.RuneCountInString(text[strings.LastIndexByte(text, '\n')+1:]) + 1}
}

// posError is an error at a position in a migration file.
type posError struct {
	pos sql.Pos
	msg string
}

func (e *posError) Error() string { return fmt.Sprintf("line %d:%d: %s", e.pos.Line, e.pos.Col, e.msg) }

// splitCommands cuts a migration file into its statements at each ';'
// outside quotes and comments, as ksqlDB's tool does before it parses
// them one by one: text after the last ';' other than whitespace and
// comments is an error, not a statement. Comments become spaces, keeping
// line breaks, so an error's line and column still point into the file.
func splitCommands(text string) ([]command, error) {
	var cmds []command
	var cur strings.Builder
	start := 0 // byte offset in text where cur starts
	flush := func(end int) {
		raw := cur.String()
		trimmed := strings.TrimLeft(raw, " \t\r\n\f")
		at := advance(sql.Pos{Line: 1, Col: 1}, text[:start])
		at = advance(at, raw[:len(raw)-len(trimmed)])
		cmds = append(cmds, command{text: trimmed, at: at})
		cur.Reset()
		start = end
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\'' || c == '`' || c == '"':
			// ksqlDB's splitter knows only '...'; identifiers in `...`
			// or "..." holding a ';' are kept whole here too.
			j := strings.IndexByte(text[i+1:], c)
			if j < 0 {
				return nil, &posError{advance(sql.Pos{Line: 1, Col: 1}, text[:i]), fmt.Sprintf("Invalid sql - failed to find closing token '%c'", c)}
			}
			cur.WriteString(text[i : i+j+2])
			i += j + 2
		case strings.HasPrefix(text[i:], "--"):
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				j = len(text) - i // a comment on the last line, without a line break
			}
			cur.WriteString(blank(text[i : i+j]))
			i += j
		case strings.HasPrefix(text[i:], "/*"):
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return nil, &posError{advance(sql.Pos{Line: 1, Col: 1}, text[:i]), "Invalid sql - failed to find closing token '*/'"}
			}
			cur.WriteString(blank(text[i : i+j+4]))
			i += j + 4
		case c == ';':
			cur.WriteByte(';')
			i++
			flush(i)
		default:
			cur.WriteByte(c)
			i++
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		at := advance(sql.Pos{Line: 1, Col: 1}, text[:start])
		raw := cur.String()
		at = advance(at, raw[:len(raw)-len(strings.TrimLeft(raw, " \t\r\n\f"))])
		return nil, &posError{at, fmt.Sprintf("Unmatched command at end of file; missing semicolon: '%s'", rest)}
	}
	return cmds, nil
}

// blank replaces every character of s but line breaks with a space.
func blank(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\n' || r == '\r' {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// unsupported are the statements ksqlDB's tool refuses by their first
// word, before parsing: the tool changes the catalog, it does not read.
var unsupported = map[string]bool{"DESCRIBE": true, "EXPLAIN": true, "SELECT": true, "PRINT": true, "SHOW": true, "LIST": true}

// parsed is a command with its variables substituted and, when the tool
// handles it rather than sending its text to /ksql, its statement.
type parsed struct {
	text string
	stmt sql.Statement // nil: send text to /ksql
}

// parseCommand checks, substitutes and parses one command with vars.
func parseCommand(cmd command, vars map[string]string) (parsed, error) {
	words := strings.Fields(strings.ToUpper(cmd.text))
	if len(words) > 0 && unsupported[words[0]] {
		return parsed{}, &posError{cmd.at, fmt.Sprintf("'%s' statements are not supported.", words[0])}
	}
	if len(words) > 1 && words[0] == "RUN" && words[1] == "SCRIPT" {
		return parsed{}, &posError{cmd.at, "'RUN SCRIPT' statements are not supported."}
	}
	text, err := sql.Substitute(cmd.text, vars)
	if err == nil {
		var stmts []sql.Statement
		stmts, err = sql.Parse(text)
		if err == nil && len(stmts) != 1 {
			err = fmt.Errorf("expected one statement, found %d", len(stmts))
		}
		if err == nil {
			switch stmts[0].(type) {
			case *sql.Define, *sql.Undefine, *sql.SetProperty, *sql.UnsetProperty, *sql.InsertValues:
				return parsed{text: text, stmt: stmts[0]}, nil
			}
			return parsed{text: text}, nil
		}
	}
	pos, reason := sql.Locate(err)
	msg := fmt.Sprintf("Failed to parse the statement. Statement: %s. Reason: %s", cmd.text, reason)
	if pos.Line == 0 {
		return parsed{}, &posError{cmd.at, msg}
	}
	return parsed{}, &posError{inFile(cmd.at, pos), msg}
}

// inFile turns a position in a statement starting at start into one in
// the file.
func inFile(start, p sql.Pos) sql.Pos {
	if p.Line <= 1 {
		return sql.Pos{Line: start.Line, Col: start.Col + max(p.Col, 1) - 1}
	}
	return sql.Pos{Line: start.Line + p.Line - 1, Col: p.Col}
}

// value is an INSERT VALUES literal as the JSON value /inserts-stream
// takes, as ksqlDB's tool converts it: literals and ARRAY, MAP and
// STRUCT constructors of literals; anything else is refused.
func value(e sql.Expr) (any, error) {
	switch x := e.(type) {
	case *sql.NullLit:
		return nil, nil
	case *sql.BoolLit:
		return x.Val, nil
	case *sql.IntLit:
		return x.Val, nil
	case *sql.DoubleLit:
		return x.Val, nil
	case *sql.DecimalLit:
		return json.Number(strings.TrimSuffix(strings.TrimPrefix(x.Text, "+"), ".")), nil
	case *sql.StringLit:
		return x.Val, nil
	case *sql.Unary:
		// -1 is a literal to a user, if not to the grammar.
		if x.Op == "-" || x.Op == "+" {
			v, err := value(x.X)
			if err != nil {
				return nil, err
			}
			neg := x.Op == "-"
			switch n := v.(type) {
			case int64:
				if neg {
					n = -n
				}
				return n, nil
			case float64:
				if neg {
					n = -n
				}
				return n, nil
			case json.Number:
				if neg {
					s := string(n)
					if strings.HasPrefix(s, "-") {
						return json.Number(s[1:]), nil
					}
					return json.Number("-" + s), nil
				}
				return n, nil
			}
		}
	case *sql.ArrayCtor:
		out := make([]any, 0, len(x.Elems))
		for _, el := range x.Elems {
			v, err := value(el)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *sql.MapCtor:
		out := make(map[string]any, len(x.Keys))
		for i, k := range x.Keys {
			kv, err := value(k)
			if err != nil {
				return nil, err
			}
			v, err := value(x.Values[i])
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(kv)] = v
		}
		return out, nil
	case *sql.StructCtor:
		out := make(map[string]any, len(x.Fields))
		for _, f := range x.Fields {
			v, err := value(f.Value)
			if err != nil {
				return nil, err
			}
			out[f.Name] = v
		}
		return out, nil
	}
	return nil, &posError{e.Position(), "Expression type not recognized: " + sql.FormatExpr(e)}
}
