package qtt

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/types"
)

func node(t *testing.T, s string) any {
	t.Helper()
	n, err := parseNode(json.RawMessage(s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestCompareValue(t *testing.T) {
	st := types.StructOf(types.Field{Name: "A", Type: types.IntType}, types.Field{Name: "b", Type: types.StringType})
	m := types.NewMap(2)
	m.Put("x", int32(1))
	m.Put("Y", int32(2))
	cases := []struct {
		name string
		exp  string
		act  any
		typ  *types.Type
		ok   bool
	}{
		{"decimal same scale", `1.10`, dec("1.1"), types.DecimalOf(4, 2), true},
		{"decimal other scale", `1.1`, dec("1.10"), types.DecimalOf(4, 2), false},
		{"decimal own scale", `1.10`, dec("1.10"), nil, true},
		{"decimal as string", `"1.10"`, dec("1.1"), types.DecimalOf(4, 2), true},
		{"decimal string wrong scale", `"1.1"`, dec("1.1"), types.DecimalOf(4, 2), false},
		{"integer vs decimal scale 0", `12`, dec("12"), types.DecimalOf(4, 0), true},
		{"integer vs decimal scale 2", `12`, dec("12"), types.DecimalOf(4, 2), false},
		{"double tolerance", `0.1`, 0.1000000001, types.DoubleType, true},
		{"double off", `0.1`, 0.1001, types.DoubleType, false},
		{"integer vs double", `3`, 3.0000000001, types.DoubleType, true},
		{"int exact", `7`, int32(7), types.IntType, true},
		{"bigint exact", `9007199254740993`, int64(9007199254740993), types.BigintType, true},
		{"bigint off", `9007199254740993`, int64(9007199254740992), types.BigintType, false},
		{"fraction vs int", `1.5`, int32(1), types.IntType, false},
		{"string", `"a"`, "a", types.StringType, true},
		{"absent JSON field expected null", `{"A": null, "B": null}`, map[string]any{"A": nil, "C": nil}, nil, true},
		{"absent JSON field expected a value", `{"A": null, "B": 1}`, map[string]any{"A": nil, "C": nil}, nil, false},
		{"string vs number", `"1"`, int32(1), types.IntType, false},
		{"bytes base64", `"AQI="`, []byte{1, 2}, types.BytesType, true},
		{"bool", `true`, true, types.BooleanType, true},
		{"null", `null`, nil, types.IntType, true},
		{"null vs value", `null`, int32(0), types.IntType, false},
		{"value vs null", `0`, nil, types.IntType, false},
		{"array", `[1, null, 3]`, []any{int32(1), nil, int32(3)}, types.ArrayOf(types.IntType), true},
		{"array length", `[1]`, []any{int32(1), int32(2)}, types.ArrayOf(types.IntType), false},
		{"array order", `[2, 1]`, []any{int32(1), int32(2)}, types.ArrayOf(types.IntType), false},
		{"map upper fallback", `{"x": 1, "y": 2}`, m, types.MapOf(types.StringType, types.IntType), true},
		{"map count", `{"x": 1}`, m, types.MapOf(types.StringType, types.IntType), false},
		{"struct upper fallback", `{"a": 1, "b": "s"}`, types.StructVal{int32(1), "s"}, st, true},
		{"struct lower field not uppercased", `{"A": 1, "B": "s"}`, types.StructVal{int32(1), "s"}, st, false},
		{"struct count", `{"A": 1}`, types.StructVal{int32(1), "s"}, st, false},
		{"date as days", `19000`, types.DateVal(19000), types.DateType, true},
		{"timestamp", `1000`, types.TimestampVal(1000), types.TimestampType, true},
		{"raw json decimal", `1.10`, json.Number("1.10"), types.DecimalOf(4, 2), true},
		{"raw json decimal scale", `1.1`, json.Number("1.10"), types.DecimalOf(4, 2), false},
		{"raw json double", `1.0`, json.Number("1"), types.DoubleType, true},
		{"raw json int", `1`, json.Number("1"), types.IntType, true},
		{"raw json object upper", `{"id": 1}`, map[string]any{"ID": json.Number("1")}, nil, true},
		{"raw json object exact first", `{"id": 1}`, map[string]any{"id": json.Number("1"), "ID": json.Number("2")}, nil, false},
	}
	for _, c := range cases {
		err := compareValue("", node(t, c.exp), c.act, c.typ)
		if (err == nil) != c.ok {
			t.Errorf("%s: compare(%s, %s) = %v, want ok=%v", c.name, c.exp, render(c.act, c.typ), err, c.ok)
		}
	}
}

func TestCompareMessagePath(t *testing.T) {
	st := types.StructOf(types.Field{Name: "A", Type: types.ArrayOf(types.IntType)})
	err := compareValue("", node(t, `{"A": [1, 2]}`), types.StructVal{[]any{int32(1), int32(3)}}, st)
	if err == nil || !strings.Contains(err.Error(), "A[1]: expected 2 but was 3") {
		t.Fatalf("got %v", err)
	}
}

func TestCompareRow(t *testing.T) {
	cols := []types.Column{{Name: "ID", Type: types.BigintType}, {Name: "V", Type: types.DecimalOf(5, 2)}}
	if err := compareRow("value", node(t, `{"ID": 1, "V": 2.50}`), []any{int64(1), dec("2.5")}, cols); err != nil {
		t.Fatal(err)
	}
	if err := compareRow("value", node(t, `{"ID": 1, "V": 2.5}`), []any{int64(1), dec("2.5")}, cols); err == nil {
		t.Fatal("scale must matter")
	}
	one := []types.Column{{Name: "V", Type: types.IntType}}
	if err := compareRow("value", node(t, `5`), []any{int32(5)}, one); err != nil {
		t.Fatalf("unwrapped single: %v", err)
	}
	if err := compareRow("value", node(t, `{"V": 5}`), []any{int32(5)}, one); err != nil {
		t.Fatalf("wrapped single: %v", err)
	}
}
