package expr

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

const msPerDay = int64(86400000)

// unitMillis is the length of each time unit a function may take.
var unitMillis = map[string]int64{
	"DAY": msPerDay, "HOUR": 3600000, "MINUTE": 60000, "SECOND": 1000, "MILLISECOND": 1,
}

// timeUnit reads a unit argument: a plural unit word (*sql.IntervalUnit)
// or an unqualified singular one, which parses as a column reference.
func timeUnit(e sql.Expr) (int64, bool) {
	switch e := e.(type) {
	case *sql.IntervalUnit:
		ms, ok := unitMillis[strings.TrimSuffix(strings.ToUpper(e.Unit), "S")]
		return ms, ok
	case *sql.ColumnRef:
		if e.Qualifier != "" {
			return 0, false
		}
		ms, ok := unitMillis[strings.ToUpper(e.Name)]
		return ms, ok
	}
	return 0, false
}

func registerMoreTime(r *Registry) {
	tTs, tDate, tTime := types.TimestampType, types.DateType, types.TimeType
	addTs := func(sign int64) func(unit, n int64, v any) any {
		return func(unit, n int64, v any) any {
			return types.TimestampVal(int64(v.(types.TimestampVal)) + sign*n*unit)
		}
	}
	// DATEADD truncates the interval to whole days.
	addDate := func(sign int64) func(unit, n int64, v any) any {
		return func(unit, n int64, v any) any {
			return types.DateVal(int64(v.(types.DateVal)) + sign*(n*unit/msPerDay))
		}
	}
	// TIMEADD wraps around midnight.
	addTime := func(sign int64) func(unit, n int64, v any) any {
		return func(unit, n int64, v any) any {
			ms := (int64(v.(types.TimeVal)) + sign*(n*unit%msPerDay)) % msPerDay
			if ms < 0 {
				ms += msPerDay
			}
			return types.TimeVal(ms)
		}
	}
	for _, f := range []struct {
		name string
		typ  *types.Type
		add  func(unit, n int64, v any) any
	}{
		{"timestampadd", tTs, addTs(1)}, {"timestampsub", tTs, addTs(-1)},
		{"dateadd", tDate, addDate(1)}, {"datesub", tDate, addDate(-1)},
		{"timeadd", tTime, addTime(1)}, {"timesub", tTime, addTime(-1)},
	} {
		r.addCustom(f.name, func(c *compiler, e *sql.Call) (*node, error) {
			return c.unitCall(f.name, f.typ, f.add, e)
		})
	}
}

// unitCall compiles NAME(unit, interval INTEGER, value typ).
func (c *compiler) unitCall(name string, typ *types.Type, add func(unit, n int64, v any) any, e *sql.Call) (*node, error) {
	var unit int64
	ok := len(e.Args) == 3
	if ok {
		unit, ok = timeUnit(e.Args[0])
	}
	if !ok {
		return nil, c.errUnitArgs(name, e.Args)
	}
	rest, err := c.compileAll(e.Args[1:])
	if err != nil {
		return nil, err
	}
	o := ov(typ, func(a []any) (any, error) { return add(unit, int64(a[0].(int32)), a[1]), nil }, tInt, typ)
	if cost, _ := o.match(rest); cost < 0 {
		return nil, fmt.Errorf("Function '%s' does not accept parameters (INTERVALUNIT, %s).", name, strings.Trim(argTypesText(rest), "()"))
	}
	return c.bindOverload(&funcDef{name: name, overloads: []*overload{o}}, e, rest)
}

// errUnitArgs is the no-overload error for a unit function called with
// the wrong arguments; unit words show as INTERVALUNIT.
func (c *compiler) errUnitArgs(name string, args []sql.Expr) error {
	parts := make([]string, len(args))
	for i, a := range args {
		if _, ok := a.(*sql.IntervalUnit); ok {
			parts[i] = "INTERVALUNIT"
			continue
		}
		n, err := c.compile(a)
		if err != nil {
			return err
		}
		parts[i] = typeName(n.typ)
	}
	return fmt.Errorf("Function '%s' does not accept parameters (%s).", name, strings.Join(parts, ", "))
}
