package repl

import (
	"strings"
)

// The scanner here only finds where quoted text and comments end, for the
// few tokens the shell reads itself; statement splitting and variable
// substitution are package sql's.

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
