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
		if got := fmt.Sprint(cubeExplode([]any{c.in})); got != c.want {
			t.Errorf("CUBE_EXPLODE(%v) = %s, want %s", c.in, got, c.want)
		}
	}
	if got := cubeExplode([]any{nil}); got != nil {
		t.Errorf("CUBE_EXPLODE(NULL) = %v, want no rows", got)
	}
}
