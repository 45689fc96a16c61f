package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/state"
)

// TestRestartAfterLostCommitCountsOnce: a server killed after a batch's
// changelog marker but before its input offsets were committed reads
// that input again at its restart, and its first stage writes the rows
// behind a repartition topic again. The restored state must drop all of
// it, with state in memory (restored from the whole changelog) and with
// Pebble, whose checkpoint is the last marker itself, so its restore
// reads no marker after it. The crash is made exact: the queries run to
// the end, stop cleanly, and their groups' committed offsets on the input
// are rewound to zero before the restart.
func TestRestartAfterLostCommitCountsOnce(t *testing.T) {
	for _, kind := range []string{state.KindMemory, state.KindPebble} {
		t.Run(kind, func(t *testing.T) {
			addr, cl := testenv.Kafka(t, t.TempDir())
			ctx := context.Background()
			foreign, err := kgo.NewClient(kgo.SeedBrokers(addr))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(foreign.Close)
			adm := kadm.NewClient(foreign)

			createTopic(t, cl, "clicks", 2)
			produce := func(from, to int) {
				var recs []kafka.Record
				for i := from; i < to; i++ {
					recs = append(recs, kafka.Record{Key: []byte(fmt.Sprintf("k%d", i%20)), Value: []byte(fmt.Sprintf(`{"U":"u%d","N":%d}`, i%7, i))})
				}
				produceJSON(t, cl, "clicks", recs...)
			}
			// BY_USER groups by a value column (through a repartition
			// topic), BY_KEY by the key (no repartition).
			tables := []string{"BY_USER", "BY_KEY"}
			counted := func(want float64) {
				t.Helper()
				for _, table := range tables {
					waitRecords(t, cl, table, func(recs []kafka.Record) bool { return latestCountSum(t, recs, "C") >= want })
				}
			}
			dir := t.TempDir()
			produce(0, 2000)
			e1 := newBrokerEngineStore(t, cl, kind, dir)
			mustExec(t, e1, `CREATE STREAM CLICKS (K STRING KEY, U STRING, N INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
				CREATE TABLE BY_USER AS SELECT U, COUNT(*) AS C FROM CLICKS GROUP BY U;
				CREATE TABLE BY_KEY AS SELECT K, COUNT(*) AS C FROM CLICKS GROUP BY K;`)
			counted(2000)
			if err := e1.Close(); err != nil {
				t.Fatal(err)
			}

			// The lost commit: every group that committed offsets on the
			// input goes back to its start.
			groups, err := adm.ListGroups(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var rewound []string
			for _, g := range groups.Groups() {
				offs, err := adm.FetchOffsets(ctx, g)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := offs["clicks"]; !ok {
					continue
				}
				zero := kadm.Offsets{}
				for p := range offs["clicks"] {
					zero.Add(kadm.Offset{Topic: "clicks", Partition: p, At: 0, LeaderEpoch: -1})
				}
				resp, err := adm.CommitOffsets(ctx, g, zero)
				if err == nil {
					err = resp.Error()
				}
				if err != nil {
					t.Fatalf("rewind group %s: %v", g, err)
				}
				rewound = append(rewound, g)
			}
			if len(rewound) != len(tables) {
				t.Fatalf("rewound groups %v, want one per table", rewound)
			}

			produce(2000, 3000)
			e2 := newBrokerEngineStore(t, cl, kind, dir)
			t.Cleanup(func() { e2.Close() })
			counted(3000)
			// Every group has committed the input's end, so nothing is
			// left to count: the sums must be exact now.
			ends, err := cl.EndOffsets(ctx, "clicks")
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(time.Minute)
			for _, g := range rewound {
				for {
					got, err := cl.GroupOffsets(ctx, g, "clicks")
					if err == nil && got[0] == ends[0] && got[1] == ends[1] {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("group %s committed %v of clicks, ends %v", g, got, ends)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			for _, table := range tables {
				recs, err := cl.ReadAll(ctx, table)
				if err != nil {
					t.Fatal(err)
				}
				if got := latestCountSum(t, recs, "C"); got != 3000 {
					t.Errorf("%s counts %v records after the restart, want 3000 (input read again was counted twice)", table, got)
				}
			}
		})
	}
}
