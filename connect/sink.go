package connect

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// topicsRecheck is how often a topics.regex sink looks for new topics.
const topicsRecheck = 5 * time.Second

// sinkTopics resolves a sink's topics (listing the cluster for
// topics.regex; internal topics never match).
func (r *Runtime) sinkTopics(ctx context.Context, cfg Config) []string {
	if rx := cfg[KeyTopicsRegex]; rx != "" {
		re, err := regexp.Compile("^(?:" + rx + ")$")
		if err != nil {
			return nil
		}
		all, err := r.opts.Cluster.Topics(ctx)
		if err != nil {
			return nil
		}
		var out []string
		for _, t := range all {
			if strings.HasPrefix(t.Name, "_") || t.Name == cfg[KeyDLQTopic] {
				continue
			}
			if re.MatchString(t.Name) {
				out = append(out, t.Name)
			}
		}
		return out
	}
	return cfg.List(KeyTopics)
}

// runSink runs one sink task until ctx ends or it fails: it reads the
// topics through the connector's consumer group, converts, transforms,
// puts and flushes each batch, and only then lets the group commit it.
func (r *Runtime) runSink(ctx context.Context, c *connector, t *task) error {
	pl, err := r.newPipeline(c.cfg, Sink)
	if err != nil {
		return err
	}
	st, err := c.plugin.NewSink(c.cfg)
	if err != nil {
		return fmt.Errorf("create task: %w", err)
	}
	tc := &taskContext{r: r, c: c, t: t}
	if err := st.Start(ctx, tc); err != nil {
		return fmt.Errorf("start task: %w", err)
	}
	defer func() {
		if err := st.Stop(); err != nil {
			tc.Logf("stop: %v", err)
		}
	}()
	topics := r.sinkTopics(ctx, c.cfg)
	t.started()
	tick := time.NewTicker(topicsRecheck)
	defer tick.Stop()
	regex := c.cfg[KeyTopicsRegex] != ""
	for len(topics) == 0 { // a topics.regex that matches nothing yet
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			topics = r.sinkTopics(ctx, c.cfg)
		}
	}
	eh := r.newErrorHandler(c, t)
	w := &sinkWriter{r: r, c: c, t: t, pl: pl, task: st, eh: eh, tc: tc}
	sub, err := r.opts.Cluster.Subscribe(ctx, kafka.SubscribeOptions{Group: GroupID(c.name), Topics: topics, Reset: kafka.Earliest}, w.handleRecovering)
	if err != nil {
		return fmt.Errorf("subscribe to %v: %w", topics, err)
	}
	for {
		select {
		case <-ctx.Done():
			return sub.Close()
		case <-sub.Done():
			err := sub.Err()
			sub.Close()
			if err == nil {
				err = errors.New("consumer stopped")
			}
			return err
		case <-tick.C:
			if regex {
				if now := r.sinkTopics(ctx, c.cfg); !slices.Equal(now, topics) {
					if err := sub.Close(); err != nil {
						return err
					}
					return errRestart
				}
			}
		}
	}
}

// sinkWriter handles a sink task's batches.
type sinkWriter struct {
	r    *Runtime
	c    *connector
	t    *task
	pl   *pipeline
	task SinkTask
	eh   *errorHandler
	tc   *taskContext
}

type recKey struct {
	topic     string
	partition int32
	offset    int64
}

// handleRecovering is handle, with a panic in the batch's handling (the
// task's Put or Flush, a converter, a transform) failing the task as
// runTask fails it: the subscription's goroutine runs it, not the task's.
func (w *sinkWriter) handleRecovering(ctx context.Context, batch []kafka.Record) (err error) {
	w.t.inBatch.Store(true)
	defer w.t.inBatch.Store(false)
	defer recoverInto(&err, w.tc.Logf)
	return w.handle(ctx, batch)
}

// handle converts, transforms, puts and flushes one batch; it returns
// nil only when the target holds every record of it (or they were
// tolerated), so the consumer then commits their offsets.
func (w *sinkWriter) handle(ctx context.Context, batch []kafka.Record) error {
	recs := make([]Record, 0, len(batch))
	raws := make(map[recKey]*kafka.Record, len(batch))
	for i := range batch {
		kr := &batch[i]
		rec, err := w.pl.fromKafka(kr)
		if err == nil {
			var keep bool
			rec, keep, err = w.pl.transform(rec)
			if err == nil && !keep {
				continue
			}
		}
		if err != nil {
			if herr := w.eh.handle(ctx, kr, err); herr != nil {
				return herr
			}
			continue
		}
		raws[recKey{kr.Topic, kr.Partition, kr.Offset}] = kr
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil
	}
	maxWait := w.r.opts.MaxBackoff
	if ms := w.c.cfg.Int(KeyRetryDelayMax, 0); ms > 0 && time.Duration(ms)*time.Millisecond < maxWait {
		maxWait = time.Duration(ms) * time.Millisecond
	}
	for attempt := 0; ; attempt++ {
		var err error
		recs, err = w.put(ctx, recs, raws)
		if err != nil && errors.Is(err, ErrToleranceExceeded) {
			return err
		}
		if err == nil {
			if err = w.task.Flush(ctx); err != nil {
				err = fmt.Errorf("flush: %w", err)
			}
		}
		if err == nil {
			w.t.records.Add(int64(len(recs)))
			if last, ok := w.t.recoveredFrom(); ok {
				w.tc.Logf("writes succeed again (last error: %s)", last)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The target is unreachable or refused the batch: retry the same
		// records with backoff, keeping the task RUNNING and the error
		// visible, without committing anything.
		wait := backoff(w.r.opts.MinBackoff, maxWait, attempt)
		w.t.retrying(fmt.Errorf("retrying in %v: %w", wait, err))
		w.tc.Logf("write failed, retrying in %v: %v", wait, err)
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// put hands recs to the task; records it rejects for good go through the
// error handler and the rest are put again. It returns the records that
// were accepted (for a retry of the flush).
func (w *sinkWriter) put(ctx context.Context, recs []Record, raws map[recKey]*kafka.Record) ([]Record, error) {
	for len(recs) > 0 {
		err := w.task.Put(ctx, recs)
		var re *RecordError
		if !errors.As(err, &re) {
			if err != nil {
				return recs, fmt.Errorf("put: %w", err)
			}
			return recs, nil
		}
		failed := map[recKey]bool{}
		for _, f := range re.Failed {
			k := recKey{f.Record.Topic, f.Record.Partition, f.Record.Offset}
			failed[k] = true
			raw := raws[k]
			if herr := w.eh.handle(ctx, raw, &stageError{stage: StageTaskPut, class: w.c.plugin.Class, err: errors.New(f.Reason)}); herr != nil {
				return recs, herr
			}
		}
		if len(failed) == 0 {
			return recs, fmt.Errorf("put: %w", err)
		}
		rest := recs[:0:0]
		for _, r := range recs {
			if !failed[recKey{r.Topic, r.Partition, r.Offset}] {
				rest = append(rest, r)
			}
		}
		recs = rest
	}
	return recs, nil
}

// fromKafka converts a consumed record to Connect data.
func (p *pipeline) fromKafka(kr *kafka.Record) (Record, error) {
	rec := Record{Topic: kr.Topic, Partition: kr.Partition, Offset: kr.Offset, Timestamp: time.UnixMilli(kr.Timestamp)}
	var err error
	if rec.KeySchema, rec.Key, err = p.keyConv.ToConnect(kr.Topic, kr.Key); err != nil {
		return rec, &stageError{stage: StageKeyConverter, class: p.keyConvClass, err: err}
	}
	if rec.ValueSchema, rec.Value, err = p.valConv.ToConnect(kr.Topic, kr.Value); err != nil {
		return rec, &stageError{stage: StageValueConverter, class: p.valConvClass, err: err}
	}
	for _, h := range kr.Headers {
		rec.Headers = append(rec.Headers, Header{Key: h.Key, Value: h.Value})
	}
	return rec, nil
}
