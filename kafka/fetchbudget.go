package kafka

import "github.com/twmb/franz-go/pkg/kgo"

// DefaultFetchBuffer is Config.FetchBuffer when it is zero: what the
// consumers of one Client may ask for in their fetch requests, together.
// A server with a few queries keeps Kafka's per-consumer defaults; one
// with hundreds of queries that all fall behind would otherwise hold
// tens of megabytes of fetched records per query.
const DefaultFetchBuffer = 64 << 20

const (
	// maxFetchBytes and maxPartitionFetchBytes are Kafka's consumer
	// defaults (fetch.max.bytes, max.partition.fetch.bytes), which kgo
	// shares: no subscription asks for more.
	maxFetchBytes          = 50 << 20
	maxPartitionFetchBytes = 1 << 20
	// minFetchBytes keeps a fetch worth its round trip however many
	// subscriptions share the budget.
	minFetchBytes = 64 << 10
)

// fetchLimits is what each of n subscriptions may fetch in one request
// when they share budget bytes: Kafka's fetch.max.bytes and
// max.partition.fetch.bytes. A broker still returns a first record batch
// larger than the limit, so a small share slows a consumer, never stops it.
func fetchLimits(budget int64, n int) (maxBytes, maxPartBytes int32) {
	if budget <= 0 {
		budget = DefaultFetchBuffer
	}
	share := budget / int64(max(n, 1))
	share = min(max(share, minFetchBytes), maxFetchBytes)
	return int32(share), int32(min(share, maxPartitionFetchBytes))
}

// fetchOpts are the limits a new subscription starts with, as the
// (n+1)th: it is added to c.subs after its client exists.
func (c *Client) fetchOpts() []kgo.Opt {
	c.mu.Lock()
	maxBytes, maxPartBytes := fetchLimits(c.cfg.FetchBuffer, len(c.subs)+1)
	c.mu.Unlock()
	return []kgo.Opt{kgo.FetchMaxBytes(maxBytes), kgo.FetchMaxPartitionBytes(maxPartBytes)}
}

// shareFetchBufferLocked gives every subscription its share of the
// budget again, after one came or went; c.mu is held. The limits apply
// from each client's next fetch request.
func (c *Client) shareFetchBufferLocked() {
	maxBytes, maxPartBytes := fetchLimits(c.cfg.FetchBuffer, len(c.subs))
	for s := range c.subs {
		s.cl.UpdateFetchMaxBytes(maxBytes, maxPartBytes)
	}
}
