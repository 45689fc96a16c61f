package planner

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// Pull-query validation: the checks ksqlDB makes on a SELECT without EMIT
// before it runs, with its messages. eddy answers every pull query by
// scanning the source, so these checks only decide which queries are
// refused; they never change how an accepted one runs.

// pullHint ends the messages about clauses a pull query may not have.
const pullHint = " See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query."

// Config properties that gate pull queries (ksqlDB's names and defaults).
const (
	PullLimitEnabled     = "ksql.query.pull.limit.clause.enabled" // default true
	PullTableScanEnabled = "ksql.query.pull.table.scan.enabled"   // default true
	PullRangeScanEnabled = "ksql.query.pull.range.scan.enabled"   // default true
)

// ValidatePull checks a pull query against what ksqlDB accepts: no JOIN,
// WINDOW, GROUP BY, PARTITION BY or HAVING; LIMIT only when enabled and
// not negative; no ROWPARTITION or ROWOFFSET; a table only when it is
// materialized (CREATE TABLE AS SELECT or CREATE SOURCE TABLE); LIKE only
// on STRING columns; and, with table scans disabled, a WHERE clause that a
// key lookup (or a range scan of a single STRING key) can answer. An
// unknown source passes, for PlanQuery to report.
func (p *Planner) ValidatePull(q *sql.Query) error {
	if _, single := q.From.(*sql.Table); !single {
		return errorf("Pull queries don't support JOIN clauses.%s", pullHint)
	}
	switch {
	case q.Window != nil:
		return errorf("Pull queries don't support WINDOW clauses.%s", pullHint)
	case len(q.GroupBy) > 0:
		return errorf("Pull queries don't support GROUP BY clauses.%s", pullHint)
	case len(q.PartitionBy) > 0:
		return errorf("Pull queries don't support PARTITION BY clauses.%s", pullHint)
	case q.Having != nil:
		return errorf("Pull queries don't support HAVING clauses.%s", pullHint)
	}
	if q.Limit != nil {
		if !configTrue(p.cfg, PullLimitEnabled) {
			return errorf("LIMIT clause in pull queries is currently disabled. You can enable them by setting %s=true.%s", PullLimitEnabled, pullHint)
		}
		if *q.Limit < 0 {
			return errorf("Pull queries don't support negative integers in the LIMIT clause. See https://cnfl.io/queries for more info.")
		}
	}
	var selected []sql.Expr
	for _, it := range q.Select {
		if it.Expr != nil {
			selected = append(selected, it.Expr)
		}
	}
	if bad := pseudoRefs(selected...); len(bad) > 0 {
		return errorf("Pull queries don't support the following columns in SELECT clauses: %s", strings.Join(bad, ", "))
	}
	if bad := pseudoRefs(q.Where); len(bad) > 0 {
		return errorf("Pull queries don't support the following columns in WHERE clauses: %s", strings.Join(bad, ", "))
	}
	src := p.ms.Source(q.From.(*sql.Table).Name)
	if src == nil {
		return nil
	}
	if src.IsTable && !src.IsSource && src.CreatedBy == "" {
		return errorf("The %s table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_%s AS SELECT * FROM %s'. See https://cnfl.io/queries for more info.",
			types.QuoteIdent(src.Name), src.Name, src.Name)
	}
	if err := pullLikeTypes(q.Where, src); err != nil {
		return err
	}
	if src.IsTable && !configTrue(p.cfg, PullTableScanEnabled) {
		return p.checkKeyLookup(q.Where, src)
	}
	return nil
}

func configTrue(cfg Config, name string) bool {
	return !strings.EqualFold(strings.TrimSpace(cfg.Get(name, "true")), "false")
}

// pseudoRefs lists, quoted and without repeats, the ROWPARTITION and
// ROWOFFSET references in es: pull queries have no such columns.
func pseudoRefs(es ...sql.Expr) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range es {
		if e == nil {
			continue
		}
		sql.Walk(e, func(x sql.Expr) bool {
			if c, ok := x.(*sql.ColumnRef); ok && (c.Name == "ROWPARTITION" || c.Name == "ROWOFFSET") && !seen[c.Name] {
				seen[c.Name] = true
				out = append(out, types.QuoteIdent(c.Name))
			}
			return true
		})
	}
	return out
}

// sourceColumn finds a column of src named by a (possibly qualified)
// reference; pull queries read a single source.
func sourceColumn(src *metastore.Source, e sql.Expr) (types.Column, bool) {
	c, ok := e.(*sql.ColumnRef)
	if !ok {
		return types.Column{}, false
	}
	for _, col := range src.Schema.Columns {
		if col.Name == c.Name {
			return col, true
		}
	}
	return types.Column{}, false
}

// pullLikeTypes rejects LIKE on a column that is not a STRING.
func pullLikeTypes(where sql.Expr, src *metastore.Source) error {
	if where == nil {
		return nil
	}
	var err error
	sql.Walk(where, func(x sql.Expr) bool {
		l, ok := x.(*sql.Like)
		if !ok || err != nil {
			return err == nil
		}
		if col, ok := sourceColumn(src, l.X); ok && col.Type.Kind != types.String {
			err = errorf("The column type for Like condition must be VARCHAR. The column type is %s", col.Type)
		}
		return true
	})
	return err
}

// maxDisjuncts bounds the disjunctive normal form of a WHERE clause that
// checkKeyLookup expands, which can grow exponentially.
const maxDisjuncts = 1024

const tableScanRequired = "Query requires table scan to be enabled. Table scans can be enabled by setting " + PullTableScanEnabled + "=true"

// checkKeyLookup is the check ksqlDB makes when table scans are disabled:
// every disjunct of the WHERE clause (in disjunctive normal form) must pin
// every key column with = or IN, or, when range scans are enabled and the
// table has a single STRING key and no window, bound it with one of
// < <= > >= in a WHERE clause that is a single disjunct. Other columns may
// be compared too; they filter the rows found.
func (p *Planner) checkKeyLookup(where sql.Expr, src *metastore.Source) error {
	if where == nil {
		return errorf("%s", tableScanRequired)
	}
	if dnfSize(where, false) > maxDisjuncts {
		// Too many disjuncts to check one by one: not a key lookup.
		return errorf("%s", tableScanRequired)
	}
	keys := src.Schema.Key()
	disjuncts := dnf(where, false)
	for _, conj := range disjuncts {
		seen := map[string]bool{}
		ranged := false
		for _, atom := range conj {
			name, op, err := keyConstraint(atom, src)
			if err != nil {
				return err
			}
			if name == "" {
				continue
			}
			if seen[name] {
				return errorf("A comparison condition on the key column cannot be combined with other comparisons such as an IN predicate")
			}
			seen[name] = true
			if op != "=" && op != "IN" {
				ranged = true
			}
		}
		if len(seen) == 0 {
			return errorf("WHERE clause missing key column for disjunct: %s", sql.FormatExpr(conjunction(conj)))
		}
		if len(seen) != len(keys) {
			var specified, expected []string
			for _, k := range keys {
				if seen[k.Name] {
					specified = append(specified, types.QuoteIdent(k.Name))
				}
				expected = append(expected, types.QuoteIdent(k.Name))
			}
			return errorf("Multi-column sources must specify every key in the WHERE clause. Specified: [%s] Expected: [%s].",
				strings.Join(specified, ", "), strings.Join(expected, ", "))
		}
		if ranged && (len(keys) != 1 || keys[0].Type.Kind != types.String || src.Window != nil ||
			len(disjuncts) > 1 || !configTrue(p.cfg, PullRangeScanEnabled)) {
			return errorf("%s", tableScanRequired)
		}
	}
	return nil
}

// keyConstraint reports the key column an atom of a conjunction
// constrains and how ("=", "IN" or a range operator), or "" when it
// constrains no key column (a filter on other columns, or window bounds).
func keyConstraint(atom sql.Expr, src *metastore.Source) (string, string, error) {
	switch x := atom.(type) {
	case *sql.Like:
		return "", "", errorf("Like condition must be between strings")
	case *sql.In:
		if col, ok := sourceColumn(src, x.X); ok && col.Namespace == types.KeyColumn && !x.Not && literalOnly(x.List...) {
			return col.Name, "IN", nil
		}
	case *sql.Binary:
		op := x.Op
		l, r := x.L, x.R
		if _, ok := sourceColumn(src, r); ok && literalOnly(l) {
			l, r, op = r, l, flipOp(op)
		}
		switch op {
		case "=", "<", "<=", ">", ">=":
		default:
			return "", "", nil
		}
		if col, ok := sourceColumn(src, l); ok && col.Namespace == types.KeyColumn && literalOnly(r) {
			return col.Name, op, nil
		}
	}
	return "", "", nil
}

// literalOnly reports whether es reference no columns.
func literalOnly(es ...sql.Expr) bool {
	ok := true
	for _, e := range es {
		sql.Walk(e, func(x sql.Expr) bool {
			if _, col := x.(*sql.ColumnRef); col {
				ok = false
			}
			return ok
		})
	}
	return ok
}

// flipOp mirrors a comparison so that its operands can swap sides.
func flipOp(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

// negateOp is the comparison that holds when op does not.
var negateOp = map[string]string{"=": "<>", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}

// dnf rewrites e, negated when neg, into disjunctive normal form: a list
// of disjuncts, each a list of atoms ANDed together. NOT is pushed down
// to the atoms and BETWEEN becomes two comparisons, as ksqlDB does before
// it looks for key constraints.
func dnf(e sql.Expr, neg bool) [][]sql.Expr {
	switch x := e.(type) {
	case *sql.Unary:
		if x.Op == "NOT" {
			return dnf(x.X, !neg)
		}
	case *sql.Binary:
		and := x.Op == "AND"
		if x.Op == "AND" || x.Op == "OR" {
			if neg {
				and = !and
			}
			l, r := dnf(x.L, neg), dnf(x.R, neg)
			if !and {
				return append(l, r...)
			}
			var out [][]sql.Expr
			for _, a := range l {
				for _, b := range r {
					out = append(out, append(append([]sql.Expr{}, a...), b...))
				}
			}
			return out
		}
		if neg {
			if op, ok := negateOp[x.Op]; ok {
				return [][]sql.Expr{{&sql.Binary{P: x.P, Op: op, L: x.L, R: x.R}}}
			}
		}
	case *sql.Between:
		lo := &sql.Binary{P: x.P, Op: ">=", L: x.X, R: x.Lo}
		hi := &sql.Binary{P: x.P, Op: "<=", L: x.X, R: x.Hi}
		return dnf(&sql.Binary{P: x.P, Op: "AND", L: lo, R: hi}, neg != x.Not)
	}
	if neg {
		return [][]sql.Expr{{&sql.Unary{P: e.Position(), Op: "NOT", X: e}}}
	}
	return [][]sql.Expr{{e}}
}

// dnfSize is the number of disjuncts dnf(e, neg) returns, capped just
// above maxDisjuncts.
func dnfSize(e sql.Expr, neg bool) int {
	switch x := e.(type) {
	case *sql.Unary:
		if x.Op == "NOT" {
			return dnfSize(x.X, !neg)
		}
	case *sql.Binary:
		if x.Op == "AND" || x.Op == "OR" {
			l, r := dnfSize(x.L, neg), dnfSize(x.R, neg)
			if (x.Op == "AND") != neg {
				return min(l*r, maxDisjuncts+1)
			}
			return min(l+r, maxDisjuncts+1)
		}
	case *sql.Between:
		if neg != x.Not {
			return 2
		}
	}
	return 1
}

// conjunction joins atoms with AND, for messages.
func conjunction(atoms []sql.Expr) sql.Expr {
	e := atoms[0]
	for _, a := range atoms[1:] {
		e = &sql.Binary{P: e.Position(), Op: "AND", L: e, R: a}
	}
	return e
}

// PullWhereError shapes a WHERE-clause planning error of a pull query as
// ksqlDB reports it: a comparison that cannot be typed quotes the
// comparison as the statement; one that came from BETWEEN (which ksqlDB
// rewrites into comparisons and type-checks only when it evaluates them)
// is an invalid expression. Other errors are returned unchanged.
func PullWhereError(err error, where sql.Expr) error {
	pe, ok := err.(*Error)
	if !ok || where == nil {
		return err
	}
	const prefix = "Error in WHERE expression: "
	msg, ok := strings.CutPrefix(pe.Msg, prefix)
	if !ok || !strings.HasPrefix(msg, "Cannot compare ") {
		return err
	}
	var found sql.Expr
	sql.Walk(where, func(x sql.Expr) bool {
		if found != nil {
			return false
		}
		switch n := x.(type) {
		case *sql.Binary:
			if comparesAs(msg, n.L, n.R) {
				found = n
			}
		case *sql.Between:
			if comparesAs(msg, n.X, n.Lo) || comparesAs(msg, n.X, n.Hi) {
				found = n
			}
		}
		return true
	})
	switch n := found.(type) {
	case *sql.Binary:
		return &Error{Pos: n.P, Msg: fmt.Sprintf("%s%s\nStatement: %s", prefix, msg, sql.FormatExpr(n)), Err: pe.Err}
	case *sql.Between:
		return &Error{Pos: n.P, Msg: "Invalid expression: " + msg, Err: pe.Err}
	}
	return err
}

// comparesAs reports whether a "Cannot compare L (T) to R (T) ..." message
// is about the operands l and r.
func comparesAs(msg string, l, r sql.Expr) bool {
	ls, rs := sql.FormatExpr(l), sql.FormatExpr(r)
	rest, ok := strings.CutPrefix(msg, "Cannot compare "+ls+" (")
	if !ok {
		return false
	}
	_, after, ok := strings.Cut(rest, ") to ")
	return ok && strings.HasPrefix(after, rs+" (")
}

// PullKeyPins reports the key values a pull query's WHERE clause pins a
// table to, so that the query can look keys up instead of scanning: one
// map per disjunct of where (in disjunctive normal form), from each key
// column's name to the literals it must equal (= or IN). ok is false
// unless every disjunct pins every key column with string or integer
// literals; then the rows of the pinned keys are a superset of the rows
// where selects, which still filters them.
func PullKeyPins(where sql.Expr, src *metastore.Source) (pins []map[string][]sql.Expr, ok bool) {
	keys := src.Schema.Key()
	if where == nil || len(keys) == 0 || dnfSize(where, false) > maxDisjuncts {
		return nil, false
	}
	for _, conj := range dnf(where, false) {
		pinned := map[string][]sql.Expr{}
		for _, atom := range conj {
			name, lits := keyPin(atom, src)
			if name != "" && pinned[name] == nil {
				// A second pin of the same column only narrows: the
				// first one alone gives a superset.
				pinned[name] = lits
			}
		}
		if len(pinned) != len(keys) {
			return nil, false
		}
		pins = append(pins, pinned)
	}
	return pins, true
}

// keyPin reports the key column an atom pins with = or IN and the
// literals it may equal, or "" when it pins none.
func keyPin(atom sql.Expr, src *metastore.Source) (string, []sql.Expr) {
	var col sql.Expr
	var lits []sql.Expr
	switch x := atom.(type) {
	case *sql.In:
		if x.Not {
			return "", nil
		}
		col, lits = x.X, x.List
	case *sql.Binary:
		if x.Op != "=" {
			return "", nil
		}
		col, lits = x.L, []sql.Expr{x.R}
		if _, ok := sourceColumn(src, x.R); ok {
			col, lits = x.R, []sql.Expr{x.L}
		}
	default:
		return "", nil
	}
	c, ok := sourceColumn(src, col)
	if !ok || c.Namespace != types.KeyColumn || len(lits) == 0 {
		return "", nil
	}
	for _, l := range lits {
		if !pinLiteral(l) {
			return "", nil
		}
	}
	return c.Name, lits
}

// pinLiteral accepts the literals a key lookup can encode exactly:
// strings and (possibly negated) integers.
func pinLiteral(e sql.Expr) bool {
	switch x := e.(type) {
	case *sql.StringLit, *sql.IntLit:
		return true
	case *sql.Unary:
		_, isInt := x.X.(*sql.IntLit)
		return x.Op == "-" && isInt
	}
	return false
}

// PullKeyBounds reports the bounds a pull query's WHERE clause puts on a
// table's single STRING, INT or BIGINT key column: every row where
// selects has a key k with lo <= k (when hasLo) and k <= hi (when
// hasHi); lo and hi are strings for a STRING key, int64 for the others.
// Comparisons (< <= > >=, BETWEEN), = and IN against literals of the
// key's type bound the key; a disjunct that does not leaves that side
// unbounded. The bounds are inclusive whatever the operators, which only
// widens them: where still filters the rows.
func PullKeyBounds(where sql.Expr, src *metastore.Source) (lo, hi any, hasLo, hasHi bool) {
	keys := src.Schema.Key()
	if where == nil || len(keys) != 1 || dnfSize(where, false) > maxDisjuncts {
		return nil, nil, false, false
	}
	kind := keys[0].Type.Kind
	if kind != types.String && kind != types.Int && kind != types.Bigint {
		return nil, nil, false, false
	}
	for i, conj := range dnf(where, false) {
		var clo, chi any
		var cHasLo, cHasHi bool
		bound := func(lower, upper bool, v any) {
			if lower && (!cHasLo || compareBound(v, clo) > 0) {
				clo, cHasLo = v, true
			}
			if upper && (!cHasHi || compareBound(v, chi) < 0) {
				chi, cHasHi = v, true
			}
		}
		for _, atom := range conj {
			switch x := atom.(type) {
			case *sql.In:
				if c, ok := sourceColumn(src, x.X); !ok || c.Namespace != types.KeyColumn || x.Not || len(x.List) == 0 {
					continue
				}
				var min, max any
				all := true
				for j, e := range x.List {
					v, ok := boundLiteral(e, kind)
					if !ok {
						all = false
						break
					}
					if j == 0 || compareBound(v, min) < 0 {
						min = v
					}
					if j == 0 || compareBound(v, max) > 0 {
						max = v
					}
				}
				if all {
					bound(true, false, min)
					bound(false, true, max)
				}
			case *sql.Binary:
				l, r, op := x.L, x.R, x.Op
				if _, ok := boundLiteral(r, kind); !ok {
					l, r, op = r, l, flipOp(op)
				}
				v, ok := boundLiteral(r, kind)
				if c, isCol := sourceColumn(src, l); !ok || !isCol || c.Namespace != types.KeyColumn {
					continue
				}
				if n, isInt := v.(int64); isInt {
					// An integer bound is made inclusive exactly.
					if op == ">" && n < math.MaxInt64 {
						v, op = n+1, ">="
					} else if op == "<" && n > math.MinInt64 {
						v, op = n-1, "<="
					}
				}
				switch op {
				case "=":
					bound(true, true, v)
				case ">", ">=":
					bound(true, false, v)
				case "<", "<=":
					bound(false, true, v)
				}
			}
		}
		if i == 0 {
			lo, hi, hasLo, hasHi = clo, chi, cHasLo, cHasHi
			continue
		}
		if !cHasLo || (hasLo && compareBound(clo, lo) < 0) {
			lo = clo
		}
		hasLo = hasLo && cHasLo
		if !cHasHi || (hasHi && compareBound(chi, hi) > 0) {
			hi = chi
		}
		hasHi = hasHi && cHasHi
	}
	return lo, hi, hasLo, hasHi
}

// boundLiteral returns the value of e when it is a literal a key of kind
// compares with as it is: a string for a STRING key, a (possibly negated)
// integer for an INT or BIGINT key.
func boundLiteral(e sql.Expr, kind types.Kind) (any, bool) {
	switch x := e.(type) {
	case *sql.StringLit:
		return x.Val, kind == types.String
	case *sql.IntLit:
		return x.Val, kind != types.String
	case *sql.Unary:
		if n, ok := x.X.(*sql.IntLit); ok && x.Op == "-" && kind != types.String {
			return -n.Val, true
		}
	}
	return nil, false
}

// compareBound compares two values of boundLiteral for one key kind.
func compareBound(a, b any) int {
	if s, ok := a.(string); ok {
		return strings.Compare(s, b.(string))
	}
	return cmp.Compare(a.(int64), b.(int64))
}
