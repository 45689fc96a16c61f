package repl

import (
	"github.com/eddysql/eddy/sql"
	"strings"
	"unicode"
)

// kind is how the shell handles a statement.
type kind int

const (
	kindExecute   kind = iota // everything the server runs via Execute
	kindSelect                // SELECT: Stream
	kindPrint                 // PRINT: Print
	kindSet                   // SET 'k'='v': local property
	kindUnset                 // UNSET 'k'
	kindDefine                // DEFINE v = 'x': session variable
	kindUndefine              // UNDEFINE v
	kindShowVars              // SHOW VARIABLES
	kindRunScript             // RUN SCRIPT 'file'
)

// stmt is a classified statement.
type stmt struct {
	kind  kind
	name  string // property, variable or file
	value string // SET/DEFINE value
	pull  bool   // a SELECT without EMIT
}

// classify recognises the statements the shell handles itself by parsing
// them. Text the local parser rejects goes to the server, which owns the
// grammar and reports the error with line:column.
func classify(text string) stmt {
	stmts, err := sql.Parse(text)
	if err != nil || len(stmts) != 1 {
		return stmt{kind: kindExecute}
	}
	switch st := stmts[0].(type) {
	case *sql.Select:
		return stmt{kind: kindSelect, pull: st.Query.Emit == sql.EmitNone}
	case *sql.Print:
		return stmt{kind: kindPrint}
	case *sql.SetProperty:
		return stmt{kind: kindSet, name: st.Name, value: st.Value}
	case *sql.UnsetProperty:
		return stmt{kind: kindUnset, name: st.Name}
	case *sql.Define:
		return stmt{kind: kindDefine, name: spelledName(text, st.Name), value: st.Value}
	case *sql.Undefine:
		return stmt{kind: kindUndefine, name: spelledName(text, st.Name)}
	case *sql.Show:
		if st.What == "VARIABLES" {
			return stmt{kind: kindShowVars}
		}
	case *sql.RunScript:
		return stmt{kind: kindRunScript, name: st.Path}
	}
	return stmt{kind: kindExecute}
}

// spelledName is a DEFINE/UNDEFINE variable name as the user typed it:
// the parser upper-cases identifiers, but ksqlDB lists variables in their
// own spelling (lookups ignore case either way).
func spelledName(text, parsed string) string {
	if t := tokenize(text, 2); len(t) == 2 && strings.EqualFold(t[1].raw, parsed) {
		return t[1].raw
	}
	return parsed
}

type tokKind int

const (
	tokWord   tokKind = iota // unquoted word, upper-cased in val
	tokQuoted                // `x` or "x"
	tokString                // '...', unescaped in val
	tokOp                    // any other single character
)

type token struct {
	kind     tokKind
	val, raw string
}

// tokenize returns up to max tokens, skipping comments and a trailing ';'.
func tokenize(text string, max int) []token {
	var out []token
	i := 0
	for i < len(text) && len(out) < max {
		sc := scanner{src: text, off: i}
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == ';' && isBlank(text[i+1:]):
			i = len(text)
		case c == '\'' || c == '`' || c == '"':
			sc.skip()
			raw := text[i:sc.off]
			val := unquote(raw)
			k := tokString
			if c != '\'' {
				k = tokQuoted
			}
			if k == tokQuoted {
				raw = val
			}
			out = append(out, token{kind: k, val: val, raw: raw})
			i = sc.off
		case (c == '-' || c == '/') && sc.skip():
			i = sc.off
		case isWordByte(rune(c)) || c >= 0x80:
			j := i
			for j < len(text) && (isWordByte(rune(text[j])) || text[j] >= 0x80) {
				j++
			}
			out = append(out, token{kind: tokWord, val: strings.ToUpper(text[i:j]), raw: text[i:j]})
			i = j
		default:
			out = append(out, token{kind: tokOp, val: string(c), raw: string(c)})
			i++
		}
	}
	return out
}

func isWordByte(r rune) bool {
	return r == '_' || r == '@' || r == '$' || r == '{' || r == '}' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// unquote strips the outer quotes and undoes doubled quotes.
func unquote(raw string) string {
	if len(raw) < 2 || raw[len(raw)-1] != raw[0] {
		return strings.TrimPrefix(raw, raw[:1])
	}
	q := raw[:1]
	return strings.ReplaceAll(raw[1:len(raw)-1], q+q, q)
}
