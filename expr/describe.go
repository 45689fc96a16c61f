package expr

import (
	"strings"

	"github.com/eddysql/eddy/types"
)

// FunctionInfo describes a function for DESCRIBE FUNCTION, as far as the
// registry knows it: the signatures of overloaded scalar functions, the
// argument types an aggregate accepts (found by asking its resolver), and
// nothing for scalar functions compiled by custom code (lambdas, generic
// variadics), whose types are checked when a call is compiled.
type FunctionInfo struct {
	// Name is the upper-case name.
	Name string
	// Aggregate is set for aggregate functions.
	Aggregate bool
	// Signatures lists the known variations, in registration order.
	Signatures []Signature
	// Custom marks a scalar function checked by custom code, so its
	// signatures are not listed.
	Custom bool
}

// Signature is one variation of a function.
type Signature struct {
	// Params are the parameter types; generic ones are named by their
	// type variable (T, K, V), ANY, or DECIMAL for any precision.
	Params []string
	// Variadic is set when the last parameter repeats.
	Variadic bool
	// Returns is the return type, or a type variable for generic ones.
	Returns string
}

// Describe returns what the registry knows about the function name (any
// case); ok is false when there is no such function.
func (r *Registry) Describe(name string) (info FunctionInfo, ok bool) {
	up := strings.ToUpper(name)
	if sigs, ok := r.udafSigs[up]; ok {
		return FunctionInfo{Name: up, Aggregate: true, Signatures: describeSigs(up, sigs)}, true
	}
	if r.IsAggregate(up) {
		return FunctionInfo{Name: up, Aggregate: true, Signatures: r.probeAggregate(up)}, true
	}
	d, found := r.fns[up]
	if !found {
		return FunctionInfo{}, false
	}
	info = FunctionInfo{Name: up, Custom: d.custom != nil}
	for _, o := range d.overloads {
		s := Signature{Variadic: o.variadic}
		for _, p := range o.params {
			s.Params = append(s.Params, paramLabel(p))
		}
		s.Returns = o.returnLabel()
		info.Signatures = append(info.Signatures, s)
	}
	return info, true
}

// returnLabel is an overload's return type; one computed from the
// argument types is shown for the parameter patterns, or as "ANY" when
// it cannot be computed from them.
func (o *overload) returnLabel() (label string) {
	if o.retFn == nil {
		return paramLabel(o.ret)
	}
	defer func() {
		if recover() != nil {
			label = "ANY"
		}
	}()
	if t := o.retFn(o.params); t != nil {
		return paramLabel(t)
	}
	return "ANY"
}

// paramLabel renders a parameter pattern.
func paramLabel(t *types.Type) string {
	switch {
	case t == nil:
		return "ANY"
	case t == anyDecimal:
		return "DECIMAL"
	case t.Kind == types.Unknown:
		if t.Name != "" {
			return t.Name
		}
		return "ANY"
	case t.Kind == types.Array:
		return "ARRAY<" + paramLabel(t.Elem) + ">"
	case t.Kind == types.Map:
		return "MAP<" + paramLabel(t.Key) + ", " + paramLabel(t.Elem) + ">"
	case t.Kind == types.Decimal && t.Precision < 0:
		return "DECIMAL"
	}
	return t.String()
}

// probeTypes are the argument types tried against an aggregate's
// resolver to list the variations it accepts.
var probeTypes = []*types.Type{
	types.BooleanType, types.IntType, types.BigintType, types.DoubleType,
	{Kind: types.Decimal, Precision: 10, Scale: 2},
	types.StringType, types.BytesType, types.DateType, types.TimeType, types.TimestampType,
	types.ArrayOf(types.IntType), types.ArrayOf(types.BigintType), types.ArrayOf(types.DoubleType),
}

// probeAggregate lists the argument shapes an aggregate's resolver
// accepts: one column, a column and a literal INTEGER or BOOLEAN, two
// columns of one type, and a column with a literal INTEGER and BOOLEAN.
func (r *Registry) probeAggregate(up string) []Signature {
	resolve := r.udafs[up]
	var out []Signature
	try := func(args ...AggArg) {
		agg, err := safeResolve(resolve, r, up, args)
		if err != nil || agg == nil {
			return
		}
		s := Signature{Returns: paramLabel(agg.ReturnType)}
		for _, a := range args {
			s.Params = append(s.Params, paramLabel(a.Type))
		}
		out = append(out, s)
	}
	intLit := AggArg{Type: types.IntType, Const: true, Value: int32(1), Text: "1"}
	boolLit := AggArg{Type: types.BooleanType, Const: true, Value: true, Text: "true"}
	for _, t := range probeTypes {
		try(AggArg{Type: t, Text: "X"})
	}
	for _, t := range probeTypes {
		try(AggArg{Type: t, Text: "X"}, intLit)
	}
	for _, t := range probeTypes {
		try(AggArg{Type: t, Text: "X"}, boolLit)
	}
	for _, t := range probeTypes {
		try(AggArg{Type: t, Text: "X"}, AggArg{Type: t, Text: "Y"})
	}
	for _, t := range probeTypes {
		try(AggArg{Type: t, Text: "X"}, intLit, boolLit)
	}
	return out
}

// safeResolve calls a resolver, turning a panic on an unexpected probe
// into an error.
func safeResolve(f resolveFn, r *Registry, up string, args []AggArg) (agg *Aggregate, err error) {
	defer func() {
		if recover() != nil {
			agg, err = nil, errProbe
		}
	}()
	return f(r, up, args)
}

var errProbe = errorString("probe rejected")

type errorString string

func (e errorString) Error() string { return string(e) }
