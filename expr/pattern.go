package expr

import (
	"regexp"

	"github.com/eddysql/eddy/types"
)

// Regular-expression functions compile their pattern per row unless it
// is a constant: then prep compiles it once, at compile time (compiling
// costs microseconds and a few dozen allocations, and the pattern is
// nearly always a literal). A constant pattern that does not compile is
// left to fail per row, as without a constant.

// patternFunc is a regular-expression function: f gets the compiled
// pattern, which is argument at, and all the arguments.
type patternFunc func(re *regexp.Regexp, a []any) (any, error)

// patternStringFunc is a patternFunc with a STRING result (ok false for
// NULL).
type patternStringFunc func(re *regexp.Regexp, a []any) (string, bool, error)

// constPattern compiles argument at when it is a constant that compiles.
func constPattern(consts []any, known []bool, at int) (*regexp.Regexp, bool) {
	if !known[at] || consts[at] == nil {
		return nil, false
	}
	re, err := regexp.Compile(consts[at].(string))
	return re, err == nil
}

// patternOverload is ov for a patternFunc, with its constant-pattern
// prep.
func patternOverload(ret *types.Type, at int, f patternFunc, params ...*types.Type) *overload {
	perRow := func(a []any) (any, error) {
		re, err := regexp.Compile(a[at].(string))
		if err != nil {
			return nil, err
		}
		return f(re, a)
	}
	return ov(ret, perRow, params...).prepared(func(consts []any, known []bool) func([]any) (any, error) {
		re, ok := constPattern(consts, known, at)
		if !ok {
			return nil
		}
		return func(a []any) (any, error) { return f(re, a) }
	})
}

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
		re, ok := constPattern(consts, known, at)
		if !ok {
			return nil
		}
		return func(a []any) (string, bool, error) { return f(re, a) }
	})
}
