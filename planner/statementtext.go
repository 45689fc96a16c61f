package planner

import "github.com/eddysql/eddy/sql"

// StatementText is a CREATE … AS SELECT or INSERT INTO … SELECT as ksqlDB
// quotes it under an error found while planning it ("…\nStatement: …"):
// rewritten (every column qualified by its source's alias, every
// projection named as the output column it makes) and formatted by
// sql.FormatCreateAsSelect. ok is false for other statements.
func (p *Planner) StatementText(st sql.Statement) (text string, ok bool) {
	switch s := st.(type) {
	case *sql.CreateAsSelect:
		c := *s
		c.Query = p.sanitize(s.Query)
		return sql.FormatCreateAsSelect(&c), true
	case *sql.InsertInto:
		c := *s
		c.Query = p.sanitize(s.Query)
		return sql.FormatInsertInto(&c), true
	}
	return "", false
}

// sanitize returns a copy of q with its columns qualified and its
// projections named, as ksqlDB's AstSanitizer rewrites a query.
func (p *Planner) sanitize(q *sql.Query) *sql.Query {
	type source struct {
		alias   string
		columns map[string]bool
	}
	var sources []source
	var collect func(r sql.Relation)
	collect = func(r sql.Relation) {
		switch x := r.(type) {
		case *sql.Table:
			s := source{alias: x.Alias, columns: map[string]bool{}}
			if s.alias == "" {
				s.alias = x.Name
			}
			if src := p.ms.Source(x.Name); src != nil {
				for _, c := range src.Schema.Columns {
					s.columns[c.Name] = true
				}
			}
			sources = append(sources, s)
		case *sql.Join:
			collect(x.Left)
			collect(x.Right)
		}
	}
	collect(q.From)
	qualify := func(e sql.Expr) sql.Expr {
		return sql.Rewrite(e, func(e sql.Expr) sql.Expr {
			ref, ok := e.(*sql.ColumnRef)
			if !ok || ref.Qualifier != "" {
				return nil
			}
			owner := ""
			for _, s := range sources {
				if len(sources) == 1 || s.columns[ref.Name] {
					if owner != "" {
						return ref // ambiguous: left as written
					}
					owner = s.alias
				}
			}
			if owner == "" {
				return ref
			}
			c := *ref
			c.Qualifier = owner
			return &c
		})
	}
	qualifyAll := func(es []sql.Expr) []sql.Expr {
		out := make([]sql.Expr, len(es))
		for i, e := range es {
			out[i] = qualify(e)
		}
		return out
	}

	c := *q
	c.Select = make([]sql.SelectItem, len(q.Select))
	// Projection names, as expandSelect gives them (projectionName).
	taken := map[string]bool{}
	for _, s := range sources {
		for name := range s.columns {
			taken[name] = true
		}
	}
	for _, si := range q.Select {
		if si.Alias != "" {
			taken[si.Alias] = true
		} else if ref, ok := si.Expr.(*sql.ColumnRef); ok {
			taken[ref.Name] = true
		}
	}
	gen := 0
	for i, si := range q.Select {
		if si.Alias == "" && !si.Star {
			si.Alias = projectionName(si.Expr, taken, &gen)
		}
		si.Expr = qualify(si.Expr)
		c.Select[i] = si
	}
	if j, ok := q.From.(*sql.Join); ok {
		c.From = qualifyJoin(j, qualify)
	}
	c.Where = qualify(q.Where)
	c.GroupBy = qualifyAll(q.GroupBy)
	c.PartitionBy = qualifyAll(q.PartitionBy)
	c.Having = qualify(q.Having)
	return &c
}

// qualifyJoin copies a join tree with its ON conditions qualified.
func qualifyJoin(j *sql.Join, qualify func(sql.Expr) sql.Expr) *sql.Join {
	c := *j
	if left, ok := j.Left.(*sql.Join); ok {
		c.Left = qualifyJoin(left, qualify)
	}
	c.On = qualify(j.On)
	return &c
}
