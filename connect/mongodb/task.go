package mongodb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/eddysql/eddy/connect"
)

type coord struct {
	topic     string
	partition int32
	offset    int64
}

func coordOf(r *connect.Record) coord { return coord{r.Topic, r.Partition, r.Offset} }

// task is one sink task. Put writes its records before it returns, so a
// document the server refuses comes back from Put as a *RecordError
// naming it (the runtime hears of rejections only from Put); Flush has
// nothing left to wait for.
type task struct {
	s      *settings
	client *mongo.Client
	tc     connect.TaskContext
	topics map[string]*topicSettings

	mu sync.Mutex
	// acked holds records written since the last Flush: the runtime puts
	// a batch again after a failure or a rejection, and those already
	// written are not written twice.
	acked map[coord]bool
}

func newTask(cfg connect.Config) (*task, error) {
	s, err := parse(cfg)
	if err != nil {
		return nil, err
	}
	return &task{s: s, topics: map[string]*topicSettings{}, acked: map[coord]bool{}}, nil
}

func (t *task) Start(ctx context.Context, tc connect.TaskContext) error {
	c, err := t.s.connect()
	if err != nil {
		return err
	}
	t.client, t.tc = c, tc
	return nil
}

func (t *task) Stop() error {
	if t.client == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return t.client.Disconnect(ctx)
}

func (t *task) Flush(ctx context.Context) error {
	t.mu.Lock()
	clear(t.acked)
	t.mu.Unlock()
	return nil
}

// write is one record's write to one collection.
type write struct {
	rec        *connect.Record
	collection string
	model      mongo.WriteModel
	// dupIsDone: a duplicate-key refusal of an insert means the record
	// was written before (its _id derives from its coordinates).
	dupIsDone bool
	// upsert: a duplicate-key refusal means another write of the same
	// _id raced this one (e.g. an earlier attempt the server finished
	// late; MongoDB retries those itself, FerretDB does not): try once more.
	upsert     bool
	dupRetried bool
}

func (t *task) topic(name string) (*topicSettings, error) {
	if ts, ok := t.topics[name]; ok {
		return ts, nil
	}
	ts, err := t.s.forTopic(name)
	if err != nil {
		return nil, err
	}
	if ts.collection == "" {
		cp := *ts
		cp.collection = name
		ts = &cp
	}
	t.topics[name] = ts
	return ts, nil
}

func (t *task) Put(ctx context.Context, recs []connect.Record) error {
	var failed []connect.FailedRecord
	var order []string // collections in first-seen order
	byColl := map[string][]write{}
	now := time.Now()
	for i := range recs {
		rec := &recs[i]
		if t.isAcked(coordOf(rec)) {
			continue
		}
		ts, err := t.topic(rec.Topic)
		if err != nil {
			return err
		}
		sd, err := newSinkDoc(rec)
		var model mongo.WriteModel
		if err == nil {
			model, err = ts.model(sd, now)
		}
		if err != nil {
			failed = append(failed, connect.FailedRecord{Record: *rec, Reason: err.Error()})
			continue
		}
		if model == nil {
			t.ack(coordOf(rec))
			continue
		}
		if _, seen := byColl[ts.collection]; !seen {
			order = append(order, ts.collection)
		}
		byColl[ts.collection] = append(byColl[ts.collection], write{rec: rec, collection: ts.collection, model: model,
			dupIsDone: ts.writeModel == wmInsert && derivedID(ts.idStrategy) && ts.cdc == "", upsert: isUpsert(model)})
	}
	for _, coll := range order {
		rej, err := t.writeCollection(ctx, coll, byColl[coll])
		failed = append(failed, rej...)
		if err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return &connect.RecordError{Failed: failed}
	}
	return nil
}

func (t *task) isAcked(c coord) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.acked[c]
}

func (t *task) ack(c coord) {
	t.mu.Lock()
	t.acked[c] = true
	t.mu.Unlock()
}

// writeCollection sends a collection's writes in bulk writes of up to
// max.batch.size, retrying network failures max.num.retries times.
func (t *task) writeCollection(ctx context.Context, coll string, ws []write) ([]connect.FailedRecord, error) {
	c := t.client.Database(t.s.database).Collection(coll)
	var rejected []connect.FailedRecord
	for len(ws) > 0 {
		n := min(len(ws), t.s.bulkSize())
		chunk := ws[:n]
		for attempt := 0; ; {
			rej, retry, err := t.bulk(ctx, c, chunk)
			rejected = append(rejected, rej...)
			if err == nil {
				// The status drops a retry's error now, not when the
				// whole batch is written.
				connect.ReportWritten(t.tc)
			}
			if err == nil && len(retry) == 0 {
				break
			}
			if err == nil {
				// an ordered bulk stopped at a refused document: go on
				// with the writes after it
				chunk = retry
				continue
			}
			attempt++
			err = fmt.Errorf("bulk write to %s.%s at %s: %w", t.s.database, coll, redact(t.s.uri), err)
			if attempt > t.s.maxRetries || ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
				return rejected, err
			}
			// The status says why now, not when these retries run out.
			connect.ReportRetry(t.tc, t.s.retriesDefer, err)
			chunk = retry
			select {
			case <-ctx.Done():
				return rejected, ctx.Err()
			case <-time.After(t.s.retriesDefer):
			}
		}
		ws = ws[n:]
	}
	return rejected, nil
}

// bulk does one bulk write. It returns the records refused for good, the
// writes still to do, and an error when those failed for a reason worth
// retrying (the server unreachable, a write concern not met).
func (t *task) bulk(ctx context.Context, c *mongo.Collection, ws []write) (rejected []connect.FailedRecord, retry []write, err error) {
	models := make([]mongo.WriteModel, len(ws))
	for i, w := range ws {
		models[i] = w.model
	}
	if t.s.writeTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.s.writeTimeout)
		defer cancel()
	}
	_, err = c.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(t.s.ordered))
	if err == nil {
		for _, w := range ws {
			t.ack(coordOf(w.rec))
		}
		return nil, nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || len(bwe.WriteErrors) == 0 || bwe.WriteConcernError != nil {
		// Nothing is known to be written: all again (the writes are
		// idempotent by _id, except inserts, whose duplicates count as done).
		return nil, ws, err
	}
	var again []write
	bad := map[int]mongo.BulkWriteError{}
	last := -1
	for _, we := range bwe.WriteErrors {
		bad[we.Index] = we
		last = max(last, we.Index)
	}
	processed := len(ws)
	if t.s.ordered {
		processed = last + 1 // an ordered bulk stops at its first error
	}
	for i := 0; i < processed; i++ {
		w := ws[i]
		we, failed := bad[i]
		switch {
		case !failed:
			t.ack(coordOf(w.rec))
		case we.Code == 11000 && w.dupIsDone:
			t.ack(coordOf(w.rec))
		case we.Code == 11000 && w.upsert && !w.dupRetried:
			w.dupRetried = true
			again = append(again, w)
		default:
			rejected = append(rejected, connect.FailedRecord{Record: *w.rec, Reason: fmt.Sprintf("MongoDB refused the write (code %d): %s", we.Code, we.Message)})
		}
	}
	return rejected, append(again, ws[processed:]...), nil
}

func isUpsert(m mongo.WriteModel) bool {
	switch x := m.(type) {
	case *mongo.ReplaceOneModel:
		return x.Upsert != nil && *x.Upsert
	case *mongo.UpdateOneModel:
		return x.Upsert != nil && *x.Upsert
	}
	return false
}
