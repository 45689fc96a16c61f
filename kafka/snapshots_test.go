package kafka

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKilledBrokerRebuildsSnapshots kills a broker (SIGKILL, in a child
// process) after it took plain, committed, aborted and still-open
// transactional writes, and restarts on its directory. The partitions
// written since the last clean stop load from snapshots rebuilt from
// their batches, read a chunk at a time, not from kfake's replay of
// every batch held in memory: the records a DeleteRecords removed
// before that clean stop stay removed (the replay brought them back),
// aborted records stay hidden from read_committed readers, the open
// transaction is aborted and its producer, which outlived the broker,
// fenced (it cannot commit the rest of the transaction), and a clean
// stop and start after that gives the same.
func TestKilledBrokerRebuildsSnapshots(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	ctx := testCtx(t)

	// A first run: records in two partitions, the first 200 of partition
	// 0 deleted, a clean stop.
	e, c := startEmbeddedAt(t, dir)
	for _, topic := range []TopicInfo{{Name: "t", Partitions: 2}, {Name: "tx", Partitions: 1}, {Name: "open", Partitions: 1}} {
		if err := c.CreateTopic(ctx, topic); err != nil {
			t.Fatal(err)
		}
	}
	produceN(t, c, "t", 0, 1000)
	ends, err := c.EndOffsets(ctx, "t")
	if err != nil || ends[0] < 300 {
		t.Fatalf("partition 0 holds %d records (err %v), want 300 or more", ends[0], err)
	}
	if err := c.DeleteRecordsBefore(ctx, "t", map[int32]int64{0: 200}); err != nil {
		t.Fatal(err)
	}
	kept, err := c.ReadAll(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	logStart := ends[0]
	for _, r := range kept {
		if r.Partition == 0 {
			logStart = min(logStart, r.Offset)
		}
	}
	if len(kept) > 900 || logStart < 150 {
		t.Fatalf("after DeleteRecords: %d records, partition 0 from %d", len(kept), logStart)
	}
	c.Close()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	// A second run, killed: more records, a committed, an aborted and
	// an open transaction.
	addr, kill := startChildBroker(t, dir)
	c2, err := Dial(ctx, Config{Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	produceN(t, c2, "t", 1000, 500)
	var leftOpen []*kgo.Client
	txn := func(topic, id string, end []kgo.TransactionEndTry, values ...string) {
		t.Helper()
		p, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.TransactionalID(id), kgo.DefaultProduceTopic(topic))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			if err := p.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		for _, how := range end {
			if err := p.EndTransaction(ctx, how); err != nil {
				t.Fatal(err)
			}
		}
		if len(end) > 0 {
			p.Close()
		} else {
			leftOpen = append(leftOpen, p)
		}
	}
	txn("tx", "committer", []kgo.TransactionEndTry{kgo.TryCommit}, "c1", "c2")
	txn("tx", "aborter", []kgo.TransactionEndTry{kgo.TryAbort}, "a1", "a2")
	txn("tx", "committer", []kgo.TransactionEndTry{kgo.TryCommit}, "c3")
	txn("open", "opener", nil, "o1", "o2") // its client is left behind by the kill
	kill()
	c2.Close()

	var logMu sync.Mutex
	var logged []string
	// On the killed broker's address, where the open transaction's
	// producer looks for it.
	e3, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: addr, Logf: func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		logged = append(logged, fmt.Sprintf(format, args...))
	}})
	if err != nil {
		t.Fatalf("restart after kill -9: %v", err)
	}
	logMu.Lock()
	rebuilt := slices.IndexFunc(logged, func(l string) bool {
		return strings.HasSuffix(l, "rebuilt the snapshots of 4 partitions from their segments; 1 producer's transaction left open is aborted")
	})
	logMu.Unlock()
	if rebuilt < 0 {
		t.Errorf("no start-up line says t-0, t-1, tx-0 and open-0 were rebuilt and one transaction aborted; logged:\n%s", strings.Join(logged, "\n"))
	}

	check := func(c *Client, open ...string) {
		t.Helper()
		recs, err := c.ReadAll(ctx, "t")
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(kept)+500 {
			t.Errorf("t holds %d records, want %d: the %d kept after DeleteRecords and 500 more", len(recs), len(kept)+500, len(kept))
		}
		for _, r := range recs {
			if r.Partition == 0 && r.Offset < logStart {
				t.Errorf("deleted record at offset %d of partition 0 came back", r.Offset)
				break
			}
		}
		if got := values(t, ctx, c, "tx"); !slices.Equal(got, []string{"c1", "c2", "c3"}) {
			t.Errorf("tx reads %q committed, want c1, c2, c3", got)
		}
		if got := values(t, ctx, c, "open"); !slices.Equal(got, open) {
			t.Errorf("open reads %q committed, want %q: its transaction was open at the kill", got, open)
		}
	}
	c3 := dial(t, e3)
	check(c3)
	// The producer of the open transaction goes on with it: fenced, it
	// commits nothing.
	opener := leftOpen[0]
	perr := opener.ProduceSync(ctx, &kgo.Record{Value: []byte("o3")}).FirstErr()
	cerr := opener.EndTransaction(ctx, kgo.TryCommit)
	if perr == nil && cerr == nil {
		t.Errorf("the producer whose transaction the kill left open wrote and committed on")
	}
	opener.Close()
	check(c3)
	// The open transaction was aborted: the partition's stable end moves
	// on, and a write after it is read.
	if err := c3.Produce(ctx, Record{Topic: "open", Partition: 0, Value: []byte("after")}); err != nil {
		t.Fatal(err)
	}
	check(c3, "after")
	c3.Close()
	if err := e3.Close(); err != nil {
		t.Fatal(err)
	}
	e4, c4 := startEmbeddedAt(t, dir)
	defer e4.Close()
	check(c4, "after")
}

// values reads topic's committed record values with a deadline, so a
// read that waited on an open transaction fails the test.
func values(t *testing.T, ctx context.Context, c *Client, topic string) []string {
	t.Helper()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	recs, err := c.ReadAll(rctx, topic)
	if err != nil {
		t.Fatalf("read %s: %v", topic, err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Value))
	}
	return out
}

// TestRebuiltSnapshotOverATornTail: the last batch of a killed broker's
// segment was cut short by the crash, or holds bytes that fail its CRC
// (a power loss). The rebuilt snapshot stops before it, the segment is
// cut there, and the partition serves and takes records as before, its
// end where the good batches end.
func TestRebuiltSnapshotOverATornTail(t *testing.T) {
	for _, tc := range []struct {
		name string
		tail func(first []byte) []byte // from the segment's first batch
	}{
		{"cut short", func(first []byte) []byte { return first[:len(first)-1] }}, // one byte short of whole
		{"bad CRC", func(first []byte) []byte { first[len(first)-1] ^= 0xff; return first }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			e, c := startEmbeddedAt(t, dir)
			ctx := testCtx(t)
			if err := c.CreateTopic(ctx, TopicInfo{Name: "t", Partitions: 1}); err != nil {
				t.Fatal(err)
			}
			produceN(t, c, "t", 0, 300)
			crashed := crashImage(t, dir)
			c.Close()
			e.Close()

			segs, err := segments(filepath.Join(crashed, "partitions", "t-0"))
			if err != nil || len(segs) == 0 {
				t.Fatalf("segments: %v %v", segs, err)
			}
			last := segs[len(segs)-1].path
			whole, err := os.ReadFile(last)
			if err != nil {
				t.Fatal(err)
			}
			// A copy of the first batch at the next offset, damaged.
			first := slices.Clone(whole[:12+binary.BigEndian.Uint32(whole[8:12])])
			binary.BigEndian.PutUint64(first, 300)
			f, err := os.OpenFile(last, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(tc.tail(first)); err != nil {
				t.Fatal(err)
			}
			f.Close()

			// The snapshot rebuilt matches the segment as cut, as
			// kfake checks before it takes its fast path.
			if rebuilt, _, err := rebuildSnapshots(crashed); err != nil || !slices.Equal(rebuilt, []string{"t-0"}) {
				t.Fatalf("rebuilt %v (err %v), want t-0", rebuilt, err)
			}
			if _, _, stale, err := rebuildSnapshot(filepath.Dir(last)); err != nil || stale {
				t.Fatalf("the rebuilt snapshot does not match its segments (err %v)", err)
			}
			e2, c2 := startEmbeddedAt(t, crashed)
			defer e2.Close()
			if snap, err := os.ReadFile(filepath.Join(crashed, "partitions", "t-0", snapshotFile)); err != nil || !strings.Contains(string(snap), `"high_watermark":300`) {
				t.Errorf("rebuilt snapshot %s (err %v), want its high watermark at 300", snap, err)
			}
			produceN(t, c2, "t", 300, 5)
			recs, err := c2.ReadAll(ctx, "t")
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 305 || recs[len(recs)-1].Offset != 304 {
				t.Fatalf("read %d records, the last at %d; want 305, the last at 304", len(recs), recs[len(recs)-1].Offset)
			}
		})
	}
}
