package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

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
	bin := buildEddy(t)
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	ctx := context.Background()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: kc.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const parts = 2
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "clicks", Partitions: parts, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	props := filepath.Join(t.TempDir(), "server.properties")
	if err := os.WriteFile(props, []byte("ksql.streams.session.timeout.ms=120000\nksql.streams.max.poll.interval.ms=120000\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	type server struct {
		name, listen, dataDir string
		cmd                   *exec.Cmd
		logs                  *lockedBuffer
	}
	start := func(s *server) {
		t.Helper()
		s.cmd = exec.Command(bin, "server", "--bootstrap-servers", strings.Join(kc.ListenAddrs(), ","), "--listen", s.listen,
			"--data-dir", s.dataDir, "--service-id", "static_", "--config-file", props)
		s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
		if err := s.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHTTP(t, s.listen)
	}
	a := &server{name: "A", listen: freeAddr(t), dataDir: t.TempDir(), logs: &lockedBuffer{}}
	b := &server{name: "B", listen: freeAddr(t), dataDir: t.TempDir(), logs: &lockedBuffer{}}
	defer func() {
		for _, s := range []*server{a, b} {
			if s.cmd != nil && s.cmd.ProcessState == nil {
				s.cmd.Process.Kill()
				s.cmd.Wait()
			}
			if t.Failed() {
				t.Logf("server %s log:\n%s", s.name, tail(s.logs.String(), 6000))
			}
		}
	}()
	start(a)
	start(b)
	ksql(t, a.listen, `CREATE STREAM CLICKS (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');`)
	body, _ := json.Marshal(map[string]any{"ksql": `CREATE STREAM SEEN WITH (KAFKA_TOPIC='seen') AS SELECT ID, N FROM CLICKS;`,
		"streamsProperties": map[string]string{"auto.offset.reset": "earliest"}})
	post(t, a.listen, "/ksql", body)
	waitUntil(t, "each server to run one task", 30*time.Second, func() bool {
		owned := map[string]int{}
		for host, hs := range clusterStatus(t, a.listen).ClusterStatus {
			for _, as := range hs.ActiveStandbyPerQuery {
				for _, tp := range as.ActivePartitions {
					if tp.Topic == "clicks" && hs.HostAlive {
						owned[host]++
					}
				}
			}
		}
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
	start(b)
	round("the clicks after B's restart (a new member would wait 120 s for the dead one)", 60*time.Second)

	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Wait(); err != nil {
		t.Logf("server B stopped: %v", err)
	}
	round("the clicks after B stopped (A takes its partition only if B left the group)", 60*time.Second)
}
