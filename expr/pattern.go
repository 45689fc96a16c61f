package expr

import (
	"regexp"

	"github.com/eddysql/eddy/types"
)

// patternFunc is a regular-expression function: f gets the compiled
// pattern, which is argument at, and all the arguments.
type patternFunc func(re *regexp.Regexp, a []any) (any, error)

// byPattern returns f as a function that compiles its pattern per row,
// and the prep that compiles a constant pattern once, at compile time:
// compiling costs microseconds and a few dozen allocations, and the
// pattern is nearly always a literal. A constant pattern that does not
// compile is left to fail per row, as without a constant.
func byPattern(at int, f patternFunc) (func([]any) (any, error), func([]any, []bool) func([]any) (any, error)) {
	perRow := func(a []any) (any, error) {
		re, err := regexp.Compile(a[at].(string))
		if err != nil {
			return nil, err
		}
		return f(re, a)
	}
	prep := func(consts []any, known []bool) func([]any) (any, error) {
		if !known[at] || consts[at] == nil {
			return nil
		}
		re, err := regexp.Compile(consts[at].(string))
		if err != nil {
			return nil
		}
		return func(a []any) (any, error) { return f(re, a) }
	}
	return perRow, prep
}

// patternOverload is ov for a patternFunc, with its constant-pattern
// prep.
func patternOverload(ret *types.Type, at int, f patternFunc, params ...*types.Type) *overload {
	fn, prep := byPattern(at, f)
	return ov(ret, fn, params...).prepared(prep)
}

// patternStringFunc is a patternFunc with a STRING result (ok false for
// NULL).
type patternStringFunc func(re *regexp.Regexp, a []any) (string, bool, error)

// patternStringOverload is patternOverload for a STRING result.
func patternStringOverload(at int, f patternStringFunc, params ...*types.Type) *overload {
	perRow := func(a []any) (string, bool, error) {
		re, err := regexp.Compile(a[at].(string))
		if err != nil {
			return "", false, err
		}
		return f(re, a)
	}
	return ovS(perRow, params...).preparedS(func(consts []any, known []bool) stringFunc {
		if !known[at] || consts[at] == nil {
			return nil
		}
		re, err := regexp.Compile(consts[at].(string))
		if err != nil {
			return nil
		}
		return func(a []any) (string, bool, error) { return f(re, a) }
	})
}
