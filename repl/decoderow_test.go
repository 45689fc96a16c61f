package repl

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/eddysql/eddy/api"
)

// TestDecodeRowColumns: decodeRow's one pass reads each kind of column
// as the two-pass decoding did: numbers with every digit, strings with
// and without escapes, nulls, arrays, maps, and STRUCTs in the server's
// field order, nested too.
func TestDecodeRowColumns(t *testing.T) {
	line := `{"row":{"columns":["plain","esc \"q\" \u00e9 \n",null,true,false,12345678901234567890,1.50,-2E3,` +
		`[1,"a",null],[{"Z":1,"A":[{"Y":2,"B":3}]}],{"k2":1,"k1":null},{"Z":{"Y":1.0,"X":"x"},"A":[1]}, "日本語 🎉"],"tombstone":true}}`
	row, err := decodeRow([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{
		"plain", "esc \"q\" é \n", nil, true, false, json.Number("12345678901234567890"), json.Number("1.50"), json.Number("-2E3"),
		[]any{json.Number("1"), "a", nil},
		[]any{api.Object{Keys: []string{"Z", "A"}, Values: []any{json.Number("1"), []any{api.Object{Keys: []string{"Y", "B"}, Values: []any{json.Number("2"), json.Number("3")}}}}}},
		api.Object{Keys: []string{"k2", "k1"}, Values: []any{json.Number("1"), nil}},
		api.Object{Keys: []string{"Z", "A"}, Values: []any{api.Object{Keys: []string{"Y", "X"}, Values: []any{json.Number("1.0"), "x"}}, []any{json.Number("1")}}},
		"日本語 🎉",
	}
	if row.Row == nil || !row.Row.Tombstone {
		t.Fatalf("row %+v", row)
	}
	if len(row.Row.Columns) != len(want) {
		t.Fatalf("%d columns, want %d: %#v", len(row.Row.Columns), len(want), row.Row.Columns)
	}
	for i := range want {
		if !reflect.DeepEqual(row.Row.Columns[i], want[i]) {
			t.Errorf("column %d: %#v, want %#v", i, row.Row.Columns[i], want[i])
		}
	}
	for _, l := range []string{`{"header":{"queryId":"q","schema":"` + "`A` INT" + `"}}`, `{"finalMessage":"Limit Reached"}`,
		`{"errorMessage":{"@type":"generic_error","error_code":500,"message":"boom"}}`} {
		got, err := decodeRow([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		var want api.StreamedRow
		dec := json.NewDecoder(bytes.NewReader([]byte(l)))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", l, got, want)
		}
	}
	if _, err := decodeRow([]byte(`{"row":{"columns":[1,}}`)); err == nil {
		t.Error("bad JSON accepted")
	}
}
