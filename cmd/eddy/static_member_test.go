package main

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestRestartedServerTakesItsPartitionsBack runs two `eddy server`s of
// one service on a Kafka cluster whose groups keep a silent member for
// two minutes (session.timeout.ms and max.poll.interval.ms at 120 s). A
// server killed with SIGKILL and started again on its data directory
// comes back as the same static group member, so the query's outputs
// resume within the minute the test waits rather than after the dead
// member's two minutes; the same server stopped cleanly leaves the
// group, so the other one takes its partitions at once.
func TestRestartedServerTakesItsPartitionsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	ks := newKafkaServers(t, "static_", "ksql.streams.session.timeout.ms=120000", "ksql.streams.max.poll.interval.ms=120000")
	ctx, cl := context.Background(), ks.cl
	const parts = 2
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "clicks", Partitions: parts, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	a, b := ks.add("A"), ks.add("B")
	ksql(t, a.listen, `CREATE STREAM CLICKS (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');`)
	body, _ := json.Marshal(map[string]any{"ksql": `CREATE STREAM SEEN WITH (KAFKA_TOPIC='seen') AS SELECT ID, N FROM CLICKS;`,
		"streamsProperties": map[string]string{"auto.offset.reset": "earliest"}})
	post(t, a.listen, "/ksql", body)
	waitUntil(t, "each server to run one task", 30*time.Second, func() bool {
		owned := activePartitions(t, a, "clicks")
		return owned[a.listen] == 1 && owned[b.listen] == 1
	})

	// round produces one click to each partition and waits until the
	// query has passed both on: a partition whose owner is gone and not
	// yet replaced holds its click back.
	next := 0
	round := func(what string, within time.Duration) {
		t.Helper()
		var recs []kafka.Record
		want := map[int]bool{}
		for p := range int32(parts) {
			recs = append(recs, kafka.Record{Topic: "clicks", Partition: p, Key: []byte(fmt.Sprintf("k%d", p)),
				Value: []byte(fmt.Sprintf(`{"N":%d}`, next))})
			want[next] = true
			next++
		}
		if err := cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		defer func() { t.Logf("%s: out after %s", what, time.Since(began).Round(time.Millisecond)) }()
		waitUntil(t, what, within, func() bool {
			out, err := cl.ReadAll(ctx, "seen")
			if err != nil {
				return false
			}
			for _, r := range out {
				var v struct{ N int }
				if json.Unmarshal(r.Value, &v) == nil {
					delete(want, v.N)
				}
			}
			return len(want) == 0
		})
	}
	round("both servers' first clicks", 30*time.Second)

	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	b.cmd.Wait()
	ks.start(b)
	round("the clicks after B's restart (a new member would wait 120 s for the dead one)", 60*time.Second)

	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Wait(); err != nil {
		t.Logf("server B stopped: %v", err)
	}
	round("the clicks after B stopped (A takes its partition only if B left the group)", 60*time.Second)
}
