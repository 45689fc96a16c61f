package expr

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/eddysql/eddy/types"
)

func TestJavaHash(t *testing.T) {
	// Values of String.hashCode, Integer.hashCode and Long.hashCode.
	for _, c := range []struct {
		k    any
		want int32
	}{
		{"", 0}, {"a", 97}, {"hello", 99162322}, {"yes, thanks", -1624993500}, {"nope", 3387254},
		{"\U0001F600", 1772899}, {int32(-7), -7}, {int64(1) << 32, 1}, {int64(-1), 0},
	} {
		h, ok := javaHash(c.k)
		if !ok || int32(h) != c.want {
			t.Errorf("%#v: %d, want %d", c.k, int32(h), c.want)
		}
	}
	if _, ok := javaHash(1.5); ok {
		t.Error("DOUBLE keys have no modelled hash")
	}
}

func TestJavaTableSize(t *testing.T) {
	// new HashMap<>(n) after n puts: 1→2, 2→4, 3→4, 4→8, 6→8, 7→16, 12→16, 13→32.
	for n, want := range map[int]int{1: 2, 2: 4, 3: 4, 4: 8, 6: 8, 7: 16, 12: 16, 13: 32} {
		if got := javaTableSize(n); got != want {
			t.Errorf("%d entries: table %d, want %d", n, got, want)
		}
	}
}

// Map walks follow java.util.HashMap's order: REDUCE folds, MAP_KEYS and
// MAP_VALUES list, in bucket order.
func TestJavaMapOrder(t *testing.T) {
	m := types.NewMap(3)
	m.Put("yes, thanks", 3.5)
	m.Put("nope", 7.3)
	m.Put("sure, yeah", 2.1)
	if got := javaMapOrder(m); !reflect.DeepEqual(got, []int{0, 2, 1}) {
		t.Errorf("order %v", got)
	}
	r := testResolver{cols: []types.Column{col("M", types.MapOf(types.StringType, types.DoubleType))}}
	for text, want := range map[string]string{
		"REDUCE(M, CAST(3.2 AS DOUBLE), (s, k, v) => CASE WHEN INSTR(k, 'ye') > 0 THEN CEIL(v * s) ELSE FLOOR(s * v) END)": "189",
		"MAP_KEYS(M)":   "[yes, thanks sure, yeah nope]",
		"MAP_VALUES(M)": "[3.5 2.1 7.3]",
	} {
		c, err := Compile(mustParse(t, text), r, NewRegistry())
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if got := fmt.Sprint(c.Eval(&Context{}, []any{m})); got != want {
			t.Errorf("%s: %s, want %s", text, got, want)
		}
	}
}
