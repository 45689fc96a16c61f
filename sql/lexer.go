package sql

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind classifies a token.
type tokKind int

const (
	tEOF     tokKind = iota
	tWord            // unquoted identifier or keyword; Val is upper-cased
	tQuoted          // `x` or "x"; Val keeps case
	tDigitID         // identifier starting with a digit (1col); Val upper-cased
	tString          // '...'; Val unescaped
	tInt             // 123
	tDecimal         // 1.5, .5, 1.
	tDouble          // 1.5E3
	tOp              // punctuation and operators; Val is the operator
)

// token is one lexical token. Off and End are byte offsets into the text.
type token struct {
	Kind tokKind
	Val  string
	Raw  string
	Pos  Pos
	Off  int
	End  int
}

// display renders the token as ANTLR does in error messages.
func (t token) display() string {
	if t.Kind == tEOF {
		return "<EOF>"
	}
	return t.Raw
}

// lexer turns text into tokens. Positions count runes, 1-based.
type lexer struct {
	src  string
	off  int
	line int
	col  int
	// comments, when not nil, collects the "--" comments skipped.
	comments *[]Comment
}

// Comment is a "--" line comment: its text without the dashes and where
// it starts. Test scripts carry their directives in them.
type Comment struct {
	Pos  Pos
	Text string
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1, col: 1} }

// advance moves past n bytes, keeping line and column up to date.
func (l *lexer) advance(n int) {
	end := l.off + n
	for l.off < end {
		r, sz := utf8.DecodeRuneInString(l.src[l.off:])
		l.off += sz
		if r == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
	}
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool {
	return r == '_' || r == '@' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// skipSpace skips whitespace and comments. An unterminated block comment
// is an error.
func (l *lexer) skipSpace() *Error {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			l.advance(1)
		case strings.HasPrefix(l.src[l.off:], "--"):
			i := strings.IndexByte(l.src[l.off:], '\n')
			if i < 0 {
				i = len(l.src) - l.off
			}
			if l.comments != nil {
				text := strings.TrimSuffix(l.src[l.off+2:l.off+i], "\r")
				*l.comments = append(*l.comments, Comment{Pos: Pos{l.line, l.col}, Text: text})
			}
			l.advance(i)
		case strings.HasPrefix(l.src[l.off:], "/*"):
			pos := Pos{l.line, l.col}
			i := strings.Index(l.src[l.off+2:], "*/")
			if i < 0 {
				return &Error{Pos: pos, Msg: "Syntax Error\nunterminated comment"}
			}
			l.advance(i + 4)
		default:
			r, _ := utf8.DecodeRuneInString(l.src[l.off:])
			if unicode.IsSpace(r) {
				l.advance(utf8.RuneLen(r))
				continue
			}
			return nil
		}
	}
	return nil
}

// operators, longest first so that prefixes do not shadow them.
var operators = []string{
	":=", "=>", "->", "<>", "!=", "<=", ">=", "||",
	"=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",", ".", ";", ":", "?",
}

// next returns the next token.
func (l *lexer) next() (token, *Error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	start := l.off
	pos := Pos{l.line, l.col}
	tok := func(kind tokKind, val string, n int) (token, *Error) {
		l.advance(n)
		return token{Kind: kind, Val: val, Raw: l.src[start:l.off], Pos: pos, Off: start, End: l.off}, nil
	}
	if l.off >= len(l.src) {
		return token{Kind: tEOF, Pos: pos, Off: start, End: start}, nil
	}
	rest := l.src[l.off:]
	c := rest[0]
	switch {
	case c == '\'' || c == '`' || c == '"':
		val, n, ok := scanQuoted(rest, c)
		if !ok {
			return token{}, &Error{Pos: pos, Msg: "Syntax Error\nunterminated quoted text starting with " + string(c)}
		}
		if c == '\'' {
			return tok(tString, val, n)
		}
		if val == "" {
			return token{}, &Error{Pos: pos, Msg: "Syntax Error\nempty quoted identifier"}
		}
		return tok(tQuoted, val, n)
	case isDigit(c) || (c == '.' && len(rest) > 1 && isDigit(rest[1])):
		return l.number(rest, tok)
	}
	r, sz := utf8.DecodeRuneInString(rest)
	if isIdentStart(r) {
		n := sz
		for n < len(rest) {
			r2, sz2 := utf8.DecodeRuneInString(rest[n:])
			if !isIdentPart(r2) {
				break
			}
			n += sz2
		}
		return tok(tWord, strings.ToUpper(rest[:n]), n)
	}
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			if op == "!=" {
				return tok(tOp, "<>", 2)
			}
			return tok(tOp, op, len(op))
		}
	}
	return token{}, &Error{Pos: pos, Msg: "Syntax Error\ntoken recognition error at: '" + string(r) + "'"}
}

// number lexes a numeric literal or a digit-led identifier, taking the
// longer of the two and preferring the number on a tie, as ANTLR does.
func (l *lexer) number(rest string, tok func(tokKind, string, int) (token, *Error)) (token, *Error) {
	n := 0
	for n < len(rest) && isDigit(rest[n]) {
		n++
	}
	kind := tInt
	if n < len(rest) && rest[n] == '.' {
		kind = tDecimal
		n++
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
	}
	if n < len(rest) && (rest[n] == 'e' || rest[n] == 'E') {
		m := n + 1
		if m < len(rest) && (rest[m] == '+' || rest[m] == '-') {
			m++
		}
		if m < len(rest) && isDigit(rest[m]) {
			for m < len(rest) && isDigit(rest[m]) {
				m++
			}
			kind, n = tDouble, m
		}
	}
	// A digit identifier: digits followed by identifier characters.
	id := 0
	if isDigit(rest[0]) {
		for id < len(rest) && isDigit(rest[id]) {
			id++
		}
		digits := id
		for id < len(rest) {
			r, sz := utf8.DecodeRuneInString(rest[id:])
			if !isIdentPart(r) {
				break
			}
			id += sz
		}
		if id == digits {
			id = 0
		}
	}
	if id > n {
		return tok(tDigitID, strings.ToUpper(rest[:id]), id)
	}
	return tok(kind, rest[:n], n)
}

// scanQuoted reads a quoted run starting at s[0]==q, where a doubled quote
// stands for one. It returns the unescaped value and the byte length.
func scanQuoted(s string, q byte) (string, int, bool) {
	var b strings.Builder
	i := 1
	for i < len(s) {
		if s[i] == q {
			if i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i += 2
				continue
			}
			return b.String(), i + 1, true
		}
		b.WriteByte(s[i])
		i++
	}
	return "", 0, false
}

// tokenize lexes all of src, ending with a tEOF token.
func tokenize(src string) ([]token, *Error) { return tokenizeWith(newLexer(src)) }

// tokenizeWith reads every token of l's text.
func tokenizeWith(l *lexer) ([]token, *Error) {
	src := l.src
	toks := make([]token, 0, len(src)/4+1) // typical SQL has a token every few bytes
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.Kind == tEOF {
			return toks, nil
		}
	}
}
