package expr

import (
	"errors"
	"fmt"
)

// registerTestUDFs adds small deterministic functions that exist only so
// the ksqlDB conformance corpus, written against ksqlDB's test UDFs, can
// run: they check lazy evaluation and the handling of failing functions.
func registerTestUDFs(r *Registry) {
	// WHENCONDITION(cond, mayRun) and WHENRESULT(value, mayRun) return
	// their first argument, and fail when mayRun is false: CASE must not
	// evaluate branches it does not take.
	r.add("WHENCONDITION", ov(tBool, func(a []any) (any, error) {
		if !a[1].(bool) {
			return nil, errors.New("WHENCONDITION evaluated when it should not be")
		}
		return a[0], nil
	}, tBool, tBool))
	r.add("WHENRESULT", ov(tInt, func(a []any) (any, error) {
		if !a[1].(bool) {
			return nil, errors.New("WHENRESULT evaluated when it should not be")
		}
		return a[0], nil
	}, tInt, tBool))

	// BAD_UDF fails on purpose: always for an INTEGER, for TRUE, and gives
	// NULL for the string 'd1' (other strings pass through).
	r.add("BAD_UDF",
		ov(tStr, func(a []any) (any, error) {
			return nil, fmt.Errorf("BAD_UDF always fails for INTEGER input %d", a[0])
		}, tInt),
		ov(tInt, func(a []any) (any, error) {
			if a[0].(bool) {
				return nil, errors.New("BAD_UDF fails for TRUE")
			}
			return int32(0), nil
		}, tBool),
		ov(tStr, func(a []any) (any, error) {
			if a[0] == "d1" {
				return nil, nil
			}
			return a[0], nil
		}, tStr))

	// TEST_UDF names the overload that was chosen, to check resolution.
	r.add("TEST_UDF",
		ov(tStr, func([]any) (any, error) { return "doStuffIntString", nil }, tInt, tStr),
		ov(tStr, func([]any) (any, error) { return "doStuffLongString", nil }, tBig, tStr))
}
