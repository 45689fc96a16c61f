package kafka

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// foreignTxnTopic makes topic t of one partition holding two committed
// records, c1 and c2, and a foreign transactional producer for it
// (closed when the test ends). writeTxn begins a transaction and writes
// values in it; end, when given, ends it.
func foreignTxnTopic(t *testing.T) (c *Client, ctx context.Context, txn *kgo.Client, writeTxn func(end []kgo.TransactionEndTry, values ...string)) {
	t.Helper()
	e, c := startBroker(t)
	ctx = testCtx(t)
	if err := c.CreateTopic(ctx, TopicInfo{Name: "t", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.Produce(ctx, Record{Topic: "t", Value: []byte("c1")}, Record{Topic: "t", Value: []byte("c2")}); err != nil {
		t.Fatal(err)
	}
	txn, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.TransactionalID("foreign"), kgo.DefaultProduceTopic("t"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(txn.Close)
	writeTxn = func(end []kgo.TransactionEndTry, values ...string) {
		t.Helper()
		if err := txn.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			if err := txn.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		for _, how := range end {
			if err := txn.EndTransaction(ctx, how); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c, ctx, txn, writeTxn
}

// TestReadStopsBelowOpenTransactions: a foreign transactional producer
// holds a transaction open on the topic, then aborts it. ReadAll and
// ReadPartitions return at once with what is committed, never waiting on
// the open transaction nor, after the abort, on records that will never
// be delivered; a later commit is read whole.
func TestReadStopsBelowOpenTransactions(t *testing.T) {
	c, ctx, txn, writeTxn := foreignTxnTopic(t)
	// A read that waited would block until its deadline and fail.
	read := func(want ...string) {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		recs, err := c.ReadAll(rctx, "t")
		if err != nil {
			t.Fatalf("ReadAll: %v", err)
		}
		var got []string
		for _, r := range recs {
			got = append(got, string(r.Value))
		}
		if len(got) != len(want) {
			t.Fatalf("ReadAll read %q, want %q", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("ReadAll read %q, want %q", got, want)
			}
		}
		var n int
		ends, err := c.ReadPartitions(rctx, "t", map[int32]int64{0: 0}, func(Record) error { n++; return nil })
		if err != nil || n != len(want) {
			t.Fatalf("ReadPartitions read %d records (err %v), want %d", n, err, len(want))
		}
		if ends[0] <= recs[len(recs)-1].Offset {
			t.Fatalf("ReadPartitions ends at %d, not past the last record read (%d)", ends[0], recs[len(recs)-1].Offset)
		}
	}

	writeTxn(nil, "open1", "open2") // left open
	read("c1", "c2")
	if err := txn.EndTransaction(ctx, kgo.TryAbort); err != nil {
		t.Fatal(err)
	}
	read("c1", "c2")
	writeTxn([]kgo.TransactionEndTry{kgo.TryAbort}, "aborted")
	read("c1", "c2")
	writeTxn([]kgo.TransactionEndTry{kgo.TryCommit}, "t1", "t2")
	read("c1", "c2", "t1", "t2")
}

// TestTransactionCancelledMidwayIsAborted: the handler's context is
// cancelled after its transaction wrote (as Close does halfway through a
// batch). The transaction is still aborted at once, so nothing it wrote
// holds back read_committed readers: the topic's last stable offset
// reaches its end.
func TestTransactionCancelledMidwayIsAborted(t *testing.T) {
	c, ctx := inAndOut(t)
	result := make(chan error, 1)
	sub := subscribeTransacting(t, ctx, c, func(hctx context.Context, tx Transactor) {
		cctx, cancel := context.WithCancel(hctx)
		err := tx.Transact(cctx, func(produce func(...Record) error) (map[string]map[int32]int64, error) {
			if err := produce(Record{Topic: "out", Value: []byte("y")}); err != nil {
				return nil, err
			}
			cancel()
			return nil, cctx.Err()
		})
		cancel()
		result <- err
	})
	defer sub.Close()
	select {
	case err := <-result:
		if !errors.Is(err, ErrTxnAborted) {
			t.Fatalf("Transact returned %v, want ErrTxnAborted", err)
		}
	case <-ctx.Done():
		t.Fatal("the handler never ran")
	}
	ends, stable := outEnds(t, ctx, c)
	if ends == 0 || stable != ends {
		t.Fatalf("out ends at %d, stable to %d: the transaction was left open", ends, stable)
	}
}

// TestSubscriptionEndStopsBelowOpenTransactions: a subscription tells its
// consumer where a partition's readable data ends. While a foreign
// producer holds a transaction open, that is the last stable offset, not
// the high watermark past the transaction's records: a query's task
// waiting for data up to the high watermark would wait on the
// transaction for as long as it stays open.
func TestSubscriptionEndStopsBelowOpenTransactions(t *testing.T) {
	c, ctx, txn, writeTxn := foreignTxnTopic(t)
	writeTxn(nil, "open1", "open2") // left open
	defer txn.EndTransaction(ctx, kgo.TryAbort)
	hwm, err := c.EndOffsets(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if hwm[0] != 4 {
		t.Fatalf("high watermark %d, want 4 (two committed records, two in the open transaction)", hwm[0])
	}

	ends := make(chan int64, 100)
	got := make(chan int, 100)
	sub, err := c.Subscribe(ctx, SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest,
		OnEnd: func(_ string, _ int32, end int64) {
			select {
			case ends <- end:
			default:
			}
		}},
		func(_ context.Context, batch []Record) error {
			got <- len(batch)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for n := 0; n < 2; {
		select {
		case k := <-got:
			n += k
		case <-ctx.Done():
			t.Fatal("the committed records never arrived")
		}
	}
	select {
	case end := <-ends:
		if end != 2 {
			t.Fatalf("the subscription reported the partition ending at %d, want 2 (the last stable offset)", end)
		}
	case <-ctx.Done():
		t.Fatal("no end reported")
	}
}

// TestDecidedReadWaitsForOpenTransactions: a decided read begun while a
// foreign transaction is open returns once it ends: with its records
// when it commits, without them (and without waiting on records that
// will never come) when it aborts.
func TestDecidedReadWaitsForOpenTransactions(t *testing.T) {
	c, ctx, txn, writeTxn := foreignTxnTopic(t)
	read := func() (values []string, err error) {
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_, err = c.ReadPartitionsDecided(rctx, "t", map[int32]int64{0: 0}, func(r Record) error {
			values = append(values, string(r.Value))
			return nil
		})
		return values, err
	}
	for _, tc := range []struct {
		end  kgo.TransactionEndTry
		want []string
	}{
		{kgo.TryAbort, []string{"c1", "c2"}},
		{kgo.TryCommit, []string{"c1", "c2", "x1", "x2"}},
	} {
		writeTxn(nil, "x1", "x2") // open while the read starts
		type result struct {
			values []string
			err    error
		}
		done := make(chan result, 1)
		go func() {
			v, err := read()
			done <- result{v, err}
		}()
		time.Sleep(100 * time.Millisecond) // let the read list its ends
		if err := txn.EndTransaction(ctx, tc.end); err != nil {
			t.Fatal(err)
		}
		r := <-done
		if r.err != nil || !slices.Equal(r.values, tc.want) {
			t.Fatalf("commit %v: decided read %q (err %v), want %q", tc.end, r.values, r.err, tc.want)
		}
	}
}

// TestTransactionOpenAtCrashIsAbortedForReaders: a transactional producer
// has written records in a transaction when the broker dies (its data
// directory copied while it runs). After the restart the transaction is
// aborted, and a new incarnation of the producer (same transactional ID)
// commits more records: committed readers get exactly those, for every
// read after the crash, instead of skipping everything the producer
// ever writes again while waiting for an abort marker that was never
// written.
func TestTransactionOpenAtCrashIsAbortedForReaders(t *testing.T) {
	dir := t.TempDir()
	e1, c1, ctx := startEmbeddedWithTopic(t, dir, TopicInfo{Name: "t", Partitions: 1})
	txnWrite(t, ctx, e1, true, "before")
	txnWrite(t, ctx, e1, false, "open1", "open2") // still open when the copy is taken
	crashed := crashImage(t, dir)
	c1.Close()
	e1.Close()

	e2, c2 := startEmbeddedAt(t, crashed)
	defer e2.Close()
	txnWrite(t, ctx, e2, true, "after1", "after2")
	if err := c2.Produce(ctx, Record{Topic: "t", Value: []byte("plain")}); err != nil {
		t.Fatal(err)
	}
	got := committedValues(t, ctx, c2)
	if want := []string{"before", "after1", "after2", "plain"}; !slices.Equal(got, want) {
		t.Fatalf("committed reads after the crash: %q, want %q", got, want)
	}
}

// TestTransactionOpenAtCleanStopIsAbortedForReaders: as at a crash, a
// transaction still open when the broker stops cleanly holds back no
// committed reader after the restart (kfake keeps its transactions'
// state at a clean stop, and the start-up scan for open transactions
// runs after every stop: a data directory from before the running
// marker gives no sign of how it stopped).
func TestTransactionOpenAtCleanStopIsAbortedForReaders(t *testing.T) {
	dir := t.TempDir()
	e1, c1, ctx := startEmbeddedWithTopic(t, dir, TopicInfo{Name: "t", Partitions: 1})
	txnWrite(t, ctx, e1, true, "before")
	txnWrite(t, ctx, e1, false, "open1", "open2") // still open at the stop
	c1.Close()
	e1.Close()

	e2, c2 := startEmbeddedAt(t, dir)
	defer e2.Close()
	txnWrite(t, ctx, e2, true, "after1", "after2")
	if err := c2.Produce(ctx, Record{Topic: "t", Value: []byte("plain")}); err != nil {
		t.Fatal(err)
	}
	got := committedValues(t, ctx, c2)
	if want := []string{"before", "after1", "after2", "plain"}; !slices.Equal(got, want) {
		t.Fatalf("committed reads after the stop: %q, want %q", got, want)
	}
}

// TestStalledTransactionIsAbortedAfterTenSeconds: a query's transaction
// that never ends (its server frozen, or killed and started again with a
// data directory that did not survive, so under another transactional
// ID) holds back every read_committed reader of its outputs until the
// broker aborts it: after 10 s, Kafka Streams' transaction timeout under
// exactly-once, not kgo's default of 40 s.
func TestStalledTransactionIsAbortedAfterTenSeconds(t *testing.T) {
	c, ctx := inAndOut(t)
	wrote, release := make(chan struct{}), make(chan struct{})
	sub := subscribeTransacting(t, ctx, c, func(hctx context.Context, tx Transactor) {
		tx.Transact(hctx, func(produce func(...Record) error) (map[string]map[int32]int64, error) {
			if err := produce(Record{Topic: "out", Value: []byte("y")}); err != nil {
				return nil, err
			}
			close(wrote)
			<-release // the stall
			return nil, errors.New("released")
		})
	})
	defer sub.Close()
	defer close(release)
	select {
	case <-wrote:
	case <-ctx.Done():
		t.Fatal("the handler never wrote")
	}
	start := time.Now()
	for {
		ends, stable := outEnds(t, ctx, c)
		if ends > 0 && stable == ends {
			break
		}
		if waited := time.Since(start); waited > 25*time.Second {
			t.Fatalf("the stalled transaction still holds readers back after %v (out ends at %d, stable to %d)", waited.Round(time.Second), ends, stable)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if waited := time.Since(start); waited < 8*time.Second {
		t.Errorf("the transaction was aborted after %v, before its timeout", waited.Round(time.Millisecond))
	}
}

// inAndOut starts a broker with one-partition topics "in", holding one
// record, and "out".
func inAndOut(t *testing.T) (*Client, context.Context) {
	t.Helper()
	_, c := startBroker(t)
	ctx := testCtx(t)
	for _, name := range []string{"in", "out"} {
		if err := c.CreateTopic(ctx, TopicInfo{Name: name, Partitions: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Produce(ctx, Record{Topic: "in", Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	return c, ctx
}

// outEnds returns the end and the last stable offset of "out": they
// differ while a transaction that wrote there is open.
func outEnds(t *testing.T, ctx context.Context, c *Client) (end, stable int64) {
	t.Helper()
	ends, err := c.EndOffsets(ctx, "out")
	if err != nil {
		t.Fatal(err)
	}
	stables, err := c.StableEndOffsets(ctx, "out")
	if err != nil {
		t.Fatal(err)
	}
	return ends[0], stables[0]
}

// subscribeTransacting subscribes group "g" to "in" exactly-once and
// hands each batch's transactor to fn; a handler without one fails t.
func subscribeTransacting(t *testing.T, ctx context.Context, c *Client, fn func(hctx context.Context, tx Transactor)) Subscription {
	t.Helper()
	sub, err := c.Subscribe(ctx, SubscribeOptions{Group: "g", Topics: []string{"in"}, Reset: Earliest, TransactionalID: "g-tx"},
		func(hctx context.Context, batch []Record) error {
			if len(batch) == 0 {
				return nil
			}
			tx := TransactorFrom(hctx)
			if tx == nil {
				t.Error("no transactor in the handler's context")
				return nil
			}
			fn(hctx, tx)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// txnWrite writes values to topic t of e in a transaction of the
// transactional ID "writer", committed or left open.
func txnWrite(t *testing.T, ctx context.Context, e *Embedded, commit bool, values ...string) {
	t.Helper()
	txn, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.TransactionalID("writer"), kgo.DefaultProduceTopic("t"))
	if err != nil {
		t.Fatal(err)
	}
	defer txn.Close()
	if err := txn.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		if err := txn.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if commit {
		if err := txn.EndTransaction(ctx, kgo.TryCommit); err != nil {
			t.Fatal(err)
		}
	}
}

// committedValues reads topic t to its end through c and returns its
// records' values.
func committedValues(t *testing.T, ctx context.Context, c *Client) []string {
	t.Helper()
	recs, err := c.ReadAll(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Value))
	}
	return got
}
