package repl

import (
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
}

// classify recognises the statements the shell handles itself. It reads
// only the leading tokens; anything it does not recognise goes to the
// server, which owns the grammar and reports errors with line:column.
// TODO(repl): use sql.Parse once it lands, keeping this as the fallback
// for text the local parser rejects.
func classify(text string) stmt {
	t := tokenize(text, 6)
	word := func(i int) string {
		if i < len(t) && t[i].kind == tokWord {
			return t[i].val
		}
		return ""
	}
	is := func(i int, k tokKind, val string) bool {
		return i < len(t) && t[i].kind == k && (val == "" || t[i].val == val)
	}
	switch word(0) {
	case "SELECT":
		return stmt{kind: kindSelect}
	case "PRINT":
		return stmt{kind: kindPrint}
	case "SET":
		if is(1, tokString, "") && is(2, tokOp, "=") && is(3, tokString, "") && len(t) == 4 {
			return stmt{kind: kindSet, name: t[1].val, value: t[3].val}
		}
	case "UNSET":
		if is(1, tokString, "") && len(t) == 2 {
			return stmt{kind: kindUnset, name: t[1].val}
		}
	case "DEFINE":
		if (is(1, tokWord, "") || is(1, tokQuoted, "")) && is(2, tokOp, "=") && is(3, tokString, "") && len(t) == 4 {
			return stmt{kind: kindDefine, name: t[1].raw, value: t[3].val}
		}
	case "UNDEFINE":
		if (is(1, tokWord, "") || is(1, tokQuoted, "")) && len(t) == 2 {
			return stmt{kind: kindUndefine, name: t[1].raw}
		}
	case "SHOW", "LIST":
		if word(1) == "VARIABLES" && len(t) == 2 {
			return stmt{kind: kindShowVars}
		}
	case "RUN":
		if word(1) == "SCRIPT" && is(2, tokString, "") && len(t) == 3 {
			return stmt{kind: kindRunScript, name: t[2].val}
		}
	}
	return stmt{kind: kindExecute}
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
