package expr

import (
	"fmt"
	"testing"
)

func TestCubeExplode(t *testing.T) {
	cases := []struct {
		in   []any
		want string
	}{
		{[]any{1, 2}, "[[<nil> <nil>] [<nil> 2] [1 <nil>] [1 2]]"},
		{[]any{1, nil}, "[[<nil> <nil>] [1 <nil>]]"}, // a NULL element has one choice
		{[]any{}, "[[]]"},
	}
	for _, c := range cases {
		if got, _ := cubeExplode([]any{c.in}); fmt.Sprint(got) != c.want {
			t.Errorf("CUBE_EXPLODE(%v) = %s, want %s", c.in, got, c.want)
		}
	}
	if got, _ := cubeExplode([]any{nil}); got != nil {
		t.Errorf("CUBE_EXPLODE(NULL) = %v, want no rows", got)
	}
}

// More than 20 elements is ksqlDB's "too many columns" error (the row
// gives no rows), where 2^n combinations would take all memory. NULL
// elements count too: the old code returned one row for these.
func TestCubeExplodeTooManyColumns(t *testing.T) {
	got, err := cubeExplode([]any{make([]any, 21)})
	if got != nil || err == nil || err.Error() != "cube_explode: too many columns (21); max is 20" {
		t.Errorf("CUBE_EXPLODE(21 NULLs) = %v, %v", got, err)
	}
	if got, err := cubeExplode([]any{make([]any, 20)}); len(got) != 1 || err != nil {
		t.Errorf("CUBE_EXPLODE(20 NULLs) = %v, %v", got, err)
	}
}
