package elasticsearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/olivere/elastic/v7"

	"github.com/eddysql/eddy/connect"
)

// coord identifies a record by where it was read.
type coord struct {
	topic     string
	partition int32
	offset    int64
}

func coordOf(r *connect.Record) coord { return coord{r.Topic, r.Partition, r.Offset} }

// task is one sink task. Put writes its records before returning, so a
// document the server refuses comes back from Put as a *RecordError (the
// runtime can only route rejections it hears about from Put); Flush then
// has nothing left to wait for.
type task struct {
	s      *settings
	enc    encoder
	client *elastic.Client
	tc     connect.TaskContext

	mu sync.Mutex
	// acked holds records written since the last Flush. The runtime puts
	// a batch again after a failure (and the rest of it after a
	// rejection); those already acknowledged are not sent twice.
	acked map[coord]bool
	// indexes holds indexes known to exist (created or found).
	indexes map[string]bool
}

func newTask(cfg connect.Config) (*task, error) {
	s, err := parse(cfg)
	if err != nil {
		return nil, err
	}
	return &task{s: s, enc: encoder{compactMaps: s.compactMaps}, acked: map[coord]bool{}, indexes: map[string]bool{}}, nil
}

func (t *task) Start(ctx context.Context, tc connect.TaskContext) error {
	c, err := t.s.newClient()
	if err != nil {
		return err
	}
	t.client, t.tc = c, tc
	return nil
}

func (t *task) Stop() error {
	if t.client != nil {
		t.client.Stop()
	}
	return nil
}

// Flush has nothing to do: Put returns only once the target acknowledged
// every record it accepted. It forgets the acknowledged set, since the
// runtime commits those offsets now.
func (t *task) Flush(ctx context.Context) error {
	t.mu.Lock()
	clear(t.acked)
	t.mu.Unlock()
	return nil
}

// op is one bulk action for one record.
type op struct {
	rec   *connect.Record
	index string
	id    string
	req   elastic.BulkableRequest
	del   bool
}

func (t *task) Put(ctx context.Context, recs []connect.Record) error {
	var failed []connect.FailedRecord
	ops := make([]op, 0, len(recs))
	for i := range recs {
		rec := &recs[i]
		if t.isAcked(coordOf(rec)) {
			continue
		}
		o, skip, err := t.build(rec)
		if err != nil {
			var de *errDocument
			if errors.As(err, &de) && t.s.dropInvalid {
				t.logf("dropping %s: %v", where(rec), err)
				t.ack(coordOf(rec))
				continue
			}
			failed = append(failed, connect.FailedRecord{Record: *rec, Reason: err.Error()})
			continue
		}
		if skip {
			t.ack(coordOf(rec))
			continue
		}
		if err := t.ensureIndex(ctx, rec); err != nil {
			return err
		}
		ops = append(ops, o)
	}
	ctx, cancel := context.WithTimeout(ctx, t.s.flushTimeout)
	defer cancel()
	rejected, err := t.write(ctx, ops)
	if err != nil {
		return err
	}
	failed = append(failed, rejected...)
	if len(failed) > 0 {
		return &connect.RecordError{Failed: failed}
	}
	return nil
}

func where(r *connect.Record) string {
	return fmt.Sprintf("%s-%d@%d", r.Topic, r.Partition, r.Offset)
}

func (t *task) logf(format string, args ...any) {
	if t.tc != nil {
		t.tc.Logf(format, args...)
	}
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

// build turns a record into its bulk action (skip: nothing to write).
func (t *task) build(rec *connect.Record) (o op, skip bool, err error) {
	o.rec = rec
	o.index = t.s.index(rec.Topic)
	keyIgnore := t.s.keyIgnore || t.s.keyIgnoreTopics[rec.Topic]
	if rec.Value == nil {
		switch t.s.nullValues {
		case "ignore":
			return o, true, nil
		case "delete":
			if rec.Key == nil {
				return o, true, nil // no id to delete
			}
			if o.id, err = documentID(rec, keyIgnore); err != nil {
				return o, false, err
			}
			r := elastic.NewBulkDeleteRequest().Index(o.index).Id(o.id).UseEasyJSON(true)
			if t.s.typeName != "" {
				r.Type(t.s.typeName)
			}
			o.req, o.del = r, true
			return o, false, nil
		default:
			return o, false, &errDocument{"null valued records are not allowed with behavior.on.null.values=fail; set it to ignore or delete"}
		}
	}
	if o.id, err = documentID(rec, keyIgnore); err != nil {
		return o, false, err
	}
	doc, err := t.enc.appendValue(nil, rec.ValueSchema, rec.Value)
	if err != nil {
		return o, false, err
	}
	if len(doc) == 0 || doc[0] != '{' {
		return o, false, &errDocument{fmt.Sprintf("a %s value is not a document; Elasticsearch documents are JSON objects", typeName(rec.ValueSchema, rec.Value))}
	}
	if t.s.upsert {
		r := elastic.NewBulkUpdateRequest().Index(o.index).Id(o.id).Doc(json.RawMessage(doc)).DocAsUpsert(true).UseEasyJSON(true)
		if t.s.typeName != "" {
			r.Type(t.s.typeName)
		}
		o.req = r
	} else {
		r := elastic.NewBulkIndexRequest().Index(o.index).Id(o.id).Doc(json.RawMessage(doc)).UseEasyJSON(true)
		if t.s.typeName != "" {
			r.Type(t.s.typeName)
		}
		o.req = r
	}
	return o, false, nil
}

// ensureIndex creates a record's index with a mapping from its schema the
// first time the task writes to it, unless schemas are ignored.
func (t *task) ensureIndex(ctx context.Context, rec *connect.Record) error {
	index := t.s.index(rec.Topic)
	t.mu.Lock()
	known := t.indexes[index]
	t.mu.Unlock()
	if known || t.s.schemaIgnore || t.s.schemaIgnTopics[rec.Topic] || rec.ValueSchema == nil {
		return nil
	}
	m := mapping(rec.ValueSchema, t.s.compactMaps)
	if m == nil {
		return nil
	}
	err := t.retry(ctx, func(ctx context.Context) error {
		rctx, cancel := context.WithTimeout(ctx, t.s.readTimeout)
		defer cancel()
		exists, err := t.client.IndexExists(index).Do(rctx)
		if err != nil {
			return fmt.Errorf("check index %s: %w", index, err)
		}
		if exists {
			return nil
		}
		_, err = t.client.CreateIndex(index).BodyJson(map[string]any{"mappings": m}).Do(rctx)
		var ee *elastic.Error
		switch {
		case err == nil:
		case errors.As(err, &ee) && ee.Status == 400 && alreadyExists(ee):
			// another task created it first
		case errors.As(err, &ee) && ee.Status == 400:
			// The server does not take this mapping (ZincSearch refuses some
			// types, such as binary): write anyway and let it infer one.
			t.logf("index %s: mapping from the record schema refused, letting the server infer one: %v", index, err)
		default:
			return fmt.Errorf("create index %s: %w", index, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.indexes[index] = true
	t.mu.Unlock()
	return nil
}

func alreadyExists(e *elastic.Error) bool {
	if e.Details != nil && e.Details.Type == "resource_already_exists_exception" {
		return true
	}
	b, _ := json.Marshal(e.Details)
	return strings.Contains(string(b), "already exists") || strings.Contains(e.Error(), "already exists")
}

// write sends ops in bulk requests of up to batch.size, up to
// max.in.flight at once (one at a time when ids repeat, so writes of an
// id stay in order). It returns the records refused for good; an error
// means some records are not acknowledged and the batch must be retried.
func (t *task) write(ctx context.Context, ops []op) ([]connect.FailedRecord, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	var chunks [][]op
	for len(ops) > 0 {
		n := min(len(ops), t.s.batchSize)
		chunks = append(chunks, ops[:n])
		ops = ops[n:]
	}
	inFlight := t.s.maxInFlight
	if len(chunks) > 1 && repeatsID(chunks) {
		inFlight = 1
	}
	var (
		mu       sync.Mutex
		rejected []connect.FailedRecord
		firstErr error
		wg       sync.WaitGroup
		slots    = make(chan struct{}, inFlight)
	)
	for _, ch := range chunks {
		slots <- struct{}{}
		wg.Add(1)
		go func(ch []op) {
			defer func() { <-slots; wg.Done() }()
			rej, err := t.sendWithRetries(ctx, ch)
			mu.Lock()
			rejected = append(rejected, rej...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}(ch)
	}
	wg.Wait()
	return rejected, firstErr
}

func repeatsID(chunks [][]op) bool {
	seen := map[[2]string]bool{}
	for _, ch := range chunks {
		for _, o := range ch {
			k := [2]string{o.index, o.id}
			if seen[k] {
				return true
			}
			seen[k] = true
		}
	}
	return false
}

// sendWithRetries sends one chunk, retrying what failed for a transient
// reason (the request as a whole, or single items answered 429/5xx) up to
// max.retries times with exponential backoff.
func (t *task) sendWithRetries(ctx context.Context, ops []op) ([]connect.FailedRecord, error) {
	var rejected []connect.FailedRecord
	for attempt := 0; ; {
		rej, retry, err := t.send(ctx, ops)
		rejected = append(rejected, rej...)
		if err == nil && len(retry) == 0 {
			// The status drops a retry's error now, not when the whole
			// batch is written.
			connect.ReportWritten(t.tc)
			return rejected, nil
		}
		if err == nil {
			err = fmt.Errorf("%d documents not acknowledged", len(retry))
		}
		if len(retry) < len(ops) {
			attempt = 0 // progress was made: the retry budget starts again
		} else {
			attempt++
		}
		ops = retry
		if attempt > t.s.maxRetries || ctx.Err() != nil {
			return rejected, fmt.Errorf("bulk write to %s failed after %d attempts: %w", redactAll(t.s.urls), attempt, err)
		}
		// The status says why now, not when these retries run out.
		connect.ReportRetry(t.tc, t.backoff(max(attempt-1, 0)), fmt.Errorf("bulk write to %s: %w", redactAll(t.s.urls), err))
		if !t.sleep(ctx, max(attempt-1, 0)) {
			return rejected, fmt.Errorf("bulk write to %s: %w (last error: %v)", redactAll(t.s.urls), ctx.Err(), err)
		}
	}
}

// retry runs fn up to max.retries+1 times with exponential backoff while
// it fails (a request that did not get through, or an HTTP 429 or 5xx).
func (t *task) retry(ctx context.Context, fn func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		var ee *elastic.Error
		if err == nil || (errors.As(err, &ee) && ee.Status != 429 && ee.Status < 500) {
			return err
		}
		if attempt >= t.s.maxRetries {
			return err
		}
		connect.ReportRetry(t.tc, t.backoff(attempt), err)
		if !t.sleep(ctx, attempt) {
			return err
		}
	}
}

// backoff is retry.backoff.ms doubled per attempt (up to 2^10 times).
func (t *task) backoff(attempt int) time.Duration { return t.s.retryBackoff << min(attempt, 10) }

// sleep waits retry.backoff.ms doubled per attempt, with jitter; false
// when ctx ended first.
func (t *task) sleep(ctx context.Context, attempt int) bool {
	wait := t.backoff(attempt)
	wait += time.Duration(rand.Int64N(int64(wait)/2 + 1))
	select {
	case <-ctx.Done():
		return false
	case <-time.After(wait):
		return true
	}
}

// bulkResponse is a bulk answer. Error is not Elasticsearch's: ZincSearch
// answers 200 with a top-level error and the items up to the one that
// failed when a document does not fit its mapping.
type bulkResponse struct {
	Errors bool                          `json:"errors"`
	Error  json.RawMessage               `json:"error"`
	Items  []map[string]bulkResponseItem `json:"items"`
}

type bulkResponseItem struct {
	Status int             `json:"status"`
	Error  json.RawMessage `json:"error"`
}

type itemError struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// send does one bulk request. It returns the records refused for good,
// the ops to send again, and an error when the request itself failed (all
// ops to send again).
func (t *task) send(ctx context.Context, ops []op) (rejected []connect.FailedRecord, retry []op, err error) {
	var body strings.Builder
	for _, o := range ops {
		lines, err := o.req.Source()
		if err != nil {
			return nil, ops, err
		}
		for _, l := range lines {
			body.WriteString(l)
			body.WriteByte('\n')
		}
	}
	rctx, cancel := context.WithTimeout(ctx, t.s.readTimeout+time.Duration(len(ops))*time.Millisecond)
	defer cancel()
	res, err := t.client.PerformRequest(rctx, elastic.PerformRequestOptions{
		Method:      "POST",
		Path:        "/_bulk",
		Body:        body.String(),
		ContentType: "application/x-ndjson",
	})
	if err != nil {
		return nil, ops, err
	}
	var br bulkResponse
	if err := json.Unmarshal(res.Body, &br); err != nil {
		return nil, ops, fmt.Errorf("bulk answer: %w", err)
	}
	n := min(len(br.Items), len(ops))
	for i := 0; i < n; i++ {
		o := ops[i]
		var item bulkResponseItem
		for _, it := range br.Items[i] {
			item = it
		}
		if ok, permanent, reason := t.judge(o, item); ok {
			t.ack(coordOf(o.rec))
		} else if permanent {
			if t.keepRejected(o, reason) {
				rejected = append(rejected, connect.FailedRecord{Record: *o.rec, Reason: reason})
			}
		} else {
			retry = append(retry, o)
		}
	}
	if n < len(ops) {
		if topErr := string(br.Error); n > 0 && topErr != "" && topErr != "null" && topErr != `""` {
			// ZincSearch: the last item listed is the one that failed.
			t.mu.Lock()
			delete(t.acked, coordOf(ops[n-1].rec))
			t.mu.Unlock()
			reason := unquote(br.Error)
			if looksMalformed(reason) {
				if t.keepRejected(ops[n-1], reason) {
					rejected = append(rejected, connect.FailedRecord{Record: *ops[n-1].rec, Reason: reason})
				}
			} else {
				retry = append(retry, ops[n-1])
			}
		}
		retry = append(retry, ops[n:]...)
	}
	return rejected, retry, nil
}

// judge reads one item's outcome: written, refused for good (with why),
// or failed for a reason worth retrying.
func (t *task) judge(o op, it bulkResponseItem) (ok, permanent bool, reason string) {
	if it.Status >= 200 && it.Status < 300 {
		return true, false, ""
	}
	if o.del && it.Status == 404 {
		return true, false, "" // already gone
	}
	var e itemError
	_ = json.Unmarshal(it.Error, &e)
	reason = strings.TrimSpace(e.Type + ": " + e.Reason)
	if e.Type == "" {
		reason = fmt.Sprintf("HTTP %d: %s", it.Status, string(it.Error))
	}
	if it.Status == 429 || it.Status >= 500 || it.Status == 0 {
		return false, false, reason
	}
	return false, true, reason
}

// keepRejected applies behavior.on.malformed.documents to a refused
// document: true when it goes back to the runtime as rejected.
func (t *task) keepRejected(o op, reason string) bool {
	switch t.s.malformed {
	case "ignore":
		t.ack(coordOf(o.rec))
		return false
	case "warn":
		t.logf("ignoring malformed document %s (id %s, index %s): %s", where(o.rec), o.id, o.index, reason)
		t.ack(coordOf(o.rec))
		return false
	}
	return true
}

// looksMalformed tells a ZincSearch document error (a value that does not
// fit the field's mapping) from a server fault.
func looksMalformed(reason string) bool {
	return strings.HasPrefix(reason, "field [")
}

func unquote(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
