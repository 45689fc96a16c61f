package sql

import (
	"errors"
	"maps"
	"strings"
)

// SyntaxCheck parses the statements of a script one after another
// before any of them runs, as ksqlDB's shell parses a whole file first:
// a syntax error in the third statement stops the script before the
// first two have created streams and started queries. It follows the
// variables as the script's DEFINE, UNDEFINE and SET of
// ksql.variable.substitution.enable change them; a statement naming a
// variable not known yet (a RUN SCRIPT may define it) is left for when
// it runs, as are errors other than syntax errors.
type SyntaxCheck struct {
	vars       map[string]string
	substitute bool
}

// NewSyntaxCheck starts a check with the session's variables and
// properties (neither is changed).
func NewSyntaxCheck(vars, props map[string]string) *SyntaxCheck {
	c := &SyntaxCheck{vars: maps.Clone(vars), substitute: SubstitutionOn(props)}
	if c.vars == nil {
		c.vars = map[string]string{}
	}
	return c
}

// Statement checks the next statement of the script. It returns the
// statement parsed (nil when it could not be parsed yet, or holds other
// than one statement), its substitution (nil when none ran; Written maps
// a position of the error back to the text as typed) and its syntax
// error, if any (positions relative to the substituted text).
func (c *SyntaxCheck) Statement(text string) (Statement, *Substituted, error) {
	var sub *Substituted
	if c.substitute {
		var err error
		if sub, err = SubstituteTracked(text, c.vars); err != nil {
			return nil, nil, nil
		}
		text = sub.Text
	}
	parsed, err := Parse(text)
	if se := (*Error)(nil); errors.As(err, &se) && !se.Semantic {
		return nil, sub, err
	}
	if err != nil || len(parsed) != 1 {
		return nil, sub, nil
	}
	switch p := parsed[0].(type) {
	case *Define:
		c.forget(p.Name)
		c.vars[p.Name] = p.Value
	case *Undefine:
		c.forget(p.Name)
	case *SetProperty:
		if p.Name == SubstitutionProperty {
			c.substitute = SubstitutionOn(map[string]string{p.Name: p.Value})
		}
	case *UnsetProperty:
		if p.Name == SubstitutionProperty {
			c.substitute = true
		}
	}
	return parsed[0], sub, nil
}

// forget drops a variable, whatever the case it was defined in.
func (c *SyntaxCheck) forget(name string) {
	for k := range c.vars {
		if strings.EqualFold(k, name) {
			delete(c.vars, k)
		}
	}
}

// FirstSyntaxError checks every statement of a script (see SyntaxCheck)
// and returns the index of the first that does not parse, its
// substitution and the parser's error, or -1.
func FirstSyntaxError(stmts []string, vars, props map[string]string) (int, *Substituted, error) {
	c := NewSyntaxCheck(vars, props)
	for i, text := range stmts {
		if _, sub, err := c.Statement(text); err != nil {
			return i, sub, err
		}
	}
	return -1, nil, nil
}
