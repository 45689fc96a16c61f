// Package engine executes statements: it parses, plans against the
// catalog, records catalog changes in the command log, and starts and
// stops the runtime's queries. Front ends (the shell, the REST server, the
// conformance runner) talk to it through Execute, Stream and Print.
package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/remote"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/state"
)

// Options configure an engine.
type Options struct {
	// Cluster is where topics live: a broker or an in-memory cluster.
	Cluster kafka.Cluster
	// ServiceID names this eddy service; servers sharing it share the
	// catalog and the work. Default "default_".
	ServiceID string
	// Config holds server-level ksqlDB properties (lower-case names).
	Config map[string]string
	// CreateSourceTopics creates the topic of a CREATE STREAM/TABLE that
	// names a missing topic without PARTITIONS, as ksqlDB's test harness
	// does, instead of failing.
	CreateSourceTopics bool
	// Registry is the Schema Registry for the AVRO, PROTOBUF and JSON_SR
	// formats; nil leaves those formats unavailable.
	Registry serde.Registry
	// RegistryRetry is the first wait of a replayed command for a Schema
	// Registry that does not answer (1 s when zero; it doubles up to
	// 30 s): the command waits rather than being skipped.
	RegistryRetry time.Duration
	// StateStores opens the local copies of persistent queries' state
	// stores (ksql.state.store); nil keeps none, so state is restored
	// from the changelog topics alone.
	StateStores runtime.StoreOpener
	// StateCacheLimit is how many entries each operator whose state
	// lives in its local store keeps decoded in memory between batches
	// (runtime.Options.StateCacheLimit; 0: the runtime's default).
	StateCacheLimit int
	// CommitOnPeers, when set (a server of a service with several),
	// asks the other servers running tasks of a persistent query,
	// members of its consumer group, to commit the outputs their caches
	// hold back (CommitCached), so that a pull query of the table it
	// writes sees every update made before it, whichever server made it.
	CommitOnPeers func(ctx context.Context, queryID, group string)
	// PeerQueryStates, when set (a server of a service with several),
	// reports the state of each persistent query on each other server
	// of the service that answers (QueryStates there), and how many
	// did not answer, so that SHOW QUERIES counts the servers running
	// a query as ksqlDB's does (RUNNING:2, UNRESPONSIVE:1).
	PeerQueryStates func(ctx context.Context) (states []map[string]string, unresponsive int)
	// Logf receives the server log, processing errors included.
	Logf func(format string, args ...any)
	// Connectors are the connector plugins CREATE SOURCE|SINK CONNECTOR
	// may name; nil leaves connector statements unsupported.
	Connectors *connect.Registry
	// SchemaRegistryURL is where Registry is served over HTTP, if it is;
	// a converter whose schema.registry.url names it uses Registry
	// in-process.
	SchemaRegistryURL string
	// WorkerID names this server in connector statuses.
	WorkerID string
	// InstanceID tells this server's exactly-once transactions from those
	// of every other server of the service, and stays the same across its
	// restarts, so that a restart fences the transactions its previous
	// run left open. Servers sharing a WorkerID (an address) need
	// distinct ones; "" uses the WorkerID.
	InstanceID string
	// StateDir is where disk state stores live (ksql.state.store=pebble);
	// "" keeps every store in memory.
	StateDir string
	// QueriesFile, when set, makes the engine headless: it neither reads
	// nor writes the command log and runs no connectors; its catalog and
	// queries are the file's, validated as a whole before any runs.
	QueriesFile *QueriesFile
}

// Engine runs statements against one catalog.
type Engine struct {
	cluster kafka.Cluster
	sid     string
	cfg     map[string]string
	opts    Options
	fns     *expr.Registry
	ms      *metastore.Metastore
	cmdLog  *metastore.CommandLog

	// mu serialises catalog changes so the command log order is the
	// execution order.
	mu         sync.Mutex
	queries    map[string]*runtime.Query
	queryCount int
	cmdOffset  int64
	queryErrs  []error
	// cleanups are the clean-ups of queries stopped for good (wait for
	// the other servers' parts, then delete the internal topics and the
	// group), queued with mu held and run by its holder once it lets go
	// (unlock): the wait can take seconds, which held every other
	// statement when it ran under mu.
	cleanups []func()

	connect *connect.Runtime // nil without Options.Connectors
	// remote is the Kafka Connect cluster of ksql.connect.url, which new
	// connectors are created on (nil without it).
	remote *remote.Client
	// dryConnect is a sandbox's view of its engine's connectors: it
	// validates connector statements against the real plugins and keeps
	// what they would create or drop to itself (validate.go).
	dryConnect *dryConnectors
	replaying  bool // replaying the command log at startup
	// starting is set while New replays the command log: the queries it
	// creates wait in deferred, in order, until the replay is done, so a
	// query a later command drops or replaces never runs and never writes
	// into a topic that by the end of the log is another query's.
	starting bool
	deferred []deferredStart
	// replayMade are the topics New's replay created because they were
	// missing (a CREATE … AS SELECT's sink, a CREATE … WITH PARTITIONS'
	// topic): a later DROP in the log deletes them again, so a restart
	// does not bring back a topic a DROP … DELETE TOPIC deleted.
	replayMade map[string]bool
	// mats are the tables materialized for pull queries.
	mats materializers
	// recent keeps the latest processing errors per query for viewers.
	recent recentErrors
	// pullReported are the records pull queries have reported to the
	// processing log, so that each is reported once (see pullLog).
	pullReported reportedRecords
	// tail applies commands other servers append to the command log.
	tail *commandTail
	// cmdFailures are commands of the log this server could not apply.
	cmdFailures []CommandFailure
	// failures are the latest errors of each persistent query, kept
	// across its restarts.
	failures queryFailures
	// closing is closed by Close, ending the goroutines that wait to
	// restart queries.
	closing   chan struct{}
	closeOnce sync.Once
	// warming is the work of warmKeptTables, waited for by Close.
	warming sync.WaitGroup
	// inserted: an INSERT VALUES wrote a row through this engine (see
	// Inserted).
	inserted atomic.Bool
	// registryWait is 1 + the offset of the command a catch-up waits on
	// for the Schema Registry (0: none), so the wait is logged once.
	registryWait int64
	// inferredIDs are the schema ids the CREATE being prepared inferred
	// its columns from (planner.Inferred…SchemaIDProperty), for its
	// command; guarded by mu.
	inferredIDs map[string]string
	// injected is the CREATE being prepared with the columns it inferred
	// written in (planner.Planner.Injected), for its command and its
	// answer; guarded by mu.
	injected string
	// taskStateDir holds the queries' Pebble stores, one directory per
	// query (empty with in-memory state).
	taskStateDir string
	// blocks is the block cache the Pebble task stores share (nil with
	// the memory store); Close releases it.
	blocks *state.BlockCache
}

// CommandFailure is a command of the log that this server could not
// apply, at start-up or while tailing: its catalog may differ from that
// of the server that appended it.
type CommandFailure struct {
	Offset    int64
	Statement string
	Err       string
}

// CommandFailures lists the commands this server could not apply.
func (e *Engine) CommandFailures() []CommandFailure {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]CommandFailure(nil), e.cmdFailures...)
}

// New opens the command log, replays it to rebuild the catalog and
// restart persistent queries, and returns a ready engine.
func New(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Cluster == nil {
		return nil, errors.New("engine: no cluster")
	}
	if opts.ServiceID == "" {
		opts.ServiceID = "default_"
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	cfg := map[string]string{}
	for k, v := range opts.Config {
		cfg[strings.ToLower(k)] = v
	}
	var taskStateDir string
	var blocks *state.BlockCache
	if opts.StateStores == nil && opts.StateDir != "" && strings.EqualFold(cfg[StateStoreProperty], state.KindPebble) {
		size, err := blockCacheSize(cfg)
		if err != nil {
			return nil, err
		}
		taskStateDir = filepath.Join(opts.StateDir, "tasks", opts.ServiceID)
		blocks = state.NewBlockCache(size)
		opts.StateStores = pebbleTaskStores(taskStateDir, blocks, opts.Logf)
	}
	e := &Engine{
		cluster: opts.Cluster,
		sid:     opts.ServiceID,
		cfg:     cfg,
		opts:    opts,
		fns:     expr.NewRegistry(),
		ms:      metastore.New(),
		queries: map[string]*runtime.Query{},
		closing: make(chan struct{}),

		taskStateDir: taskStateDir,
		blocks:       blocks,
	}
	if opts.QueriesFile != nil {
		return newHeadless(ctx, e, opts.QueriesFile)
	}
	rc, err := remoteConnectClient(cfg)
	if err != nil {
		return nil, err
	}
	e.remote = rc
	log, cmds, end, err := metastore.OpenCommandLog(ctx, e.cluster, e.sid, opts.Logf)
	if err != nil {
		return nil, err
	}
	e.cmdLog = log
	if opts.Connectors != nil {
		rt, err := connect.NewRuntime(connect.RuntimeOptions{
			Cluster: e.cluster, Plugins: opts.Connectors, ServiceID: e.sid,
			SchemaRegistry: opts.Registry, SchemaRegistryURL: opts.SchemaRegistryURL,
			WorkerID: opts.WorkerID, Logf: opts.Logf,
			OnRecordError: e.connectorRecordError,
		})
		if err != nil {
			return nil, err
		}
		e.connect = rt
	}
	if err := e.openProcessingLog(ctx); err != nil {
		return nil, err
	}
	e.replaying, e.starting = true, true
	for _, c := range cmds {
		if err := e.replayWaitingForRegistry(ctx, c); err != nil {
			// A command that no longer applies is skipped, as on the
			// server that first ran it the error would have been returned.
			opts.Logf("command %d (%q) not replayed: %v", c.Offset, c.Statement, err)
			e.cmdFailures = append(e.cmdFailures, CommandFailure{Offset: c.Offset, Statement: c.Statement, Err: err.Error()})
		}
		e.cmdOffset = c.Offset + 1
	}
	e.cmdOffset = max(e.cmdOffset, end)
	e.replaying, e.starting = false, false
	e.replayMade = nil
	e.startDeferred()
	e.tail = startCommandTail(e)
	e.warmKeptTables()
	return e, nil
}

// openProcessingLog creates the processing log topic and, with
// ksql.logging.processing.stream.auto.create (eddy's binary sets it),
// makes it queryable as a stream.
func (e *Engine) openProcessingLog(ctx context.Context) error {
	if err := e.cluster.CreateTopic(ctx, kafka.TopicInfo{Name: e.processingLogTopic(), Partitions: 1, Replicas: 1}); err != nil {
		return fmt.Errorf("create processing log topic: %w", err)
	}
	e.processingLogStream()
	return nil
}

// processingLogStream puts the processing log stream in the catalog.
func (e *Engine) processingLogStream() {
	if strings.EqualFold(e.cfg["ksql.logging.processing.stream.auto.create"], "true") && e.ms.Source(processingLogStream) == nil {
		e.ms.PutSource(&metastore.Source{
			Name: processingLogStream, Schema: processingLogSchema(), Topic: e.processingLogTopic(), IsSource: true,
			KeyFormat:   serde.Format{Name: "KAFKA", Props: map[string]string{}},
			ValueFormat: serde.Format{Name: "JSON", Props: map[string]string{}},
			SQL:         "CREATE SOURCE STREAM " + processingLogStream + " (…) WITH (KAFKA_TOPIC='" + e.processingLogTopic() + "', VALUE_FORMAT='JSON')",
		})
	}
}

// newHeadless finishes New for a queries file: every statement is
// checked in a sandbox first, so a file that cannot run entirely starts
// nothing and creates no topic; then the file runs for real.
func newHeadless(ctx context.Context, e *Engine, f *QueriesFile) (*Engine, error) {
	e.processingLogStream() // the file may read it
	if err := e.validateFile(ctx, f); err != nil {
		return nil, err
	}
	if err := e.openProcessingLog(ctx); err != nil {
		return nil, err
	}
	if err := e.runFile(ctx, f); err != nil {
		if cerr := e.Close(); cerr != nil {
			e.opts.Logf("queries file: stopping after a failure: %v", cerr)
		}
		return nil, err
	}
	e.recordRun(ctx, f)
	return e, nil
}

// Close stops every running query, committing what it processed.
func (e *Engine) Close() error {
	if e.closing != nil {
		e.closeOnce.Do(func() { close(e.closing) })
	}
	if e.tail != nil {
		e.tail.stop() // before taking e.mu: a catch-up in flight holds it
	}
	e.warming.Wait() // ended by e.closing
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	if e.connect != nil {
		errs = append(errs, e.connect.Close())
	}
	errs = append(errs, stopAll(e.queries)...)
	clear(e.queries)
	if err := e.closeTables(); err != nil {
		errs = append(errs, err)
	}
	if e.blocks != nil {
		e.blocks.Release() // the stores closed with their queries
		e.blocks = nil
	}
	return errors.Join(errs...)
}

// stopAll stops the queries all at once: each Stop waits for the batch its
// query has in hand and commits it, which a server of many queries that
// have fallen behind would otherwise wait for one query after another
// (minutes at a SIGTERM).
func stopAll[Q interface{ Stop() error }](queries map[string]Q) []error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for id, q := range queries {
		wg.Go(func() {
			if err := q.Stop(); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("stop %s: %w", id, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}

// defaultBlockCacheBytes bounds the block cache all of a server's task
// stores share (their memtables and blocks) when
// ksql.plugins.rocksdb.cache.size does not.
const defaultBlockCacheBytes = 256 << 20

// blockCacheSize reads ksql.plugins.rocksdb.cache.size, the bytes of
// block cache every task store of the server shares, memtables included
// (ksqlDB's bounded memory setting for its RocksDB stores; the stores
// size their memtables from it, see state.BlockCache).
func blockCacheSize(cfg map[string]string) (int64, error) {
	v := strings.TrimSpace(cfg[blockCacheProperty])
	if v == "" {
		return defaultBlockCacheBytes, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive number of bytes", blockCacheProperty, v)
	}
	return n, nil
}

const blockCacheProperty = "ksql.plugins.rocksdb.cache.size"

// Sources returns the catalog's streams and tables.
func (e *Engine) Sources() []*metastore.Source { return e.ms.Sources() }

// Metastore exposes the catalog read-only to front ends that describe it.
func (e *Engine) Metastore() *metastore.Metastore { return e.ms }

// QueryErrors returns the errors that stopped persistent queries.
func (e *Engine) QueryErrors() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := append([]error{}, e.queryErrs...)
	for _, q := range e.queries {
		if err := q.Err(); err != nil {
			out = append(out, err)
		}
	}
	return out
}

// ServiceID returns the service id.
func (e *Engine) ServiceID() string { return e.sid }

// config merges server config and session properties for one statement.
func (e *Engine) config(props map[string]string) planner.Config {
	c := planner.Config{}
	for k, v := range e.cfg {
		c[k] = v
	}
	for k, v := range props {
		c[strings.ToLower(k)] = v
	}
	return c
}

// maxRegistryRetry bounds the wait between a replay's tries of a Schema
// Registry that does not answer (Options.RegistryRetry is the first).
const maxRegistryRetry = 30 * time.Second

// replayWaitingForRegistry replays c; while it fails only because the
// Schema Registry does not answer (a CREATE infers or registers its
// columns there), it waits and tries again. Skipped, the stream or table
// and every query over it would be missing from this server until its
// next restart, and a user creating it again would add a second CREATE to
// the command log.
func (e *Engine) replayWaitingForRegistry(ctx context.Context, c metastore.Command) error {
	wait := e.opts.RegistryRetry
	if wait <= 0 {
		wait = time.Second
	}
	for {
		err := e.replay(ctx, c)
		if err == nil || !serde.IsUnavailable(err) {
			return err
		}
		e.opts.Logf("command %d (%q) waits for the Schema Registry: %v; retrying in %s", c.Offset, c.Statement, err, wait)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (stopped waiting: %w)", err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, maxRegistryRetry)
	}
}

// replay re-executes one recorded command without recording it again.
func (e *Engine) replay(ctx context.Context, c metastore.Command) error {
	stmts, err := sql.Parse(c.Statement)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if _, err := e.execute(ctx, st, c.Props, true); err != nil {
			return err
		}
	}
	return nil
}
