package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestKill9MidStreamLosesNothing runs a windowed aggregate and a
// stream-table join in an `eddy server` over a Kafka broker while 100,000
// records arrive, kills the server with SIGKILL at five random points and
// restarts it each time. At the end every per-window COUNT and SUM equals
// what the input gives, and every click came out joined to its user (whose
// row was in the table, earlier in event time, before the clicks began).
func TestKill9MidStreamLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	bin := filepath.Join(t.TempDir(), "eddy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	broker, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0",
		// The records are stamped in 2023: keep them past retention.
		Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	ctx := context.Background()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{broker.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, topic := range []string{"users", "clicks"} {
		if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: topic, Partitions: 2, Replicas: 1}); err != nil {
			t.Fatal(err)
		}
	}
	const users, total, batch = 20, 100_000, 500
	base := int64(1_700_000_000_000)
	var urecs []kafka.Record
	for u := range users {
		urecs = append(urecs, kafka.Record{Topic: "users", Partition: -1, Key: []byte(fmt.Sprintf("u%d", u)),
			Value: []byte(fmt.Sprintf(`{"NAME":"name%d"}`, u)), Timestamp: base - 1})
	}
	if err := cl.Produce(ctx, urecs...); err != nil {
		t.Fatal(err)
	}

	dataDir, listen := t.TempDir(), freeAddr(t)
	var server *exec.Cmd
	var logs lockedBuffer // every life's server log, shown when the test fails
	defer func() {
		if t.Failed() {
			t.Logf("server logs:\n%s", tail(logs.String(), 8000))
		}
	}()
	start := func() {
		server = exec.Command(bin, "server", "--bootstrap-servers", broker.Addr(), "--listen", listen,
			"--data-dir", dataDir, "--service-id", "crash_")
		fmt.Fprintf(&logs, "--- start at %s\n", time.Now().Format(time.RFC3339Nano))
		server.Stdout, server.Stderr = &logs, &logs
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get("http://" + listen + "/info")
			if err == nil {
				resp.Body.Close()
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("eddy server did not answer: %v\n%s", err, logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	kill := func() {
		server.Process.Signal(os.Kill)
		server.Wait()
	}
	start()
	defer kill()
	stmts := `CREATE TABLE USERS (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
		CREATE STREAM CLICKS (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
		CREATE TABLE PER_MINUTE AS SELECT ID, COUNT(*) AS C, SUM(N) AS S FROM CLICKS
		  WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY ID;
		CREATE STREAM ENRICHED AS SELECT C.ID, C.N, U.NAME FROM CLICKS C LEFT JOIN USERS U ON C.ID = U.ID;`
	body, _ := json.Marshal(map[string]any{"ksql": stmts, "streamsProperties": map[string]string{"auto.offset.reset": "earliest"}})
	resp, err := http.Post("http://"+listen+"/ksql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("statements: HTTP %d", resp.StatusCode)
	}

	// The input: click i by user i%20, N = i, 20 ms apart in event time
	// (2,000 s: about 34 one-minute windows per user).
	type window struct {
		user  string
		start int64
	}
	wantCount, wantSum := map[window]int64{}, map[window]int64{}
	began := time.Now()
	// Five kills at random points of the input, each after the running
	// server has written some of its output, so every life makes progress
	// and the next one restores state the previous one built.
	kills := map[int]bool{}
	for len(kills) < 5 {
		kills[(1+rand.IntN(total/batch-2))*batch] = true
	}
	enriched := func() int64 {
		ends, err := cl.EndOffsets(ctx, "ENRICHED")
		if err != nil {
			return 0
		}
		var n int64
		for _, e := range ends {
			n += e
		}
		return n
	}
	lifeStart := int64(-1) // joined rows when the current server started
	for i := 0; i < total; i += batch {
		if kills[i] {
			// Kill only a server that has joined its groups and made
			// progress itself: a member killed while a rebalance is still
			// settling can hold partitions in the embedded broker's group
			// long after (it has no static membership).
			deadline := time.Now().Add(2 * time.Minute)
			for n := enriched(); n < int64(i)/2 || n <= lifeStart; n = enriched() {
				if time.Now().After(deadline) {
					t.Fatalf("the server made no progress: %d joined rows of %d produced", enriched(), i)
				}
				time.Sleep(50 * time.Millisecond)
			}
			kill()
			start()
			lifeStart = enriched()
		}
		recs := make([]kafka.Record, 0, batch)
		for j := i; j < i+batch; j++ {
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
	t.Logf("input produced, with %d kills, after %s", len(kills), time.Since(began).Round(time.Millisecond))
	// Wait until the latest row of every window is the expected one.
	deadline := time.Now().Add(3 * time.Minute)
	var mismatch string
	for {
		recs, err := cl.ReadAll(ctx, "PER_MINUTE")
		if err != nil {
			t.Fatal(err)
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
		mismatch = ""
		for w, c := range wantCount {
			if got := latest[w]; got != [2]int64{c, wantSum[w]} {
				mismatch = fmt.Sprintf("window %s@%d: COUNT, SUM = %v, want %d, %d (%d windows out of %d)", w.user, w.start, got, c, wantSum[w], len(latest), len(wantCount))
				break
			}
		}
		if mismatch == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(mismatch)
		}
		time.Sleep(500 * time.Millisecond)
	}

	t.Logf("windows exact after %s", time.Since(began).Round(time.Millisecond))
	if !strings.Contains(logs.String(), "restored") {
		t.Error("no restarted task restored state from a changelog: the kills did not exercise restores")
	}
	// Every click joined, none with a NULL name.
	seen := make([]bool, total)
	deadline = time.Now().Add(time.Minute)
	for {
		recs, err := cl.ReadAll(ctx, "ENRICHED")
		if err != nil {
			t.Fatal(err)
		}
		missing := 0
		for _, r := range recs {
			var v struct {
				N    int
				NAME *string
			}
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatal(err)
			}
			if v.NAME == nil || !strings.HasPrefix(*v.NAME, "name") {
				t.Fatalf("click %d joined without its user: %s", v.N, r.Value)
			}
			seen[v.N] = true
		}
		for _, s := range seen {
			if !s {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d clicks never came out of the join", missing, total)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// lockedBuffer collects a child process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
