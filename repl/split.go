package repl

import (
	"strings"
)

// The functions in this file are the shell's local lexical helpers. They
// only need to find statement boundaries and ${var} references, so they
// track quotes and comments and nothing else.
// TODO(repl): switch to sql.SplitStatements / sql.Substitute once they land.

// splitStatements cuts text into the statements that end with a ';' outside
// quotes and comments, and the unfinished rest. Each statement keeps its
// ';'; statements that are empty apart from comments are dropped.
func splitStatements(text string) (complete []string, rest string) {
	start := 0
	sc := scanner{src: text}
	for {
		i, ok := sc.nextSemicolon()
		if !ok {
			break
		}
		stmt := strings.TrimSpace(text[start : i+1])
		if !isBlank(strings.TrimSuffix(stmt, ";")) {
			complete = append(complete, stmt)
		}
		start = i + 1
	}
	return complete, text[start:]
}

// isBlank reports whether text holds nothing but whitespace and comments.
func isBlank(text string) bool {
	sc := scanner{src: text}
	return !sc.hasCode()
}

// scanner walks SQL text, skipping quoted parts and comments.
type scanner struct {
	src string
	off int
}

// skip moves past a quoted section or comment starting at off, if any,
// and reports whether it did. An unterminated one runs to the end.
func (s *scanner) skip() bool {
	rest := s.src[s.off:]
	switch {
	case rest[0] == '\'' || rest[0] == '`' || rest[0] == '"':
		// A doubled quote inside is an escape, not the end.
		q := rest[0]
		for i := 1; i < len(rest); i++ {
			if rest[i] != q {
				continue
			}
			if i+1 < len(rest) && rest[i+1] == q {
				i++
				continue
			}
			s.off += i + 1
			return true
		}
		s.off = len(s.src)
		return true
	case strings.HasPrefix(rest, "--"):
		end := strings.IndexByte(rest, '\n')
		if end < 0 {
			s.off = len(s.src)
		} else {
			s.off += end + 1
		}
		return true
	case strings.HasPrefix(rest, "/*"):
		end := strings.Index(rest[2:], "*/")
		if end < 0 {
			s.off = len(s.src)
		} else {
			s.off += end + 4
		}
		return true
	}
	return false
}

// nextSemicolon returns the offset of the next ';' that ends a statement.
func (s *scanner) nextSemicolon() (int, bool) {
	for s.off < len(s.src) {
		if s.skip() {
			continue
		}
		if s.src[s.off] == ';' {
			i := s.off
			s.off++
			return i, true
		}
		s.off++
	}
	return 0, false
}

// hasCode reports whether anything but whitespace and comments follows.
func (s *scanner) hasCode() bool {
	for s.off < len(s.src) {
		c := s.src[s.off]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			s.off++
			continue
		}
		if (c == '-' || c == '/') && s.skip() {
			continue
		}
		return true
	}
	return false
}

// substitute replaces ${name} with the value of session variable name
// (names are case-insensitive) and $${x} with the literal ${x}. Unknown
// variables are left in place for the server to report.
func substitute(text string, vars map[string]string) string {
	if !strings.Contains(text, "${") {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); {
		if strings.HasPrefix(text[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if strings.HasPrefix(text[i:], "${") {
			if end := strings.IndexByte(text[i+2:], '}'); end >= 0 {
				name := text[i+2 : i+2+end]
				if v, ok := lookupVar(vars, name); ok {
					b.WriteString(v)
					i += end + 3
					continue
				}
			}
		}
		b.WriteByte(text[i])
		i++
	}
	return b.String()
}

// lookupVar finds a variable regardless of case.
func lookupVar(vars map[string]string, name string) (string, bool) {
	if v, ok := vars[name]; ok {
		return v, true
	}
	for k, v := range vars {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}
