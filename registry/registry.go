package registry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// DefaultTopic is the schemas topic, as in Confluent Schema Registry.
const DefaultTopic = "_schemas"

// DefaultTimeout bounds a write (and waiting to read it back) when the
// caller's context has no deadline.
const DefaultTimeout = 30 * time.Second

// Config configures a Registry.
type Config struct {
	// Cluster stores the schemas topic. The Registry does not close it.
	Cluster kafka.Cluster
	// Topic is the schemas topic; DefaultTopic when empty.
	Topic string
	// Logf, when set, receives warnings: skipped records, signs of a
	// second writer, HTTP server errors.
	Logf func(format string, args ...any)
	// Timeout bounds writes whose context has no deadline;
	// DefaultTimeout when zero.
	Timeout time.Duration
	// Authenticate, when set, makes the REST API require HTTP basic
	// authentication with credentials it accepts, on every request, as
	// Confluent's registry does with basic auth on.
	Authenticate func(user, password string) bool
	// TLS, when set, serves the REST API over HTTPS.
	TLS *tls.Config
	// BodyTimeout bounds the arrival of a request, headers and body, as
	// the main server bounds its bodies: a client that sends part of
	// one and stalls held its goroutine and connection for good.
	// DefaultBodyTimeout when zero.
	BodyTimeout time.Duration
}

// DefaultBodyTimeout is Config.BodyTimeout's default.
const DefaultBodyTimeout = 30 * time.Second

// Registry is a Schema Registry whose state is the schemas topic. See the
// package documentation.
type Registry struct {
	cluster     kafka.Cluster
	topic       string
	logf        func(string, ...any)
	timeout     time.Duration
	bodyTimeout time.Duration
	auth        func(user, password string) bool // nil: no authentication
	tls         *tls.Config                      // nil: plain HTTP

	mu      sync.RWMutex
	st      *state
	changed chan struct{} // closed, and replaced, whenever records were applied

	writeMu sync.Mutex // one write at a time: read-check-write of ids and versions

	sub       kafka.Subscription
	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error

	srvMu   sync.Mutex
	servers []*server
	wg      sync.WaitGroup // Serve's goroutines
}

// New creates the schemas topic if needed (one partition, compacted),
// starts reading it from the beginning and returns once every record
// written before the call has been applied.
func New(ctx context.Context, cfg Config) (*Registry, error) {
	if cfg.Cluster == nil {
		return nil, errors.New("registry: no cluster")
	}
	if cfg.Topic == "" {
		cfg.Topic = DefaultTopic
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	r := &Registry{
		cluster:     cfg.Cluster,
		topic:       cfg.Topic,
		logf:        cfg.Logf,
		timeout:     cfg.Timeout,
		bodyTimeout: cfg.BodyTimeout,
		auth:        cfg.Authenticate,
		tls:         cfg.TLS,
		st:          newState(),
		changed:     make(chan struct{}),
		closing:     make(chan struct{}),
	}
	err := cfg.Cluster.CreateTopic(ctx, kafka.TopicInfo{
		Name: cfg.Topic, Partitions: 1, Replicas: 1,
		Configs: map[string]string{"cleanup.policy": "compact"},
	})
	if err != nil {
		return nil, fmt.Errorf("registry: create schemas topic %s: %w", cfg.Topic, err)
	}
	sub, err := cfg.Cluster.Subscribe(ctx, kafka.SubscribeOptions{
		Group:    "eddy-schema-registry",
		Topics:   []string{cfg.Topic},
		Reset:    kafka.Earliest,
		NoCommit: true,
	}, r.handle)
	if err != nil {
		return nil, fmt.Errorf("registry: read schemas topic %s: %w", cfg.Topic, err)
	}
	r.sub = sub
	wctx, cancel := r.writeCtx(ctx)
	defer cancel()
	if err := r.Sync(wctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("registry: replay schemas topic %s: %w", cfg.Topic, err)
	}
	return r, nil
}

// handle applies records read from the schemas topic.
func (r *Registry) handle(_ context.Context, batch []kafka.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range batch {
		r.st.apply(rec, r.logf)
	}
	close(r.changed)
	r.changed = make(chan struct{})
	return nil
}

// Close stops the HTTP servers started by Serve (letting requests in
// flight finish, for up to 5 seconds) and stops reading the topic. The
// cluster stays open.
func (r *Registry) Close() error {
	r.closeOnce.Do(func() {
		close(r.closing)
		r.srvMu.Lock()
		servers := slices.Clone(r.servers)
		r.srvMu.Unlock()
		var errs []error
		for _, srv := range servers {
			errs = append(errs, srv.shutdown())
		}
		r.wg.Wait()
		if r.sub != nil {
			if err := r.sub.Close(); err != nil {
				errs = append(errs, fmt.Errorf("registry: stop reading %s: %w", r.topic, err))
			}
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}

var errClosed = errors.New("registry closed")

func (r *Registry) writeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, r.timeout)
}

// waitApplied waits until the record at offset has been applied.
func (r *Registry) waitApplied(ctx context.Context, offset int64) error {
	for {
		r.mu.RLock()
		applied, ch := r.st.applied, r.changed
		r.mu.RUnlock()
		if applied >= offset {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return storeError(ctx.Err(), "wait to read back offset %d of %s", offset, r.topic)
		case <-r.sub.Done():
			err := r.sub.Err()
			if err == nil {
				err = errors.New("reader stopped")
			}
			return storeError(err, "wait to read back offset %d of %s", offset, r.topic)
		case <-r.closing:
			return storeError(errClosed, "wait to read back offset %d of %s", offset, r.topic)
		}
	}
}

// write appends records to the schemas topic and waits until this
// registry has applied them, so that its answer reflects the topic.
func (r *Registry) write(ctx context.Context, recs ...kafka.Record) error {
	select {
	case <-r.closing:
		return storeError(errClosed, "write to %s", r.topic)
	default:
	}
	now := time.Now().UnixMilli()
	for i := range recs {
		recs[i].Topic, recs[i].Partition, recs[i].Timestamp = r.topic, 0, now
	}
	if err := r.cluster.Produce(ctx, recs...); err != nil {
		return storeError(err, "write to %s", r.topic)
	}
	last := int64(-1)
	for _, rec := range recs {
		last = max(last, rec.Offset)
	}
	return r.waitApplied(ctx, last)
}

// Sync waits until every record written to the schemas topic before the
// call has been applied, by writing a NOOP record and reading up to it.
// Writes call it first; readers may call it to see other servers' writes
// at once.
func (r *Registry) Sync(ctx context.Context) error {
	return r.write(ctx, kafka.Record{Key: noopKey()})
}

func clone(sv *SubjectVersion) SubjectVersion {
	c := *sv
	c.Schema.References = slices.Clone(sv.Schema.References)
	return c
}
