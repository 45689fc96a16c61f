package sql

import (
	"errors"
	"maps"
	"strings"
)

// FirstSyntaxError parses every statement of a script before any of them
// runs, as ksqlDB's shell parses a whole file first: a syntax error in
// the third statement stops the script before the first two have
// created streams and started queries. Variables are followed as the
// script's DEFINE, UNDEFINE and SET of ksql.variable.substitution.enable
// change them; a statement naming a variable not known yet (a RUN SCRIPT
// may define it) is left for when it runs, as are errors other than
// syntax errors. It returns the index of the first statement that does
// not parse, its substitution (nil when none ran; Written maps the
// error's position back to the text as typed) and the parser's error
// (positions relative to the substituted text), or -1.
func FirstSyntaxError(stmts []string, vars, props map[string]string) (int, *Substituted, error) {
	vars = maps.Clone(vars)
	if vars == nil {
		vars = map[string]string{}
	}
	substitute := SubstitutionOn(props)
	forget := func(name string) {
		for k := range vars {
			if strings.EqualFold(k, name) {
				delete(vars, k)
			}
		}
	}
	for i, text := range stmts {
		var sub *Substituted
		if substitute {
			var err error
			if sub, err = SubstituteTracked(text, vars); err != nil {
				continue
			}
			text = sub.Text
		}
		parsed, err := Parse(text)
		if se := (*Error)(nil); errors.As(err, &se) && !se.Semantic {
			return i, sub, err
		}
		if err != nil || len(parsed) != 1 {
			continue
		}
		switch p := parsed[0].(type) {
		case *Define:
			forget(p.Name)
			vars[p.Name] = p.Value
		case *Undefine:
			forget(p.Name)
		case *SetProperty:
			if p.Name == SubstitutionProperty {
				substitute = SubstitutionOn(map[string]string{p.Name: p.Value})
			}
		case *UnsetProperty:
			if p.Name == SubstitutionProperty {
				substitute = true
			}
		}
	}
	return -1, nil, nil
}
