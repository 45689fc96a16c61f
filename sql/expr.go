package sql

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Expression precedence, lowest first: OR, AND, NOT, predicates
// (comparison, IS, BETWEEN, IN, LIKE), ||, + -, * / %, unary + -,
// AT TIME ZONE, postfix ([] and ->).

func (p *parser) expr() Expr { return p.orExpr() }

func (p *parser) orExpr() Expr {
	l := p.andExpr()
	n := 0
	for p.peekKw(0, "OR") {
		t := p.advance()
		n += p.nest(t.Pos)
		l = &Binary{P: t.Pos, Op: "OR", L: l, R: p.andExpr()}
	}
	p.unnest(n)
	return l
}

func (p *parser) andExpr() Expr {
	l := p.notExpr()
	n := 0
	for p.peekKw(0, "AND") {
		t := p.advance()
		n += p.nest(t.Pos)
		l = &Binary{P: t.Pos, Op: "AND", L: l, R: p.notExpr()}
	}
	p.unnest(n)
	return l
}

func (p *parser) notExpr() Expr {
	if p.peekKw(0, "NOT") {
		t := p.advance()
		defer p.unnest(p.nest(t.Pos))
		return &Unary{P: t.Pos, Op: "NOT", X: p.notExpr()}
	}
	return p.predicated()
}

var comparisonOps = map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true}

// predicated parses a value expression followed by at most one predicate.
func (p *parser) predicated() Expr {
	x := p.valueExpr()
	t := p.cur()
	if t.Kind == tOp && comparisonOps[t.Val] {
		p.advance()
		return &Binary{P: t.Pos, Op: t.Val, L: x, R: p.valueExpr()}
	}
	if t.Kind != tWord {
		return x
	}
	not := false
	if t.Val == "NOT" && (p.peekKw(1, "BETWEEN") || p.peekKw(1, "IN") || p.peekKw(1, "LIKE")) {
		p.advance()
		not = true
	}
	switch p.cur().Val {
	case "BETWEEN":
		p.advance()
		lo := p.valueExpr()
		p.expectKw("AND")
		return &Between{P: t.Pos, X: x, Lo: lo, Hi: p.valueExpr(), Not: not}
	case "IN":
		p.advance()
		p.expectOp("(")
		in := &In{P: t.Pos, X: x, Not: not}
		for {
			in.List = append(in.List, p.expr())
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
		return in
	case "LIKE":
		p.advance()
		l := &Like{P: t.Pos, X: x, Pattern: p.valueExpr(), Not: not}
		if p.acceptKw("ESCAPE") {
			l.Escape = p.str()
		}
		return l
	case "IS":
		p.advance()
		isNot := p.acceptKw("NOT")
		if p.acceptKw("NULL") {
			return &IsNull{P: t.Pos, X: x, Not: isNot}
		}
		if p.acceptKw("DISTINCT") {
			p.expectKw("FROM")
			op := "IS DISTINCT FROM"
			if isNot {
				op = "IS NOT DISTINCT FROM"
			}
			return &Binary{P: t.Pos, Op: op, L: x, R: p.valueExpr()}
		}
		p.failExpecting()
	}
	return x
}

// valueExpr parses arithmetic and concatenation: ksqlDB's valueExpression,
// which is all that GROUP BY, PARTITION BY and VALUES accept.
func (p *parser) valueExpr() Expr {
	l := p.addExpr()
	n := 0
	for p.peekOp(0, "||") {
		t := p.advance()
		n += p.nest(t.Pos)
		l = &Binary{P: t.Pos, Op: "||", L: l, R: p.addExpr()}
	}
	p.unnest(n)
	return l
}

func (p *parser) addExpr() Expr {
	l := p.mulExpr()
	n := 0
	for p.peekOp(0, "+") || p.peekOp(0, "-") {
		t := p.advance()
		n += p.nest(t.Pos)
		l = &Binary{P: t.Pos, Op: t.Val, L: l, R: p.mulExpr()}
	}
	p.unnest(n)
	return l
}

func (p *parser) mulExpr() Expr {
	l := p.unaryExpr()
	n := 0
	for p.peekOp(0, "*") || p.peekOp(0, "/") || p.peekOp(0, "%") {
		t := p.advance()
		n += p.nest(t.Pos)
		l = &Binary{P: t.Pos, Op: t.Val, L: l, R: p.unaryExpr()}
	}
	p.unnest(n)
	return l
}

func isNumber(t token) bool { return t.Kind == tInt || t.Kind == tDecimal || t.Kind == tDouble }

func (p *parser) unaryExpr() Expr {
	t := p.cur()
	// Every nesting of parentheses, subscripts, CASE and calls comes
	// through here.
	defer p.unnest(p.nest(t.Pos))
	if t.Kind == tOp && (t.Val == "-" || t.Val == "+") {
		p.advance()
		// A minus directly before a number is part of the literal, so
		// that -9223372036854775808 is a valid BIGINT.
		if t.Val == "-" && isNumber(p.cur()) {
			return p.atTimeZone(p.postfix(p.number(true)))
		}
		return &Unary{P: t.Pos, Op: t.Val, X: p.unaryExpr()}
	}
	return p.atTimeZone(p.postfix(p.primary()))
}

func (p *parser) atTimeZone(x Expr) Expr {
	n := 0
	defer func() { p.unnest(n) }()
	for p.peekKw(0, "AT") {
		t := p.advance()
		n += p.nest(t.Pos)
		p.expectKw("TIME", "ZONE")
		x = &AtTimeZone{P: t.Pos, X: x, Zone: p.str()}
	}
	return x
}

// postfix applies subscripts and dereferences. `->*` is left for the
// select item to handle.
func (p *parser) postfix(x Expr) Expr {
	n := 0
	defer func() { p.unnest(n) }()
	for {
		switch {
		case p.peekOp(0, "["):
			t := p.advance()
			n += p.nest(t.Pos)
			idx := p.valueExpr()
			p.expectOp("]")
			x = &Subscript{P: t.Pos, Base: x, Index: idx}
		case p.peekOp(0, "->") && !p.peekOp(1, "*"):
			t := p.advance()
			n += p.nest(t.Pos)
			var f string
			if p.cur().Kind == tWord {
				// After -> a word can only be a field name, reserved or not
				// (MESSAGE->DESERIALIZATIONERROR->TOPIC).
				f = p.advance().Val
			} else {
				f, _ = p.ident()
			}
			x = &Deref{P: t.Pos, Base: x, Field: f}
		default:
			return x
		}
	}
}

// intValue converts an integer token, negated when neg. ksqlDB reports
// literal range errors one column to the right of the literal.
func (p *parser) intValue(t token, neg bool) int64 {
	text := t.Raw
	if neg {
		text = "-" + text
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		p.failSemantic(Pos{t.Pos.Line, t.Pos.Col + 1}, "Invalid numeric literal: "+text)
	}
	return v
}

// number parses a numeric literal token, negated when neg.
func (p *parser) number(neg bool) Expr {
	t := p.advance()
	pos := t.Pos
	sign := ""
	if neg {
		sign = "-"
		pos = p.toks[p.i-2].Pos // the '-'
	}
	switch t.Kind {
	case tInt:
		return &IntLit{P: pos, Val: p.intValue(t, neg)}
	case tDecimal:
		return &DecimalLit{P: pos, Text: sign + t.Raw}
	case tDouble:
		v, err := strconv.ParseFloat(sign+t.Raw, 64)
		if err != nil && errors.Is(err, strconv.ErrRange) && math.IsInf(v, 0) {
			p.failSemantic(Pos{t.Pos.Line, t.Pos.Col + 1}, "Number overflows DOUBLE: "+sign+t.Raw)
		}
		return &DoubleLit{P: pos, Val: v}
	}
	p.failExpecting("INTEGER_VALUE", "DECIMAL_VALUE", "FLOATING_POINT_VALUE")
	return nil
}

func (p *parser) primary() Expr {
	t := p.cur()
	switch t.Kind {
	case tString:
		p.advance()
		return &StringLit{P: t.Pos, Val: t.Val}
	case tInt, tDecimal, tDouble:
		return p.number(false)
	case tOp:
		if t.Val == "(" {
			p.advance()
			e := p.expr()
			p.expectOp(")")
			return e
		}
	case tWord:
		switch t.Val {
		case "NULL":
			p.advance()
			return &NullLit{P: t.Pos}
		case "TRUE", "FALSE":
			p.advance()
			return &BoolLit{P: t.Pos, Val: t.Val == "TRUE"}
		case "CASE":
			return p.caseExpr()
		case "CAST":
			p.advance()
			p.expectOp("(")
			x := p.expr()
			p.expectKw("AS")
			to := p.typ()
			p.expectOp(")")
			return &Cast{P: t.Pos, X: x, To: to}
		case "ARRAY":
			if p.peekOp(1, "[") {
				p.advance()
				p.advance()
				a := &ArrayCtor{P: t.Pos, Elems: []Expr{}}
				if !p.acceptOp("]") {
					for {
						a.Elems = append(a.Elems, p.expr())
						if !p.acceptOp(",") {
							break
						}
					}
					p.expectOp("]")
				}
				return a
			}
		case "MAP":
			if p.peekOp(1, "(") {
				p.advance()
				p.advance()
				m := &MapCtor{P: t.Pos, Keys: []Expr{}, Values: []Expr{}}
				if !p.acceptOp(")") {
					for {
						m.Keys = append(m.Keys, p.expr())
						p.expectOp(":=")
						m.Values = append(m.Values, p.expr())
						if !p.acceptOp(",") {
							break
						}
					}
					p.expectOp(")")
				}
				return m
			}
		case "STRUCT":
			if p.peekOp(1, "(") {
				p.advance()
				p.advance()
				s := &StructCtor{P: t.Pos, Fields: []StructFieldExpr{}}
				if !p.acceptOp(")") {
					for {
						name, _ := p.ident()
						p.expectOp(":=")
						s.Fields = append(s.Fields, StructFieldExpr{Name: name, Value: p.expr()})
						if !p.acceptOp(",") {
							break
						}
					}
					p.expectOp(")")
				}
				return s
			}
		}
	}
	if !identOK(t) {
		if t.Kind == tEOF {
			p.fail(t.Pos, "Syntax Error\nmismatched input '<EOF>' expecting an expression")
		}
		p.fail(t.Pos, "Syntax Error\nno viable alternative at input '"+t.display()+"'")
	}
	next := p.peekAt(1)
	switch {
	case next.Kind == tString:
		// A type constructor literal such as TIMESTAMP '2020-01-01'.
		p.advance()
		p.advance()
		return &TypedLit{P: t.Pos, Type: strings.ToUpper(t.Val), Val: next.Val}
	case next.Kind == tOp && next.Val == "(":
		return p.call()
	case next.Kind == tOp && next.Val == "." && identOK(p.peekAt(2)):
		p.advance()
		p.advance()
		name, _ := p.ident()
		return &ColumnRef{P: t.Pos, Qualifier: t.Val, Name: name}
	}
	p.advance()
	if p.inLambdaScope(t.Val) {
		return &LambdaVar{P: t.Pos, Name: t.Val}
	}
	return &ColumnRef{P: t.Pos, Name: t.Val}
}

func (p *parser) inLambdaScope(name string) bool {
	for i := len(p.lambdas) - 1; i >= 0; i-- {
		for _, n := range p.lambdas[i] {
			if n == name {
				return true
			}
		}
	}
	return false
}

func (p *parser) caseExpr() Expr {
	c := &Case{P: p.expectKw("CASE").Pos}
	if !p.peekKw(0, "WHEN") {
		c.Operand = p.valueExpr()
	}
	for p.acceptKw("WHEN") {
		cond := p.expr()
		p.expectKw("THEN")
		c.Whens = append(c.Whens, When{Cond: cond, Result: p.expr()})
	}
	if len(c.Whens) == 0 {
		p.failExpecting()
	}
	if p.acceptKw("ELSE") {
		c.Else = p.expr()
	}
	p.expectKw("END")
	return c
}

// call parses name(args...), where an argument may be *, a plural time
// unit or a lambda.
func (p *parser) call() Expr {
	t := p.advance()
	c := &Call{P: t.Pos, Name: strings.ToUpper(t.Val)}
	p.expectOp("(")
	if p.peekOp(0, "*") && p.peekOp(1, ")") {
		p.advance()
		p.advance()
		c.Star = true
		return c
	}
	if p.acceptOp(")") {
		return c
	}
	for {
		c.Args = append(c.Args, p.argument())
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return c
}

func (p *parser) argument() Expr {
	t := p.cur()
	if t.Kind == tWord && pluralUnits[t.Val] {
		p.advance()
		return &IntervalUnit{P: t.Pos, Unit: t.Val}
	}
	if params, ok := p.lambdaParams(); ok {
		p.lambdas = append(p.lambdas, params)
		body := p.expr()
		p.lambdas = p.lambdas[:len(p.lambdas)-1]
		return &Lambda{P: t.Pos, Params: params, Body: body}
	}
	return p.expr()
}

// lambdaParams consumes `x =>` or `(x, y) =>` when present.
func (p *parser) lambdaParams() ([]string, bool) {
	if identOK(p.cur()) && p.peekOp(1, "=>") {
		name := p.advance().Val
		p.advance()
		return []string{name}, true
	}
	if !p.peekOp(0, "(") {
		return nil, false
	}
	var names []string
	j := 1
	for {
		t := p.peekAt(j)
		if !identOK(t) {
			return nil, false
		}
		names = append(names, t.Val)
		j++
		if p.peekOp(j, ",") {
			j++
			continue
		}
		if p.peekOp(j, ")") && p.peekOp(j+1, "=>") {
			for range j + 2 {
				p.advance()
			}
			return names, true
		}
		return nil, false
	}
}
