package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
)

// TestClusterOfThreeServers runs three `eddy server` processes with one
// service id on a three-broker Kafka cluster. A windowed aggregation and a
// stream-table join over six-partition inputs split their tasks across
// the servers (as /clusterStatus shows); 100,000 clicks arrive, half before
// the servers start and half while they run; one server is killed with
// SIGKILL in the middle, the other two take its tasks over, restoring the
// state from the changelogs; it is restarted while the last clicks arrive
// and gets tasks back in a rebalance under load; the outputs come out
// complete: every window's COUNT and SUM exact, every click joined. A DDL made on one
// server is seen by another within a second, and a pull query on either
// survivor answers for every key.
func TestClusterOfThreeServers(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	bin := buildEddy(t)
	kc, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	brokers := strings.Join(kc.ListenAddrs(), ",")
	ctx := context.Background()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: kc.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const parts = 6
	for _, topic := range []string{"users", "clicks"} {
		if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: topic, Partitions: parts, Replicas: 1}); err != nil {
			t.Fatal(err)
		}
	}

	// C is killed after 75,000 clicks and restarted after 88,000.
	const users, total, batch, restartAt = 60, 100_000, 1000, 88_000
	base := int64(1_700_000_000_000)
	var urecs []kafka.Record
	for u := range users {
		urecs = append(urecs, kafka.Record{Topic: "users", Partition: -1, Key: []byte(fmt.Sprintf("u%d", u)),
			Value: []byte(fmt.Sprintf(`{"NAME":"name%d"}`, u)), Timestamp: base - 1})
	}
	if err := cl.Produce(ctx, urecs...); err != nil {
		t.Fatal(err)
	}
	// Click i by user i%60, N = i, 20 ms apart in event time.
	type window struct {
		user  string
		start int64
	}
	wantCount, wantSum := map[window]int64{}, map[window]int64{}
	produce := func(from, to int) {
		t.Helper()
		recs := make([]kafka.Record, 0, to-from)
		for j := from; j < to; j++ {
			u, ts := fmt.Sprintf("u%d", j%users), base+int64(j)*20
			recs = append(recs, kafka.Record{Topic: "clicks", Partition: -1, Key: []byte(u),
				Value: []byte(fmt.Sprintf(`{"N":%d}`, j)), Timestamp: ts})
			w := window{u, ts - ts%60_000}
			wantCount[w]++
			wantSum[w] += int64(j)
		}
		if err := cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	produce(0, total/2) // before the queries exist

	type server struct {
		name, listen, dataDir string
		cmd                   *exec.Cmd
		logs                  *lockedBuffer
	}
	servers := make([]*server, 3)
	defer func() {
		for _, s := range servers {
			if s != nil && s.cmd.ProcessState == nil {
				s.cmd.Process.Signal(os.Kill)
				s.cmd.Wait()
			}
			if s != nil && t.Failed() {
				t.Logf("server %s log:\n%s", s.name, tail(s.logs.String(), 6000))
			}
		}
	}()
	start := func(s *server) {
		s.cmd = exec.Command(bin, "server", "--bootstrap-servers", brokers, "--listen", s.listen,
			"--data-dir", s.dataDir, "--service-id", "cluster_")
		s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
		if err := s.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range servers {
		servers[i] = &server{name: string(rune('A' + i)), listen: freeAddr(t), dataDir: t.TempDir(), logs: &lockedBuffer{}}
		start(servers[i])
	}
	for _, s := range servers {
		waitHTTP(t, s.listen)
	}
	a, b, c := servers[0], servers[1], servers[2]

	// A DDL on one server reaches another within a second.
	ksql(t, b.listen, `CREATE STREAM PROBE (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='probe', VALUE_FORMAT='JSON', PARTITIONS=1);`)
	made := time.Now()
	for !strings.Contains(ksql(t, c.listen, "SHOW STREAMS;"), `"PROBE"`) {
		if time.Since(made) > time.Second {
			t.Fatalf("a stream created on server B is not listed by server C after %s", time.Since(made))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("DDL made on B listed by C after %s", time.Since(made).Round(time.Millisecond))

	began := time.Now()
	body, _ := json.Marshal(map[string]any{"ksql": `
		CREATE TABLE USERS (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
		CREATE STREAM CLICKS (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
		CREATE TABLE PER_MINUTE AS SELECT ID, COUNT(*) AS C, SUM(N) AS S FROM CLICKS
		  WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY ID;
		CREATE STREAM ENRICHED AS SELECT C.ID, C.N, U.NAME FROM CLICKS C LEFT JOIN USERS U ON C.ID = U.ID;`,
		"streamsProperties": map[string]string{"auto.offset.reset": "earliest"}})
	post(t, a.listen, "/ksql", body)

	// The work splits: each server runs tasks of both queries.
	var status api.ClusterStatus
	owners := func(st api.ClusterStatus) map[string]map[string][]int32 {
		out := map[string]map[string][]int32{}
		for host, hs := range st.ClusterStatus {
			if !hs.HostAlive {
				continue
			}
			for q, as := range hs.ActiveStandbyPerQuery {
				if out[q] == nil {
					out[q] = map[string][]int32{}
				}
				for _, tp := range as.ActivePartitions {
					if tp.Topic == "clicks" {
						out[q][host] = append(out[q][host], tp.Partition)
					}
				}
			}
		}
		return out
	}
	split := func(hosts ...*server) bool {
		status = clusterStatus(t, hosts[0].listen)
		byQuery := owners(status)
		if len(byQuery) != 2 {
			return false
		}
		for _, hostParts := range byQuery {
			n := 0
			for _, s := range hosts {
				if len(hostParts[s.listen]) == 0 {
					return false
				}
				n += len(hostParts[s.listen])
			}
			if n != parts {
				return false
			}
		}
		return true
	}
	waitUntil(t, "every server to run tasks of both queries", 30*time.Second, func() bool { return split(a, b, c) })
	t.Logf("tasks (clicks partitions) per query and server: %v", owners(status))
	firstHalf, err := cl.EndOffsets(ctx, "clicks")
	if err != nil {
		t.Fatal(err)
	}
	byQuery := owners(status)
	// committedPast says whether the query groups committed offsets past
	// to on the partitions of host (every partition when host is nil).
	committedPast := func(to map[int32]int64, host *server) bool {
		for q, hostParts := range byQuery {
			committed, err := cl.GroupOffsets(ctx, "_confluent-ksql-cluster_query_"+q, "clicks")
			if err != nil {
				return false
			}
			for p, end := range to {
				if host != nil && !slices.Contains(hostParts[host.listen], p) {
					continue
				}
				if committed[p] < end {
					return false
				}
			}
		}
		return true
	}
	waitUntil(t, "the first half processed", 60*time.Second, func() bool { return committedPast(firstHalf, nil) })
	firstDone := time.Since(began)
	t.Logf("the %d records produced before the queries processed by both queries %s after they were created (%.0f records/s per query, group joins included)",
		total/2, firstDone.Round(time.Millisecond), float64(total/2)/firstDone.Seconds())

	// The other half of the input arrives; C dies in the middle of it,
	// once it has committed progress of both queries into that half (so
	// that its successors restore the state it built, not start over).
	for i := total / 2; i < total*3/4; i += batch {
		produce(i, i+batch)
	}
	mid := map[int32]int64{}
	for p, end := range firstHalf {
		mid[p] = end + 1
	}
	waitUntil(t, "server C to commit progress into the second half", 30*time.Second, func() bool { return committedPast(mid, c) })
	c.cmd.Process.Signal(os.Kill)
	c.cmd.Wait()
	killed := time.Now()
	for i := total * 3 / 4; i < restartAt; i += batch {
		produce(i, i+batch)
	}
	waitUntil(t, "A and B to take over C's tasks", 40*time.Second, func() bool {
		return split(a, b) && !status.ClusterStatus[c.listen].HostAlive
	})
	t.Logf("C's tasks owned by A and B %s after the kill: %v", time.Since(killed).Round(time.Millisecond), owners(status))

	// C comes back while the last records arrive: A and B hand tasks
	// back to it in a rebalance under load.
	fmt.Fprintf(c.logs, "--- restarted\n")
	start(c)
	restarted := time.Now()
	for i := restartAt; i < total; i += batch {
		produce(i, i+batch)
	}
	waitUntil(t, "C to run tasks again", 40*time.Second, func() bool { return split(a, b, c) })
	t.Logf("C runs tasks again %s after its restart: %v", time.Since(restarted).Round(time.Millisecond), owners(status))

	// Every window exact.
	var mismatch string
	defer func() {
		if t.Failed() && mismatch != "" {
			t.Logf("last mismatch: %s", mismatch)
		}
	}()
	waitUntil(t, "every window's COUNT and SUM", 60*time.Second, func() bool {
		recs, err := cl.ReadAll(ctx, "PER_MINUTE")
		if err != nil {
			mismatch = err.Error()
			return false
		}
		latest := map[window][2]int64{}
		for _, r := range recs {
			if len(r.Key) < 8 {
				t.Fatalf("windowed key too short: %x", r.Key)
			}
			w := window{string(r.Key[:len(r.Key)-8]), int64(binary.BigEndian.Uint64(r.Key[len(r.Key)-8:]))}
			var v struct{ C, S int64 }
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatal(err)
			}
			latest[w] = [2]int64{v.C, v.S}
		}
		for w, n := range wantCount {
			if got := latest[w]; got != [2]int64{n, wantSum[w]} {
				mismatch = fmt.Sprintf("window %s@%d: COUNT, SUM = %v, want %d, %d (%d windows of %d)", w.user, w.start, got, n, wantSum[w], len(latest), len(wantCount))
				return false
			}
		}
		mismatch = ""
		return true
	})
	// Every click joined to its user; redelivery after the kill may
	// repeat some (at-least-once), none is missing.
	var joined int
	waitUntil(t, "every click joined", 30*time.Second, func() bool {
		recs, err := cl.ReadAll(ctx, "ENRICHED")
		if err != nil {
			return false
		}
		seen := make([]bool, total)
		for _, r := range recs {
			var v struct {
				N    int
				NAME *string
			}
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatal(err)
			}
			if v.NAME == nil || *v.NAME != fmt.Sprintf("name%d", v.N%users) {
				t.Fatalf("click %d joined to the wrong user: %s", v.N, r.Value)
			}
			seen[v.N] = true
		}
		joined = len(recs)
		return !slices.Contains(seen, false)
	})
	elapsed := time.Since(began)
	t.Logf("outputs complete %s after the queries started: %.0f input records/s over the cluster; %d joined rows for %d clicks (%d repeated after the kill and the restart)",
		elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), joined, total, joined-total)
	// Each query's moved tasks were restored from their changelogs.
	for q := range byQuery {
		if !strings.Contains(a.logs.String()+b.logs.String(), "query "+q+": task ") {
			t.Errorf("no survivor restored a task of %s from its changelog", q)
		}
	}

	// A pull query on either survivor answers for any key, whichever
	// server runs the key's task.
	for _, s := range []*server{a, b} {
		for u := range users {
			rows := pull(t, s.listen, fmt.Sprintf("SELECT ID, WINDOWSTART, C, S FROM PER_MINUTE WHERE ID='u%d';", u))
			got := 0
			for _, r := range rows {
				w := window{fmt.Sprint(r[0]), int64(r[1].(float64))}
				if c, sum := int64(r[2].(float64)), int64(r[3].(float64)); c != wantCount[w] || sum != wantSum[w] {
					t.Fatalf("server %s: pull of %v: COUNT, SUM = %d, %d, want %d, %d", s.name, w, c, sum, wantCount[w], wantSum[w])
				}
				got++
			}
			want := 0
			for w := range wantCount {
				if w.user == fmt.Sprintf("u%d", u) {
					want++
				}
			}
			if got != want {
				t.Fatalf("server %s: pull of u%d: %d windows, want %d", s.name, u, got, want)
			}
		}
	}
}

// ksql posts statements to a server's /ksql and returns the response.
func ksql(t *testing.T, addr, stmts string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"ksql": stmts})
	return post(t, addr, "/ksql", body)
}

func post(t *testing.T, addr, path string, body []byte) string {
	t.Helper()
	resp, err := http.Post("http://"+addr+path, "application/json", bytes.NewReader(body))
	return okBody(t, "POST "+addr+path, resp, err)
}

// get fetches http://addr/path and returns the body of a 200 reply.
func get(t *testing.T, addr, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	return okBody(t, "GET "+addr+path, resp, err)
}

// okBody reads the body of a reply to what, failing the test unless the
// request got a 200.
func okBody(t *testing.T, what string, resp *http.Response, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", what, resp.StatusCode, out)
	}
	return string(out)
}

func clusterStatus(t *testing.T, addr string) api.ClusterStatus {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/clusterStatus")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st api.ClusterStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("/clusterStatus on %s: %v", addr, err)
	}
	return st
}

// pull runs a pull query through /query and returns its rows.
func pull(t *testing.T, addr, query string) [][]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"ksql": query})
	out := post(t, addr, "/query", body)
	// One JSON object a line, each followed by a comma, between [ and ].
	var rows [][]any
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "["), "]")
		if line = strings.TrimSuffix(line, ","); line == "" {
			continue
		}
		var msg struct {
			Row *struct {
				Columns []any `json:"columns"`
			} `json:"row"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			t.Fatalf("%s: %v: %s", query, err, out)
		}
		if msg.Row != nil {
			rows = append(rows, msg.Row.Columns)
		}
	}
	return rows
}

// TestAdvertisedListenerFlag: the advertised URL defaults to the REST
// listener (https with a certificate; the host name for a wildcard
// address) and must be a URL with a host.
func TestAdvertisedListenerFlag(t *testing.T) {
	hostname, err := os.Hostname()
	if err != nil {
		t.Skip("no host name:", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen", "10.0.0.5:8088"}, "http://10.0.0.5:8088"},
		{[]string{"--listen", "0.0.0.0:8088", "--advertised-listener", "http://node1:8088"}, "http://node1:8088"},
		{[]string{"--tls-cert", "c.pem", "--tls-key", "k.pem"}, "https://127.0.0.1:8088"},
		{[]string{"--listen", "0.0.0.0:8088"}, "http://" + hostname + ":8088"},
		{[]string{"--listen", "[::]:8088"}, "http://" + hostname + ":8088"},
	} {
		f, err := parseServerFlags(c.args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if f.advertised != c.want {
			t.Errorf("%v: advertised %q, want %q", c.args, f.advertised, c.want)
		}
	}
	if _, err := parseServerFlags([]string{"--advertised-listener", "node1"}, io.Discard); err == nil || !strings.Contains(err.Error(), "--advertised-listener") {
		t.Errorf("an advertised listener without scheme and host: %v", err)
	}
}
