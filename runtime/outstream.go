package runtime

import (
	"context"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// outStream writes a query's outputs while the rest of its batch is
// still being processed: a task hands over its outputs array each time
// it holds outChunk records, and takes an empty one back. Kept small,
// the array a task appends to stays in the CPU's cache; a whole fetch's
// outputs (10,000 records of 112 bytes) did not, and the append that
// found it gone took 90 ms of q1's 2.3 s of CPU. Outputs also start out
// sooner.
//
// The stream is for at-least-once queries on a cluster that produces
// asynchronously: outputs may then go out before their batch commits
// (a batch that fails is processed again, as after any failure). A
// transaction's outputs wait for its commit as before. The query's
// goroutine owns the stream; land returns once nothing is in flight,
// and the query calls it before it writes or recycles anything else.
//
// Where the cluster is a kafka.Batcher the stream writes through a
// producer of its own whose records linger (Topology.Linger) until their
// batch is full or land flushes them: started an array at a time, with
// no linger, q1's outputs went out in 240–580 produce requests for 82
// fetches where the raw copy of its input made 110–210, and each request
// costs both sides a write and a read, and the embedded broker a segment
// write and an index entry.
type outStream struct {
	cluster kafka.AsyncProducer
	batcher kafka.Batcher       // opens batch on the first send; nil: none
	batch   kafka.BatchProducer // the stream's own producer, once open
	linger  time.Duration
	logf    func(string, ...any)
	ctx     context.Context // the batch being handled
	on      bool            // this batch streams (not in a transaction)
	flying  []flight
	free    [][]kafka.Record
	err     error // of a flight landed early, for the next land
}

// flight is one handed-over outputs array and its produce's wait.
type flight struct {
	recs []kafka.Record
	wait func() error
}

// outChunk is how many outputs a task holds before handing them over;
// streamWindow bounds the arrays in flight (a record that fans out to
// many outputs, or a long batch, lands the oldest first).
const outChunk, streamWindow = 1024, 16

// newOutStream makes the stream of a query whose outputs may linger
// (Topology.Linger) for fuller produce requests.
func newOutStream(c kafka.Cluster, linger time.Duration, logf func(string, ...any)) *outStream {
	p, ok := c.(kafka.AsyncProducer)
	if !ok {
		return nil
	}
	s := &outStream{cluster: p, linger: linger, logf: logf}
	if linger > 0 {
		s.batcher, _ = c.(kafka.Batcher)
	}
	return s
}

// producer is where the stream writes: its batching producer, opened on
// first use, else the cluster (also when opening failed).
func (s *outStream) producer() kafka.AsyncProducer {
	if s.batch == nil && s.batcher != nil {
		b, err := s.batcher.OpenBatching(s.linger)
		if err != nil {
			s.logf("outputs go out unbatched: %v", err)
		}
		s.batch, s.batcher = b, nil
	}
	if s.batch != nil {
		return s.batch
	}
	return s.cluster
}

// close closes the stream's batching producer; the stream's owner
// calls it once nothing is handed over any more.
func (s *outStream) close() {
	if s != nil && s.batch != nil {
		s.batch.Close()
		s.batch = nil
	}
}

// due reports whether t should hand its outputs over now.
func (s *outStream) due(t *Task) bool {
	return s != nil && s.on && len(t.pending) >= outChunk
}

// txnOutputs is how many outputs a task holds for its query's
// transaction before the query commits in the middle of a batch: under
// exactly-once nothing is streamed out before the commit, and one batch
// of a join matching every record with thousands held 9 million outputs
// (5 GB) for its one transaction.
const txnOutputs = 100_000

// holdsFull reports whether t, not streaming, holds enough outputs that
// its query should commit before it processes more.
func (s *outStream) holdsFull(t *Task) bool {
	return s != nil && !s.on && len(t.pending) >= txnOutputs
}

// send starts the produce of t's outputs and gives t an empty array.
func (s *outStream) send(t *Task) {
	t.publishStats() // before any of these outputs can be seen
	if len(s.flying) == streamWindow {
		if s.batch != nil {
			// The oldest may linger in a batch not yet full: send
			// them all rather than wait the linger out.
			_ = s.batch.Flush(s.ctx)
		}
		s.landOldest()
	}
	s.flying = append(s.flying, flight{recs: t.pending, wait: s.producer().StartProduce(s.ctx, t.pending)})
	if n := len(s.free); n > 0 {
		t.pending, s.free = s.free[n-1], s.free[:n-1]
	} else {
		t.pending = make([]kafka.Record, 0, outChunk)
	}
}

// releaseIdle drops the arrays kept for later sends, when none is in
// flight (see Query.releaseIdle).
func (s *outStream) releaseIdle() {
	if s != nil && len(s.flying) == 0 {
		s.free = nil
	}
}

func (s *outStream) landOldest() {
	f := s.flying[0]
	s.flying = s.flying[1:]
	s.settle(f)
}

// settle waits for f and keeps its array for a later send.
func (s *outStream) settle(f flight) {
	if err := f.wait(); err != nil && s.err == nil {
		s.err = err
	}
	clear(f.recs)
	if cap(f.recs) <= 4*outChunk && len(s.free) < streamWindow {
		s.free = append(s.free, f.recs[:0])
	}
}

// land waits until every handed-over output is acknowledged and
// returns the first error of any of them since the last land.
func (s *outStream) land() error {
	if s == nil {
		return nil
	}
	if s.batch != nil && len(s.flying) > 0 {
		// The outputs lingering for fuller batches go now; a failed
		// flush shows in the flights' errors.
		_ = s.batch.Flush(s.ctx)
	}
	for _, f := range s.flying {
		s.settle(f)
	}
	clear(s.flying)
	s.flying = s.flying[:0]
	err := s.err
	s.err = nil
	return err
}
