package kafka

import (
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestEmbeddedQuietOnEndTxnOverFiveMs: a transaction over a thousand
// partitions takes kfake more than 5 ms to end (it writes a marker to
// each); the server log does not carry kfake's "txn: EndTxn slow" line
// for it, which exactly-once queries on a loaded machine printed over and
// over though nothing was wrong.
func TestEmbeddedQuietOnEndTxnOverFiveMs(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	e, err := StartEmbedded(EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, format)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	c := dial(t, e)
	ctx := createTestTopic(t, c, TopicInfo{Name: "wide", Partitions: 2000})
	txn, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.TransactionalID("wide-writer"), kgo.DefaultProduceTopic("wide"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(txn.Close)
	for range 3 {
		if err := txn.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for p := range int32(2000) {
			txn.Produce(ctx, &kgo.Record{Partition: p, Value: []byte("v")}, nil)
		}
		if err := txn.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := txn.EndTransaction(ctx, kgo.TryCommit); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, l := range logged {
		if strings.Contains(l, "EndTxn slow") {
			t.Errorf("logged %q", l)
		}
	}
}
