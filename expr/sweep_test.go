package expr

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/eddysql/eddy/internal/box"
	"github.com/eddysql/eddy/internal/smalldec"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// The function sweep calls every registered function, in every signature,
// with edge values a user's data can hold, compiled and evaluated as the
// runtime does. No call may panic: a panic inside a scalar function makes
// the column NULL, but one in custom code (lambdas, COALESCE, …), a table
// function or an aggregate fails the query. Results are not checked here.

// sweepSig is one function signature to sweep.
type sweepSig struct {
	fn     string
	params []*types.Type // patterns, with type variables
	// text renders the call for the argument texts (columns or literals).
	text func(args []string) string
}

func plainCall(fn string) func([]string) string {
	return func(a []string) string { return fn + "(" + strings.Join(a, ", ") + ")" }
}

// customSigs are the functions compiled by custom code, which list no
// signatures in the registry; lambdas get simple bodies so that the
// function's own handling of the values is what runs.
func customSigs() []sweepSig {
	arrT, mapKV := types.ArrayOf(typeT), types.MapOf(typeK, typeV)
	tmpl := func(fn, f string, ps ...*types.Type) sweepSig {
		return sweepSig{fn: fn, params: ps, text: func(a []string) string {
			args := make([]any, len(a))
			for i, s := range a {
				args[i] = s
			}
			return fmt.Sprintf(f, args...)
		}}
	}
	sigs := []sweepSig{
		tmpl("TRANSFORM", "TRANSFORM(%s, x => x)", arrT),
		tmpl("TRANSFORM", "TRANSFORM(%s, x => ABS(x + 1))", arrT), // a NULL operand aborts
		tmpl("REDUCE", "REDUCE(%s, %s, (s, x) => s + x)", arrT, typeT),
		tmpl("TRANSFORM", "TRANSFORM(%s, (k, v) => k, (k, v) => v)", mapKV),
		tmpl("TRANSFORM", "TRANSFORM(%s, (k, v) => v, (k, v) => k)", mapKV),
		tmpl("FILTER", "FILTER(%s, x => x IS NULL)", arrT),
		tmpl("FILTER", "FILTER(%s, (k, v) => v IS NOT NULL)", mapKV),
		tmpl("REDUCE", "REDUCE(%s, %s, (s, x) => x)", arrT, typeT),
		tmpl("REDUCE", "REDUCE(%s, %s, (s, k, v) => v)", mapKV, typeV),
		tmpl("TO_JSON_STRING", "TO_JSON_STRING(%s)", typeT),
		tmpl("COALESCE", "COALESCE(%s, %s, %s)", typeT, typeT, typeT),
		tmpl("IFNULL", "IFNULL(%s, %s)", typeT, typeT),
		tmpl("NULLIF", "NULLIF(%s, %s)", typeT, typeT),
		tmpl("AS_VALUE", "AS_VALUE(%s)", typeT),
		tmpl("GREATEST", "GREATEST(%s, %s, %s)", typeT, typeT, typeT),
		tmpl("LEAST", "LEAST(%s, %s, %s)", typeT, typeT, typeT),
	}
	for _, f := range []struct {
		name string
		typ  *types.Type
	}{{"TIMESTAMPADD", types.TimestampType}, {"TIMESTAMPSUB", types.TimestampType}, {"DATEADD", types.DateType}, {"DATESUB", types.DateType}, {"TIMEADD", types.TimeType}, {"TIMESUB", types.TimeType}} {
		for _, unit := range []string{"MILLISECONDS", "SECONDS", "DAYS"} {
			sigs = append(sigs, tmpl(f.name, f.name+"("+unit+", %s, %s)", tInt, f.typ))
		}
	}
	return sigs
}

// registrySigs lists every overload's signature; a variadic one is tried
// with its last parameter absent, once and three times.
func registrySigs(r *Registry) (sigs []sweepSig, custom []string) {
	for _, name := range r.Names() {
		d := r.fns[name]
		if d.custom != nil {
			custom = append(custom, name)
			continue
		}
		for _, o := range d.overloads {
			if !o.variadic {
				sigs = append(sigs, sweepSig{fn: name, params: o.params, text: plainCall(name)})
				continue
			}
			fixed, last := o.params[:len(o.params)-1], o.params[len(o.params)-1]
			for _, n := range []int{0, 1, 3} {
				ps := append([]*types.Type(nil), fixed...)
				for range n {
					ps = append(ps, last)
				}
				sigs = append(sigs, sweepSig{fn: name, params: ps, text: plainCall(name)})
			}
		}
	}
	return sigs, custom
}

// sweepFailure records a panic found by the sweep.
type sweepFailure struct{ fn, call, args, panic string }

// sweeper runs calls and collects failures.
type sweeper struct {
	r        *Registry
	fails    []sweepFailure
	seen     map[string]bool // fn + panic, reported once each
	calls    int
	compiled int
	rejected int
}

func (s *sweeper) fail(fn, call string, args []any, p any) {
	key := fn + "|" + fmt.Sprint(p)
	if s.seen[key] {
		return
	}
	s.seen[key] = true
	s.fails = append(s.fails, sweepFailure{fn, call, sweepShow(args), fmt.Sprint(p)})
}

// run compiles sig for the bound types ts and evaluates it on rows, with
// every argument a column; then with each literal-able argument a literal
// (so functions that specialize on constants, such as patterns, run that
// path too).
func (s *sweeper) run(sig sweepSig, ts []*types.Type, rows [][]any) {
	cols := make([]string, len(ts))
	res := testResolver{}
	for i, t := range ts {
		cols[i] = fmt.Sprintf("C%d", i)
		res.cols = append(res.cols, col(cols[i], t))
	}
	s.eval(sig.fn, sig.text(cols), res, rows)
	normal := make([]any, len(ts))
	for i, t := range ts {
		normal[i] = sweepValues(t)[1]
	}
	for i, t := range ts {
		for _, v := range sweepValues(t)[1:] {
			lit, ok := sweepLiteral(v)
			if !ok {
				continue
			}
			args := append([]string(nil), cols...)
			args[i] = lit
			row := append([]any(nil), normal...)
			row[i] = v
			s.eval(sig.fn, sig.text(args), res, [][]any{row})
		}
	}
}

func (s *sweeper) eval(fn, text string, res testResolver, rows [][]any) {
	e, err := sql.ParseExpr(text)
	if err != nil {
		s.rejected++
		return
	}
	var c *Compiled
	func() {
		defer func() {
			if p := recover(); p != nil {
				s.fail(fn, text, nil, fmt.Sprintf("compile: %v", p))
			}
		}()
		c, err = Compile(e, res, s.r)
	}()
	if c == nil || err != nil {
		s.rejected++
		return
	}
	s.compiled++
	// A bare Context, and one set up as a task's (argument stack, boxed
	// numbers), whose paths differ.
	task := &Context{ReuseArgs: true, Decimals: &smalldec.Slab{}, Words: &box.Int64s{}}
	for _, row := range rows {
		for _, ctx := range []*Context{{}, task} {
			s.calls++
			ctx.OnError = func(err error) {
				if pe := (*PanicError)(nil); errors.As(err, &pe) {
					s.fail(fn, text, row, pe.Value)
				}
			}
			func() {
				defer func() {
					if p := recover(); p != nil {
						s.fail(fn, text, row, p)
					}
				}()
				c.Eval(ctx, row)
			}()
			if len(task.args) > 0 {
				s.fail(fn, text, row, fmt.Sprintf("%d arguments left on the task's stack", len(task.args)))
				task.args = nil
			}
		}
	}
}

// sweepLiteral renders v as a SQL literal of its own type, if it has one.
func sweepLiteral(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return "", false
		}
		return "'" + strings.ReplaceAll(v, "'", "''") + "'", true
	case int32:
		if v < 0 {
			return "", false // a negated literal widens or folds differently
		}
		return fmt.Sprint(v), true
	case bool:
		return fmt.Sprint(v), true
	}
	return "", false
}

// sweepShow renders arguments briefly for a report.
func sweepShow(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		s := render(a)
		if len(s) > 60 {
			s = s[:60] + fmt.Sprintf("…(%d)", len(s))
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (s *sweeper) report(t *testing.T) {
	sort.Slice(s.fails, func(i, j int) bool { return s.fails[i].fn < s.fails[j].fn })
	for _, f := range s.fails {
		t.Errorf("%s fails: %s on %s: %s", f.fn, f.call, f.args, f.panic)
	}
}

func TestSweepScalarFunctions(t *testing.T) {
	r := NewRegistry()
	s := &sweeper{r: r, seen: map[string]bool{}}
	sigs, custom := registrySigs(r)
	customs := customSigs()
	covered := map[string]bool{}
	for _, c := range customs {
		covered[c.fn] = true
	}
	for _, name := range custom {
		if !covered[name] {
			t.Errorf("custom function %s has no sweep signature; add it to customSigs", name)
		}
	}
	sigs = append(sigs, customs...)
	names := map[string]bool{}
	for _, sig := range sigs {
		names[sig.fn] = true
		for _, ts := range sweepBind(sig.params) {
			s.run(sig, ts, sweepRows(ts, 1000))
		}
	}
	t.Logf("swept %d functions, %d signatures, %d compiled calls (%d rejected), %d evaluations",
		len(names), len(sigs), s.compiled, s.rejected, s.calls)
	s.report(t)
}
