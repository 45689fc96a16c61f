package kafka

import (
	"fmt"
	"net"
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
	// Logf, when set, receives the broker's warnings and errors.
	Logf func(format string, args ...any)
}

// Embedded is a single-broker Kafka-protocol server (franz-go's kfake)
// running in this process.
type Embedded struct {
	c    *kfake.Cluster
	addr string
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
		kfake.DefaultNumPartitions(1),
		// Let groups of short-lived test and push-query consumers
		// use short sessions.
		kfake.GroupMinSessionTimeout(time.Second),
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
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded broker on %s (data %q): %w", cfg.Listen, cfg.DataDir, err)
	}
	addrs := c.ListenAddrs()
	if len(addrs) != 1 {
		c.Close()
		return nil, fmt.Errorf("start embedded broker on %s: listening on %v", cfg.Listen, addrs)
	}
	return &Embedded{c: c, addr: addrs[0]}, nil
}

// Addr is the host:port clients should dial.
func (e *Embedded) Addr() string { return e.addr }

// Close stops the broker and, with a DataDir, writes its final state
// (partition snapshots, group and producer state) there.
func (e *Embedded) Close() error {
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
