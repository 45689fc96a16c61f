package bench

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/eddysql/eddy/kafka"
)

// FeedCluster is an in-memory cluster whose one source topic is fed by
// the caller, in batches as a broker consumer delivers them, straight into
// the subscribed handler, and whose one sink topic only counts (and keeps
// the first few) records. What it measures is the engine's own per-record
// work: decode, filter, projection, encode and building output records,
// with no broker and no per-record cluster bookkeeping. Everything else
// (command log, processing log) goes to the embedded MemCluster.
type FeedCluster struct {
	*kafka.MemCluster
	in, out string
	keep    int

	mu       sync.Mutex
	h        kafka.Handler
	hctx     context.Context
	produced int
	kept     []kafka.Record
}

// NewFeedCluster returns a FeedCluster fed on topic in, counting topic out
// and keeping its first keep records.
func NewFeedCluster(in, out string, keep int) *FeedCluster {
	return &FeedCluster{MemCluster: kafka.NewMemCluster(kafka.MemOptions{}), in: in, out: out, keep: keep}
}

// Subscribe takes over subscriptions to the fed topic; Feed drives them.
func (f *FeedCluster) Subscribe(ctx context.Context, opts kafka.SubscribeOptions, h kafka.Handler) (kafka.Subscription, error) {
	if !slices.Contains(opts.Topics, f.in) {
		return f.MemCluster.Subscribe(ctx, opts, h)
	}
	if len(opts.Topics) != 1 {
		return nil, fmt.Errorf("feed cluster: subscription to %v mixes the fed topic with others", opts.Topics)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.h != nil {
		return nil, fmt.Errorf("feed cluster: %s already has a subscriber", f.in)
	}
	f.h, f.hctx = h, context.WithoutCancel(ctx)
	return &feedSub{f: f, done: make(chan struct{})}, nil
}

// Produce counts records for the sink topic and passes the rest on.
func (f *FeedCluster) Produce(ctx context.Context, recs ...kafka.Record) error {
	rest := recs[:0:0]
	f.mu.Lock()
	for _, r := range recs {
		if r.Topic != f.out {
			rest = append(rest, r)
			continue
		}
		f.produced++
		if len(f.kept) < f.keep {
			// A copy: the producer may write over the bytes once
			// Produce returns (see kafka.Cluster).
			f.kept = append(f.kept, cloneRecord(r))
		}
	}
	f.mu.Unlock()
	if len(rest) == 0 {
		return nil
	}
	return f.MemCluster.Produce(ctx, rest...)
}

// cloneRecord copies a record's key, value and headers.
func cloneRecord(r kafka.Record) kafka.Record {
	r.Key, r.Value = bytes.Clone(r.Key), bytes.Clone(r.Value)
	if r.Headers != nil {
		hs := make([]kafka.Header, len(r.Headers))
		for i, h := range r.Headers {
			hs[i] = kafka.Header{Key: h.Key, Value: bytes.Clone(h.Value)}
		}
		r.Headers = hs
	}
	return r
}

// Feed hands batch to the fed topic's subscriber on the calling goroutine.
// The handler must not be running elsewhere, so Feed calls must not
// overlap.
func (f *FeedCluster) Feed(batch []kafka.Record) error {
	f.mu.Lock()
	h, ctx := f.h, f.hctx
	f.mu.Unlock()
	if h == nil {
		return fmt.Errorf("feed cluster: nobody subscribed to %s", f.in)
	}
	return h(ctx, batch)
}

// Produced returns how many records went to the sink topic, and the kept
// ones.
func (f *FeedCluster) Produced() (int, []kafka.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.produced, slices.Clone(f.kept)
}

type feedSub struct {
	f    *FeedCluster
	once sync.Once
	done chan struct{}
}

func (s *feedSub) Close() error {
	s.once.Do(func() {
		s.f.mu.Lock()
		s.f.h = nil
		s.f.mu.Unlock()
	})
	return nil
}

func (s *feedSub) Done() <-chan struct{} { return s.done }
func (s *feedSub) Err() error            { return nil }
