package engine

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/runtime"
)

// watchQuery waits for a persistent query to end. A query stops on its
// own only when it cannot go on (its sink topic was deleted, a produce
// failed for good); then it stays in ERROR (SHOW QUERIES, EXPLAIN,
// DESCRIBE), and the reason goes to the server log, to the processing log
// and to the console's recent errors, so a failure is never silent. The
// goroutine lives as long as the query: Stop (TERMINATE, DROP, Close)
// ends it too.
func (e *Engine) watchQuery(id string, q *runtime.Query) {
	<-q.Done()
	err := q.Err()
	if err == nil {
		return // stopped on purpose
	}
	if errors.Is(err, kafka.ErrTxnAborted) && e.restartQuery(id, q, err) {
		return
	}
	e.opts.Logf("query %s failed and stopped (state ERROR): %v", id, err)
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
// aborted waits before it starts again.
const txnRestartDelay = time.Second

// restartQuery starts again, from its last commit, an exactly-once query
// whose transaction aborted (a rebalance fenced it, the broker refused the
// commit): nothing of the aborted batch is visible and the changelogs
// and offsets are as the last commit left them, so a fresh start is
// consistent. It reports whether the query runs again.
func (e *Engine) restartQuery(id string, q *runtime.Query, cause error) bool {
	e.opts.Logf("query %s: %v; starting it again from its last commit", id, cause)
	select {
	case <-time.After(txnRestartDelay):
	case <-e.closing:
		return true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.queries[id] != q {
		return true // terminated or closed meanwhile
	}
	q.Stop()
	nq, err := runtime.Start(context.Background(), e.cluster, q.Topology, e.runOptions())
	if err != nil {
		e.opts.Logf("query %s: restart: %v", id, err)
		return false
	}
	e.queries[id] = nq
	go e.watchQuery(id, nq)
	return true
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
