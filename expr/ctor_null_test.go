package expr

import (
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// TestMapCtorNulls: NULL keys or values among typed ones take their type;
// all-NULL keys, all-NULL values and an empty constructor are errors
// worded as ksqlDB words them.
func TestMapCtorNulls(t *testing.T) {
	for _, c := range []struct{ expr, typ, err string }{
		{"MAP('a' := NULL, 'b' := 1)", "MAP<STRING, INTEGER>", ""},
		{"MAP(S := CAST(NULL AS BIGINT))", "MAP<STRING, BIGINT>", ""},
		{"MAP(NULL := 1, 'b' := 2)", "MAP<STRING, INTEGER>", ""},
		{"MAP('a' := NULL)", "", "Cannot construct a map with all NULL values (see https://github.com/confluentinc/ksql/issues/4239)."},
		{"MAP(NULL := 1)", "", "Cannot construct a map with all NULL keys (see https://github.com/confluentinc/ksql/issues/4239)."},
		{"MAP()", "", "Map constructor cannot be empty. Please supply at least one key value pair"},
	} {
		e, err := sql.ParseExpr(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		got, err := Compile(e, testSchema, nil)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want %q", c.expr, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.expr, err)
		case c.err == "" && got.Type.String() != c.typ:
			t.Errorf("%s: type %s, want %s", c.expr, got.Type, c.typ)
		}
	}
}
