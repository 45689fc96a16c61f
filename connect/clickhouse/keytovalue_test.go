package clickhouse

import (
	"testing"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/internal/testenv"
)

func TestKeyToValueStoresKeysInTheTable(t *testing.T) {
	base := testenv.ClickHouse(t)
	c := ch{t, base}
	table := c.table("page String, views UInt64, _key String", "MergeTree ORDER BY page")
	reg := connect.NewRegistry()
	Register(reg)
	tp, ok := reg.Transform(KeyToValueClass)
	if !ok {
		t.Fatal("KeyToValue not registered")
	}
	tr, err := tp.New(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	vs := &connect.Schema{Type: connect.StructT, Fields: []connect.Field{
		{Name: "page", Schema: &connect.Schema{Type: connect.String}},
		{Name: "views", Schema: &connect.Schema{Type: connect.Int64}},
	}}
	in := []connect.Record{
		{Topic: table, Offset: 0, KeySchema: &connect.Schema{Type: connect.String}, Key: "k-struct",
			ValueSchema: vs, Value: (&connect.Struct{Schema: vs}).Put("page", "Page_1").Put("views", int64(3))},
		{Topic: table, Offset: 1, Key: "k-json", Value: map[string]any{"page": "Page_2", "views": int64(4)}},
		{Topic: table, Offset: 2, Key: "gone"}, // a tombstone stays one, and the sink skips it
	}
	var out []connect.Record
	for _, r := range in {
		r2, keep, err := tr.Apply(r)
		if err != nil || !keep {
			t.Fatalf("apply to offset %d: keep %v, %v", r.Offset, keep, err)
		}
		out = append(out, r2)
	}
	if in[1].Value.(map[string]any)["_key"] != nil {
		t.Fatal("the transform changed its input record's value")
	}
	tk, _ := startTask(t, base, nil)
	putFlush(t, tk, out)
	if got := c.exec("SELECT page, views, _key FROM " + table + " ORDER BY page FORMAT TSV"); got != "Page_1\t3\tk-struct\nPage_2\t4\tk-json\n" {
		t.Fatalf("rows %q", got)
	}
	if _, _, err := tr.Apply(connect.Record{Key: "k", Value: "a string"}); err == nil {
		t.Fatal("a string value passed")
	}
}
