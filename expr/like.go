package expr

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

func (c *compiler) like(e *sql.Like) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	p, err := c.compile(e.Pattern)
	if err != nil {
		return nil, err
	}
	for _, n := range []*node{x, p} {
		if n.typ != nil && n.typ.Kind != types.String {
			return nil, fmt.Errorf("LIKE needs STRING operands, but %s is %s", FormatExpr(n.src), n.typ)
		}
	}
	var esc rune = -1
	if e.Escape != "" {
		if utf8.RuneCountInString(e.Escape) != 1 {
			return nil, fmt.Errorf("ESCAPE must be a single character, not '%s'", e.Escape)
		}
		esc, _ = utf8.DecodeRuneInString(e.Escape)
	}
	xe, not := x.eval, e.Not
	if p.isConst {
		s, ok := p.val.(string)
		if !ok {
			return constNode(types.BooleanType, false, e), nil
		}
		m := compileLike(s, esc)
		return &node{typ: types.BooleanType, eval: func(ctx *Context, row []any) any {
			v, ok := xe(ctx, row).(string)
			if !ok {
				return false
			}
			return m(v) != not
		}}, nil
	}
	pe := p.eval
	return &node{typ: types.BooleanType, eval: func(ctx *Context, row []any) any {
		v, ok := xe(ctx, row).(string)
		if !ok {
			return false
		}
		pat, ok := pe(ctx, row).(string)
		if !ok {
			return false
		}
		return compileLike(pat, esc)(v) != not
	}}, nil
}

// likeTok is one pattern element: a literal rune, '_' (any one) or '%'.
type likeTok struct {
	r    rune
	kind byte // 'l' literal, '_' one, '%' any
}

// compileLike builds a matcher for a LIKE pattern. Patterns made of
// literals and % only (the usual case) match with string searches; '_'
// falls back to a rune-wise backtracking matcher.
func compileLike(pat string, esc rune) func(string) bool {
	var toks []likeTok
	hasOne := false
	escaped := false
	for _, r := range pat {
		switch {
		case escaped:
			toks = append(toks, likeTok{r: r, kind: 'l'})
			escaped = false
		case r == esc:
			escaped = true
		case r == '%':
			if len(toks) == 0 || toks[len(toks)-1].kind != '%' {
				toks = append(toks, likeTok{kind: '%'})
			}
		case r == '_':
			hasOne = true
			toks = append(toks, likeTok{kind: '_'})
		default:
			toks = append(toks, likeTok{r: r, kind: 'l'})
		}
	}
	if escaped { // a trailing escape stands for itself
		toks = append(toks, likeTok{r: esc, kind: 'l'})
	}
	if hasOne {
		return func(s string) bool { return likeMatch(toks, s) }
	}
	// Split into literal parts between %s.
	var parts []string
	var cur strings.Builder
	lead, trail := false, false
	for i, t := range toks {
		if t.kind == '%' {
			if i == 0 {
				lead = true
			}
			if i == len(toks)-1 {
				trail = true
			}
			if i > 0 {
				parts = append(parts, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(t.r)
	}
	if len(toks) == 0 || toks[len(toks)-1].kind != '%' {
		parts = append(parts, cur.String())
	}
	switch {
	case len(toks) == 0:
		return func(s string) bool { return s == "" }
	case !lead && !trail && len(parts) == 1:
		p := parts[0]
		return func(s string) bool { return s == p }
	case !lead && trail && len(parts) == 1:
		p := parts[0]
		return func(s string) bool { return strings.HasPrefix(s, p) }
	case lead && !trail && len(parts) == 1:
		p := parts[0]
		return func(s string) bool { return strings.HasSuffix(s, p) }
	case lead && trail && len(parts) == 1:
		p := parts[0]
		return func(s string) bool { return strings.Contains(s, p) }
	}
	return func(s string) bool {
		ps := parts
		if !lead {
			if !strings.HasPrefix(s, ps[0]) {
				return false
			}
			s, ps = s[len(ps[0]):], ps[1:]
		}
		last := ""
		if !trail {
			last, ps = ps[len(ps)-1], ps[:len(ps)-1]
		}
		for _, p := range ps {
			i := strings.Index(s, p)
			if i < 0 {
				return false
			}
			s = s[i+len(p):]
		}
		return trail || strings.HasSuffix(s, last)
	}
}

// likeMatch is the general matcher, backtracking on the last '%'.
func likeMatch(toks []likeTok, s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(s) {
		r, w := utf8.DecodeRuneInString(s[si:])
		if ti < len(toks) {
			t := toks[ti]
			switch {
			case t.kind == '%':
				starT, starS = ti, si
				ti++
				continue
			case t.kind == '_' || t.r == r:
				ti++
				si += w
				continue
			}
		}
		if starT < 0 {
			return false
		}
		_, w = utf8.DecodeRuneInString(s[starS:])
		starS += w
		si = starS
		ti = starT + 1
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}
