package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/server"
)

// headlessQueries is the queries file of the headless tests: a stream, a
// table, a count per user and a stream-table join, with exactly-once and
// no output cache set in the file itself, so each input record gives
// exactly one output record of each query.
const headlessQueries = `-- clicks, counted and joined to their users
SET 'auto.offset.reset' = 'earliest';
SET 'processing.guarantee' = 'exactly_once_v2';
SET 'cache.max.bytes.buffering' = '0';
CREATE STREAM clicks (id STRING KEY, n INT) WITH (kafka_topic='clicks', value_format='JSON');
CREATE TABLE users (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='JSON');
CREATE TABLE per_user AS SELECT id, COUNT(*) AS c FROM clicks GROUP BY id;
CREATE STREAM enriched AS
  SELECT c.id, c.n, u.name FROM clicks c JOIN users u ON c.id = u.id;
`

// TestHeadlessServerResumes runs `eddy server --queries-file` over a
// broker whose input was written before the server started, stops it,
// restarts it with the same file, kills it with SIGKILL mid-stream and
// restarts it again. Across the lives every click is joined exactly once
// and every user's count goes 1, 2, 3, … without a gap, a repeat or a
// restart from zero: the queries keep their ids, consumer groups and
// state. Meanwhile the REST API answers /info and refuses statements.
func TestHeadlessServerResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	bin := buildEddy(t)
	broker, cl := brokerWithTopics(t, kafka.EmbeddedConfig{}, "users", "clicks")
	ctx := context.Background()
	const users = 4
	base := time.Now().UnixMilli()
	var urecs []kafka.Record
	for u := range users {
		urecs = append(urecs, kafka.Record{Topic: "users", Partition: -1, Key: []byte(fmt.Sprintf("u%d", u)),
			Value: []byte(fmt.Sprintf(`{"NAME":"name%d"}`, u)), Timestamp: base})
	}
	if err := cl.Produce(ctx, urecs...); err != nil {
		t.Fatal(err)
	}
	clicks := 0
	produce := func(n int) {
		t.Helper()
		var recs []kafka.Record
		for range n {
			recs = append(recs, kafka.Record{Topic: "clicks", Partition: -1, Key: []byte(fmt.Sprintf("u%d", clicks%users)),
				Value: []byte(fmt.Sprintf(`{"N":%d}`, clicks)), Timestamp: base + 1 + int64(clicks)})
			clicks++
		}
		if err := cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	produce(40) // before the server's first start

	dir := t.TempDir()
	file := filepath.Join(dir, "queries.sql")
	if err := os.WriteFile(file, []byte(headlessQueries), 0o644); err != nil {
		t.Fatal(err)
	}
	dataDir, listen := filepath.Join(dir, "data"), freeAddr(t)
	logs := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server logs:\n%s", tail(logs.String(), 8000))
		}
	})
	var srv *exec.Cmd
	start := func() {
		t.Helper()
		srv = exec.Command(bin, "server", "--bootstrap-servers", broker.Addr(), "--listen", listen,
			"--data-dir", dataDir, "--service-id", "hl_", "--queries-file", file)
		fmt.Fprintf(logs, "--- start at %s\n", time.Now().Format(time.RFC3339Nano))
		srv.Stdout, srv.Stderr = logs, logs
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		waitHTTP(t, listen)
	}
	stop := func(sig os.Signal) {
		t.Helper()
		if err := srv.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		srv.Wait()
	}
	t.Cleanup(func() {
		if srv.ProcessState == nil {
			stop(os.Kill)
		}
	})

	// check waits until the outputs account for every click so far, then
	// checks them record by record (read committed: what exactly-once
	// made visible).
	check := func(life string) {
		t.Helper()
		var joined, counts []kafka.Record
		var err error
		deadline := time.Now().Add(60 * time.Second)
		for {
			if joined, err = cl.ReadAll(ctx, "ENRICHED"); err != nil {
				t.Fatal(err)
			}
			if counts, err = cl.ReadAll(ctx, "PER_USER"); err != nil {
				t.Fatal(err)
			}
			if len(joined) >= clicks && len(counts) >= clicks {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d joined and %d count records after a minute, want %d each", life, len(joined), len(counts), clicks)
			}
			time.Sleep(200 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond) // let a duplicate on its way show up
		if joined, err = cl.ReadAll(ctx, "ENRICHED"); err != nil {
			t.Fatal(err)
		}
		if counts, err = cl.ReadAll(ctx, "PER_USER"); err != nil {
			t.Fatal(err)
		}
		seen, bad := make([]int, clicks), 0
		for _, r := range joined {
			var v struct {
				N    int
				NAME string
			}
			if err := json.Unmarshal(r.Value, &v); err != nil || v.N < 0 || v.N >= clicks {
				t.Fatalf("%s: ENRICHED record %s: %v", life, r.Value, err)
			}
			if want := fmt.Sprintf("name%d", v.N%users); v.NAME != want || string(r.Key) != fmt.Sprintf("u%d", v.N%users) {
				t.Errorf("%s: click %d joined as %s/%s, want u%d/%s", life, v.N, r.Key, r.Value, v.N%users, want)
			}
			seen[v.N]++
		}
		for n, k := range seen {
			if k != 1 && bad < 5 {
				t.Errorf("%s: click %d came out of the join %d times", life, n, k)
				bad++
			}
		}
		// Each user's counts, in their partition's order: 1, 2, …, as
		// one uninterrupted run gives them.
		got := map[string][]int64{}
		for _, r := range counts {
			var v struct{ C int64 }
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatalf("%s: PER_USER record %s: %v", life, r.Value, err)
			}
			got[string(r.Key)] = append(got[string(r.Key)], v.C)
		}
		for u := range users {
			var want []int64
			for c := range clicks / users {
				want = append(want, int64(c+1))
			}
			if key := fmt.Sprintf("u%d", u); !slices.Equal(got[key], want) {
				t.Errorf("%s: counts of %s are %v, want %v", life, key, got[key], want)
			}
		}
	}

	start()
	check("first life")
	// The REST API answers status requests and refuses the rest.
	body := get(t, listen, "/info")
	if !strings.Contains(body, `"ksqlServiceId":"hl_"`) {
		t.Errorf("/info: %s", body)
	}
	for _, path := range []string{"/ksql", "/query", "/query-stream"} {
		res, err := http.Post("http://"+listen+path, "application/json", strings.NewReader(`{"ksql":"SHOW STREAMS;","sql":"SELECT * FROM per_user;"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var e struct {
			ErrorCode int    `json:"error_code"`
			Message   string `json:"message"`
		}
		if json.Unmarshal(b, &e); res.StatusCode != http.StatusForbidden || e.ErrorCode != 40300 || e.Message != server.HeadlessMessage {
			t.Errorf("POST %s: HTTP %d %s; want 403 with the headless message", path, res.StatusCode, b)
		}
	}
	if body := get(t, listen, "/clusterStatus"); !strings.Contains(body, "CTAS_PER_USER_0") || !strings.Contains(body, "CSAS_ENRICHED_1") {
		t.Errorf("/clusterStatus lacks the file's queries: %s", body)
	}
	// No command log: the file is the catalog.
	if _, ok, err := cl.Topic(ctx, "_confluent-ksql-hl__command_topic"); err != nil || ok {
		t.Errorf("a headless server made a command topic (exists %v, %v)", ok, err)
	}

	// A clean stop, more input while it is down, the same file again.
	stop(os.Interrupt)
	produce(20)
	start()
	check("after a restart")

	// SIGKILL while the new input flows, then the same file again.
	produce(200)
	time.Sleep(300 * time.Millisecond)
	stop(os.Kill)
	start()
	check("after a kill")
	stop(os.Interrupt)
	if strings.Contains(logs.String(), "warning: queries file") {
		t.Error("restarts with the same file warned of changed queries")
	}
}

// TestHeadlessBadFileStartsNothing starts `eddy server` with queries
// files that cannot run: each start fails with exit code 1 and an error
// naming the file, line and column, and nothing reaches Kafka: no sink
// topic, no processing log, no command topic.
func TestHeadlessBadFileStartsNothing(t *testing.T) {
	addr, cl := testenv.Kafka(t, "")
	ctx := context.Background()
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "clicks", Partitions: 1, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const clicks = "CREATE STREAM clicks (id STRING KEY, n INT)\n  WITH (kafka_topic='clicks', value_format='JSON');\n"
	// The first query is fine: the second's error must stop it too.
	unknownCol := write("unknown.sql", "SET 'auto.offset.reset'='earliest';\n"+clicks+
		"CREATE STREAM out AS SELECT * FROM clicks;\nCREATE STREAM out2 AS SELECT id,\n   nosuch FROM clicks;\n")
	syntax := write("syntax.sql", clicks+"CREATE STREAM out AS SELEC * FROM clicks;\n")
	drop := write("drop.sql", clicks+"CREATE STREAM out AS SELECT * FROM clicks;\n  DROP STREAM clicks;\n")
	pull := write("pull.sql", clicks+"CREATE STREAM out AS SELECT * FROM clicks;\nSELECT * FROM clicks EMIT CHANGES;\n")
	define := write("define.sql", "DEFINE t = 'clicks';\n"+clicks+"CREATE STREAM out AS SELECT * FROM clicks;\n")
	noQuery := write("noquery.sql", clicks)
	missingTopic := write("topic.sql", "CREATE STREAM s (id STRING KEY) WITH (kafka_topic='nosuch', value_format='JSON');\nCREATE STREAM out AS SELECT * FROM s;\n")
	props := write("server.properties", "ksql.queries.file="+unknownCol+"\n")
	otherProps := write("other.properties", "ksql.queries.file="+filepath.Join(dir, "absent.sql")+"\n")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown column, from ksql.queries.file", []string{"--config-file", props}, unknownCol + ":6:4: SELECT column 'NOSUCH' cannot be resolved."},
		{"syntax error", []string{"--queries-file", syntax}, syntax + ":3:22: Syntax Error"},
		{"--queries-file overrides the property", []string{"--config-file", otherProps, "--queries-file", syntax}, syntax + ":3:22: Syntax Error"},
		{"DROP", []string{"--queries-file", drop}, drop + ":4:3: DROP STREAM is not supported in a queries file"},
		{"push query", []string{"--queries-file", pull}, pull + ":4:1: SELECT is not supported in a queries file"},
		{"DEFINE", []string{"--queries-file", define}, define + ":1:1: DEFINE is not supported in a queries file"},
		{"no persistent query", []string{"--queries-file", noQuery}, noQuery + ":1:1: the file has no persistent query"},
		{"missing topic", []string{"--queries-file", missingTopic}, missingTopic + ":1:1: Topic 'nosuch' does not exist."},
		{"missing file", []string{"--config-file", otherProps}, "read the queries file: open " + filepath.Join(dir, "absent.sql")},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stderr strings.Builder
			args := append([]string{"server", "--bootstrap-servers", addr, "--listen", freeAddr(t), "--data-dir", t.TempDir(), "--service-id", "bad_"}, c.args...)
			if code := run(args, nil, io.Discard, &stderr); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr lacks %q:\n%s", c.want, stderr.String())
			}
		})
	}
	for _, topic := range []string{"OUT", "bad_ksql_processing_log", "_confluent-ksql-bad__command_topic"} {
		if _, ok, err := cl.Topic(ctx, topic); err != nil || ok {
			t.Errorf("a failed start made topic %s (%v)", topic, err)
		}
	}
}
