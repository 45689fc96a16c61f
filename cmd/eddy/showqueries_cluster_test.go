package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestShowQueriesCountsEveryServer: SHOW QUERIES on any server of a
// service counts the servers running each persistent query by state, as
// ksqlDB's does (RUNNING:2 on two servers); it counted this server
// alone (RUNNING:1 everywhere). A server killed counts UNRESPONSIVE
// while the service still lists it, as ksqlDB counts a host it cannot
// reach (it was left out without a word), and is left out once the
// broker has timed its membership out.
func TestShowQueriesCountsEveryServer(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	ks := newKafkaServers(t, "showq_")
	if err := ks.cl.CreateTopic(context.Background(), kafka.TopicInfo{Name: "clicks", Partitions: 2, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	a, b := ks.add("A"), ks.add("B")
	ksql(t, a.listen, `CREATE STREAM CLICKS (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
CREATE TABLE PER_ID AS SELECT ID, COUNT(*) AS C FROM CLICKS GROUP BY ID;`)
	statusOn := func(s *testServer) map[string]int {
		var resp []struct {
			Queries []struct {
				ID          string         `json:"id"`
				StatusCount map[string]int `json:"statusCount"`
			} `json:"queries"`
		}
		if err := json.Unmarshal([]byte(ksql(t, s.listen, "SHOW QUERIES;")), &resp); err != nil || len(resp) != 1 {
			t.Fatalf("SHOW QUERIES on %s: %+v (%v)", s.name, resp, err)
		}
		if len(resp[0].Queries) != 1 {
			return nil // the server has not yet run the CREATE
		}
		return resp[0].Queries[0].StatusCount
	}
	expect := func(s *testServer, want map[string]int) {
		t.Helper()
		var got map[string]int
		defer func() {
			if t.Failed() {
				t.Logf("SHOW QUERIES on %s counted %v", s.name, got)
			}
		}()
		waitUntil(t, fmt.Sprintf("SHOW QUERIES on %s to count %v", s.name, want), 60*time.Second, func() bool {
			got = statusOn(s)
			return maps.Equal(got, want)
		})
	}
	expect(b, map[string]int{"RUNNING": 2})
	expect(a, map[string]int{"RUNNING": 2})
	ksql(t, b.listen, "PAUSE CTAS_PER_ID_0;")
	expect(a, map[string]int{"PAUSED": 2})
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	b.cmd.Wait()
	expect(a, map[string]int{"PAUSED": 1, "UNRESPONSIVE": 1})
	expect(a, map[string]int{"PAUSED": 1})
}
