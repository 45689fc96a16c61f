package registry

import (
	"fmt"
	"strconv"
	"strings"
)

// protoFile is what the registry understands of a .proto text: its
// messages (nested ones by dotted name) and their fields by number. It is
// a small tolerant parser for validation and compatibility, not a
// compiler: types are not resolved and options are skipped.
type protoFile struct {
	syntax   string
	pkg      string
	messages map[string]*protoMessage
	order    []string // top-level messages in declaration order
	enums    []string // top-level enums in declaration order
	imports  []string // the files imported, as named
}

type protoMessage struct {
	name   string
	fields map[int]protoField
}

type protoField struct {
	name  string
	typ   string // scalar name, message or enum name, or map<K,V>
	label string // "", "optional", "required", "repeated", "map" or "oneof"
}

const maxProtoField = 1<<29 - 1

func parseProto(text string) (*protoFile, error) {
	toks, err := protoTokens(text)
	if err != nil {
		return nil, fmt.Errorf("protobuf schema: %w", err)
	}
	p := &protoParser{toks: toks, f: &protoFile{messages: make(map[string]*protoMessage)}}
	if err := p.file(); err != nil {
		return nil, fmt.Errorf("protobuf schema: %w", err)
	}
	// A file of enums alone is a schema too (imported by others), as
	// Confluent's registry takes it: its name is its first enum's.
	if len(p.f.order) == 0 && len(p.f.enums) == 0 {
		return nil, fmt.Errorf("protobuf schema: no message or enum declared")
	}
	return p.f, nil
}

type protoToken struct {
	text string
	line int
	str  bool // a quoted string, text unquoted
}

func protoTokens(text string) ([]protoToken, error) {
	var toks []protoToken
	line := 1
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case strings.HasPrefix(text[i:], "//"):
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case strings.HasPrefix(text[i:], "/*"):
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated comment", line)
			}
			line += strings.Count(text[i:i+2+end], "\n")
			i += end + 4
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(text) && text[j] != c {
				if text[j] == '\\' {
					j++
				}
				if j < len(text) && text[j] == '\n' {
					return nil, fmt.Errorf("line %d: newline in string", line)
				}
				j++
			}
			if j >= len(text) {
				return nil, fmt.Errorf("line %d: unterminated string", line)
			}
			toks = append(toks, protoToken{text: text[i+1 : j], line: line, str: true})
			i = j + 1
		case strings.ContainsRune("{}[]()<>=;,:", rune(c)):
			toks = append(toks, protoToken{text: string(c), line: line})
			i++
		case isProtoWordByte(c):
			j := i
			for j < len(text) && isProtoWordByte(text[j]) {
				j++
			}
			toks = append(toks, protoToken{text: text[i:j], line: line})
			i = j
		default:
			return nil, fmt.Errorf("line %d: unexpected character %q", line, c)
		}
	}
	return toks, nil
}

func isProtoWordByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c == '+' ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

type protoParser struct {
	toks []protoToken
	pos  int
	f    *protoFile
}

func (p *protoParser) peek() (protoToken, bool) {
	if p.pos >= len(p.toks) {
		return protoToken{}, false
	}
	return p.toks[p.pos], true
}

func (p *protoParser) next() (protoToken, error) {
	t, ok := p.peek()
	if !ok {
		return t, fmt.Errorf("unexpected end of schema")
	}
	p.pos++
	return t, nil
}

func (p *protoParser) expect(want string) error {
	t, err := p.next()
	if err != nil {
		return fmt.Errorf("expected %q: %w", want, err)
	}
	if t.str || t.text != want {
		return fmt.Errorf("line %d: expected %q, found %q", t.line, want, t.text)
	}
	return nil
}

func (p *protoParser) ident() (protoToken, error) {
	t, err := p.next()
	if err != nil {
		return t, err
	}
	if t.str || !isProtoWordByte(t.text[0]) {
		return t, fmt.Errorf("line %d: expected a name, found %q", t.line, t.text)
	}
	return t, nil
}

// skipStatement skips to the end of a statement: a ';' or a balanced
// {...} block, whichever ends it. Braces inside [...] or (...), as in an
// option's aggregate value ([(meta) = { params: [...] }]), do not end it.
func (p *protoParser) skipStatement() error {
	depth, brackets := 0, 0
	for {
		t, err := p.next()
		if err != nil {
			return err
		}
		if t.str {
			continue
		}
		switch t.text {
		case "[", "(":
			brackets++
		case "]", ")":
			brackets--
			if brackets < 0 {
				return fmt.Errorf("line %d: unbalanced %q", t.line, t.text)
			}
		case "{":
			depth++
		case "}":
			depth--
			if depth < 0 {
				return fmt.Errorf("line %d: unbalanced '}'", t.line)
			}
			if depth == 0 && brackets == 0 {
				if n, ok := p.peek(); ok && !n.str && n.text == ";" {
					p.pos++
				}
				return nil
			}
		case ";":
			if depth == 0 && brackets == 0 {
				return nil
			}
		}
	}
}

func (p *protoParser) file() error {
	for {
		t, ok := p.peek()
		if !ok {
			return nil
		}
		p.pos++
		switch t.text {
		case ";":
		case "syntax", "edition":
			if err := p.expect("="); err != nil {
				return err
			}
			v, err := p.next()
			if err != nil {
				return err
			}
			if t.text == "syntax" && v.text != "proto2" && v.text != "proto3" {
				return fmt.Errorf("line %d: unknown syntax %q", v.line, v.text)
			}
			p.f.syntax = v.text
			if err := p.expect(";"); err != nil {
				return err
			}
		case "package":
			n, err := p.ident()
			if err != nil {
				return err
			}
			p.f.pkg = n.text
			if err := p.expect(";"); err != nil {
				return err
			}
		case "message":
			n, err := p.ident()
			if err != nil {
				return err
			}
			p.f.order = append(p.f.order, n.text)
			if err := p.message(n.text); err != nil {
				return err
			}
		case "enum":
			n, err := p.ident()
			if err != nil {
				return err
			}
			p.f.enums = append(p.f.enums, n.text)
			if err := p.skipStatement(); err != nil {
				return err
			}
		case "import":
			start := p.pos
			if err := p.skipStatement(); err != nil {
				return err
			}
			for _, it := range p.toks[start:p.pos] {
				if it.str {
					p.f.imports = append(p.f.imports, it.text)
					break
				}
			}
		case "option", "service", "extend":
			if err := p.skipStatement(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("line %d: unexpected %q", t.line, t.text)
		}
	}
}

// message parses a message body after its name.
func (p *protoParser) message(name string) error {
	if _, dup := p.f.messages[name]; dup {
		return fmt.Errorf("message %s declared twice", name)
	}
	m := &protoMessage{name: name, fields: make(map[int]protoField)}
	p.f.messages[name] = m
	if err := p.expect("{"); err != nil {
		return err
	}
	return p.body(m, "")
}

// body parses message (or oneof) members up to the closing brace.
func (p *protoParser) body(m *protoMessage, oneof string) error {
	for {
		t, err := p.next()
		if err != nil {
			return fmt.Errorf("message %s: %w", m.name, err)
		}
		switch t.text {
		case "}":
			return nil
		case ";":
		case "message":
			n, err := p.ident()
			if err != nil {
				return err
			}
			if err := p.message(m.name + "." + n.text); err != nil {
				return err
			}
		case "oneof":
			if _, err := p.ident(); err != nil {
				return err
			}
			if err := p.expect("{"); err != nil {
				return err
			}
			if err := p.body(m, "oneof"); err != nil {
				return err
			}
		case "enum", "option", "reserved", "extensions", "extend", "group":
			if err := p.skipStatement(); err != nil {
				return err
			}
		default:
			p.pos--
			if err := p.field(m, oneof); err != nil {
				return fmt.Errorf("message %s: %w", m.name, err)
			}
		}
	}
}

func (p *protoParser) field(m *protoMessage, label string) error {
	t, err := p.ident()
	if err != nil {
		return err
	}
	var typ string
	switch t.text {
	case "repeated", "optional", "required":
		label = t.text
		tt, err := p.ident()
		if err != nil {
			return err
		}
		typ = tt.text
	case "map":
		if err := p.expect("<"); err != nil {
			return err
		}
		k, err := p.ident()
		if err != nil {
			return err
		}
		if err := p.expect(","); err != nil {
			return err
		}
		v, err := p.ident()
		if err != nil {
			return err
		}
		if err := p.expect(">"); err != nil {
			return err
		}
		label, typ = "map", "map<"+k.text+","+v.text+">"
	default:
		typ = t.text
	}
	n, err := p.ident()
	if err != nil {
		return err
	}
	if err := p.expect("="); err != nil {
		return err
	}
	numTok, err := p.next()
	if err != nil {
		return err
	}
	num, err := strconv.ParseInt(numTok.text, 0, 32)
	if err != nil || num < 1 || num > maxProtoField {
		return fmt.Errorf("line %d: field %s: invalid field number %q", numTok.line, n.text, numTok.text)
	}
	if prev, dup := m.fields[int(num)]; dup {
		return fmt.Errorf("line %d: field %s reuses number %d of field %s", numTok.line, n.text, num, prev.name)
	}
	m.fields[int(num)] = protoField{name: n.text, typ: typ, label: label}
	// Field options, then ';'.
	if err := p.skipStatement(); err != nil {
		return fmt.Errorf("field %s: %w", n.text, err)
	}
	return nil
}
