package kafka

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestFetchLimits(t *testing.T) {
	for _, c := range []struct {
		budget               int64
		n                    int
		maxBytes, maxPartBts int32
	}{
		{0, 1, maxFetchBytes, maxPartitionFetchBytes},             // few subscriptions: Kafka's defaults
		{256 << 20, 180, 256 << 20 / 180, maxPartitionFetchBytes}, // many: a share each
		{512 << 10, 4, 128 << 10, 128 << 10},                      // a share under a partition's default
		{1 << 20, 1000, minFetchBytes, minFetchBytes},             // never under the floor
		{1 << 40, 0, maxFetchBytes, maxPartitionFetchBytes},       // never over Kafka's defaults
	} {
		mb, mpb := fetchLimits(c.budget, c.n)
		if mb != c.maxBytes || mpb != c.maxPartBts {
			t.Errorf("fetchLimits(%d, %d) = %d, %d; want %d, %d", c.budget, c.n, mb, mpb, c.maxBytes, c.maxPartBts)
		}
	}
}

// TestSubscriptionsShareTheFetchBuffer: subscriptions of one client fetch
// at most their share of Config.FetchBuffer at a time, and a subscription
// started after others closed gets the larger share. Each handler batch
// is at most one fetch, so its bytes bound what was fetched. (The records
// were written before the subscriptions until 2026-12-07, so on a busy
// machine the first subscription's first fetch, made alone with the
// whole buffer, could come before the others subscribed.)
func TestSubscriptionsShareTheFetchBuffer(t *testing.T) {
	e, _, ctx := startBrokerWithTopic(t, TopicInfo{Name: "fb", Partitions: 1})
	const (
		fetchWait = 200 * time.Millisecond
		records   = 4000 // about 4 MB, four fetches of the default limit
	)
	c, err := Dial(ctx, Config{Brokers: []string{e.Addr()}, FetchBuffer: 512 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type reader struct {
		mu         sync.Mutex
		n, largest int
	}
	read := func(group string) (*reader, Subscription) {
		r := &reader{}
		sub, err := c.Subscribe(ctx, SubscribeOptions{Group: group, Topics: []string{"fb"}, Reset: Earliest, FetchMaxWait: fetchWait},
			func(_ context.Context, batch []Record) error {
				bytes := 0
				for _, rec := range batch {
					bytes += len(rec.Key) + len(rec.Value)
				}
				r.mu.Lock()
				r.n += len(batch)
				r.largest = max(r.largest, bytes)
				r.mu.Unlock()
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return r, sub
	}
	waitAll := func(r *reader) int {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			r.mu.Lock()
			n, largest := r.n, r.largest
			r.mu.Unlock()
			if n >= records {
				return largest
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d records read", n, records)
			}
		}
	}
	const batchSlack = 9 << 10 // one record batch past the limit
	var subs []Subscription
	var readers []*reader
	for _, g := range []string{"a", "b", "c", "d"} {
		r, sub := read(g)
		readers, subs = append(readers, r), append(subs, sub)
	}
	// The records come once the four share the buffer: a fetch already
	// waiting keeps the limit it was sent with (a subscription's first,
	// the whole buffer while it was alone), so they come after every
	// waiting fetch has ended.
	time.Sleep(3 * fetchWait)
	// Record batches of about 8 KiB, so a fetch can stop close to its
	// limit (a broker returns whole batches).
	prod, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.ProducerBatchMaxBytes(8<<10),
		kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.DefaultProduceTopic("fb"))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	value := make([]byte, 1000)
	for range records {
		prod.Produce(ctx, &kgo.Record{Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Error(err)
			}
		})
	}
	if err := prod.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	for i, r := range readers {
		if largest := waitAll(r); largest > 128<<10+batchSlack {
			t.Errorf("subscription %d of 4 handled %d bytes at once, want at most its share, 128 KiB", i, largest)
		}
	}
	for _, sub := range subs[1:] {
		if err := sub.Close(); err != nil {
			t.Fatal(err)
		}
	}
	defer subs[0].Close()
	// Two subscriptions now: 256 KiB each.
	r, sub := read("e")
	defer sub.Close()
	if largest := waitAll(r); largest <= 128<<10+batchSlack || largest > 256<<10+batchSlack {
		t.Errorf("subscription 2 of 2 handled %d bytes at once, want more than 128 KiB and at most 256 KiB", largest)
	}
}

// TestIdleSubscriptionReleasesKeptArrays: the arrays a subscription keeps
// between polls, sized by the largest it has seen, are let go once it has
// had no records for a while, OnIdle is called then (once per idle
// spell), and later polls still get every record.
func TestIdleSubscriptionReleasesKeptArrays(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "idle", Partitions: 2})
	c.idleRelease = 100 * time.Millisecond
	var mu sync.Mutex
	handled := 0
	type keptAtIdle struct {
		arrays int
		batch  bool
	}
	idle := make(chan keptAtIdle, 10)
	var subscribed atomic.Pointer[clientSub] // set once Subscribe returned
	opts := SubscribeOptions{Group: "idle", Topics: []string{"idle"}, Reset: Earliest,
		OnIdle: func() {
			if s := subscribed.Load(); s != nil {
				idle <- keptAtIdle{s.recPool.held(), s.batch != nil} // read on s's own goroutine
			} else {
				idle <- keptAtIdle{}
			}
		}}
	sub, err := c.Subscribe(ctx, opts, func(_ context.Context, batch []Record) error {
		mu.Lock()
		handled += len(batch)
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	subscribed.Store(sub.(*clientSub))
	select {
	case <-idle: // idle from the start
	case <-time.After(30 * time.Second):
		t.Fatal("OnIdle not called for a subscription without records")
	}
	for round := range 2 {
		recs := make([]Record, 5000)
		for i := range recs {
			recs[i] = Record{Topic: "idle", Partition: -1, Value: make([]byte, 100)}
		}
		if err := c.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
		// The subscription may also go idle partway, when the produce
		// pauses longer than idleRelease between its requests (a CI
		// machine under load: 4 of 5000 records handled at the first
		// idle); every idle must have released the arrays, and one must
		// come once all the records were handled.
		want := 5000 * (round + 1)
		for got := 0; got != want; {
			select {
			case k := <-idle:
				if k.arrays != 0 || k.batch {
					t.Fatalf("round %d: an idle subscription keeps %d record arrays (and its batch array: %v)", round, k.arrays, k.batch)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("round %d: OnIdle not called with %d of %d records handled", round, got, want)
			}
			mu.Lock()
			got = handled
			mu.Unlock()
			if got > want {
				t.Fatalf("round %d: %d records handled, want %d", round, got, want)
			}
		}
	}
	if len(idle) != 0 {
		t.Fatalf("OnIdle called %d more times while idle", len(idle))
	}
}
