package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/runtime"
)

// watchQuery watches a persistent query for as long as it is the
// query running under id. A query stops on its own only when it cannot go
// on (its sink topic was deleted, a produce or a restore failed); then it
// is in ERROR (SHOW QUERIES, EXPLAIN, DESCRIBE), the reason goes to the
// server log, to the processing log and to the console's recent errors,
// so a failure is never silent, and it starts again from its last commit
// after a backoff, as ksqlDB retries a query in ERROR: a failure that
// passes (a broker that timed out, a topic made again) costs a pause, not
// the query. The goroutine ends when the query is stopped on purpose
// (TERMINATE, DROP, CREATE OR REPLACE) or the engine closes.
func (e *Engine) watchQuery(id string, q *runtime.Query) {
	initial, longest := e.retryBackoff()
	backoff := initial
	// next is the wait before the coming retry, doubling the one after.
	next := func() time.Duration {
		d := backoff
		backoff = min(2*backoff, longest)
		return d
	}
	started := time.Now()
	for {
		<-q.Done()
		err := q.Err()
		if err == nil {
			return // stopped on purpose
		}
		delay := txnRestartDelay
		if errors.Is(err, kafka.ErrTxnAborted) {
			e.opts.Logf("query %s: %v; starting it again from its last commit", id, err)
		} else {
			if time.Since(started) >= healthyRun {
				backoff = initial // it had recovered: a new failure starts over
			}
			delay = next()
			e.reportFailure(id, err, delay)
		}
		for {
			nq, err := e.restartAfter(id, q, delay)
			if nq == nil && err == nil {
				return // terminated, replaced or closed meanwhile
			}
			if err == nil {
				q, started = nq, time.Now()
				break
			}
			delay = next()
			e.reportFailure(id, err, delay)
		}
	}
}

// reportFailure tells of a query that failed, everywhere a user looks.
func (e *Engine) reportFailure(id string, err error, retryIn time.Duration) {
	e.opts.Logf("query %s failed (state ERROR): %v; retrying in %s", id, err, retryIn)
	e.failures.add(id, err)
	pe := runtime.ProcessingError{QueryID: id, Kind: threadErrorKind, Partition: -1, Offset: -1, Err: err}
	e.recent.add(pe)
	ctx, cancel := context.WithTimeout(context.Background(), kafka.DefaultTimeout)
	defer cancel()
	rec := kafka.Record{Topic: e.processingLogTopic(), Partition: -1, Value: encodeThreadError(id, err), Timestamp: time.Now().UnixMilli()}
	if perr := e.cluster.Produce(ctx, rec); perr != nil {
		e.opts.Logf("processing log: query %s failure not written: %v", id, perr)
	}
}

// txnRestartDelay is how long an exactly-once query whose transaction
// aborted waits before it starts again: an abort (a rebalance fenced it,
// the broker refused the commit) is part of running, not a failure.
const txnRestartDelay = time.Second

// Retrying a query in ERROR: ksqlDB's properties and defaults, and how
// long a restarted query must run for its next failure to start the
// backoff over (ksql.query.status.running.threshold.seconds).
const (
	RetryBackoffInitialProperty = "ksql.query.retry.backoff.initial.ms"
	RetryBackoffMaxProperty     = "ksql.query.retry.backoff.max.ms"
	defaultRetryBackoffInitial  = 15 * time.Second
	defaultRetryBackoffMax      = 900 * time.Second
	healthyRun                  = 300 * time.Second
)

// retryBackoff reads the first and the longest wait before a failed
// query starts again from the server's configuration.
func (e *Engine) retryBackoff() (initial, longest time.Duration) {
	ms := func(name string, def time.Duration) time.Duration {
		if n, err := strconv.ParseInt(e.cfg[name], 10, 64); err == nil && n >= 0 {
			return time.Duration(n) * time.Millisecond
		}
		return def
	}
	initial = ms(RetryBackoffInitialProperty, defaultRetryBackoffInitial)
	return initial, max(initial, ms(RetryBackoffMaxProperty, defaultRetryBackoffMax))
}

// restartAfter starts a query that stopped on an error again after
// delay, from its last commit: nothing it wrote after that commit counts
// (the changelogs' markers and the committed offsets say so), so a fresh
// start is consistent. It returns the new query, or nil without an error
// when the query was terminated or replaced meanwhile or the engine
// closes.
func (e *Engine) restartAfter(id string, q *runtime.Query, delay time.Duration) (*runtime.Query, error) {
	select {
	case <-time.After(delay):
	case <-e.closing:
		return nil, nil
	}
	if err := e.sourcesExist(q.Topology); err != nil {
		return nil, fmt.Errorf("restart: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.queries[id] != q {
		return nil, nil
	}
	q.Stop()
	opts := e.runOptions()
	opts.Paused = q.Paused()
	// Partitions the failed run never committed start where it started,
	// not at the end offsets of now: the records it could not process
	// are read again, as after any failure.
	opts.LatestAt = q.LatestAt()
	nq, err := runtime.Start(context.Background(), e.cluster, q.Topology, opts)
	if err != nil {
		return nil, fmt.Errorf("restart: %w", err)
	}
	e.queries[id] = nq
	e.opts.Logf("query %s started again", id)
	return nq, nil
}

// sourcesExist refuses to restart a query one of whose source topics is
// gone (deleted and not made again): restarted, it would wait for the
// topic reading nothing while SHOW QUERIES said RUNNING. So it stays in
// ERROR saying why, and its retries find the topic once it is back, as
// ksqlDB's query in ERROR does (Kafka Streams' MissingSourceTopicException).
func (e *Engine) sourcesExist(topo *runtime.Topology) error {
	ctx, cancel := context.WithTimeout(context.Background(), kafka.DefaultTimeout)
	defer cancel()
	for _, in := range topo.Inputs {
		if in.Source == nil {
			continue // the query's own repartition topics: made at start
		}
		if _, ok, err := e.cluster.Topic(ctx, in.Topic()); err == nil && !ok {
			return fmt.Errorf("source topic %s does not exist (it was deleted); the query starts again once the topic is made again", in.Topic())
		}
	}
	return nil
}

// queryFailures keeps the latest errors of each persistent query across
// its restarts, for EXPLAIN (ksqlDB keeps ksql.query.error.max.queue.size
// of them, 10 by default).
type queryFailures struct {
	mu   sync.Mutex
	byID map[string][]api.QueryError
}

const maxQueryErrors = 10

func (f *queryFailures) add(id string, err error) {
	f.note(id, err.Error(), "UNKNOWN")
}

// note keeps message as one of query id's errors, of ksqlDB's type kind
// (USER for what the user's data or setup caused).
func (f *queryFailures) note(id, message, kind string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byID == nil {
		f.byID = map[string][]api.QueryError{}
	}
	errs := append(f.byID[id], api.QueryError{Timestamp: time.Now().UnixMilli(), ErrorMessage: message, Type: kind})
	if len(errs) > maxQueryErrors {
		errs = errs[len(errs)-maxQueryErrors:]
	}
	f.byID[id] = errs
}

func (f *queryFailures) of(id string) []api.QueryError {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.byID[id])
}

func (f *queryFailures) forget(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.byID, id)
}

// threadErrorKind is the processing-log type of a query that stopped,
// named as ksqlDB names a dead stream thread's entry.
const threadErrorKind = "KAFKA_STREAMS_THREAD_ERROR"

// encodeThreadError writes the processing-log record of a query that
// stopped: ksqlDB's kafkaStreamsThreadError branch, the thread named after
// the query.
func encodeThreadError(id string, err error) []byte {
	message := map[string]any{
		"type":                  processingErrorTypes[threadErrorKind],
		"deserializationError":  nil,
		"recordProcessingError": nil,
		"productionError":       nil,
		"serializationError":    nil,
		"kafkaStreamsThreadError": map[string]any{
			"errorMessage": err.Error(),
			"threadName":   "query " + id,
			"cause":        []string{},
		},
	}
	b, _ := json.Marshal(map[string]any{
		"level":   "ERROR",
		"logger":  "processing." + id,
		"time":    time.Now().UnixMilli(),
		"message": message,
	})
	return b
}
