package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Config configures a broker-backed Client.
type Config struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// ClientID is sent to the brokers; "eddy" when empty.
	ClientID string
	// Logf, when set, receives the franz-go clients' warnings and errors.
	Logf func(format string, args ...any)
	// Security authenticates and encrypts every connection of every
	// client made from this Config (producer, admin, consumers).
	Security Security
	// Compression is the codec of every producer, as Kafka's
	// compression.type names it: none (when empty), gzip, snappy, lz4
	// or zstd.
	Compression string
	// FetchBuffer bounds what the client's subscriptions fetch, together:
	// each of n asks at most FetchBuffer/n bytes a fetch (within Kafka's
	// consumer defaults, 50 MB and 1 MB a partition, and at least 64
	// KiB). Zero means DefaultFetchBuffer.
	FetchBuffer int64
}

// Client is a Cluster over a real or embedded Kafka broker, using
// franz-go. One producer is shared by every caller; each Subscription owns
// its own consumer client so that groups rebalance independently.
type Client struct {
	cfg  Config
	base []kgo.Opt // connection options shared by every kgo client
	// codec compresses what every producing client writes.
	codec kgo.CompressionCodec
	prod  *kgo.Client
	adm   *kadm.Client

	mu     sync.Mutex
	subs   map[*clientSub]struct{}
	closed bool

	// arrays keeps the record arrays of finished produces for the next
	// ones.
	arrays *produceArrays
	// idleRelease is how long a subscription goes without records before
	// it releases the arrays it keeps between polls (defaultIdleRelease).
	idleRelease time.Duration
}

// defaultIdleRelease is how long a subscription goes without records
// before it releases the arrays it keeps between polls.
const defaultIdleRelease = 30 * time.Second

var _ Cluster = (*Client)(nil)

// Dial connects to the brokers and checks that one answers.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if len(cfg.Brokers) == 0 {
		return nil, fmt.Errorf("dial kafka: no brokers")
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "eddy"
	}
	base := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ClientID(cfg.ClientID),
		// Records of open or aborted transactions (an exactly-once
		// query's, a transactional producer's) are never read.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	}
	sec, err := cfg.Security.opts()
	if err != nil {
		return nil, fmt.Errorf("dial kafka %v: %w", cfg.Brokers, err)
	}
	base = append(base, sec...)
	codec, err := compressionCodec(cfg.Compression)
	if err != nil {
		return nil, fmt.Errorf("dial kafka %v: %w", cfg.Brokers, err)
	}
	if cfg.Logf != nil {
		base = append(base, kgo.WithLogger(kgo.BasicLogger(logfWriter(cfg.Logf), kgo.LogLevelWarn, nil)))
	}
	// Produce waits for its records anyway; lingering would only add
	// latency to the single-record Produce of INSERT VALUES.
	prod, err := kgo.NewClient(append(slices.Clone(base), producerOpts(codec, 0)...)...)
	if err != nil {
		return nil, fmt.Errorf("dial kafka %v: %w", cfg.Brokers, err)
	}
	pctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if err := prod.Ping(pctx); err != nil {
		prod.Close()
		if sa := cfg.Security.SASL; sa != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
			// A broker closes the connection on failed authentication.
			return nil, fmt.Errorf("dial kafka %v: %w (the broker hung up: is SASL %s for user %q right, password included?)", cfg.Brokers, err, sa.Mechanism, sa.User)
		}
		return nil, fmt.Errorf("dial kafka %v: %w", cfg.Brokers, err)
	}
	return &Client{
		cfg:    cfg,
		base:   base,
		codec:  codec,
		prod:   prod,
		adm:    kadm.NewClient(prod),
		subs:   make(map[*clientSub]struct{}),
		arrays: newProduceArrays(),

		idleRelease: defaultIdleRelease,
	}, nil
}

// producerOpts are the options of every producing client but the
// exclusive writer's: the codec, the partitioner (so that a key lands on
// the same partition whichever client writes it) and linger.
func producerOpts(codec kgo.CompressionCodec, linger time.Duration) []kgo.Opt {
	return []kgo.Opt{
		compressionOpt(codec),
		kgo.RecordPartitioner(newProducerPartitioner()),
		kgo.ProducerLinger(linger),
		// Records for which kgo cannot find the topic fail after a few
		// metadata refreshes rather than hanging until the delivery
		// timeout.
		kgo.UnknownTopicRetries(3),
	}
}

// logfWriter adapts a printf-style logger to the io.Writer kgo's basic
// logger wants.
type logfWriter func(string, ...any)

func (f logfWriter) Write(p []byte) (int, error) {
	f("%s", string(trimNewline(p)))
	return len(p), nil
}

func trimNewline(p []byte) []byte {
	if n := len(p); n > 0 && p[n-1] == '\n' {
		return p[:n-1]
	}
	return p
}

// withDefaultTimeout bounds ctx by DefaultTimeout unless it has a deadline.
func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

// CreateTopic creates a topic. Partitions <= 0 and Replicas <= 0 take the
// broker defaults. An existing topic with the same partition count (or
// any count when Partitions <= 0) is not an error.
// SetTopicConfigs sets settings of an existing topic (an incremental
// change: other settings stay).
func (c *Client) SetTopicConfigs(ctx context.Context, topic string, configs map[string]string) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var alter []kadm.AlterConfig
	for k, v := range configs {
		alter = append(alter, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: &v})
	}
	resps, err := c.adm.AlterTopicConfigs(ctx, alter, topic)
	if err != nil {
		return fmt.Errorf("set configs of topic %s: %w", topic, err)
	}
	for _, r := range resps {
		if r.Err != nil {
			return fmt.Errorf("set configs of topic %s: %w (%s)", topic, r.Err, r.ErrMessage)
		}
	}
	return nil
}

func (c *Client) CreateTopic(ctx context.Context, t TopicInfo) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	parts, repl := t.Partitions, t.Replicas
	if parts <= 0 {
		parts = -1
	}
	if repl <= 0 {
		repl = -1
	}
	var configs map[string]*string
	if len(t.Configs) > 0 {
		configs = make(map[string]*string, len(t.Configs))
		for k, v := range t.Configs {
			configs[k] = &v
		}
	}
	resp, err := c.adm.CreateTopic(ctx, parts, repl, configs, t.Name)
	if err == nil {
		err = resp.Err
	}
	switch {
	case err == nil:
		// A lookup of the name before it existed (CREATE STREAM checks
		// first) left kgo's cache for admin requests holding it as
		// unknown, so listing its offsets right away would not find
		// it: a push query over it would then start at whatever end a
		// later, lazy lookup finds, after the first records.
		if _, err := c.refreshTopics(ctx, t.Name); err != nil {
			return fmt.Errorf("create topic %s: %w", t.Name, err)
		}
		return nil
	case errors.Is(err, kerr.TopicAlreadyExists):
		info, ok, derr := c.Topic(ctx, t.Name)
		if derr != nil {
			return fmt.Errorf("create topic %s: exists, describe: %w", t.Name, derr)
		}
		if ok && t.Partitions > 0 && info.Partitions != t.Partitions {
			return fmt.Errorf("create topic %s with %d partitions: has %d: %w",
				t.Name, t.Partitions, info.Partitions, ErrTopicConflict)
		}
		return nil
	default:
		if resp.ErrMessage != "" {
			return fmt.Errorf("create topic %s: %w (%s)", t.Name, err, resp.ErrMessage)
		}
		return fmt.Errorf("create topic %s: %w", t.Name, err)
	}
}

// DeleteTopic deletes a topic; a missing one is ErrUnknownTopic.
func (c *Client) DeleteTopic(ctx context.Context, name string) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	resp, err := c.adm.DeleteTopic(ctx, name)
	if err == nil {
		err = resp.Err
	}
	switch {
	case err == nil:
		// Otherwise the shared producer keeps refreshing the deleted
		// topic's metadata, stalling later produces by ~250 ms.
		c.prod.PurgeTopicsFromProducing(name)
		return nil
	case errors.Is(err, kerr.UnknownTopicOrPartition):
		return fmt.Errorf("delete topic %s: %w", name, ErrUnknownTopic)
	default:
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
}

// refreshTopics asks the broker for the named topics' metadata, which
// replaces what kgo's cache for admin requests (ListOffsets and the like)
// holds for them, and reports which exist.
func (c *Client) refreshTopics(ctx context.Context, names ...string) (map[string]bool, error) {
	resp, err := c.metadata(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("metadata of %v: %w", names, err)
	}
	exist := make(map[string]bool, len(names))
	for _, t := range resp.Topics {
		if t.Topic != nil && t.ErrorCode == 0 && len(t.Partitions) > 0 {
			exist[*t.Topic] = true
		}
	}
	return exist, nil
}

// metadata asks the broker itself for the named topics' metadata (every
// topic's when none are named).
func (c *Client) metadata(ctx context.Context, names ...string) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	for _, n := range names {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(n)
		req.Topics = append(req.Topics, rt)
	}
	return req.RequestWith(ctx, c.prod)
}

// ClusterID asks the cluster for its id (Kafka's cluster.id, which
// ksqlDB's /info reports as kafkaClusterId); "" when it has none.
func (c *Client) ClusterID(ctx context.Context) (string, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{} // none, rather than all
	resp, err := req.RequestWith(ctx, c.prod)
	if err != nil {
		return "", fmt.Errorf("cluster id: %w", err)
	}
	if resp.ClusterID == nil {
		return "", nil
	}
	return *resp.ClusterID, nil
}

// Topic describes one topic.
func (c *Client) Topic(ctx context.Context, name string) (TopicInfo, bool, error) {
	infos, err := c.describe(ctx, name)
	if err != nil {
		return TopicInfo{}, false, err
	}
	if len(infos) == 0 {
		return TopicInfo{}, false, nil
	}
	return infos[0], true, nil
}

// Topics lists every topic, internal ones included, sorted by name.
func (c *Client) Topics(ctx context.Context) ([]TopicInfo, error) {
	return c.describe(ctx)
}

// describe lists the named topics (all when none), with the configs that
// are set on the topic itself (not broker or static defaults).
func (c *Client) describe(ctx context.Context, names ...string) ([]TopicInfo, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	// A direct metadata request: kadm's listing may answer from kgo's
	// metadata cache, which can show a topic for seconds after its delete.
	resp, err := c.metadata(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("list topics %v: %w", names, err)
	}
	var out []TopicInfo
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		name := *t.Topic
		terr := kerr.ErrorForCode(t.ErrorCode)
		if errors.Is(terr, kerr.UnknownTopicOrPartition) {
			continue
		}
		if terr != nil {
			return nil, fmt.Errorf("describe topic %s: %w", name, terr)
		}
		info := TopicInfo{Name: name, Partitions: int32(len(t.Partitions)), Configs: map[string]string{}}
		if len(t.Partitions) > 0 {
			info.Replicas = int16(len(t.Partitions[0].Replicas))
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b TopicInfo) int { return strings.Compare(a.Name, b.Name) })
	if len(out) == 0 {
		return out, nil
	}
	topics := make([]string, len(out))
	for i, t := range out {
		topics[i] = t.Name
	}
	rcs, err := c.adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("describe configs of %v: %w", topics, err)
	}
	byName := make(map[string]kadm.ResourceConfig, len(rcs))
	for _, rc := range rcs {
		byName[rc.Name] = rc
	}
	for i := range out {
		rc := byName[out[i].Name]
		if rc.Err != nil {
			if errors.Is(rc.Err, kerr.UnknownTopicOrPartition) {
				continue // deleted between the two calls
			}
			return nil, fmt.Errorf("describe configs of %s: %w", out[i].Name, rc.Err)
		}
		for _, cf := range rc.Configs {
			if cf.Source == kmsg.ConfigSourceDynamicTopicConfig && cf.Value != nil {
				out[i].Configs[cf.Key] = *cf.Value
			}
		}
	}
	return out, nil
}

// fillKgo sets kr to r, for producing. A zero Timestamp is left for kgo
// to stamp with the current time, as Kafka clients do for a missing one.
func fillKgo(kr *kgo.Record, r *Record) {
	*kr = kgo.Record{
		Topic:     r.Topic,
		Partition: r.Partition,
		Key:       r.Key,
		Value:     r.Value,
	}
	switch r.Timestamp {
	case 0:
	case EpochTimestamp:
		kr.Timestamp = time.UnixMilli(0)
	default:
		kr.Timestamp = time.UnixMilli(r.Timestamp)
	}
	if len(r.Headers) > 0 {
		kr.Headers = make([]kgo.RecordHeader, len(r.Headers))
		for i, h := range r.Headers {
			kr.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
		}
	}
}

func fromKgo(kr *kgo.Record) Record {
	r := Record{
		Topic:     kr.Topic,
		Partition: kr.Partition,
		Offset:    kr.Offset,
		Key:       kr.Key,
		Value:     kr.Value,
		Timestamp: kr.Timestamp.UnixMilli(),
	}
	if len(kr.Headers) > 0 {
		r.Headers = make([]Header, len(kr.Headers))
		for i, h := range kr.Headers {
			r.Headers[i] = Header{Key: h.Key, Value: h.Value}
		}
	}
	return r
}

// Produce buffers every record in the shared producer, which batches them
// per partition, and waits for all acknowledgements; it fills in Partition,
// Offset and (when zero) Timestamp.
func (c *Client) Produce(ctx context.Context, recs ...Record) error {
	return produceSyncWith(ctx, c.prod, recs, c.arrays)
}

// ProduceParts is Produce of the parts' records in order, without
// copying them into one slice first (see PartsProducer).
func (c *Client) ProduceParts(ctx context.Context, parts ...[]Record) error {
	return producePartsWith(ctx, c.prod, parts, c.arrays)
}

// StartProduce starts writing recs (see AsyncProducer), a chunk of
// produceChunk records at a time, all in flight at once: callers pass
// a few thousand records, not a whole commit.
func (c *Client) StartProduce(ctx context.Context, recs []Record) (wait func() error) {
	return startProduce(ctx, c.prod, recs, c.arrays)
}

func startProduce(ctx context.Context, cl *kgo.Client, recs []Record, arrays *produceArrays) (wait func() error) {
	var flying []*producing
	for from := 0; from < len(recs); from += produceChunk {
		flying = append(flying, startProducing(ctx, cl, recs[from:min(from+produceChunk, len(recs))], arrays))
	}
	return func() error {
		var errs []error
		for _, f := range flying {
			errs = append(errs, f.land(arrays)...)
		}
		return errors.Join(errs...)
	}
}

// OpenBatching opens a BatchProducer: a producing client of its own,
// over the same connections' settings, partitioner and compression as
// the shared one. Its own, because lingering on the shared producer
// would delay every single-record produce (INSERT VALUES), and Flush
// waits for every record of the client it is called on.
func (c *Client) OpenBatching(linger time.Duration) (BatchProducer, error) {
	cl, err := kgo.NewClient(append(slices.Clone(c.base), producerOpts(c.codec, min(linger, maxLinger))...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka %v: batching producer: %w", c.cfg.Brokers, err)
	}
	return &batchProducer{cl: cl, arrays: c.arrays}, nil
}

// maxLinger is the longest linger franz-go allows; Kafka's linger.ms
// has no bound, and a longer one lingers this long.
const maxLinger = time.Minute

type batchProducer struct {
	cl     *kgo.Client
	arrays *produceArrays
}

func (b *batchProducer) StartProduce(ctx context.Context, recs []Record) (wait func() error) {
	return startProduce(ctx, b.cl, recs, b.arrays)
}

func (b *batchProducer) Flush(ctx context.Context) error { return b.cl.Flush(ctx) }

func (b *batchProducer) Close() { b.cl.Close() }

// produceArrays keeps the arrays of kgo records that produces fill,
// produceChunk records each; a nil *produceArrays keeps none.
type produceArrays struct {
	block arrays[kgo.Record]
}

// produceChunk is how many records one array holds, and produceWindow
// how many such arrays a produce keeps in flight: a commit of 200k
// records is written through four arrays in turn, not one of 200k
// allocated for it (35 MB, cleared and scanned once written).
const produceChunk, produceWindow = 16 << 10, 4

func newProduceArrays() *produceArrays {
	return &produceArrays{block: arrays[kgo.Record]{keep: produceWindow, maxCap: produceChunk}}
}

// produceSync writes recs through cl and waits for every acknowledgement
// (inside cl's open transaction, if it has one), filling in each record's
// Partition, Offset and Timestamp.
func produceSync(ctx context.Context, cl *kgo.Client, recs []Record) error {
	return produceSyncWith(ctx, cl, recs, nil)
}

// produceSyncWith is produceSync taking its record arrays from arrays
// (nil: fresh ones). Records go out in order, chunk after chunk with up
// to produceWindow chunks awaiting acknowledgement; a chunk that fails
// ends the produce once the chunks in flight are acknowledged.
func produceSyncWith(ctx context.Context, cl *kgo.Client, recs []Record, arrays *produceArrays) error {
	return producePartsWith(ctx, cl, [][]Record{recs}, arrays)
}

// producePartsWith is produceSyncWith of the records of every part in
// turn; a chunk holds records of one part.
func producePartsWith(ctx context.Context, cl *kgo.Client, parts [][]Record, arrays *produceArrays) error {
	var flying []*producing
	var errs []error
	land := func() {
		c := flying[0]
		flying = flying[1:]
		errs = append(errs, c.land(arrays)...)
	}
	for _, recs := range parts {
		for from := 0; from < len(recs) && len(errs) == 0; from += produceChunk {
			if len(flying) == produceWindow {
				land()
			}
			flying = append(flying, startProducing(ctx, cl, recs[from:min(from+produceChunk, len(recs))], arrays))
		}
	}
	for len(flying) > 0 {
		land()
	}
	return errors.Join(errs...)
}

// producing is one chunk of a produce in flight.
type producing struct {
	cl    *kgo.Client
	recs  []Record
	block []kgo.Record
	wg    sync.WaitGroup
	mu    sync.Mutex
	errs  []error
	// A topic deleted and created again fails its records with
	// UNKNOWN_TOPIC_ID: recreated are those topics, stale those
	// records, produced once more once the topics are purged (retried).
	ctx       context.Context
	recreated map[string]bool
	stale     map[*kgo.Record]bool
	retried   bool
}

func startProducing(ctx context.Context, cl *kgo.Client, recs []Record, arrays *produceArrays) *producing {
	c := &producing{cl: cl, ctx: ctx, recs: recs}
	// One array holds the chunk's kgo records: an allocation per chunk
	// at most, not per record.
	if arrays == nil {
		c.block = make([]kgo.Record, len(recs))
	} else {
		c.block = arrays.block.get(len(recs))
	}
	var lastHeaders []Header // records sharing one headers slice share its conversion
	var lastKgo []kgo.RecordHeader
	for i := range recs {
		if recs[i].Partition < -1 {
			recs[i].Partition = -1
		}
		h := recs[i].Headers
		if len(h) > 0 && len(h) == len(lastHeaders) && &h[0] == &lastHeaders[0] {
			recs[i].Headers = nil
			fillKgo(&c.block[i], &recs[i])
			recs[i].Headers = h
			c.block[i].Headers = lastKgo
		} else {
			fillKgo(&c.block[i], &recs[i])
			lastHeaders, lastKgo = h, c.block[i].Headers
		}
	}
	c.wg.Add(len(recs))
	for i := range c.block {
		cl.Produce(ctx, &c.block[i], c.done)
	}
	return c
}

// done is the promise of each record of the chunk.
func (c *producing) done(r *kgo.Record, err error) {
	defer c.wg.Done()
	if err == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if errors.Is(err, kerr.UnknownTopicID) {
		if c.recreated == nil {
			c.recreated = map[string]bool{}
		}
		c.recreated[r.Topic] = true
		if !c.retried {
			if c.stale == nil {
				c.stale = map[*kgo.Record]bool{}
			}
			c.stale[r] = true
			return
		}
	}
	msg := fmt.Errorf("produce to %s: %w", r.Topic, err)
	// Enough to diagnose; a batch of identical errors says no more.
	if len(c.errs) < 3 && !slices.ContainsFunc(c.errs, func(e error) bool { return e.Error() == msg.Error() }) {
		c.errs = append(c.errs, msg)
	}
}

// land waits until every record of the chunk is acknowledged, finishes
// it, and returns its errors.
func (c *producing) land(arrays *produceArrays) []error {
	c.wg.Wait()
	if len(c.stale) > 0 {
		// Someone deleted a topic and created it again: kgo keeps the
		// old topic's id, refused for good, until the topic is purged
		// from producing; then a produce adopts the new one. The
		// failed records are all of their topics' in this chunk, so
		// writing them again keeps their order.
		c.purgeRecreated()
		c.retried = true
		for i := range c.block {
			if kr := &c.block[i]; c.stale[kr] {
				headers := kr.Headers
				fillKgo(kr, &c.recs[i])
				kr.Headers = headers
				c.wg.Add(1)
				c.cl.Produce(c.ctx, kr, c.done)
			}
		}
		c.wg.Wait()
	}
	c.purgeRecreated()
	c.finish(arrays)
	return c.errs
}

func (c *producing) purgeRecreated() {
	if len(c.recreated) > 0 {
		c.cl.PurgeTopicsFromProducing(slices.Collect(maps.Keys(c.recreated))...)
		clear(c.recreated)
	}
}

// finish copies where each acknowledged record went back into recs and
// returns the chunk's array.
func (c *producing) finish(arrays *produceArrays) {
	for i := range c.block {
		kr := &c.block[i]
		c.recs[i].Partition = kr.Partition
		c.recs[i].Offset = kr.Offset
		c.recs[i].Timestamp = kr.Timestamp.UnixMilli()
	}
	if arrays != nil {
		// Every record is acknowledged: the client holds none of them.
		clear(c.block)
		arrays.block.put(c.block)
	}
}

// ReadAll reads every partition of topic from its start to the last
// stable offset listed at the call, partition by partition in partition
// order.
func (c *Client) ReadAll(ctx context.Context, topic string) ([]Record, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	ends, err := c.StableEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", topic, err)
	}
	from := make(map[int32]int64, len(ends))
	for p := range ends {
		from[p] = 0 // clamped to the partition's start
	}
	byPart := make(map[int32][]Record)
	if _, err := c.ReadPartitions(ctx, topic, from, func(r Record) error {
		byPart[r.Partition] = append(byPart[r.Partition], r)
		return nil
	}); err != nil {
		return nil, err
	}
	var out []Record
	for _, p := range slices.Sorted(maps.Keys(byPart)) {
		out = append(out, byPart[p]...)
	}
	return out, nil
}

// scanBatch is the most records ScanTopic hands over at once.
const scanBatch = 512

// ScanTopic implements TopicScanner: it reads the partitions one after
// another, in partition order, each up to the last stable offset listed
// at the call.
func (c *Client) ScanTopic(ctx context.Context, topic string, fn func([]Record) bool) error {
	lctx, cancel := withDefaultTimeout(ctx)
	ends, err := c.StableEndOffsets(lctx, topic)
	cancel()
	if err != nil {
		return fmt.Errorf("read %s: %w", topic, err)
	}
	listed := func(context.Context, string) (map[int32]int64, error) { return ends, nil }
	batch := make([]Record, 0, scanBatch)
	for _, p := range slices.Sorted(maps.Keys(ends)) {
		_, err := c.readPartitions(ctx, topic, map[int32]int64{p: 0}, func(r Record) error {
			if batch = append(batch, r); len(batch) < scanBatch {
				return nil
			}
			more := fn(batch)
			batch = make([]Record, 0, scanBatch)
			if !more {
				return errStopRead
			}
			return nil
		}, listed)
		if errors.Is(err, errStopRead) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	if len(batch) > 0 {
		fn(batch)
	}
	return nil
}

// EndOffsets returns the next offset to be written in each partition.
func (c *Client) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return c.listEnds(ctx, topic, c.adm.ListEndOffsets)
}

// StableEndOffsets returns each partition's last stable offset: where a
// read_committed reader's view ends, below every open transaction. A read
// to the high watermark instead could wait on an open transaction for as
// long as it runs, and forever on one that aborts (its records are never
// delivered and its marker lies past the end).
func (c *Client) StableEndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return c.listEnds(ctx, topic, c.adm.ListCommittedOffsets)
}

func (c *Client) listEnds(ctx context.Context, topic string, list func(context.Context, ...string) (kadm.ListedOffsets, error)) (map[int32]int64, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	ends, err := listAcrossLeaderMoves(ctx, func(ctx context.Context) (kadm.ListedOffsets, error) { return list(ctx, topic) })
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	if _, ok := ends.Lookup(topic, -1); ok || len(ends[topic]) == 0 {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, ErrUnknownTopic)
	}
	if err := ends.Error(); err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	out := make(map[int32]int64, len(ends[topic]))
	for p, lo := range ends[topic] {
		out[p] = lo.Offset
	}
	return out, nil
}

// listAcrossLeaderMoves lists offsets again, after a short pause, while
// a partition answers that its leader is moving (a broker restart, a
// preferred-leader election, a reassignment) until ctx ends. kgo retries
// NOT_LEADER_FOR_PARTITION itself only for the caller that drops the
// topic's stale metadata: concurrent listings of one topic (a query's
// tasks confirming their commits, restoring, reading their positions)
// got the error, and a query under exactly_once_v2 aborted its
// transaction and restarted at each leader move.
func listAcrossLeaderMoves(ctx context.Context, list func(context.Context) (kadm.ListedOffsets, error)) (kadm.ListedOffsets, error) {
	for pause := 20 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		ends, err := list(ctx)
		if err != nil || !leaderMoving(ends.Error()) {
			return ends, err
		}
		select {
		case <-ctx.Done():
			return ends, nil
		case <-time.After(pause):
		}
	}
}

// leaderMoving says whether err is a partition's answer while its
// leadership changes hands.
func leaderMoving(err error) bool {
	for _, e := range []error{kerr.NotLeaderForPartition, kerr.LeaderNotAvailable, kerr.FencedLeaderEpoch,
		kerr.UnknownLeaderEpoch, kerr.OffsetNotAvailable, kerr.ReplicaNotAvailable} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// GroupOffsets returns a group's committed offsets for topic.
func (c *Client) GroupOffsets(ctx context.Context, group, topic string) (map[int32]int64, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	resp, err := c.adm.FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return map[int32]int64{}, nil // a group that never committed has no offsets
	}
	if err != nil {
		return nil, fmt.Errorf("offsets of group %s: %w", group, err)
	}
	out := map[int32]int64{}
	for p, o := range resp[topic] {
		if o.Err == nil && o.At >= 0 {
			out[p] = o.At
		}
	}
	return out, nil
}

// ReadPartitions reads partitions of topic from the given offsets to the
// last stable offsets listed at the call (the end of what is committed).
// It is not bounded by DefaultTimeout (a large restore may take longer);
// ctx bounds it.
func (c *Client) ReadPartitions(ctx context.Context, topic string, from map[int32]int64, fn func(Record) error) (map[int32]int64, error) {
	return c.readPartitions(ctx, topic, from, fn, c.StableEndOffsets)
}

// ReadPartitionsDecided implements DecidedReader: it reads to the high
// watermarks listed at the call, so it waits for the transactions open
// there to end, and reads what of them commits.
func (c *Client) ReadPartitionsDecided(ctx context.Context, topic string, from map[int32]int64, fn func(Record) error) (map[int32]int64, error) {
	return c.readPartitions(ctx, topic, from, fn, c.EndOffsets)
}

func (c *Client) readPartitions(ctx context.Context, topic string, from map[int32]int64, fn func(Record) error,
	listEnds func(context.Context, string) (map[int32]int64, error)) (map[int32]int64, error) {
	ends, err := listEnds(ctx, topic)
	if err != nil {
		return nil, err
	}
	lctx, cancel := withDefaultTimeout(ctx)
	starts, err := c.adm.ListStartOffsets(lctx, topic)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("read %s: start offsets: %w", topic, err)
	}
	out := make(map[int32]int64, len(from))
	offs := make(map[int32]kgo.Offset)
	want := make(map[int32]int64)
	for p, off := range from {
		end, ok := ends[p]
		if !ok {
			return nil, fmt.Errorf("read %s/%d: no such partition", topic, p)
		}
		out[p] = end
		if s, ok := starts.Lookup(topic, p); ok && s.Err == nil && off < s.Offset {
			off = s.Offset
		}
		if off < end {
			offs[p] = kgo.NewOffset().At(max(off, 0))
			want[p] = end
		}
	}
	if len(want) == 0 {
		return out, nil
	}
	cl, err := kgo.NewClient(append(slices.Clone(c.base),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offs}),
		kgo.KeepControlRecords(),
		kgo.FetchMaxBytes(64<<20),
	)...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", topic, err)
	}
	defer cl.Close()
	for len(want) > 0 {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		fs := cl.PollFetches(pctx)
		pcancel()
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %d partitions unfinished: %w", topic, len(want), err)
		}
		for _, fe := range fs.Errors() {
			if fe.Err != nil && !errors.Is(fe.Err, context.DeadlineExceeded) { // not the poll's second
				return nil, fmt.Errorf("read %s/%d: %w", fe.Topic, fe.Partition, fe.Err)
			}
		}
		if fs.NumRecords() == 0 {
			// Records deleted while we read (retention, a repartition
			// topic's purge) never come: a partition whose start has
			// passed its end is done.
			starts, err := c.StartOffsets(ctx, topic)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", topic, err)
			}
			for p, end := range want {
				if start, ok := starts[p]; ok && start >= end {
					delete(want, p)
				}
			}
			continue
		}
		var ferr error
		fs.EachRecord(func(kr *kgo.Record) {
			end, ok := want[kr.Partition]
			if ferr != nil || !ok {
				return
			}
			if kr.Offset >= end {
				if kr.Attrs.IsControl() {
					// The marker of a transaction that was open at
					// the end listed: had it aborted, none of its
					// records came, and nothing more will.
					delete(want, kr.Partition)
				}
				return
			}
			if !kr.Attrs.IsControl() {
				ferr = fn(fromKgo(kr))
			}
			if kr.Offset+1 >= end {
				delete(want, kr.Partition)
			}
		})
		if ferr != nil {
			return nil, ferr
		}
	}
	return out, nil
}

// Close stops every subscription still open and closes the producer.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	subs := slices.Collect(maps.Keys(c.subs))
	c.mu.Unlock()
	var errs []error
	for _, s := range subs {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	c.prod.Close()
	return errors.Join(errs...)
}

// DeleteRecordsBefore deletes the records of topic below the given offset
// of each partition (Kafka's DeleteRecords): a query purges what its
// repartition topics no longer need, as Kafka Streams does. It keeps the
// record just below that offset: the embedded broker, restarted, finds a
// partition's end in the records it still holds, so a partition emptied
// by a purge would come back at offset 0, and a query restored past the
// old end would then drop the records written next as already read.
func (c *Client) DeleteRecordsBefore(ctx context.Context, topic string, offsets map[int32]int64) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	os := make(kadm.Offsets)
	for p, o := range offsets {
		if o--; o <= 0 {
			continue
		}
		os.AddOffset(topic, p, o, -1)
	}
	if len(os) == 0 {
		return nil
	}
	resp, err := c.adm.DeleteRecords(ctx, os)
	if err != nil {
		return fmt.Errorf("delete records of %s: %w", topic, err)
	}
	if err := resp.Error(); err != nil {
		return fmt.Errorf("delete records of %s: %w", topic, err)
	}
	return nil
}
