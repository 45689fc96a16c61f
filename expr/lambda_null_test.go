package expr

import (
	"fmt"
	"testing"
)

// Arithmetic on a NULL inside a lambda body fails the whole expression,
// as ksqlDB's generated code does, while functions given a NULL keep
// returning NULL for that element.
func TestLambdaArithmeticOnNull(t *testing.T) {
	for _, c := range []struct {
		expr, want string
		errs       int
	}{
		{"TRANSFORM(ARRAY[I, NI], x => x + 5)", "<nil>", 1},
		{"TRANSFORM(ARRAY[I, I], x => x + 5)", "[12 12]", 0},
		{"COALESCE(TRANSFORM(ARRAY[I, NI], x => x * 2), ARRAY[0])", "<nil>", 1},
		{"REDUCE(ARRAY[1, 2], NI, (s, x) => s + x)", "<nil>", 1},
		{"TRANSFORM(ARRAY[D, ND], x => ABS(x))", "[2.5 <nil>]", 0},
		{"TRANSFORM(ARRAY[I, NI], x => CASE WHEN x > 5 THEN 'big' ELSE 'small' END)", "[big small]", 0},
	} {
		v, _, errs := eval(t, c.expr)
		if fmt.Sprint(v) != c.want || len(errs) != c.errs {
			t.Errorf("%s: %v (errors %v), want %s with %d errors", c.expr, v, errs, c.want, c.errs)
		}
	}
}

// An evaluation aborted by a NULL operand leaves a task's argument stack
// as it found it: the abort unwound past the calls that had pushed their
// arguments, which stayed on the stack for the task's life, holding the
// rows' values (it grew with every such record).
func TestLambdaNullAbortPopsArgs(t *testing.T) {
	c, err := Compile(mustParse(t, "TRANSFORM(ARRAY[I, NI], x => ABS(x + 5))"), testSchema, NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx := &Context{ReuseArgs: true}
	for range 3 {
		if v := c.Eval(ctx, testRow()); v != nil {
			t.Fatalf("got %v, want NULL", v)
		}
	}
	if len(ctx.args) != 0 {
		t.Errorf("%d arguments left on the stack", len(ctx.args))
	}
}
