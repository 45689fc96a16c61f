package expr

import (
	"fmt"
	"testing"
)

// Constructor elements meet in their widest type, as ksqlDB's user-list
// coercion finds it: numeric string literals count by the type their
// text reads as, and STRUCT constructors with different fields merge
// into one struct of all the fields (missing ones NULL).
func TestCtorCommonType(t *testing.T) {
	for _, c := range []struct{ expr, typ, val string }{
		{"ARRAY[NULL, 10, '2e1', I, B]", "ARRAY<DECIMAL(19, 0)>", "[<nil> 10 20 7 100]"},
		{"ARRAY[1, '2.5']", "ARRAY<DECIMAL(11, 1)>", "[1 2.5]"},
		{"ARRAY[1, '3000000000']", "ARRAY<BIGINT>", "[1 3000000000]"},
		{"ARRAY[D, '2']", "ARRAY<DOUBLE>", "[2.5 2]"},
		{"ARRAY['3', 4]", "ARRAY<INTEGER>", "[3 4]"},
		{"MAP('a' := 1, 'b' := '1.5')", "MAP<STRING, DECIMAL(11, 1)>", ""},
		{"ARRAY[NULL, STRUCT(X := I, Y := B), STRUCT(Y := I, Z := B)]",
			"ARRAY<STRUCT<`Y` BIGINT, `Z` BIGINT, `X` INTEGER>>", "[<nil> [100 <nil> 7] [7 100 <nil>]]"},
	} {
		v, typ, errs := eval(t, c.expr)
		if len(errs) > 0 || typ.String() != c.typ {
			t.Errorf("%s: type %s (errors %v), want %s", c.expr, typ, errs, c.typ)
			continue
		}
		if c.val != "" && fmt.Sprint(v) != c.val {
			t.Errorf("%s: %v, want %s", c.expr, v, c.val)
		}
	}
	// A constructor merges into a struct column's type, which the
	// column's values then take; a struct column does not merge into a
	// constructor's.
	v, typ, errs := eval(t, "ARRAY[ST, STRUCT(C := I)]")
	if len(errs) > 0 || typ.String() != "ARRAY<STRUCT<`C` INTEGER, `A` INTEGER, `B` STRING>>" || fmt.Sprint(v) != "[[<nil> 5 x] [7 <nil> <nil>]]" {
		t.Errorf("ARRAY[ST, STRUCT(C := I)]: %v %s %v", v, typ, errs)
	}
	if _, err := Compile(mustParse(t, "ARRAY[STRUCT(C := I), ST]"), testSchema, NewRegistry()); err == nil {
		t.Error("ARRAY[STRUCT(C := I), ST]: no error")
	}
}
