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
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/internal/testenv"
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

// The ten users pay in turn, one transaction every 500 ms of event time
// for 30 s: ten full windows of six transactions each.
var users = []int{1, 22, 3, 40, 5, 66, 7, 8, 9, 10}

const transactions = 60

// base is when the first transaction happens, on a window boundary (a
// zero timestamp would mean "now" to the producer).
var base = time.Date(2024, 5, 17, 0, 0, 0, 0, time.UTC).UnixMilli()

func transaction(i int) kafka.Record {
	u := users[i%len(users)]
	v, _ := json.Marshal(map[string]any{"AMOUNT": amountOf(u)})
	return kafka.Record{Topic: "transactions", Partition: -1, Key: []byte(fmt.Sprintf("user-%d", u)), Value: v, Timestamp: base + int64(i)*500}
}

func TestIncomeWindows(t *testing.T) {
	ctx := context.Background()
	cl, _ := testenv.Broker(t, "")
	produce := func(from, to int) {
		t.Helper()
		var recs []kafka.Record
		for i := from; i < to; i++ {
			recs = append(recs, transaction(i))
		}
		if err := cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	// Half the transactions are in the topic before the queries exist.
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "transactions", Partitions: 1, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	produce(0, transactions/2)

	eng, err := engine.New(ctx, engine.Options{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	script, err := os.ReadFile("income.sql")
	if err != nil {
		t.Fatal(err)
	}
	stmts, rest := sql.SplitStatements(string(script))
	if rest != "" {
		t.Fatalf("unfinished statement: %s", rest)
	}
	props := map[string]string{} // the session's SET properties, as the shell keeps them
	for _, st := range stmts {
		if parsed, err := sql.Parse(st); err == nil && len(parsed) == 1 {
			if set, ok := parsed[0].(*sql.SetProperty); ok {
				props[set.Name] = set.Value
				continue
			}
		}
		if _, err := eng.Execute(ctx, st, props); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	produce(transactions/2, transactions)

	type window struct {
		sum   float64
		count int64
	}
	want := map[int64]*window{}
	for i := 0; i < transactions; i++ {
		r := transaction(i)
		start := r.Timestamp - r.Timestamp%3000
		if want[start] == nil {
			want[start] = &window{}
		}
		want[start].sum += amountOf(users[i%len(users)])
		want[start].count++
	}

	// The last update of each window carries its final figures.
	var got map[int64]map[string]any
	var recs []kafka.Record
	complete := func() bool {
		if len(got) != len(want) {
			return false
		}
		for start, w := range want {
			if g := got[start]; g == nil || g["TRANSACTIONS"] != float64(w.count) {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !complete(); time.Sleep(100 * time.Millisecond) {
		if recs, err = cl.ReadAll(ctx, "transactions_aggregate"); err != nil {
			t.Fatal(err)
		}
		got = map[int64]map[string]any{}
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
