package sql

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// SubstitutionProperty turns variable substitution off when set to
// false, as ksqlDB's ksql.variable.substitution.enable does: ${x} then
// stays as it is written.
const SubstitutionProperty = "ksql.variable.substitution.enable"

// SubstitutionOn reports whether props leave variable substitution on.
func SubstitutionOn(props map[string]string) bool {
	return !strings.EqualFold(strings.TrimSpace(props[SubstitutionProperty]), "false")
}

// Substitute replaces each ${name} in text with vars[name]. Names match
// exactly, else case-insensitively. $${x} stands for a literal ${x}.
// Substitution applies inside quotes too, as in ksqlDB, but not in
// comments (-- to the end of the line, /* */), which stay as written:
// ksqlDB looks for variables only in the statement's tokens, so a
// commented-out ${old} is no error. An undefined variable is an error
// naming it.
func Substitute(text string, vars map[string]string) (string, error) {
	out, _, err := substitute(text, vars, false)
	return out, err
}

// Substituted is a statement with its variables substituted, which can
// say where a position of Text was in the statement as written.
type Substituted struct {
	Text    string
	written string
	from    []int // from[i]: the byte of written that byte i of Text came from
}

// SubstituteTracked is Substitute keeping where each piece came from, so
// that an error in the substituted text can point at what the user
// typed.
func SubstituteTracked(text string, vars map[string]string) (*Substituted, error) {
	out, from, err := substitute(text, vars, true)
	if err != nil {
		return nil, err
	}
	return &Substituted{Text: out, written: text, from: from}, nil
}

// Written maps p, a line and column of Text, to the statement as
// written: a position inside a variable's value is that of its ${.
func (s *Substituted) Written(p Pos) Pos {
	if s.from == nil || p.Line < 1 || p.Col < 1 {
		return p
	}
	off := offsetOf(s.Text, p)
	if off >= len(s.from) {
		return posOf(s.written, len(s.written)) // at the end of the input
	}
	return posOf(s.written, s.from[off])
}

// offsetOf is the byte offset of p (1-based line and rune column) in
// text, len(text) past its end.
func offsetOf(text string, p Pos) int {
	off := 0
	for line := 1; line < p.Line; line++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	for col := 1; col < p.Col; col++ {
		if off >= len(text) || text[off] == '\n' {
			return len(text) + 1
		}
		_, sz := utf8.DecodeRuneInString(text[off:])
		off += sz
	}
	return off
}

// posOf is the line and column of byte off of text.
func posOf(text string, off int) Pos {
	before := text[:off]
	line := strings.Count(before, "\n") + 1
	return Pos{line, utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1}
}

func substitute(text string, vars map[string]string, track bool) (string, []int, error) {
	if !strings.Contains(text, "${") {
		if !track {
			return text, nil, nil
		}
		from := make([]int, len(text))
		for i := range from {
			from[i] = i
		}
		return text, from, nil
	}
	var from []int
	// origin records that n bytes just written came from text[at:],
	// byte for byte when same, else all from at.
	origin := func(at, n int, same bool) {
		if !track {
			return
		}
		for k := 0; k < n; k++ {
			if same {
				from = append(from, at+k)
			} else {
				from = append(from, at)
			}
		}
	}
	var b strings.Builder
	line, col := 1, 1
	var quote byte // the quote character of the quoted text i is in, else 0
	// copyThrough writes text[i:j] as it is, keeping line and col.
	copyThrough := func(i, j int) {
		piece := text[i:j]
		b.WriteString(piece)
		origin(i, len(piece), true)
		if n := strings.Count(piece, "\n"); n > 0 {
			line += n
			col = utf8.RuneCountInString(piece[strings.LastIndexByte(piece, '\n')+1:]) + 1
		} else {
			col += utf8.RuneCountInString(piece)
		}
	}
	for i := 0; i < len(text); {
		switch c := text[i]; {
		case quote == 0 && strings.HasPrefix(text[i:], "--"):
			end := strings.IndexByte(text[i:], '\n')
			if end < 0 {
				end = len(text) - i
			}
			copyThrough(i, i+end)
			i += end
			continue
		case quote == 0 && strings.HasPrefix(text[i:], "/*"):
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				end = len(text) - i
			} else {
				end += 4
			}
			copyThrough(i, i+end)
			i += end
			continue
		case c == '\'' || c == '"' || c == '`':
			// A doubled quote inside quoted text reads as leaving and
			// entering it again, which comes to the same.
			if quote == 0 {
				quote = c
			} else if quote == c {
				quote = 0
			}
		case strings.HasPrefix(text[i:], "$${"):
			b.WriteString("${")
			origin(i, 2, false)
			i += 3
			col += 3
			continue
		case strings.HasPrefix(text[i:], "${"):
			end := strings.IndexByte(text[i+2:], '}')
			if end < 0 {
				break
			}
			name := strings.TrimSpace(text[i+2 : i+2+end])
			val, ok := lookupVar(vars, name)
			if !ok {
				return "", nil, &Error{Pos: Pos{line, col}, Msg: "Variable '" + name + "' is not defined"}
			}
			b.WriteString(val)
			origin(i, len(val), false)
			n := end + 3
			col += utf8.RuneCountInString(text[i : i+n])
			i += n
			continue
		}
		r, sz := utf8.DecodeRuneInString(text[i:])
		b.WriteString(text[i : i+sz])
		origin(i, sz, true)
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += sz
	}
	return b.String(), from, nil
}

func lookupVar(vars map[string]string, name string) (string, bool) {
	if v, ok := vars[name]; ok {
		return v, true
	}
	var keys []string
	for k := range vars {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "", false
	}
	sort.Strings(keys) // deterministic when several differ only in case
	return vars[keys[0]], true
}

// SplitStatements splits text at each ';' outside quotes and comments, for
// the interactive shell. Each complete statement is returned trimmed and
// including its terminating ';'. rest is the unfinished tail (trimmed),
// or "" when the tail holds only whitespace and comments; an unclosed
// quote or block comment keeps everything after the last ';' in rest.
func SplitStatements(text string) (complete []string, rest string) {
	start := 0
	hasToken := false // the current piece has more than comments
	i := 0
	for i < len(text) {
		c := text[i]
		switch {
		case c == '\'' || c == '`' || c == '"':
			_, n, ok := scanQuoted(text[i:], c)
			if !ok {
				return complete, strings.TrimSpace(text[start:])
			}
			hasToken = true
			i += n
		case strings.HasPrefix(text[i:], "--"):
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				i = len(text)
			} else {
				i += j + 1
			}
		case strings.HasPrefix(text[i:], "/*"):
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return complete, strings.TrimSpace(text[start:])
			}
			i += j + 4
		case c == ';':
			if hasToken {
				complete = append(complete, strings.TrimSpace(text[start:i+1]))
			}
			i++
			start, hasToken = i, false
		default:
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
				hasToken = true
			}
			i++
		}
	}
	if !hasToken {
		return complete, ""
	}
	return complete, strings.TrimSpace(text[start:])
}
