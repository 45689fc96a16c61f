package connect

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// runSource runs a source task until ctx ends or it fails: poll,
// transform, convert, produce (creating missing topics), then store the
// newest offset of each source partition once the records are
// acknowledged, and tell the task.
func (r *Runtime) runSource(ctx context.Context, c *connector, t *task) error {
	pl, err := r.newPipeline(c.cfg, Source)
	if err != nil {
		return err
	}
	stored, err := r.offsets.load(ctx, c.name)
	if err != nil {
		return err
	}
	st, err := c.plugin.NewSource(c.cfg)
	if err != nil {
		return fmt.Errorf("create task: %w", err)
	}
	tc := &taskContext{r: r, c: c, t: t}
	lookup := func(partition map[string]any) (map[string]any, bool) {
		k, err := offsetKey(c.name, partition)
		if err != nil {
			return nil, false
		}
		off, ok := stored[string(k)]
		return off, ok
	}
	if err := st.Start(ctx, tc, lookup); err != nil {
		return fmt.Errorf("start task: %w", err)
	}
	defer func() {
		if err := st.Stop(); err != nil {
			tc.Logf("stop: %v", err)
		}
	}()
	t.started()
	eh := r.newErrorHandler(c, t)
	for ctx.Err() == nil {
		recs, err := st.Poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return &stageError{stage: StageTaskPoll, class: c.plugin.Class, err: err}
		}
		if len(recs) == 0 {
			continue
		}
		out := make([]kafka.Record, 0, len(recs))
		latest := map[string]map[string]any{}
		for i := range recs {
			rec := recs[i]
			if rec.SourcePartition != nil || rec.SourceOffset != nil {
				k, err := offsetKey(c.name, rec.SourcePartition)
				if err != nil {
					return fmt.Errorf("source partition %v: %w", rec.SourcePartition, err)
				}
				latest[string(k)] = rec.SourceOffset
			}
			rec, keep, err := pl.transform(rec)
			if err == nil && !keep {
				continue
			}
			var kr kafka.Record
			if err == nil {
				kr, err = pl.toKafka(rec)
			}
			if err == nil {
				err = r.ensureTopic(ctx, c, kr.Topic)
				if err != nil {
					return err
				}
			}
			if err != nil {
				if herr := eh.handle(ctx, nil, err); herr != nil {
					return herr
				}
				continue
			}
			out = append(out, kr)
		}
		// A stop lets the batch in hand finish, so the records written
		// and the offsets stored stay in step.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), kafka.DefaultTimeout)
		if len(out) > 0 {
			if err := r.opts.Cluster.Produce(wctx, out...); err != nil {
				cancel()
				return &stageError{stage: StageProduce, class: c.plugin.Class, err: err}
			}
		}
		err = r.offsets.write(wctx, latest)
		cancel()
		if err != nil {
			return err
		}
		for k, v := range latest {
			stored[k] = v
		}
		if len(out) > 0 {
			t.records.Add(int64(len(out)))
			if last, ok := t.recoveredFrom(); ok {
				tc.Logf("writes succeed again (last error: %s)", last)
			}
			c.firstDone()
		}
		if err := st.Commit(ctx); err != nil {
			tc.Logf("commit: %v", err)
		}
	}
	return nil
}

// toKafka converts a source record to Kafka bytes.
func (p *pipeline) toKafka(rec Record) (kafka.Record, error) {
	kr := kafka.Record{Topic: rec.Topic, Partition: rec.Partition, Timestamp: rec.Timestamp.UnixMilli()}
	if rec.Timestamp.IsZero() {
		kr.Timestamp = time.Now().UnixMilli()
	}
	if kr.Partition < 0 {
		kr.Partition = -1
	}
	var err error
	if rec.Key != nil {
		if kr.Key, err = p.keyConv.FromConnect(rec.Topic, rec.KeySchema, rec.Key); err != nil {
			return kr, &stageError{stage: StageKeyConverter, class: p.keyConvClass, err: err}
		}
	}
	if rec.Value != nil {
		if kr.Value, err = p.valConv.FromConnect(rec.Topic, rec.ValueSchema, rec.Value); err != nil {
			return kr, &stageError{stage: StageValueConverter, class: p.valConvClass, err: err}
		}
	}
	for _, h := range rec.Headers {
		kr.Headers = append(kr.Headers, kafka.Header{Key: h.Key, Value: h.Value})
	}
	return kr, nil
}

// ensureTopic creates a source's output topic the first time it is seen
// missing, with topic.creation.default.partitions partitions (default 1).
func (r *Runtime) ensureTopic(ctx context.Context, c *connector, topic string) error {
	c.topicsMu.Lock()
	defer c.topicsMu.Unlock()
	if c.written[topic] {
		return nil
	}
	if topic == "" {
		return fmt.Errorf("a source record has no topic")
	}
	_, ok, err := r.opts.Cluster.Topic(ctx, topic)
	if err != nil {
		return fmt.Errorf("describe topic %s: %w", topic, err)
	}
	if !ok {
		parts := int32(c.cfg.Int("topic.creation.default.partitions", 1))
		if parts < 1 {
			parts = 1
		}
		if err := r.opts.Cluster.CreateTopic(ctx, kafka.TopicInfo{Name: topic, Partitions: parts, Replicas: 1}); err != nil {
			return err // it names the topic
		}
	}
	if c.written == nil {
		c.written = map[string]bool{}
	}
	c.written[topic] = true
	return nil
}

func (c *connector) sourceTopics() []string {
	c.topicsMu.Lock()
	defer c.topicsMu.Unlock()
	out := make([]string, 0, len(c.written))
	for t := range c.written {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
