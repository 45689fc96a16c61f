// Package income is a runnable example: the income-in-windows flow, with a
// test that runs its SQL end to end.
package income

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/sql"
)

// amountOf is what a user always pays: ten times the first digit of its
// id, 0 counting as 10.
func amountOf(user int) float64 {
	d := int(fmt.Sprint(user)[0] - '0')
	if d == 0 {
		d = 10
	}
	return float64(10 * d)
}

func TestIncomeWindows(t *testing.T) {
	ctx := context.Background()
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	eng, err := engine.New(ctx, engine.Options{Cluster: cl, Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	script, err := os.ReadFile("income.sql")
	if err != nil {
		t.Fatal(err)
	}
	stmts, _ := sql.SplitStatements(string(script))
	for _, st := range stmts {
		if _, err := eng.Execute(ctx, st, nil); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}

	// Users 1..10 pay in turn, one transaction every 500 ms for 9 s: three
	// full windows of six transactions each.
	users := []int{1, 22, 3, 40, 5, 66, 7, 8, 9, 10}
	type window struct {
		sum   float64
		count int64
	}
	want := map[int64]*window{}
	for i := 0; i < 18; i++ {
		ts := int64(i) * 500
		u := users[i%len(users)]
		v, _ := json.Marshal(map[string]any{"AMOUNT": amountOf(u)})
		rec := kafka.Record{Topic: "transactions", Partition: -1, Key: []byte(fmt.Sprintf("user-%d", u)), Value: v, Timestamp: ts}
		if err := cl.Produce(ctx, rec); err != nil {
			t.Fatal(err)
		}
		start := ts - ts%3000
		if want[start] == nil {
			want[start] = &window{}
		}
		want[start].sum += amountOf(u)
		want[start].count++
	}

	// The last update of each window carries its final figures.
	recs, err := cl.ReadAll(ctx, "transactions_aggregate")
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]map[string]any{}
	for _, r := range recs {
		start := int64(0)
		for _, b := range r.Key[len(r.Key)-8:] { // windowed key: big-endian start
			start = start<<8 | int64(b)
		}
		var v map[string]any
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatal(err)
		}
		got[start] = v
	}
	if len(got) != len(want) {
		t.Fatalf("%d windows, want %d: %v", len(got), len(want), got)
	}
	for start, w := range want {
		g := got[start]
		avg := w.sum / float64(w.count)
		if g["TOTAL"] != w.sum || g["TRANSACTIONS"] != float64(w.count) || g["AVERAGE"] != avg {
			t.Errorf("window %d: got %v, want total %v, count %d, average %v", start, g, w.sum, w.count, avg)
		}
	}
	if !strings.HasPrefix(string(recs[0].Key), "all") {
		t.Errorf("key %q does not start with the grouping value", recs[0].Key)
	}
}
