package kafka

import (
	"fmt"
	"net"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// EmbeddedConfig configures the in-process broker.
type EmbeddedConfig struct {
	// DataDir persists topics, records, committed group offsets and
	// producer (transaction) state; empty keeps everything in memory.
	DataDir string
	// Listen is the host:port to serve on; "127.0.0.1:9092" when empty.
	// Port 0 picks a free port (see Addr).
	Listen string
	// SyncWrites fsyncs every produced batch before acknowledging it, so
	// acknowledged records survive an OS crash or power loss, not only a
	// process crash. It costs produce throughput.
	SyncWrites bool
	// DisableAutoCreateTopics turns off what Apache Kafka calls
	// auto.create.topics.enable (true by default there and here): a
	// producer's metadata request for a missing topic creates it.
	DisableAutoCreateTopics bool
	// NumPartitions is the partition count of a topic created without
	// one (Kafka's num.partitions); 1 when zero.
	NumPartitions int
	// Logf, when set, receives the broker's warnings and errors.
	Logf func(format string, args ...any)
	// Retention bounds how long records are kept (log.retention.ms):
	// Kafka's 7 days when zero, forever when negative. Topics override
	// it with retention.ms; compacted topics keep each key's latest
	// record. CleanInterval is how often retention and compaction run
	// (5 minutes when zero).
	Retention     time.Duration
	CleanInterval time.Duration
}

// Embedded broker storage defaults: Kafka's retention; segments smaller
// than Kafka's 1 GB so that retention frees space in finer steps and
// loading a segment at start-up needs little memory.
const (
	defaultRetention     = 7 * 24 * time.Hour
	defaultCleanInterval = 5 * time.Minute
	segmentBytes         = 32 << 20
)

// Embedded is a single-broker Kafka-protocol server (franz-go's kfake)
// running in this process.
type Embedded struct {
	c       *kfake.Cluster
	addr    string
	cleaner *cleaner
}

// StartEmbedded starts the broker and, with a DataDir, reloads what an
// earlier run persisted there.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:9092"
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ClusterID("eddy"),
		// kfake binds 127.0.0.1:<port>; listen where we were asked
		// instead, which also allows other hosts and ports.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, cfg.Listen)
		}),
		// One partition per topic unless asked otherwise, as in a
		// stock single-broker Kafka (num.partitions=1).
		kfake.DefaultNumPartitions(max(cfg.NumPartitions, 1)),
		// Let groups of short-lived test and push-query consumers
		// use short sessions.
		kfake.GroupMinSessionTimeout(time.Second),
		kfake.BrokerConfigs(map[string]string{
			"log.retention.ms":  strconv.FormatInt(retentionMs(cfg.Retention), 10),
			"log.segment.bytes": strconv.Itoa(segmentBytes),
		}),
	}
	if !cfg.DisableAutoCreateTopics {
		// Producers such as kcat and the generators that feed a
		// demo write to topics nobody created, as Kafka allows by
		// default. eddy's own client never asks for creation this way.
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	if cfg.SyncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	if cfg.Logf != nil {
		opts = append(opts, kfake.WithLogger(kfakeLogger(cfg.Logf)))
	}
	// Loading reads each retained segment whole to check it and keeps
	// only its index: garbage collect eagerly meanwhile, so the peak
	// memory of a start-up over gigabytes of records stays near one
	// segment instead of growing with the data directory.
	gc := debug.SetGCPercent(10)
	c, err := kfake.NewCluster(opts...)
	debug.SetGCPercent(gc)
	if err != nil {
		return nil, fmt.Errorf("start embedded broker on %s (data %q): %w", cfg.Listen, cfg.DataDir, err)
	}
	addrs := c.ListenAddrs()
	if len(addrs) != 1 {
		c.Close()
		return nil, fmt.Errorf("start embedded broker on %s: listening on %v", cfg.Listen, addrs)
	}
	interval := cfg.CleanInterval
	if interval <= 0 {
		interval = defaultCleanInterval
	}
	return &Embedded{c: c, addr: addrs[0], cleaner: startCleaner(c, interval)}, nil
}

// retentionMs is log.retention.ms for a Retention setting.
func retentionMs(d time.Duration) int64 {
	switch {
	case d == 0:
		return defaultRetention.Milliseconds()
	case d < 0:
		return -1
	}
	return d.Milliseconds()
}

// Addr is the host:port clients should dial.
func (e *Embedded) Addr() string { return e.addr }

// Close stops the broker and, with a DataDir, writes its final state
// (partition snapshots, group and producer state) there.
func (e *Embedded) Close() error {
	e.cleaner.stop()
	e.c.Close()
	return nil
}

// kfakeLogger forwards the broker's warnings and errors.
type kfakeLogger func(string, ...any)

func (l kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	if level <= kfake.LogLevelWarn && level != kfake.LogLevelNone {
		l("kfake "+level.String()+": "+format, args...)
	}
}

// Fault makes the broker fail matching requests as kfake.Fault describes,
// so failure handling can be tested against the real protocol path; the
// returned function removes the faults.
func (e *Embedded) Fault(faults ...kfake.Fault) (remove func()) {
	h := e.c.Fault(faults...)
	return h.Remove
}
