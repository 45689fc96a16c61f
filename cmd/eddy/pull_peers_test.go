package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestPullQuerySeesOtherServersCaches runs two `eddy server`s of one
// service whose table aggregation caches its outputs for a minute
// (commit.interval.ms 60000, as a busy ksqlDB deployment may set it): a
// pull query on either server answers with every update made before it,
// those counted by the other server's tasks included, as ksqlDB's pull
// queries read through the caches of the server that owns the key.
func TestPullQuerySeesOtherServersCaches(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	ks := newKafkaServers(t, "pullpeers_", "ksql.streams.commit.interval.ms=60000")
	ctx, cl := context.Background(), ks.cl
	const parts, keys = 2, 20
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "clicks", Partitions: parts, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	a, b := ks.add("A"), ks.add("B")
	ksql(t, a.listen, `CREATE STREAM CLICKS (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');`)
	body, _ := json.Marshal(map[string]any{"ksql": `CREATE TABLE PER_ID AS SELECT ID, COUNT(*) AS C, SUM(N) AS S FROM CLICKS GROUP BY ID;`,
		"streamsProperties": map[string]string{"auto.offset.reset": "earliest"}})
	post(t, a.listen, "/ksql", body)
	waitUntil(t, "each server to run one task", 30*time.Second, func() bool {
		owned := activePartitions(t, a, "clicks")
		return owned[a.listen] == 1 && owned[b.listen] == 1
	})

	want := map[string][2]float64{}
	produce := func(round int) {
		t.Helper()
		var recs []kafka.Record
		for k := range keys {
			id := fmt.Sprintf("id%d", k)
			recs = append(recs, kafka.Record{Topic: "clicks", Partition: -1, Key: []byte(id),
				Value: []byte(fmt.Sprintf(`{"N":%d}`, round*100+k))})
			w := want[id]
			want[id] = [2]float64{w[0] + 1, w[1] + float64(round*100+k)}
		}
		if err := cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	answers := func(s *testServer) (string, bool) {
		rows := pull(t, s.listen, "SELECT ID, C, S FROM PER_ID;")
		got := map[string][2]float64{}
		for _, r := range rows {
			id, _ := r[0].(string)
			c, _ := r[1].(float64)
			sum, _ := r[2].(float64)
			got[id] = [2]float64{c, sum}
		}
		for id, w := range want {
			if got[id] != w {
				return fmt.Sprintf("%s: COUNT, SUM = %v, want %v (%d of %d keys answered)", id, got[id], w, len(got), keys), false
			}
		}
		return "", true
	}
	for round, s := range []*testServer{a, b, a} {
		produce(round)
		var last string
		began := time.Now()
		defer func() {
			if t.Failed() && last != "" {
				t.Logf("round %d's last answer on %s: %s", round, s.name, last)
			}
		}()
		waitUntil(t, fmt.Sprintf("a pull query on %s to count round %d on both servers", s.name, round), 30*time.Second, func() bool {
			var ok bool
			last, ok = answers(s)
			return ok
		})
		t.Logf("round %d on %s: every key's count after %s", round, s.name, time.Since(began).Round(time.Millisecond))
	}
}
