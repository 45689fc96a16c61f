package expr

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/internal/smalldec"
	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// AggArg describes one argument of an aggregate call at plan time.
type AggArg struct {
	Type  *types.Type // nil for a NULL literal
	Const bool        // the argument is a literal (e.g. TOPK's k, LATEST_BY_OFFSET's n / ignoreNulls)
	Value any         // the literal's value when Const
	// Text is the argument's SQL text, used only in error messages
	// (optional; e.g. "... must be a literal constant, but was expression: 'F0'").
	Text string
}

// Aggregate is an aggregate function resolved for its argument types.
// Accumulators are opaque; Add/Undo may mutate acc in place and return it.
// Merge may mutate and return a; b must not be used afterwards. Result
// returns a fresh value that never aliases the accumulator.
type Aggregate struct {
	Name       string
	ReturnType *types.Type
	// Args are the indexes (into the call's argument list) whose per-row
	// values the planner must pass to Add/Undo, in order; constant params
	// are captured at resolve time and are not passed.
	Args   []int
	Init   func() any
	Add    func(acc any, args []any) any
	Undo   func(acc any, args []any) any // nil when the function cannot undo (not usable on table sources)
	Merge  func(a, b any) any            // for session windows merging; nil if unsupported
	Result func(acc any) any
	// Fallible is set when Add, Undo or Merge can leave an error in the
	// accumulator (AggregateErr), so callers check only these.
	Fallible bool
	// ComplexState is set when the intermediate state is an ARRAY, MAP or
	// STRUCT in ksqlDB, which value formats like DELIMITED cannot hold.
	ComplexState bool
	// Marshal serializes an accumulator for a state store or changelog;
	// Unmarshal restores one that behaves as the original under further
	// Add, Undo, Merge and Result. Unmarshal does not retain data and
	// reports corrupt or foreign bytes as an error. Every built-in
	// aggregate sets both (see udaf_state.go; MarshalAccs and
	// UnmarshalAccs handle a group's accumulators as one record).
	Marshal   func(acc any) ([]byte, error)
	Unmarshal func(data []byte) (any, error)

	appendState func(b []byte, acc any) ([]byte, error) // Marshal, appending to b
}

// AggregateErr reports a fatal error an accumulator holds after Add, Undo
// or Merge (today only DECIMAL SUM overflow: "Numeric field overflow").
// The accumulator keeps its last good value; the query fails, as
// ksqlDB's does.
func AggregateErr(acc any) error {
	if e, ok := acc.(interface{ aggErr() error }); ok {
		return e.aggErr()
	}
	return nil
}

// errNumericOverflow is ksqlDB's message for a DECIMAL result that no
// longer fits its precision.
var errNumericOverflow = errors.New("Numeric field overflow")

// aggConfig holds the properties aggregate functions read.
type aggConfig struct {
	collectListLimit int // ksql.functions.collect_list.limit
	collectSetLimit  int // ksql.functions.collect_set.limit
}

// Defaults as in ksqlDB.
const (
	defaultCollectLimit = 1000
	histogramLimit      = 1000
)

func (r *Registry) aggCfg() aggConfig {
	if r.agg != nil {
		return *r.agg
	}
	return aggConfig{collectListLimit: defaultCollectLimit, collectSetLimit: defaultCollectLimit}
}

// SetAggregateConfig applies query properties to aggregates resolved
// afterwards: ksql.functions.collect_list.limit and
// ksql.functions.collect_set.limit (a negative limit means unlimited).
// Other keys are ignored. Call it before the registry is shared; use
// WithAggregateConfig for per-statement properties.
func (r *Registry) SetAggregateConfig(props map[string]string) error {
	c := r.aggCfg()
	for k, p := range map[string]*int{
		"ksql.functions.collect_list.limit": &c.collectListLimit,
		"ksql.functions.collect_set.limit":  &c.collectSetLimit,
	} {
		v, ok := props[k]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("Invalid value %s for configuration %s: Not a number of type INT", v, k)
		}
		*p = n
	}
	r.agg = &c
	return nil
}

// WithAggregateConfig returns a copy of r whose aggregates use props (see
// SetAggregateConfig); r itself is unchanged, so it stays safe to share.
func (r *Registry) WithAggregateConfig(props map[string]string) (*Registry, error) {
	cp := *r
	if err := cp.SetAggregateConfig(props); err != nil {
		return nil, err
	}
	return &cp, nil
}

// resolveFn builds an Aggregate for the call's arguments, or reports why
// it cannot.
type resolveFn func(r *Registry, name string, args []AggArg) (*Aggregate, error)

// builtinAggregates maps each built-in aggregate's name to its resolver.
func builtinAggregates() map[string]resolveFn {
	return map[string]resolveFn{
		"ATTR":               resolveAttr,
		"AVG":                resolveAvg,
		"COLLECT_LIST":       resolveCollectList,
		"COLLECT_SET":        resolveCollectSet,
		"CORRELATION":        resolveCorrelation,
		"COUNT":              resolveCount,
		"COUNT_DISTINCT":     resolveCountDistinct,
		"EARLIEST_BY_OFFSET": resolveEarliest,
		"HISTOGRAM":          resolveHistogram,
		"LATEST_BY_OFFSET":   resolveLatest,
		"MAX":                resolveMax,
		"MIN":                resolveMin,
		"STDDEV_SAMP":        resolveStddevSamp,
		"STDDEV_SAMPLE":      resolveStddevSample,
		"SUM":                resolveSum,
		"SUM_LIST":           resolveSumList,
		"TOPK":               resolveTopk,
		"TOPKDISTINCT":       resolveTopkDistinct,
	}
}

// IsAggregate reports whether name (any case) is an aggregate function.
func (r *Registry) IsAggregate(name string) bool {
	return r.udafs[strings.ToUpper(name)] != nil
}

// AggregateNames lists the aggregate function names, sorted.
func (r *Registry) AggregateNames() []string {
	names := make([]string, 0, len(r.udafs))
	for n := range r.udafs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ResolveAggregate picks the aggregate implementation for the argument
// types. Wrong types give ksqlDB's "Function 'X' does not accept
// parameters (…)." error.
func (r *Registry) ResolveAggregate(name string, args []AggArg) (*Aggregate, error) {
	up := strings.ToUpper(name)
	f := r.udafs[up]
	if f == nil {
		return nil, fmt.Errorf("Can't find any functions with the name '%s'", name)
	}
	return f(r, up, args)
}

// errAggParams is the no-matching-signature error.
func errAggParams(name string, args []AggArg) error {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = typeName(a.Type)
	}
	return fmt.Errorf("Function '%s' does not accept parameters (%s).", name, strings.Join(parts, ", "))
}

// errNotLiteral reports a parameter that must be a literal.
func errNotLiteral(name string, i int, a AggArg) error {
	return fmt.Errorf("Parameter %d passed to function %s must be a literal constant, but was expression: '%s'", i+1, name, a.Text)
}

// isKind reports whether t is non-nil and one of kinds.
func isKind(t *types.Type, kinds ...types.Kind) bool {
	return t != nil && slices.Contains(kinds, t.Kind)
}

// orderable kinds: what MIN, MAX and TOPK accept.
var orderableKinds = []types.Kind{types.Int, types.Bigint, types.Double, types.Decimal,
	types.String, types.Bytes, types.Date, types.Time, types.Timestamp}

// constInt reads an INTEGER/BIGINT literal parameter.
func constInt(a AggArg) (int, bool) {
	switch v := a.Value.(type) {
	case int32:
		return int(v), true
	case int64:
		if v >= math.MinInt32 && v <= math.MaxInt32 {
			return int(v), true
		}
	}
	return 0, false
}

// valueKey is a canonical text for a value, equal for values that
// valuesEqual treats as equal (maps regardless of entry order). Used to
// hash values in sets and multisets. COUNT_DISTINCT's serialized state
// holds these keys, so changing their format needs a new stateVersion
// (udaf_state.go).
func valueKey(v any) string { return string(appendKey(nil, v)) }

// appendKey appends v's valueKey to b. Callers that only look a value up
// append into a stack buffer and index the map with string(key), which
// does not allocate; only a new key becomes a string.
func appendKey(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		b = append(b, 'n')
	case bool:
		if v {
			b = append(b, 't')
		} else {
			b = append(b, 'f')
		}
	case int32:
		b = strconv.AppendInt(append(b, '#'), int64(v), 10)
	case int64:
		b = strconv.AppendInt(append(b, '#'), v, 10)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.AppendInt(append(b, '#'), int64(v), 10)
		}
		b = strconv.AppendFloat(append(b, '#'), v, 'g', -1, 64)
	case decimal.Decimal:
		b = append(b, '#')
		if n, ok := smallWhole(v); ok {
			return strconv.AppendInt(b, n, 10)
		}
		if f, ok := exactFloat(v); ok && f != math.Trunc(f) {
			return strconv.AppendFloat(b, f, 'g', -1, 64)
		}
		if v.Equal(v.Truncate(0)) && v.Abs().LessThan(decimal.New(1, 15)) {
			return append(b, v.Truncate(0).String()...)
		}
		f, _ := v.Float64()
		b = strconv.AppendFloat(b, f, 'g', -1, 64)
	case string:
		b = strconv.AppendQuote(append(b, 's'), v)
	case []byte:
		b = strconv.AppendQuote(append(b, 'b'), string(v))
	case types.DateVal:
		b = strconv.AppendInt(append(b, 'D'), int64(v), 10)
	case types.TimeVal:
		b = strconv.AppendInt(append(b, 'T'), int64(v), 10)
	case types.TimestampVal:
		b = strconv.AppendInt(append(b, 'S'), int64(v), 10)
	case []any:
		b = append(b, '[')
		for _, e := range v {
			b = append(appendKey(b, e), ',')
		}
		b = append(b, ']')
	case types.StructVal:
		b = append(b, '{')
		for _, e := range v {
			b = append(appendKey(b, e), ',')
		}
		b = append(b, '}')
	case *types.MapVal:
		ents := make([]string, v.Len())
		for i := range ents {
			ents[i] = valueKey(v.Keys[i]) + ":" + valueKey(v.Vals[i])
		}
		slices.Sort(ents)
		b = append(b, '<')
		for _, e := range ents {
			b = append(append(b, e...), ',')
		}
		b = append(b, '>')
	default:
		b = fmt.Appendf(b, "?%v", v)
	}
	return b
}

// smallWhole returns d as an integer when it is a whole number of
// magnitude under 10^15 with an int64 coefficient: the key of such a
// decimal is its integer digits.
func smallWhole(d decimal.Decimal) (int64, bool) {
	c, e, ok := smalldec.Int64(d)
	if !ok {
		return 0, false
	}
	for e < 0 && c%10 == 0 && c != 0 {
		c /= 10
		e++
	}
	if c == 0 {
		return 0, true
	}
	if e < 0 {
		return 0, false
	}
	n, ok := smalldec.Rescale(c, e, 0)
	if !ok || n >= 1e15 || n <= -1e15 {
		return 0, false
	}
	return n, true
}
