package expr

import "testing"

// ROUND and TRUNC with places far beyond the value's digits answer
// without building 10^places: the old code hung (or ran out of memory)
// on a user's INT such as MAX_VALUE. ksqlDB's BigDecimal.setScale gives
// the value or zero there, and throws where 10^places overflows
// BigInteger (NULL and a processing-log entry).
func TestRoundTruncPlacesEdges(t *testing.T) {
	for _, tc := range []struct{ expr, want, err string }{
		{"ROUND(D, 1000)", "f64:2.5", ""},
		{"ROUND(D, -1000)", "f64:0.0", ""},
		{"TRUNC(D, -400)", "f64:0.0", ""},
		{"ROUND(DEC, 1000)", "dec:10.01@2", ""},
		{"ROUND(DEC, -1000)", "dec:0@2", ""},
		{"TRUNC(DEC, -1000)", "dec:0@2", ""},
		{"ROUND(CAST(0 AS DOUBLE), IMAX)", "f64:0.0", ""},
		{"ROUND(D, IMAX)", "<nil>", "function ROUND failed: BigInteger would overflow supported range"},
		{"ROUND(D, -IMAX - 1)", "<nil>", "function ROUND failed: BigInteger would overflow supported range"},
		{"TRUNC(DEC, IMAX)", "<nil>", "function TRUNC failed: BigInteger would overflow supported range"},
		{"TRUNC(D, -IMAX - 1)", "<nil>", "function TRUNC failed: BigInteger would overflow supported range"},
	} {
		v, _, errs := eval(t, tc.expr)
		if got := render(v); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
		if tc.err == "" && len(errs) > 0 || tc.err != "" && (len(errs) != 1 || errs[0].Error() != tc.err) {
			t.Errorf("%s: errors %v, want %q", tc.expr, errs, tc.err)
		}
	}
}
