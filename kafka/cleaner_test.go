package kafka

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// dirBytes is the size of the files under dir.
func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// startCleaning starts a broker with cfg and creates the cleaning tests'
// topics: "events" (deleted by retention) and "latest" (compacted). The
// caller closes the broker.
func startCleaning(t *testing.T, cfg EmbeddedConfig) (*Embedded, *Client, context.Context) {
	t.Helper()
	e, err := StartEmbedded(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, e)
	ctx := testCtx(t)
	if err := c.CreateTopic(ctx, TopicInfo{Name: "events", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTopic(ctx, TopicInfo{Name: "latest", Partitions: 1, Configs: map[string]string{"cleanup.policy": "compact"}}); err != nil {
		t.Fatal(err)
	}
	return e, c, ctx
}

// TestEmbeddedRetentionAndCompaction: the embedded broker forgets records
// past retention and keeps only the latest record per key of a compacted
// topic, and a restart on the same data directory sees only what was
// kept.
func TestEmbeddedRetentionAndCompaction(t *testing.T) {
	dir := t.TempDir()
	cfg := EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0", Retention: time.Hour, CleanInterval: 200 * time.Millisecond}
	e, c, ctx := startCleaning(t, cfg)
	now := time.Now().UnixMilli()
	old := now - 2*time.Hour.Milliseconds()
	// Old events first, then recent ones, in separate batches.
	for i := range 20 {
		ts := old
		if i >= 10 {
			ts = now
		}
		var batch []Record
		for j := range 100 {
			batch = append(batch, Record{Topic: "events", Partition: 0, Key: []byte("k"), Value: []byte(fmt.Sprintf("%d-%d", i, j)), Timestamp: ts})
		}
		if err := c.Produce(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	// Ten keys updated a hundred times, one batch per round.
	for round := range 100 {
		var batch []Record
		for k := range 10 {
			batch = append(batch, Record{Topic: "latest", Partition: 0, Key: []byte(fmt.Sprintf("k%d", k)), Value: []byte(fmt.Sprint(round)), Timestamp: now})
		}
		if err := c.Produce(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	before := dirBytes(t, dir)
	check := func(c *Client) (events, latest []Record) {
		deadline := time.Now().Add(time.Minute)
		for {
			ev, err := c.ReadAll(ctx, "events")
			if err != nil {
				t.Fatal(err)
			}
			lt, err := c.ReadAll(ctx, "latest")
			if err != nil {
				t.Fatal(err)
			}
			if (len(ev) == 1000 && len(lt) <= 20) || time.Now().After(deadline) {
				return ev, lt
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	ev, lt := check(c)
	if len(ev) != 1000 {
		t.Fatalf("events: %d records after cleaning, want the 1000 recent ones", len(ev))
	}
	for _, r := range ev {
		if r.Timestamp != now {
			t.Fatalf("events: record %s (ts %d) past retention was kept", r.Value, r.Timestamp)
		}
	}
	latestOf := map[string]string{}
	for _, r := range lt {
		latestOf[string(r.Key)] = string(r.Value)
	}
	if len(lt) > 20 || len(latestOf) != 10 {
		t.Fatalf("compacted topic: %d records for %d keys, want at most the last batch plus one per key", len(lt), len(latestOf))
	}
	for k, v := range latestOf {
		if v != "99" {
			t.Errorf("compacted topic: key %s holds %s, want its latest value 99", k, v)
		}
	}
	c.Close()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	after := dirBytes(t, dir)
	t.Logf("data directory: %d bytes before cleaning, %d after", before, after)
	e2, err := StartEmbedded(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	ev2, lt2 := check(dial(t, e2))
	if len(ev2) != len(ev) || len(lt2) != len(lt) {
		t.Errorf("after restart: %d events and %d compacted records, want %d and %d", len(ev2), len(lt2), len(ev), len(lt))
	}
}

// TestCompactionWaitsForDirtyRatio: a cleaning pass compacts only once
// what was written to the compacted topics since the last compaction is
// at least what that compaction left (Kafka's min.cleanable.dirty.ratio
// of 0.5), while retention runs at every pass, so a pass does not reread
// every changelog for a few new records.
func TestCompactionWaitsForDirtyRatio(t *testing.T) {
	// The test runs the passes itself (the timer's would race with its
	// writes, and what a pass finds would depend on when it came).
	cfg := EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Retention: time.Hour, CleanInterval: time.Hour}
	e, c, ctx := startCleaning(t, cfg)
	defer e.Close()
	now := time.Now().UnixMilli()
	round := 0
	writeRounds := func(n int) {
		for range n {
			var batch []Record
			for k := range 10 {
				batch = append(batch, Record{Topic: "latest", Partition: 0, Key: fmt.Appendf(nil, "k%d", k), Value: fmt.Appendf(nil, "%d", round), Timestamp: now})
			}
			if err := c.Produce(ctx, batch...); err != nil {
				t.Fatal(err)
			}
			round++
		}
	}
	count := func(topic string) int {
		recs, err := c.ReadAll(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	// 100 rounds over ten keys: a compaction keeps the last two rounds
	// (kfake keeps the newest batch whatever it holds).
	writeRounds(100)
	e.cleaner.pass()
	kept := count("latest")
	if kept > 20 {
		t.Fatalf("the first compaction left %d records, want at most 20", kept)
	}

	// One more record is far less than what the compaction left: passes
	// go on (retention removes expired events) and leave it alone.
	if err := c.Produce(ctx, Record{Topic: "latest", Partition: 0, Key: []byte("k0"), Value: []byte("late"), Timestamp: now}); err != nil {
		t.Fatal(err)
	}
	old := now - 2*time.Hour.Milliseconds()
	if err := c.Produce(ctx, Record{Topic: "events", Partition: 0, Value: []byte("expired"), Timestamp: old}); err != nil {
		t.Fatal(err)
	}
	if err := c.Produce(ctx, Record{Topic: "events", Partition: 0, Value: []byte("current"), Timestamp: now}); err != nil {
		t.Fatal(err)
	}
	e.cleaner.pass()
	if got := count("events"); got != 1 {
		t.Fatalf("events holds %d records after a pass, want the current one (retention at every pass)", got)
	}
	if got := count("latest"); got != kept+1 {
		t.Fatalf("compacted topic holds %d records after a pass with little new, want the %d it held plus the new one (compaction not due)", got, kept)
	}

	// As many bytes again as the compaction left: compacted again.
	writeRounds(10)
	e.cleaner.pass()
	if got := count("latest"); got > 20 {
		t.Fatalf("compacted topic holds %d records after a pass over as many new bytes as it held, want at most 20 (compaction due)", got)
	}
	recs, err := c.ReadAll(ctx, "latest")
	if err != nil {
		t.Fatal(err)
	}
	latest := map[string]string{}
	for _, r := range recs {
		latest[string(r.Key)] = string(r.Value)
	}
	for k, v := range latest {
		if v != fmt.Sprint(round-1) {
			t.Errorf("key %s holds %s, want its latest value %d", k, v, round-1)
		}
	}
}

// TestCompactionGateLateRecords: records produced between a compaction
// and the gate's reading after it count as dirty, not as what the
// compaction left, so the next compaction is not put off by them.
func TestCompactionGateLateRecords(t *testing.T) {
	tp := topicPartition{"latest", 0}
	var g compactionGate
	// 100 records of 10 bytes, compacted to 20 while 90 more arrived.
	g.compacted([]partitionSize{{tp, 1000, 100}}, []partitionSize{{tp, 200 + 900, 190}})
	if got := g.clean[tp]; got.bytes != 200 || got.end != 100 {
		t.Fatalf("clean part %+v, want 200 bytes below offset 100", got)
	}
	if !g.due([]partitionSize{{tp, 1100, 190}}) {
		t.Fatal("900 late bytes against 200 left: compaction not due")
	}
	// Nothing arrived during the pass: what is there is clean.
	g.compacted([]partitionSize{{tp, 1100, 190}}, []partitionSize{{tp, 200, 190}})
	if got := g.clean[tp]; got.bytes != 200 || got.end != 190 {
		t.Fatalf("clean part %+v, want 200 bytes below offset 190", got)
	}
	if g.due([]partitionSize{{tp, 300, 200}}) {
		t.Fatal("100 new bytes against 200 left: compaction due")
	}
}

// TestCompactionGateSurvivesRestart: what a compaction left is kept in
// the data directory, so the first pass after a restart compacts only
// when enough was written since; with the gate in memory alone, every
// start's first pass compacted every compacted topic, stalling all
// clients for as long as that takes.
func TestCompactionGateSurvivesRestart(t *testing.T) {
	cfg := EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Retention: time.Hour, CleanInterval: time.Hour}
	e, c, ctx := startCleaning(t, cfg)
	now := time.Now().UnixMilli()
	for round := range 100 {
		var batch []Record
		for k := range 10 {
			batch = append(batch, Record{Topic: "latest", Partition: 0, Key: fmt.Appendf(nil, "k%d", k), Value: fmt.Appendf(nil, "%d", round), Timestamp: now})
		}
		if err := c.Produce(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	e.cleaner.pass()
	recs, err := c.ReadAll(ctx, "latest")
	if err != nil {
		t.Fatal(err)
	}
	kept := len(recs)
	if kept > 20 {
		t.Fatalf("the first compaction left %d records, want at most 20", kept)
	}
	e, c = restartEmbedded(t, cfg, e, c)
	defer e.Close()
	if err := c.Produce(ctx, Record{Topic: "latest", Partition: 0, Key: []byte("k0"), Value: []byte("after"), Timestamp: now}); err != nil {
		t.Fatal(err)
	}
	e.cleaner.pass()
	if recs, err = c.ReadAll(ctx, "latest"); err != nil {
		t.Fatal(err)
	}
	if len(recs) != kept+1 {
		t.Fatalf("after a restart and one new record, a pass left %d records, want the %d kept plus the new one (compaction not due)", len(recs), kept)
	}
}

// restartEmbedded closes c and e and starts a broker again on cfg (its
// data directory), returning it and a client of it.
func restartEmbedded(t *testing.T, cfg EmbeddedConfig, e *Embedded, c *Client) (*Embedded, *Client) {
	t.Helper()
	c.Close()
	e.Close()
	e, err := StartEmbedded(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, dial(t, e)
}
